"""Per-store lock figures in the window: the store table's optional columns and the pane's
header line, from real writers and a real save that waits for a real holder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from PySide6.QtCore import Qt

from inspector.document.tree_model import VALUE_COLUMN
from inspector.models.store_columns import FIGURE_COLUMNS, Column
from inspector.widgets.store_figures_line import figures_text

DEADLINE_MS = 10_000


def _writer(store: str, updates: int) -> list[str]:
    """Updates that each hold the lock 20 ms: long enough for the stream to read every holder
    on a busy machine (a bare update is often "too short to see", with no PID or duration)."""
    code = (
        "import lockcore, sys, time\n"
        "def hold(document):\n"
        "    time.sleep(0.02)\n"
        "    return document\n"
        f"for _ in range({updates}):\n"
        "    lockcore.locked_update_json(sys.argv[1], hold, durable=False)\n"
    )
    return [sys.executable, "-c", code, store]


def _watching(qtbot: Any, window: Any) -> None:
    events = window.services.lock_events
    qtbot.waitUntil(lambda: events.is_watching, timeout=DEADLINE_MS)


def test_figure_columns_are_hidden_until_asked_for_and_show_the_holds(
    qtbot: Any, main_window: Any, store_folder: str
) -> None:
    table, model = main_window.table, main_window.model
    header = table.horizontalHeader()
    assert all(header.isSectionHidden(column) for column in FIGURE_COLUMNS)
    assert not header.isSectionHidden(Column.LOCK)
    menu = table.column_menu()
    titles = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert "Holds/min" in titles
    assert "Our longest wait" in titles
    next(a for a in menu.actions() if a.text() == "Holds/min").trigger()
    next(a for a in menu.actions() if a.text() == "Last holder").trigger()
    assert not header.isSectionHidden(Column.HOLDS_PER_MINUTE)
    assert not header.isSectionHidden(Column.LAST_HOLDER)
    assert header.isSectionHidden(Column.HOLD_P99)

    _watching(qtbot, main_window)
    store = os.path.join(store_folder, "projects.json")
    writer = subprocess.run(_writer(store, 25), check=True, timeout=60)
    assert writer.returncode == 0
    row = model.row_of(store)
    qtbot.waitUntil(
        lambda: int(model.index(row, Column.HOLDS_PER_MINUTE).data() or 0) >= 25,
        timeout=DEADLINE_MS,
    )
    assert "PID" in model.index(row, Column.LAST_HOLDER).data()
    assert model.index(row, Column.HOLD_MAX).data().endswith(("ms", "s"))
    # Another store's cells stay empty.
    other = model.row_of(os.path.join(store_folder, "settings.json"))
    assert model.index(other, Column.HOLD_MAX).data() in (None, "")


def test_a_save_that_waited_for_a_holder_shows_our_longest_wait(
    qtbot: Any, main_window: Any, store_folder: str, lock_holder: Any
) -> None:
    store = os.path.join(store_folder, "settings.json")
    _watching(qtbot, main_window)
    assert main_window.select_store(store)
    pane = main_window.document_pane
    qtbot.waitUntil(lambda: pane.loaded is not None, timeout=DEADLINE_MS)
    index = pane.model.index_for_json_path("theme").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(index, "light", Qt.ItemDataRole.EditRole)
    holder = lock_holder(store)
    main_window.save_action.trigger()
    qtbot.waitUntil(lambda: f"held by PID {holder.pid}" in pane.progress_bar.text, timeout=5000)
    waited_at_least = 0.3
    # The wait's length is what is measured here. Measured by the clock, not qtbot.wait(300)
    # alone: Qt's coarse timers may fire up to 5 % early (CI saw 0.297 s).
    end = time.monotonic() + waited_at_least
    while time.monotonic() < end:
        qtbot.wait(10)
    with qtbot.waitSignal(pane.saved, timeout=DEADLINE_MS):
        holder.release()
    events = main_window.services.lock_events
    qtbot.waitUntil(lambda: events.figures(store).longest_wait is not None, timeout=DEADLINE_MS)
    figures = events.figures(store)
    assert figures.longest_wait is not None
    assert figures.longest_wait >= waited_at_least
    line = main_window.figures_line
    qtbot.waitUntil(lambda: "our longest wait" in line.text(), timeout=DEADLINE_MS)
    assert line.text() == figures_text(events.figures(store))
    assert not line.isHidden()
    row = main_window.model.row_of(store)
    assert main_window.model.index(row, Column.LONGEST_WAIT).data()


def test_the_store_table_with_figures_passes_the_model_tester(
    qtbot: Any, qtmodeltester: Any, main_window: Any, store_folder: str
) -> None:
    _watching(qtbot, main_window)
    store = os.path.join(store_folder, "settings.json")
    subprocess.run(_writer(store, 5), check=True, timeout=60)
    events = main_window.services.lock_events
    qtbot.waitUntil(lambda: events.figures(store).hold_max is not None, timeout=DEADLINE_MS)
    model = main_window.model
    qtmodeltester.check(model)
    # Sorted by a figure: the store with holds comes last in ascending order.
    model.sort(Column.HOLDS_PER_MINUTE, Qt.SortOrder.AscendingOrder)
    assert model.entry_at(model.rowCount() - 1).path == store
    qtmodeltester.check(model)
