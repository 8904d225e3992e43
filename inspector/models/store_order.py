"""The store table's rows in their order: where a row goes, kept in place as rows come, change
and leave (:class:`OrderedStoreRows`, the base of :class:`StoreTableModel`).

Apart from what the rows show (``store_columns.py``) and how the table takes in what the
directory says (``store_table.py``) because keeping 10,000 rows in order without a reset is its
own measured engine: a listing's batch arrives already in order and is checked in one pass with
no Python code run per row, a batch that falls at the end is one inserted range, a scattered
batch of more than a few rows is appended and re-sorted in one layout change, and a row whose
sort key changed moves by one ``beginMoveRows``.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from inspector.models.store_columns import (
    _AGE_COLUMN,
    _COLUMN_COUNT,
    _FILE_COLUMN,
    _FIRST_FIGURE,
    SORT_ROLE,
    Column,
    StoreCells,
)
from inspector.services.store_directory import StoreEntry

ModelIndex = QModelIndex | QPersistentModelIndex

#: A batch of more new rows than this that does not fall at the end is appended and the rows
#: re-sorted in one layout change, instead of one insertion each.
SCATTERED_INSERT_LIMIT = 32

path_of = operator.attrgetter("path")
_name_of = operator.attrgetter("name")


def row_runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted rows as (first, last) runs of consecutive numbers."""
    runs: list[tuple[int, int]] = []
    for row in sorted(rows):
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class OrderedStoreRows(StoreCells, QAbstractTableModel):
    """Rows of store entries in the order of the current sort (-1: the order they arrived in),
    each with its sort key; rows change by insertion, move and removal, never a reset."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[StoreEntry] = []  # the rows shown, in order
        # The row of each path and the sort key of each row (see _row_of and _keys): recorded
        # for the rows before the tail, if any.
        self._recorded_row_of: dict[str, int] = {}
        self._recorded_keys: list[tuple[Any, ...]] = []
        # The case-folded names and paths of rows appended at the end, sorted by file, whose
        # keys and row numbers are not recorded yet (see _insert): None when there are none.
        self._tail: tuple[list[str], list[str]] | None = None
        self._sort_column = -1  # -1: the order entries arrived in
        self._sort_order = Qt.SortOrder.AscendingOrder
        # path -> when the store first arrived: the order of an unsorted table, kept when the
        # filter lets a row back in.
        self._arrival: dict[str, int] = {}
        self._arrivals = itertools.count()

    # A listing's batch is painted as soon as it is taken in: the row numbers and sort keys of
    # rows appended at the end (10,000 of each, ~1.5 ms of the GUI thread) are recorded when
    # first asked for -- by the next batch, a change or a removal, after that paint.

    @property
    def _row_of(self) -> dict[str, int]:
        """The row of each path shown."""
        if self._tail is not None:
            self._record_tail()
        return self._recorded_row_of

    @_row_of.setter
    def _row_of(self, row_of: dict[str, int]) -> None:
        self._record_tail()
        self._recorded_row_of = row_of

    @property
    def _keys(self) -> list[tuple[Any, ...]]:
        """The sort key of each row in ``_rows`` (see _order_key)."""
        if self._tail is not None:
            self._record_tail()
        return self._recorded_keys

    @_keys.setter
    def _keys(self, keys: list[tuple[Any, ...]]) -> None:
        self._record_tail()
        self._recorded_keys = keys

    def _record_tail(self) -> None:
        """Record the row numbers and sort keys of the rows of the tail (from its own names
        and paths: they hold however the rows change meanwhile)."""
        tail, self._tail = self._tail, None
        if tail is not None:
            names, paths = tail
            first = len(self._recorded_keys)
            self._recorded_keys.extend(zip(names, paths, strict=True))
            self._recorded_row_of.update(zip(paths, itertools.count(first)))

    def entry_at(self, row: int) -> StoreEntry | None:
        """The entry shown in ``row`` (source model row), if any."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, path: str) -> int:
        """The row showing the data file ``path``, or -1."""
        return self._row_of.get(path, -1)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows by ``column`` (-1: arrival order); a layout change, never a reset."""
        if not -1 <= column < _COLUMN_COUNT:
            return
        self._sort_column = column
        self._sort_order = order
        self._relayout()

    # -- sort keys ---------------------------------------------------------------------

    def _order_keys(
        self, entries: list[StoreEntry], paths: list[str] | None = None
    ) -> list[tuple[Any, ...]]:
        """:meth:`_order_key` of each entry (the sort by file, the usual one, in one go, with
        no Python code run per row); ``paths``: theirs, when known."""
        if self._sort_column == _FILE_COLUMN:
            if paths is None:
                paths = list(map(path_of, entries))
            return list(zip(map(str.casefold, map(_name_of, entries)), paths, strict=True))
        return [self._order_key(entry) for entry in entries]

    def _order_key(self, entry: StoreEntry) -> tuple[Any, ...]:
        """Where ``entry`` goes in the current sort; ties are broken by name, then path."""
        column = self._sort_column
        if column < 0:
            number = self._arrival.get(entry.path)
            if number is None:
                number = self._arrival[entry.path] = next(self._arrivals)
            return (number,)
        tie = (entry.name.casefold(), entry.path)
        if column == _FILE_COLUMN:
            return tie
        if column == _AGE_COLUMN:
            # By the lock's creation time, which does not move as the clock runs: ascending age
            # is descending creation time; rows without a lock come first.
            info = entry.lock
            if info is not None and info.is_locked and info.created is not None:
                return (1, -info.created, *tie)
            return (0, 0.0, *tie)
        if column >= _FIRST_FIGURE:
            return (self._figure_value(entry, Column(column), SORT_ROLE), *tie)
        return (self._sort_key(entry, Column(column)), *tie)

    # -- keeping the order -----------------------------------------------------------------

    def _goes_before(self, key: tuple[Any, ...], other: tuple[Any, ...]) -> bool:
        if self._sort_order == Qt.SortOrder.AscendingOrder:
            return key < other
        return key > other

    def _position_for(self, key: tuple[Any, ...]) -> int:
        """The row a new key goes to (after equal keys)."""
        keys = self._keys
        low, high = 0, len(keys)
        while low < high:
            middle = (low + high) // 2
            if self._goes_before(key, keys[middle]):
                high = middle
            else:
                low = middle + 1
        return low

    def _relayout(self) -> None:
        """Re-sort every row in one layout change, keeping persistent indexes on their rows."""
        self.layoutAboutToBeChanged.emit()
        keys = self._order_keys(self._rows)
        order = sorted(
            range(len(self._rows)),
            key=keys.__getitem__,
            reverse=self._sort_order == Qt.SortOrder.DescendingOrder,
        )
        self._rows = [self._rows[old] for old in order]
        self._keys = [keys[old] for old in order]
        self._row_of = {entry.path: row for row, entry in enumerate(self._rows)}
        new_row = {old: new for new, old in enumerate(order)}
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(
            persistent,
            [
                self.index(new_row[index.row()], index.column())
                if 0 <= index.row() < len(order)
                else QModelIndex()
                for index in persistent
            ],
        )
        self.layoutChanged.emit()

    def _insert(self, new: list[StoreEntry], paths: list[str] | None = None) -> None:
        """Insert new rows where the order puts them; ``paths``: theirs, when known."""
        if not new:
            return
        if paths is None:
            paths = list(map(path_of, new))
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        if self._sort_column == _FILE_COLUMN:
            # Sorted by file (the usual sort) and in order at the end, as a listing's batch
            # is: appended, with its keys and row numbers left to the tail (see _row_of).
            names = list(map(str.casefold, map(_name_of, new)))
            strictly = operator.gt if descending else operator.lt
            if all(map(strictly, names, itertools.islice(names, 1, None))) and (
                not self._keys or not self._goes_before((names[0], paths[0]), self._keys[-1])
            ):
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
                self._rows.extend(new)
                self._tail = (names, paths)
                self.endInsertRows()
                return
            keys = list(zip(names, paths, strict=True))
        else:
            keys = self._order_keys(new, paths)
        # A listing's rows come in the usual order: seeing that they do is one comparison per
        # row, with no Python code run per row (sorting them again took twice as long).
        in_order = operator.ge if descending else operator.le
        if not all(map(in_order, keys, itertools.islice(keys, 1, None))):
            order = sorted(range(len(new)), key=keys.__getitem__, reverse=descending)
            new = [new[i] for i in order]
            keys = [keys[i] for i in order]
            paths = [paths[i] for i in order]
        at_end = not self._keys or not self._goes_before(keys[0], self._keys[-1])
        if at_end or len(new) > SCATTERED_INSERT_LIMIT:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._row_of.update(zip(paths, itertools.count(first)))
            self._rows.extend(new)
            self._keys.extend(keys)
            self.endInsertRows()
            if not at_end:
                self._relayout()
            return
        rows, row_of = self._rows, self._row_of
        for entry, key in zip(new, keys, strict=True):
            row = self._position_for(key)
            self.beginInsertRows(QModelIndex(), row, row)
            rows.insert(row, entry)
            self._keys.insert(row, key)
            # Right before rowsInserted: whoever it reaches asks row_of about the new row.
            for moved in range(row, len(rows)):
                row_of[rows[moved].path] = moved
            self.endInsertRows()

    def _replace(self, row: int, entry: StoreEntry) -> int:
        """Put ``entry`` in ``row``, moving it if its sort key changed; returns its row now."""
        self._rows[row] = entry
        key = self._order_key(entry)
        if key == self._keys[row]:
            return row
        keys = self._keys
        in_order = (row == 0 or not self._goes_before(key, keys[row - 1])) and (
            row == len(keys) - 1 or not self._goes_before(keys[row + 1], key)
        )
        if in_order:
            keys[row] = key
            return row
        old_key = keys.pop(row)
        target = self._position_for(key)  # counted without the row itself
        keys.insert(row, old_key)
        destination = target if target <= row else target + 1
        if destination in (row, row + 1):
            keys[row] = key
            return row
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), destination)
        del self._rows[row]
        del keys[row]
        self._rows.insert(target, entry)
        keys.insert(target, key)
        self.endMoveRows()
        for changed in range(min(row, target), max(row, target) + 1):
            self._row_of[self._rows[changed].path] = changed
        return target

    def _remove_rows(self, rows: list[int]) -> None:
        if not rows:
            return
        # Remove contiguous runs from the bottom up so earlier row numbers stay valid.
        for first, last in reversed(row_runs(rows)):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first : last + 1]
            del self._keys[first : last + 1]
            self.endRemoveRows()
        self._row_of = {entry.path: row for row, entry in enumerate(self._rows)}
