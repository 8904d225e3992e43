"""The store table's rows in their order (models/store_order.py): batches inserted as ranges
or landing sorted, rows moving when their sort key changes, persistent indexes kept."""

from __future__ import annotations

import dataclasses

import pytest
from _store_rows import make_entry
from PySide6.QtCore import QPersistentModelIndex, Qt

from inspector.models.store_columns import Column
from inspector.models.store_table import StoreTableModel
from lockcore import LockState


def test_a_batch_of_new_rows_is_one_range(qtbot, qtmodeltester, directory, qapp):
    model = StoreTableModel(directory)
    model.sort(Column.FILE, Qt.SortOrder.AscendingOrder)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    directory.entries_updated.emit([make_entry(f"s{n:03d}.json") for n in range(100)])
    directory.entries_updated.emit([make_entry(f"t{n:03d}.json") for n in range(100)])
    assert inserted == [(0, 99), (100, 199)]
    qtmodeltester.check(model)


def test_sorted_model_keeps_its_order_through_inserts_and_changes(
    qtbot, qtmodeltester, model, directory
):
    model.sort(Column.LOCK, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model)

    def words():
        return [model.index(r, Column.LOCK).data() for r in range(model.rowCount())]

    assert words() == sorted(words(), key=str.casefold)
    keep = QPersistentModelIndex(model.index(model.row_of("/stores/a.json"), 0))
    moves: list[bool] = []
    model.rowsMoved.connect(lambda *_: moves.append(True))
    # a.json (free, first) goes stale: it moves after the held b.json, no reset.
    directory.entries_updated.emit([make_entry("a.json", LockState.STALE_DEAD_HOLDER)])
    assert moves
    assert words() == sorted(words(), key=str.casefold)
    assert keep.isValid()
    assert model.entry_at(keep.row()).name == "a.json"
    # New rows land where they belong, a few inserted one by one, many in one go.
    directory.entries_updated.emit([make_entry("0-first.json", LockState.BEING_CREATED)])
    directory.entries_updated.emit(
        [make_entry(f"n{n:02d}.json", LockState.STALE_DEAD_HOLDER) for n in range(40)]
    )
    assert words() == sorted(words(), key=str.casefold)
    for row in range(model.rowCount()):
        assert model.row_of(model.entry_at(row).path) == row
    model.sort(Column.FILE, Qt.SortOrder.DescendingOrder)
    names = [model.entry_at(r).name for r in range(model.rowCount())]
    assert names == sorted(names, key=str.casefold, reverse=True)
    qtmodeltester.check(model)


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_a_batch_of_new_rows_in_any_order_lands_sorted(qtmodeltester, directory, order):
    model = StoreTableModel(directory)
    model.sort(Column.FILE, order)
    names = [f"{'S' if n % 3 else 's'}{(n * 7919) % 500:03d}.json" for n in range(500)]
    directory.entries_updated.emit([make_entry(name) for name in names[:100]])
    directory.entries_updated.emit([make_entry(name) for name in names[100:]])
    shown = [model.entry_at(row).name for row in range(model.rowCount())]
    expected = sorted(
        names,
        key=lambda name: (name.casefold(), f"/stores/{name}"),
        reverse=order == Qt.SortOrder.DescendingOrder,
    )
    assert shown == expected
    for row in range(model.rowCount()):
        assert model.row_of(model.entry_at(row).path) == row
    qtmodeltester.check(model)


def _check_order(model: StoreTableModel) -> None:
    """Every row where the sort puts it, row_of and the keys agreeing with the rows."""
    rows = [model.entry_at(row) for row in range(model.rowCount())]
    keys = [model._order_key(entry) for entry in rows]  # type: ignore[arg-type]
    descending = model._sort_order == Qt.SortOrder.DescendingOrder
    assert keys == sorted(keys, reverse=descending)
    assert model._keys == keys
    for row, entry in enumerate(rows):
        assert model.row_of(entry.path) == row  # type: ignore[union-attr]
    assert len(model._row_of) == len(rows)


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
@pytest.mark.parametrize(
    "then", ["nothing", "insert", "remove", "rename", "sort", "filter", "batch", "document"]
)
def test_a_listing_batch_is_taken_in_and_its_keys_recorded_when_first_asked(
    qtmodeltester, directory, order, then
):
    # The keys and row numbers of a batch appended at the end are recorded later (see
    # OrderedStoreRows._row_of): whatever comes next finds them as if made at once.
    model = StoreTableModel(directory)
    model.sort(Column.FILE, order)
    numbers = range(200) if order == Qt.SortOrder.AscendingOrder else range(199, -1, -1)
    batch = [make_entry(f"s{n:03d}.json") for n in numbers]
    directory.entries_updated.emit(batch)
    assert model._tail is not None  # taken in without its keys made
    assert [model.entry_at(row) for row in range(200)] == batch
    if then == "insert":
        directory.entries_updated.emit([make_entry("s100a.json"), make_entry("s005a.json")])
    elif then == "remove":
        directory.entries_removed.emit(["/stores/s010.json", "/stores/s150.json"])
    elif then == "rename":
        renamed = dataclasses.replace(make_entry("zz.json"), path="/stores/s020.json")
        directory.entries_updated.emit([renamed])
    elif then == "sort":
        model.sort(Column.SIZE, order)
    elif then == "filter":
        model.set_filter_text("s1")
    elif then == "batch":
        more = range(200, 300) if order == Qt.SortOrder.AscendingOrder else range(-1, -101, -1)
        directory.entries_updated.emit([make_entry(f"s{n:03d}.json") for n in more])
    elif then == "document":
        directory.entries_updated.emit([make_entry(f"s{n:03d}.json", size=1) for n in range(50)])
    _check_order(model)
    qtmodeltester.check(model)
