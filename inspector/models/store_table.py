"""The store table: adapts :class:`StoreDirectory`'s entries to a ``QAbstractTableModel``.

This module takes in what the directory says (new, changed and removed entries), keeps the
filter, answers the view and announces what changed; keeping the rows in their order is
:class:`~inspector.models.store_order.OrderedStoreRows`'s (``store_order.py``), and what each
cell says is ``store_columns.py``'s.

Rows change in place (``dataChanged``, insert, move and remove rows, never a reset), so the user's
selection and scroll position survive every update another process causes.

Built for folders of many thousands of stores, where every call from C++ into Python counts:

- The model sorts and filters itself; the view shows it directly, with no proxy model between.
  A sorting ``QSortFilterProxyModel`` asks the Python ``data()`` for two values per comparison --
  hundreds of thousands of calls for 10,000 rows -- where ``list.sort`` with a key takes a few
  milliseconds; and even a proxy that only filters turns each of the view's calls into several
  (``mapToSource`` -> ``index`` -> ``rowCount`` + ``columnCount``): painting 40 rows cost 2,400
  ``data()`` and 5,500 row and column counts. Rows the filter leaves out are kept aside, unshown.
- A cell is painted from one Python call: the row's painted cells -- its text, icon, colour and
  alignment per column -- are worked out once per version of the row
  (``StoreCells._paint_cells``) instead of role by role at every paint; the view's delegate
  reads them (:meth:`StoreTableModel.painted_cell`, ``store_table_delegate.py``), and
  :meth:`StoreTableModel.multiData` answers every role Qt's delegate asks for at once (seven)
  for the other cells.
- Batches of new rows are inserted as ranges (the scanner hands them on in name order, so with the
  default sort a batch is one range at the end: see ``store_order.py``); changes are announced
  per run of rows.
- Lock ages tick once a second only for the locked rows someone can see: the view tells the model
  which rows those are through a callable (:meth:`StoreTableModel.set_visible_rows_provider`), so
  the model never needs to know about widgets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, cast

from PySide6.QtCore import (
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Slot,
)

from inspector.models.store_columns import (
    _ANSWERED_ROLES,
    _COLUMN_COUNT,
    _COLUMNS,
    _FILE_COLUMN,
    _FIRST_FIGURE,
    _HEADERS,
    ALL_ENTRY_COLUMNS,
    ASKED_ROLES,
    Column,
    FiguresProvider,
    PaintedCell,
    changed_columns,
    column_runs,
)
from inspector.models.store_order import OrderedStoreRows, path_of, row_runs
from inspector.presentation import (
    translated,
)
from inspector.services.store_directory import (
    StoreDirectory,
    StoreEntry,
)
from lockcore import LockState

ModelIndex = QModelIndex | QPersistentModelIndex

#: How often lock ages tick (ms).
AGE_TICK_MS = 1000
#: The rows whose painted cells are kept (a few screenfuls): beyond, they are all forgotten.
PAINTED_ROWS_KEPT = 1024

#: Changed cells are announced in ranges of at most this many cells (see _emit_rows_changed):
#: Qt 6's views repaint the whole viewport for a ``dataChanged`` range of more, measured: 100
#: rows of two columns repaint nothing when scrolled away, 101 repaint every visible row.
CHANGED_CELL_LIMIT = 200

#: The cells of a row whose store kept its name, files and lock: only its data file's facts can
#: have changed (see changed_columns). Neighbours: one range per run of rows.
DOCUMENT_COLUMNS = (1 << Column.SIZE) | (1 << Column.MODIFIED) | (1 << Column.HEALTH)

#: The file's column in a :func:`changed_columns` mask.
_FILE_BIT = 1 << _FILE_COLUMN
#: The roles of a cell whose tooltip alone changed: the view need not repaint it.
_TOOLTIP_ONLY = [Qt.ItemDataRole.ToolTipRole]

#: Gives the source rows someone can see now (see set_visible_rows_provider).
VisibleRowsProvider = Callable[[], Iterable[int]]


class StoreTableModel(OrderedStoreRows):
    """One row per store the filter lets through; adapts ``StoreDirectory`` signals, never reads
    files itself."""

    def __init__(self, directory: StoreDirectory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        translated.cache_clear()
        self._hidden: dict[str, StoreEntry] = {}  # entries the filter leaves out
        self._needle = ""  # the filter text, case-folded ("" lets everything through)
        self._locked_only = False  # only stores whose lock is not free
        self._visible_rows: VisibleRowsProvider | None = None
        self._figures: FiguresProvider | None = None
        # The open document's schema verdict ("schema: 3 errors"), shown with its health; only
        # the open document is checked, so the listing pays nothing for schemas.
        self._schema_note: tuple[str, str] | None = None
        # path -> (its entry, the cells painted from it: _paint_cells), for the rows painted
        # lately; an entry replaced (a new version of the row) is worked out again.
        self._painted: dict[str, tuple[StoreEntry, tuple[Any, ...]]] = {}
        # The day the painted cells were worked out on ("today" shows a time, other days a date).
        self._painted_day = time.localtime(time.time())[:3]
        directory.entries_updated.connect(self._on_entries_updated)
        directory.entries_removed.connect(self._on_entries_removed)
        self._on_entries_updated(directory.entries())
        # Lock ages tick live; only locked rows that can be seen repaint their age cell.
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(AGE_TICK_MS)
        self._age_timer.timeout.connect(self._on_age_timer_timeout)
        self._age_timer.start()

    # -- queries ---------------------------------------------------------------------------

    def set_filter_text(self, text: str) -> None:
        """Show only the stores whose file, process, lock word or health contains ``text``
        (ignoring case); "" shows every store. Rows leave and come back by removal and
        insertion, never a reset."""
        needle = text.casefold()
        if needle == self._needle:
            return
        self._needle = needle
        self._refilter()

    def set_locked_only(self, locked_only: bool) -> None:
        """Show only the stores whose lock is taken, stale, elsewhere or unreadable (not
        free), with the filter text too; False shows them all again."""
        if locked_only == self._locked_only:
            return
        self._locked_only = locked_only
        self._refilter()

    def _refilter(self) -> None:
        leaving = [row for row, entry in enumerate(self._rows) if not self._matches(entry)]
        for row in leaving:
            entry = self._rows[row]
            self._hidden[entry.path] = entry
        self._remove_rows(leaving)
        coming = [entry for entry in self._hidden.values() if self._matches(entry)]
        for entry in coming:
            del self._hidden[entry.path]
        if coming:
            self._insert(coming)

    def set_schema_note(self, path: str | None, note: str | None) -> None:
        """Show ``note`` (the schema verdict of the store at ``path``) beside its health; the
        note of the store shown before goes."""
        old, self._schema_note = self._schema_note, (path, note) if path and note else None
        for changed in {old[0] if old else None, path}:
            if changed:
                self._painted.pop(changed, None)
            row = self._row_of.get(changed) if changed else None
            if row is not None:
                cell = self.index(row, int(Column.HEALTH))
                self.dataChanged.emit(cell, cell)

    def set_visible_rows_provider(self, provider: VisibleRowsProvider | None) -> None:
        """Which source rows can be seen, asked at each age tick (None: all of them).

        The view that shows this model provides it; the model only asks, it knows no widget.
        """
        self._visible_rows = provider

    def set_figures_provider(self, provider: FiguresProvider | None) -> None:
        """Where the figure columns get a store's contention figures (None: left empty)."""
        self._figures = provider
        self.refresh_figures(None)

    @Slot(object)
    def refresh_figures(self, paths: Iterable[str] | None) -> None:
        """The figures of ``paths`` (None: of every store) changed: repaint their cells."""
        if paths is None:
            rows: Iterable[int] = range(len(self._rows))
        else:
            rows = [self._row_of[path] for path in paths if path in self._row_of]
        for first, last in row_runs(rows):
            self.dataChanged.emit(
                self.index(first, _FIRST_FIGURE),
                self.index(last, _COLUMN_COUNT - 1),
                [Qt.ItemDataRole.DisplayRole],
            )

    # -- Qt model interface ----------------------------------------------------------------

    # rowCount, columnCount and data are called from C++ thousands of times a second while rows
    # arrive and the view paints: they avoid enum constructions and anything else not needed.

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else _COLUMN_COUNT

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == int(Qt.ItemDataRole.DisplayRole)
            and 0 <= section < _COLUMN_COUNT
        ):
            return translated(_HEADERS[Column(section)])
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ANSWERED_ROLES:
            return None
        row, column = index.row(), index.column()
        if not 0 <= row < len(self._rows) or not 0 <= column < _COLUMN_COUNT:
            return None
        return self._value(self._rows[row], _COLUMNS[column], role)

    def multiData(
        self, index: ModelIndex, role_data_span: QModelRoleDataSpan | QModelRoleData, /
    ) -> None:
        # What the delegate calls to paint a cell: every role in one call instead of seven.
        span: Iterable[QModelRoleData] = (
            (role_data_span,)
            if isinstance(role_data_span, QModelRoleData)
            else cast(Iterable[QModelRoleData], role_data_span)  # the stubs miss its __iter__
        )
        row, column = index.row(), index.column()
        if not 0 <= row < len(self._rows) or not 0 <= column < _COLUMN_COUNT:
            for role_data in span:
                role_data.clearData()
            return
        entry = self._rows[row]
        cell = self.painted_cell(row, column)
        if cell is None:
            column_ = _COLUMNS[column]
            for role_data in span:
                role = role_data.role()
                value = self._value(entry, column_, role) if role in _ANSWERED_ROLES else None
                if value is None:
                    role_data.clearData()
                else:
                    role_data.setData(value)
            return
        # The delegate's seven roles: four from the row's cells, three never answered.
        answer = cell.get
        for role_data in span:
            role = role_data.role()
            value = answer(role)
            if value is None and role in ASKED_ROLES:
                value = self._value(entry, _COLUMNS[column], role)
            if value is None:
                role_data.clearData()
            else:
                role_data.setData(value)

    def painted_cell(self, row: int, column: int) -> PaintedCell | None:
        """The :data:`PAINTED_ROLES` answers of a cell (what :meth:`data` answers for them,
        kept while its row is the same entry), or None for a cell asked role by role: a figure,
        a lock's age, a cell with a colour, the open document's health; a cell
        outside the table: None too."""
        if not (0 <= column < _FIRST_FIGURE and 0 <= row < len(self._rows)):
            return None
        entry = self._rows[row]
        painted = self._painted.get(entry.path)
        if painted is None or painted[0] is not entry:
            painted = self._remember_painted(entry)
        return cast(PaintedCell | None, painted[1][column])

    def _remember_painted(self, entry: StoreEntry) -> tuple[StoreEntry, tuple[Any, ...]]:
        """The painted cells of ``entry``'s row, worked out and kept while it is this entry."""
        if len(self._painted) >= PAINTED_ROWS_KEPT:
            self._painted.clear()
        painted = self._painted[entry.path] = (entry, self._paint_cells(entry))
        return painted

    # -- the filter ------------------------------------------------------------------------

    def _matches(self, entry: StoreEntry) -> bool:
        if self._locked_only and entry.lock_state is LockState.FREE:
            return False
        return not self._needle or self._needle in self._filter_text(entry).casefold()

    # -- slots -----------------------------------------------------------------------------

    @Slot(object)
    def _on_entries_updated(self, entries: list[StoreEntry]) -> None:
        if self._needle or self._locked_only:
            entries = self._let_through(entries)
        paths = list(map(path_of, entries))
        if self._row_of.keys().isdisjoint(paths):
            # Only new rows (a listing's batch): taken in bulk, no Python code run per row.
            if entries:
                self._insert(entries, paths)
            return
        if self._take_document_facts(entries, paths):
            return
        new: list[StoreEntry] = []
        changed: dict[int, int] = {}  # row -> its columns that changed (changed_columns)
        row_of, rows = self._row_of, self._rows
        # Sorted by file (as usual), a row keeps its place while its name does: no sort key is
        # made (the document pass after a listing brings every row again, 10,000 keys).
        in_place_by_name = self._sort_column == _FILE_COLUMN
        # Which cells changed is worked out for the rows someone can see (the others are not
        # painted, and a listing's document pass brings 10,000 of them).
        visible = self._visible_range()
        tooltips: list[str] = []  # stores whose file's tooltip alone changed
        for entry in entries:
            row = row_of.get(entry.path)
            if row is None:
                new.append(entry)
                continue
            old = rows[row]
            columns = _shown_changes(old, entry, tooltips) if row in visible else ALL_ENTRY_COLUMNS
            if self._sort_column < 0 or (in_place_by_name and old.name == entry.name):
                rows[row] = entry
            else:
                moved_from = row
                row = self._replace(row, entry)
                if row != moved_from:
                    # Rows between moved by one: the rows changed earlier in this batch with
                    # them. Announce those at once and start afresh.
                    self._emit_rows_changed(changed)
                    changed = {}
                    columns = ALL_ENTRY_COLUMNS
            if columns:
                changed[row] = changed.get(row, 0) | columns
        self._emit_rows_changed(changed)
        for path in tooltips:  # (announced once the rows are in place)
            cell = self.index(row_of[path], _FILE_COLUMN)
            self.dataChanged.emit(cell, cell, _TOOLTIP_ONLY)
        if new:
            self._insert(new)

    def _take_document_facts(self, entries: list[StoreEntry], paths: list[str]) -> bool:
        """Take in a batch of rows that are all shown, keep their places and only bring their
        data files' facts (each row's name, files and lock as they were: what the document pass
        after a listing brings, 10,000 rows at once), in place: whether it was one. Cells are
        worked out for the rows someone can see; the others are announced over the document's
        columns, in ranges as long as Qt paints precisely (66 rows, not 25 of a whole entry).
        Taken in one at a time, 10,000 such rows cost the GUI thread 9 ms at the pass's end."""
        rows_at = list(map(self._row_of.get, paths))
        if not rows_at or None in rows_at:
            return False
        if self._sort_column not in (-1, _FILE_COLUMN):
            return False  # (a row may move)
        rows = self._rows
        olds = list(map(rows.__getitem__, cast(list[int], rows_at)))
        for old, entry in zip(olds, entries, strict=True):
            if (
                old.lock is not entry.lock
                or old.name != entry.name
                or old.leftovers != entry.leftovers
                or old.lock_error != entry.lock_error
            ):
                return False
        visible = self._visible_range()
        changed: dict[int, int] = {}
        unseen: list[int] = []
        for row, old, entry in zip(cast(list[int], rows_at), olds, entries, strict=True):
            rows[row] = entry
            if row in visible:
                columns = changed_columns(old, entry)
                if columns:
                    changed[row] = columns
            else:
                unseen.append(row)
        self._emit_rows_changed(changed)
        unseen.sort()
        if unseen and unseen[-1] - unseen[0] + 1 == len(unseen):  # (rows are distinct)
            self._emit_runs_changed(DOCUMENT_COLUMNS, [(unseen[0], unseen[-1])])
        else:
            self._emit_runs_changed(DOCUMENT_COLUMNS, row_runs(unseen))
        return True

    def _visible_range(self) -> range:
        """The rows someone can see (all of them when no view said)."""
        if self._visible_rows is None:
            return range(len(self._rows))
        visible = self._visible_rows()
        if isinstance(visible, range):
            return visible
        shown = list(visible)
        return range(min(shown), max(shown) + 1) if shown else range(0)

    def _let_through(self, entries: list[StoreEntry]) -> list[StoreEntry]:
        """The entries the filter shows; the others are kept aside and leave the table."""
        shown: list[StoreEntry] = []
        leaving: list[int] = []
        for entry in entries:
            if self._matches(entry):
                self._hidden.pop(entry.path, None)
                shown.append(entry)
                continue
            self._hidden[entry.path] = entry
            row = self._row_of.get(entry.path)
            if row is not None:
                leaving.append(row)
        self._remove_rows(leaving)
        return shown

    def _emit_rows_changed(self, changed: dict[int, int]) -> None:
        """Announce the cells that changed: ``changed`` maps a row to its columns that did
        (a :func:`changed_columns` mask)."""
        by_columns: dict[int, list[int]] = {}
        for row, columns in changed.items():
            by_columns.setdefault(columns, []).append(row)
        for columns, rows in by_columns.items():
            self._emit_runs_changed(columns, row_runs(rows))

    def _emit_runs_changed(self, columns: int, runs: list[tuple[int, int]]) -> None:
        """Announce the ``columns`` (a :func:`changed_columns` mask) of each run of rows."""
        spans = column_runs(columns)
        for first, last in runs:
            # Announced in short runs: Qt 6 repaints just the cells of a small range
            # (nothing when they are scrolled away), but the whole viewport for a range of
            # more than CHANGED_CELL_LIMIT cells -- and a full repaint of 40 rows costs
            # more than announcing thousands of short runs (as many rows in each as keep
            # under the limit: 25 of a whole entry). Only the entry's columns that
            # changed: the figure columns follow the figures (refresh_figures).
            for left, right in spans:
                height = max(1, CHANGED_CELL_LIMIT // (right - left + 1))
                for top in range(first, last + 1, height):
                    bottom = min(last, top + height - 1)
                    self.dataChanged.emit(self.index(top, left), self.index(bottom, right))

    @Slot(object)
    def _on_entries_removed(self, paths: list[str]) -> None:
        for path in paths:
            self._hidden.pop(path, None)
            self._arrival.pop(path, None)
        self._remove_rows([self._row_of[p] for p in paths if p in self._row_of])

    @Slot()
    def _on_age_timer_timeout(self) -> None:
        today = time.localtime(time.time())[:3]
        if today != self._painted_day:
            self._painted_day = today
            self._painted.clear()  # the times of yesterday's writes are shown as dates now
        rows = self._rows
        count = len(rows)
        visible = range(count) if self._visible_rows is None else self._visible_rows()
        locked = {row for row in visible if 0 <= row < count and rows[row].is_locked}
        column = int(Column.AGE)
        for first, last in row_runs(locked):
            self.dataChanged.emit(
                self.index(first, column), self.index(last, column), [Qt.ItemDataRole.DisplayRole]
            )


def _shown_changes(old: StoreEntry, entry: StoreEntry, tooltips: list[str]) -> int:
    """The columns of a row someone can see whose cells show something new
    (:func:`changed_columns`); a change of the file's tooltip alone -- its leftovers: a writer's
    temporary file comes and goes with nearly every round of a storm -- is noted in
    ``tooltips`` instead (nothing to repaint)."""
    columns = changed_columns(old, entry)
    if columns & _FILE_BIT and old.name == entry.name:
        tooltips.append(entry.path)
        return columns & ~_FILE_BIT
    return columns
