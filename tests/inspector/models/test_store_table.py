"""The store table model: Qt's model contract, in-place updates, live ages, filtering."""

from __future__ import annotations

import dataclasses
import time
from unittest import mock

from _store_rows import ENTRIES, FakeDirectory, cell, make_entry
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import (
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QIcon

from inspector.models.store_columns import (
    FILTER_ROLE,
    SORT_ROLE,
    Column,
)
from inspector.models.store_table import StoreTableModel
from inspector.presentation import format_age, format_size
from inspector.services.store_directory import StoreHealth
from lockcore import LockState


def test_columns_show_lock_state_holder_and_health(model):
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in Column] == [
        "File",
        "Lock",
        "PID",
        "Process",
        "Lock age",
        "Size",
        "Modified",
        "Health",
        "Holds/min",
        "Hold p50",
        "Hold p99",
        "Hold max",
        "Last holder",
        "Our longest wait",
    ]
    assert cell(model, 0, Column.LOCK) == "free"
    assert cell(model, 0, Column.PID) == ""
    assert cell(model, 1, Column.LOCK) == "held"
    assert cell(model, 1, Column.PID) == "4711"
    assert cell(model, 1, Column.PROCESS) == "sync.py"
    assert cell(model, 1, Column.PROCESS, Qt.ItemDataRole.ToolTipRole) == "python sync.py --loop"
    assert cell(model, 1, Column.AGE).startswith("1m 0")
    assert cell(model, 2, Column.LOCK) == "stale — holder dead"
    assert cell(model, 2, Column.PROCESS) == "sync.py"  # the lock column says it is dead
    tooltip = cell(model, 2, Column.PROCESS, Qt.ItemDataRole.ToolTipRole)
    assert tooltip == "python sync.py --loop (exited)"
    assert cell(model, 0, Column.SIZE) == "2.0 KiB"
    assert cell(model, 0, Column.HEALTH) == "valid JSON"
    assert not cell(model, 1, Column.LOCK, Qt.ItemDataRole.DecorationRole).isNull()
    assert cell(model, 1, Column.SIZE, SORT_ROLE) == 2048


def test_updates_in_place_without_reset(qtbot, qtmodeltester, model, directory):
    qtmodeltester.check(model)
    resets: list[bool] = []
    model.modelAboutToBeReset.connect(lambda: resets.append(True))
    keep = QPersistentModelIndex(model.index(2, 0))

    with qtbot.waitSignal(model.dataChanged, timeout=1000) as changed:
        directory.entries_updated.emit([make_entry("b.json")])
    assert changed.args[0].row() == 1
    assert cell(model, 1, Column.LOCK) == "free"

    with qtbot.waitSignal(model.rowsInserted, timeout=1000):
        directory.entries_updated.emit([make_entry("d.json"), make_entry("e.json")])
    assert model.rowCount() == 5

    with qtbot.waitSignal(model.rowsRemoved, timeout=1000):
        directory.entries_removed.emit(["/stores/a.json", "/stores/d.json", "/stores/nope"])
    assert [cell(model, r, Column.FILE) for r in range(model.rowCount())] == [
        "b.json",
        "c.json",
        "e.json",
    ]
    assert keep.isValid()
    assert keep.row() == 1
    assert model.row_of("/stores/e.json") == 2
    assert not resets
    qtmodeltester.check(model)


def test_lock_age_ticks_only_for_locked_rows(qtbot, model):
    rows: set[int] = set()

    def record(top, bottom, _roles=()):
        assert top.column() == bottom.column() == Column.AGE
        rows.update(range(top.row(), bottom.row() + 1))

    model.dataChanged.connect(record)
    with qtbot.waitSignal(model.dataChanged, timeout=2500):
        pass
    assert rows == {1, 2}


def names(model) -> list[str]:
    return [cell(model, row, Column.FILE) for row in range(model.rowCount())]


def test_filter_and_sort(qtmodeltester, model):
    resets: list[bool] = []
    model.modelAboutToBeReset.connect(lambda: resets.append(True))
    model.set_filter_text("stale")
    assert names(model) == ["c.json"]
    qtmodeltester.check(model)
    model.set_filter_text("SYNC")  # the process of the held and the stale lock
    assert names(model) == ["b.json", "c.json"]
    model.set_filter_text("")
    model.sort(Column.FILE, Qt.SortOrder.DescendingOrder)
    assert names(model) == ["c.json", "b.json", "a.json"]
    model.set_filter_text("json")
    model.set_filter_text("nothing matches this")
    assert model.rowCount() == 0
    model.set_filter_text("")
    assert names(model) == ["c.json", "b.json", "a.json"]
    assert not resets
    qtmodeltester.check(model)


def test_filtered_rows_follow_their_stores(qtmodeltester, model, directory):
    model.sort(Column.FILE, Qt.SortOrder.AscendingOrder)
    model.set_filter_text("held")
    assert names(model) == ["b.json"]
    keep = QPersistentModelIndex(model.index(0, 0))
    # a.json gets locked: it now matches and comes in, in its place.
    directory.entries_updated.emit([make_entry("a.json", LockState.HELD_ALIVE)])
    assert names(model) == ["a.json", "b.json"]
    assert keep.row() == 1
    # b.json is released: it no longer matches and leaves.
    directory.entries_updated.emit([make_entry("b.json")])
    assert names(model) == ["a.json"]
    assert not keep.isValid()
    # A store the filter hides can still be removed, and does not come back.
    directory.entries_removed.emit(["/stores/b.json"])
    model.set_filter_text("")
    assert names(model) == ["a.json", "c.json"]
    for row in range(model.rowCount()):
        assert model.row_of(model.entry_at(row).path) == row
    qtmodeltester.check(model)


def test_one_call_paints_a_cell_with_what_data_answers(model):
    roles = [
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ToolTipRole,
    ]
    for row in range(model.rowCount()):
        for column in Column:
            index = model.index(row, column)
            for role in roles:
                role_data = QModelRoleData(role)
                model.multiData(index, QModelRoleDataSpan(role_data))
                expected = model.data(index, role)
                if isinstance(expected, str | int) or expected is None:
                    assert role_data.data() == expected, (row, column, role)
                else:
                    assert role_data.data() is not None, (row, column, role)
    role_data = QModelRoleData(Qt.ItemDataRole.DisplayRole)
    model.multiData(model.index(99, 0), QModelRoleDataSpan(role_data))
    assert role_data.data() is None


def test_ages_tick_only_for_the_visible_locked_rows(qtbot, model):
    rows: set[int] = set()

    def record(top, bottom, _roles=()):
        assert top.column() == bottom.column() == Column.AGE
        rows.update(range(top.row(), bottom.row() + 1))

    asked: list[bool] = []

    def visible():
        asked.append(True)
        return [0, 1]  # row 2 (locked too) is scrolled away

    model.set_visible_rows_provider(visible)
    model.dataChanged.connect(record)
    with qtbot.waitSignal(model.dataChanged, timeout=2500):
        pass
    assert rows == {1}
    assert asked
    model.set_visible_rows_provider(list)
    rows.clear()
    qtbot.wait(1200)  # nothing visible: a whole tick passes without a single repaint
    assert rows == set()


def test_filter_matches_file_process_state_and_health(model):
    model.set_filter_text("valid json")
    assert model.rowCount() == 3
    model.set_filter_text("b.json")
    assert model.rowCount() == 1


def changed_cells(model, directory, entries) -> set[tuple[int, int]]:
    """The (row, column) cells the model announces as changed when ``entries`` arrive."""
    cells: set[tuple[int, int]] = set()

    def record(top, bottom, _roles=()):
        for row in range(top.row(), bottom.row() + 1):
            cells.update((row, column) for column in range(top.column(), bottom.column() + 1))

    model.dataChanged.connect(record)
    directory.entries_updated.emit(entries)
    model.dataChanged.disconnect(record)
    return cells


def test_a_changed_row_announces_only_the_cells_that_changed(model, directory):
    # A 16-row range over every column (the figure columns too) made Qt repaint the whole view
    # (over ~200 cells it stops working out which); a storm changes a few cells per row.
    held = model.entry_at(1)
    assert held.lock is not None
    newer_lock = dataclasses.replace(held.lock, created=held.lock.created + 1)
    again = dataclasses.replace(held, lock=newer_lock, mtime=held.mtime + 3600)
    assert changed_cells(model, directory, [again]) == {(1, Column.AGE), (1, Column.MODIFIED)}
    assert cell(model, 1, Column.AGE) == format_age(newer_lock.age())
    # A new lock of the same holder, as old as the last one looked, and a write in the same
    # second: the same text in every cell (a storm's usual round), nothing to repaint.
    same_text = dataclasses.replace(
        again, lock=dataclasses.replace(newer_lock, created=newer_lock.created + 0.001)
    )
    assert changed_cells(model, directory, [same_text]) == set()
    assert model.entry_at(1) is same_text

    # Taken: the lock's word, holder and age; looked at again unchanged: nothing at all.
    taken = make_entry("a.json", LockState.HELD_ALIVE, mtime=model.entry_at(0).mtime)
    lock_columns = {Column.LOCK, Column.PID, Column.PROCESS, Column.AGE}
    assert changed_cells(model, directory, [taken]) == {(0, column) for column in lock_columns}
    assert cell(model, 0, Column.PID) == "4711"
    looked_again = dataclasses.replace(
        taken, lock=dataclasses.replace(taken.lock, inspected_at=time.time() + 5)
    )
    assert changed_cells(model, directory, [looked_again]) == set()

    # A row moved by the sort is announced whole; the order and the cells stay right.
    model.sort(Column.SIZE, Qt.SortOrder.AscendingOrder)
    bigger = dataclasses.replace(model.entry_at(0), size=99_999)
    cells = changed_cells(model, directory, [bigger])
    row = model.row_of(bigger.path)
    assert row == 2
    assert {column for moved_row, column in cells if moved_row == row} == set(range(8))
    assert cell(model, row, Column.SIZE) == format_size(99_999)


def test_completed_rows_scrolled_away_announce_only_their_documents_cells(qtmodeltester, directory):
    # The document pass after a listing brings every row again with its data file's facts
    # (name, files and lock as they were): the rows someone sees are announced cell by cell,
    # the others over the document's three columns in ranges Qt still paints precisely (at most
    # CHANGED_CELL_LIMIT cells: 66 rows, where a whole entry's eight columns allow 25).
    listed = [
        make_entry(f"s{n:03d}.json", size=None, mtime=None, health=StoreHealth.PENDING,
                   health_detail="Not checked yet.", data_stamp=None)
        for n in range(300)
    ]  # fmt: skip
    listed[5] = make_entry("s005.json", LockState.HELD_ALIVE, health=StoreHealth.PENDING)
    model = StoreTableModel(directory)
    model.sort(Column.FILE, Qt.SortOrder.AscendingOrder)
    directory.entries_updated.emit(listed)
    model.set_visible_rows_provider(lambda: range(10))
    checked = [
        dataclasses.replace(entry, size=100 + n, mtime=1e9, health=StoreHealth.VALID,
                            health_detail="Valid JSON.", data_stamp=(n, 100 + n, 1))
        for n, entry in enumerate(listed)
    ]  # fmt: skip
    ranges: list[tuple[int, int, int, int]] = []

    def record(top, bottom, _roles=()):
        ranges.append((top.row(), bottom.row(), top.column(), bottom.column()))

    model.dataChanged.connect(record)
    directory.entries_updated.emit(checked)
    model.dataChanged.disconnect(record)
    document = (Column.SIZE, Column.HEALTH)
    seen = [r for r in ranges if r[0] < 10]
    away = [r for r in ranges if r[0] >= 10]
    assert all(r[1] < 10 for r in seen)
    # Seen: each row's changed cells, which are the document's (the same lock, name and files).
    assert {(r[2], r[3]) for r in seen} == {document}
    assert sorted(row for r in seen for row in range(r[0], r[1] + 1)) == list(range(10))
    # Scrolled away: the document's columns only, every row once, in ranges of <= 200 cells.
    assert {(r[2], r[3]) for r in away} == {document}
    assert sorted(row for r in away for row in range(r[0], r[1] + 1)) == list(range(10, 300))
    assert all((r[1] - r[0] + 1) * (r[3] - r[2] + 1) <= 200 for r in ranges)
    assert len(away) == 5  # 290 rows, 66 a range (not 12 ranges of a whole entry's 25 rows)
    assert [model.entry_at(row) for row in range(300)] == checked
    assert cell(model, 250, Column.SIZE) == format_size(350)
    assert cell(model, 5, Column.PID) == "4711"
    qtmodeltester.check(model)


_DELEGATE_ROLES = (  # what QStyledItemDelegate asks for to paint a cell, then the others
    Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.CheckStateRole,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.ToolTipRole,
    SORT_ROLE,
    FILTER_ROLE,
)


def _comparable(value: object) -> object:
    if isinstance(value, QIcon):
        return ("icon", value.cacheKey())
    if isinstance(value, QColor):
        return ("colour", value.name())
    return value


def painted(model: StoreTableModel, row: int, column: Column) -> list[object]:
    """What one multiData call per role answers for a cell."""
    answers = []
    for role in _DELEGATE_ROLES:
        role_data = QModelRoleData(role)
        model.multiData(model.index(row, column), QModelRoleDataSpan(role_data))
        answers.append(_comparable(role_data.data()))
    return answers


def asked(model: StoreTableModel, row: int, column: Column) -> list[object]:
    return [_comparable(model.data(model.index(row, column), role)) for role in _DELEGATE_ROLES]


@given(entry=ENTRIES, again=ENTRIES, noted=st.booleans())
def test_a_painted_cell_answers_what_data_answers_for_every_version_of_its_row(
    qapp, entry, again, noted
):
    # The cells painted are worked out once per version of a row and kept: a row's new entry,
    # or a schema note coming or going, is painted as data() says, never as it was.
    directory = FakeDirectory()
    directory.initial = [entry]
    model = StoreTableModel(directory)
    with mock.patch("time.time", return_value=1000.0):  # ages and "today" alike for both
        for column in Column:
            assert painted(model, 0, column) == asked(model, 0, column), column
            assert painted(model, 0, column) == asked(model, 0, column), column  # kept
        directory.entries_updated.emit([dataclasses.replace(again, path=entry.path)])
        if noted:
            model.set_schema_note(entry.path, "schema: 2 errors")
        for column in Column:
            assert painted(model, 0, column) == asked(model, 0, column), column
        if noted:
            assert "schema: 2 errors" in str(painted(model, 0, Column.HEALTH))
            model.set_schema_note(None, None)
            assert painted(model, 0, Column.HEALTH) == asked(model, 0, Column.HEALTH)


def test_a_painted_time_of_today_becomes_a_date_the_next_day(qapp, directory):
    written = time.time()
    directory.initial = [make_entry("a.json", mtime=written)]
    model = StoreTableModel(directory)
    today = cell(model, 0, Column.MODIFIED)
    assert painted(model, 0, Column.MODIFIED)[5] == today
    assert "-" not in today  # a time, not a date
    with mock.patch("time.time", return_value=written + 2 * 86400):
        model._on_age_timer_timeout()  # the lock ages' tick, once a second
        assert painted(model, 0, Column.MODIFIED)[5] == cell(model, 0, Column.MODIFIED)
        assert "-" in cell(model, 0, Column.MODIFIED)  # a date
