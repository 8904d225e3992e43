"""The store table's delegate paints what Qt's own delegate paints from the model's answers, and
paints the cells the model worked out already without asking it role by role (multiData)."""

from __future__ import annotations

import dataclasses
import time
from typing import Any
from unittest import mock

from _table_support import FakeDirectory
from PySide6.QtCore import QModelRoleDataSpan
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QStyledItemDelegate

from inspector.models.store_columns import Column
from inspector.models.store_table import StoreTableModel
from inspector.services.store_entry import StoreEntry, StoreHealth
from inspector.widgets.store_table_delegate import StoreTableDelegate
from inspector.widgets.store_table_view import StoreTableView
from lockcore import LockFormat, LockInfo, LockState


def make_entry(name: str, state: LockState = LockState.FREE, **changes: Any) -> StoreEntry:
    """A checked store, valid, locked in ``state`` by a holder 65 s old unless free."""
    path = f"/stores/{name}"
    locked = state is not LockState.FREE
    lock = LockInfo(
        path=path,
        lock_path=path + ".lock",
        state=state,
        format=LockFormat.LOCKCORE if locked else LockFormat.NONE,
        pid=4711 if locked else None,
        hostname="here" if locked else None,
        process_name="sync.py" if locked else None,
        cmdline=("python", "sync.py") if locked else (),
        holder_alive=(state is LockState.HELD_ALIVE) if locked else None,
        created=time.time() - 65 if locked else None,
        reason="held by PID 4711" if locked else "no lock file",
    )
    entry = dataclasses.replace(
        StoreEntry.unchecked(path, name),
        lock=lock,
        size=2048,
        mtime=time.time(),
        health=StoreHealth.VALID,
        health_detail="Valid JSON.",
        data_stamp=(1, 2048, 3),
    )
    return dataclasses.replace(entry, **changes)


def varied_entries() -> list[StoreEntry]:
    """Rows of every look: free, held (an icon, a PID, an age), stale (a colour), a broken
    document (a colour), a pending one, a long name (elided), a name with a newline."""
    return [
        make_entry("a.json"),
        make_entry("b.json", LockState.HELD_ALIVE),
        make_entry("c.json", LockState.STALE_DEAD_HOLDER),
        make_entry("d.json", health=StoreHealth.CORRUPT, health_detail="Not JSON."),
        StoreEntry.unchecked("/stores/e.json", "e.json"),
        make_entry("f-" + "very-long-name-" * 8 + ".json", size=None, mtime=None),
        make_entry("g\nh.json"),
        *(make_entry(f"s{number:02d}.json", size=number * 1000) for number in range(20)),
    ]


def shown_view(qtbot: Any, model: StoreTableModel) -> StoreTableView:
    view = StoreTableView(model)
    qtbot.addWidget(view)
    view.resize(900, 420)
    view.show()
    qtbot.waitExposed(view)
    return view


def painted_image(view: StoreTableView) -> QImage:
    return view.viewport().grab().toImage()


def test_the_delegate_paints_every_cell_as_qts_own_delegate_does(qtbot: Any) -> None:
    entries = varied_entries()
    images = []
    # The same clock for both (lock ages, "today"), each table as it is first shown.
    with mock.patch("time.time", return_value=time.time()):
        for delegate in (None, QStyledItemDelegate):
            directory = FakeDirectory(entries)
            model = StoreTableModel(directory)  # type: ignore[arg-type]
            view = StoreTableView(model)
            qtbot.addWidget(view)
            if delegate is None:
                assert isinstance(view.itemDelegate(), StoreTableDelegate)
            else:
                view.setItemDelegate(delegate(view))
            view.horizontalHeader().setSectionHidden(Column.HOLD_P50, False)  # a figure too
            view.resize(900, 420)
            view.show()
            qtbot.waitExposed(view)
            view.selectRow(1)  # a selected row: its icon in the selected mode
            images.append(painted_image(view))
    ours, qts = images
    assert ours.size() == qts.size()
    assert ours == qts


def test_cells_worked_out_once_are_painted_without_multidata(qtbot: Any, monkeypatch) -> None:
    # multiData walks the delegate's seven roles in Python, a wrapper made and a value set or
    # cleared for each: for a cell already worked out the delegate reads the model's answers.
    directory = FakeDirectory(
        [dataclasses.replace(make_entry(f"s{number:02d}.json"), lock=None) for number in range(30)]
    )
    model = StoreTableModel(directory)  # type: ignore[arg-type]
    view = shown_view(qtbot, model)
    asked: list[int] = []
    multi_data = StoreTableModel.multiData

    def counted(self: StoreTableModel, index: Any, span: QModelRoleDataSpan) -> None:
        asked.append(index.column())
        multi_data(self, index, span)

    monkeypatch.setattr(StoreTableModel, "multiData", counted)
    view.viewport().repaint()
    assert len(view.visible_rows()) >= 10
    assert asked == []
