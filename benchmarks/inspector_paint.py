"""bench_inspector's painting (``--only paint``): one repaint of the listed table's viewport
against a plain QTableView over a QStandardItemModel holding the same cells."""

from __future__ import annotations

import copy
import statistics
import time
from pathlib import Path
from typing import Any

from inspector_folder import Folder
from inspector_window import close_window, new_window, run_loop_for, run_loop_until
from PySide6.QtCore import QCoreApplication, Qt

ROOT = Path(__file__).resolve().parent.parent

# --- 4. painting the table ------------------------------------------------------------------


def _plain_copy(table: Any, first_row: int, rows: int) -> tuple[Any, Any]:
    """A plain ``QTableView`` set up as ``table`` (size, columns, row height, look) over a
    ``QStandardItemModel`` holding what ``rows`` rows of ``table`` from ``first_row`` show --
    text, icon, colour, alignment: the same paint with every value already in C++."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTableView

    source = table.model()
    columns = source.columnCount()
    plain_model = QStandardItemModel(rows, columns)
    roles = (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.TextAlignmentRole,
    )
    for row in range(rows):
        for column in range(columns):
            item = QStandardItem()
            for role in roles:
                value = source.data(source.index(first_row + row, column), role)
                if value is not None:
                    item.setData(value, role)
            plain_model.setItem(row, column, item)
    view = QTableView()
    view.setModel(plain_model)
    for setting in ("alternatingRowColors", "showGrid", "wordWrap", "textElideMode", "iconSize"):
        getattr(view, "set" + setting[0].upper() + setting[1:])(getattr(table, setting)())
    view.setVerticalScrollBarPolicy(table.verticalScrollBarPolicy())
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(table.verticalHeader().defaultSectionSize())
    header, source_header = view.horizontalHeader(), table.horizontalHeader()
    header.setStretchLastSection(source_header.stretchLastSection())
    for column in range(columns):
        header.resizeSection(column, source_header.sectionSize(column))
        header.setSectionHidden(column, source_header.isSectionHidden(column))
    view.resize(table.size())
    view.show()
    QCoreApplication.processEvents()
    return view, plain_model


def _repaint_cpu(widget: Any) -> float:
    """Thread CPU seconds of one synchronous repaint of ``widget``."""
    began = time.thread_time()
    widget.repaint()
    return time.thread_time() - began


def _python_calls(widget: Any) -> int:
    """Python function calls made during one repaint of ``widget`` (cProfile's count)."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    widget.repaint()
    profile.disable()
    return sum(
        calls
        for (filename, _, _), (_, calls, *_rest) in pstats.Stats(profile).stats.items()  # type: ignore[attr-defined]
        if filename.startswith(str(ROOT))
    )


def bench_paint(folder: Folder, rounds: int) -> list[tuple[str, str, str, str]]:
    """One repaint of the listed table's viewport (a screenful of rows, the default columns,
    every document checked), its thread CPU beside the same paint of a plain ``QTableView``
    over a ``QStandardItemModel`` holding the same cells; alternating, ``rounds`` each."""
    window = new_window()
    checked = [False]
    window.directory.checks_finished.connect(lambda: checked.__setitem__(0, True))
    window.open_folder(folder.path)
    assert run_loop_until(lambda: checked[0] and window.model.rowCount() == folder.stores, 60)
    # The middle of the folder: locked rows are spread through it.
    table, model = window.table, window.model
    table.scrollTo(model.index(folder.stores // 2, 0), table.ScrollHint.PositionAtTop)
    run_loop_for(0.2)
    visible = table.visible_rows()
    view, _copy = _plain_copy(table, visible.start, len(visible))
    viewport, plain = table.viewport(), view.viewport()
    again: list[float] = []
    fresh: list[float] = []
    floor: list[float] = []
    window_paints: list[float] = []
    for _ in range(rounds):
        floor.append(_repaint_cpu(plain))
        again.append(_repaint_cpu(viewport))
        # The same rows, each entry new (as after a listing's batch or a change): the first
        # paint of each. Only the paint is timed.
        entries = [model.entry_at(row) for row in visible]
        model._on_entries_updated([copy.copy(entry) for entry in entries if entry is not None])
        fresh.append(_repaint_cpu(viewport))
    for _ in range(max(3, rounds // 10)):
        window_paints.append(_repaint_cpu(window))
    calls = _python_calls(viewport)
    cells = len(visible) * sum(
        1 for column in range(model.columnCount()) if not table.isColumnHidden(column)
    )
    view.close()
    view.deleteLater()
    close_window(window)
    base = statistics.median(floor)
    painted_again, painted_fresh = statistics.median(again), statistics.median(fresh)
    return [
        (
            f"table repaint, {len(visible)} rows ({cells} cells), painted before: thread CPU",
            f"{painted_again * 1000:.2f} ms",
            f"{base * 1000:.2f} ms QStandardItemModel, plain view",
            f"{painted_again / base:.2f}x",
        ),
        (
            "table repaint, every row's entry new",
            f"{painted_fresh * 1000:.2f} ms",
            f"{base * 1000:.2f} ms",
            f"{painted_fresh / base:.2f}x",
        ),
        ("  Python calls in one repaint (painted before)", f"{calls:,}", "", ""),
        (
            "whole window repaint (window.repaint()): thread CPU",
            f"{statistics.median(window_paints) * 1000:.2f} ms",
            "",
            "",
        ),
    ]
