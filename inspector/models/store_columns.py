"""The store table's columns and what each cell of a row says, per column and role (the
text, icon, tooltip, colour, alignment, sort value and filter text).

:class:`StoreTableModel` (``store_table.py``) keeps the rows, their order and the filter; it
answers ``data()`` through :class:`StoreCells`, a mixin that reads nothing but the entry, the
contention figures and the open document's schema verdict.
"""

from __future__ import annotations

import enum
import functools
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    Qt,
)
from PySide6.QtGui import QColor, QIcon

from inspector.display import printable_path
from inspector.models.lock_events import duration_text, holder_text
from inspector.presentation import (
    HEALTH_COLOURS,
    STALE_LOCK_COLOUR,
    format_age,
    format_size,
    format_time,
    health_word,
    lock_icon_name,
    lock_tooltip,
    lock_word,
    process_label,
    process_tooltip,
    translated,
)
from inspector.resources import icon
from inspector.services.lock_figures import StoreFigures
from inspector.services.store_directory import (
    StoreEntry,
)
from inspector.translation import QT_TRANSLATE_NOOP
from lockcore import StoreFileKind, classify_store_file

#: Role returning a value that sorts naturally (numbers as numbers, missing values first).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: Role returning the text the filter searches: file, process, lock word and health.
FILTER_ROLE = Qt.ItemDataRole.UserRole + 2
_ANSWERED_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.TextAlignmentRole,
        SORT_ROLE,
        FILTER_ROLE,
    )
)


class Column(enum.IntEnum):
    """The table's columns, in display order."""

    FILE = 0
    LOCK = 1
    PID = 2
    PROCESS = 3
    AGE = 4
    SIZE = 5
    MODIFIED = 6
    HEALTH = 7
    # The lock's contention figures (from the lock event stream), hidden until asked for.
    HOLDS_PER_MINUTE = 8
    HOLD_P50 = 9
    HOLD_P99 = 10
    HOLD_MAX = 11
    LAST_HOLDER = 12
    LONGEST_WAIT = 13


#: The columns of contention figures (shown through the header's context menu).
FIGURE_COLUMNS = (
    Column.HOLDS_PER_MINUTE,
    Column.HOLD_P50,
    Column.HOLD_P99,
    Column.HOLD_MAX,
    Column.LAST_HOLDER,
    Column.LONGEST_WAIT,
)
#: The columns hidden until someone shows them (header menu, Edit ▸ Preferences).
DEFAULT_HIDDEN_COLUMNS = FIGURE_COLUMNS
#: The columns that may be hidden: all but the file's, which a row cannot do without.
HIDEABLE_COLUMNS = tuple(column for column in Column if column != Column.FILE)


def column_key(column: Column) -> str:
    """The column's name in the settings file (it stays when columns are added or moved)."""
    return column.name.lower()


def columns_from_keys(keys: list[str]) -> list[Column]:
    """The hideable columns named by ``keys``, in table order (unknown names are ignored)."""
    wanted = set(keys)
    return [column for column in HIDEABLE_COLUMNS if column_key(column) in wanted]


def column_title(column: Column) -> str:
    """The column's header, translated."""
    return translated(_HEADERS[column])


#: Gives a store's contention figures (see set_figures_source).
FiguresProvider = Callable[[str], StoreFigures]


# The words the table shows are marked for pyside6-lupdate here (QT_TRANSLATE_NOOP gives back
# the English) and translated where shown, through translated().
_HEADERS = {
    Column.FILE: QT_TRANSLATE_NOOP("StoreTableModel", "File"),
    Column.LOCK: QT_TRANSLATE_NOOP("StoreTableModel", "Lock"),
    Column.PID: QT_TRANSLATE_NOOP("StoreTableModel", "PID"),
    Column.PROCESS: QT_TRANSLATE_NOOP("StoreTableModel", "Process"),
    Column.AGE: QT_TRANSLATE_NOOP("StoreTableModel", "Lock age"),
    Column.SIZE: QT_TRANSLATE_NOOP("StoreTableModel", "Size"),
    Column.MODIFIED: QT_TRANSLATE_NOOP("StoreTableModel", "Modified"),
    Column.HEALTH: QT_TRANSLATE_NOOP("StoreTableModel", "Health"),
    Column.HOLDS_PER_MINUTE: QT_TRANSLATE_NOOP("StoreTableModel", "Holds/min"),
    Column.HOLD_P50: QT_TRANSLATE_NOOP("StoreTableModel", "Hold p50"),
    Column.HOLD_P99: QT_TRANSLATE_NOOP("StoreTableModel", "Hold p99"),
    Column.HOLD_MAX: QT_TRANSLATE_NOOP("StoreTableModel", "Hold max"),
    Column.LAST_HOLDER: QT_TRANSLATE_NOOP("StoreTableModel", "Last holder"),
    Column.LONGEST_WAIT: QT_TRANSLATE_NOOP("StoreTableModel", "Our longest wait"),
}


_NUMERIC = (
    Column.PID,
    Column.AGE,
    Column.SIZE,
    Column.HOLDS_PER_MINUTE,
    Column.HOLD_P50,
    Column.HOLD_P99,
    Column.HOLD_MAX,
    Column.LONGEST_WAIT,
)
_FIRST_FIGURE = int(Column.HOLDS_PER_MINUTE)
_FILE_COLUMN = int(Column.FILE)
_AGE_COLUMN = int(Column.AGE)
_COLUMNS = tuple(Column)
_COLUMN_COUNT = len(_COLUMNS)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


#: The roles answered by the cells of :meth:`StoreCells._paint_cells` (worked out once per
#: version of a row): the display text, icon, colour and alignment -- what the delegate paints.
#: The delegate also asks for font, check state and background, never answered here.
PAINTED_ROLES = frozenset((_DISPLAY, _DECORATION, _FOREGROUND, _ALIGNMENT))
#: The answered roles worked out each time they are asked for (rarely: a tooltip, a sort).
ASKED_ROLES = _ANSWERED_ROLES - PAINTED_ROLES
#: One cell's answers, role -> value (a role missing: None). Shared between cells: never
#: changed once made.
PaintedCell = dict[int, Any]
_EMPTY_CELL: PaintedCell = {_DISPLAY: ""}
_EMPTY_NUMBER_CELL: PaintedCell = {_DISPLAY: "", _ALIGNMENT: _RIGHT_ALIGNED}


#: The columns that show an entry's own facts (the figure columns show the lock event stream's).
ENTRY_COLUMNS = tuple(column for column in Column if column < _FIRST_FIGURE)
ALL_ENTRY_COLUMNS = (1 << len(ENTRY_COLUMNS)) - 1


def _holder_facts(entry: StoreEntry) -> tuple[object, ...]:
    """What the PID and process cells show of a lock (nothing while it is free)."""
    info = entry.lock
    if info is None or not info.is_locked:
        return ()
    return (info.pid, info.process_name, info.holder_alive, info.cmdline)


def _age_text(entry: StoreEntry, now: float) -> str:
    info = entry.lock
    return format_age(info.age(now)) if info is not None and info.is_locked else ""


def changed_columns(old: StoreEntry, new: StoreEntry) -> int:
    """The entry columns (a bit per :data:`ENTRY_COLUMNS` column) whose cells -- text, icon,
    tooltip, colour, sort value -- may differ between two versions of a row's entry: a row is
    repainted only there (in a storm a row changes ten times a second, but what it shows far
    less often). The two time columns count as changed when their text does: their sort values
    (the exact times) are read by this model's own sort, which places a row again whenever its
    entry changes. A test checks every role of every column against this."""
    mask = 0
    if old.name != new.name or old.leftovers != new.leftovers:
        mask |= 1 << Column.FILE
    now = 0.0
    if old.lock is not new.lock or old.lock_error != new.lock_error:
        # The word, icon and colour follow the state; the tooltip says why.
        if old.lock_state is not new.lock_state or lock_tooltip(old) != lock_tooltip(new):
            mask |= 1 << Column.LOCK
        old_holder, new_holder = _holder_facts(old), _holder_facts(new)
        if old_holder[:1] != new_holder[:1]:
            mask |= 1 << Column.PID
        if old_holder != new_holder:
            mask |= 1 << Column.PROCESS
        now = time.time()
        if _age_text(old, now) != _age_text(new, now):
            mask |= 1 << Column.AGE
    if old.size != new.size:
        mask |= 1 << Column.SIZE
    if old.mtime != new.mtime:
        now = now or time.time()
        if format_time(old.mtime, now) != format_time(new.mtime, now):
            mask |= 1 << Column.MODIFIED
    if old.health is not new.health or old.health_detail != new.health_detail:
        mask |= 1 << Column.HEALTH
    return mask


@functools.cache
def column_runs(mask: int) -> tuple[tuple[int, int], ...]:
    """The columns of a :func:`changed_columns` mask as (first, last) runs of neighbours."""
    runs: list[tuple[int, int]] = []
    for column in ENTRY_COLUMNS:
        if mask & (1 << column):
            if runs and runs[-1][1] == column - 1:
                runs[-1] = (runs[-1][0], column)
            else:
                runs.append((column, column))
    return tuple(runs)


class StoreCells:
    """What each cell of a row says (mixed into :class:`StoreTableModel`)."""

    _figures: FiguresProvider | None
    _schema_note: tuple[str, str] | None

    def _value(  # noqa: PLR0911 - one answer per role
        self, entry: StoreEntry, column: Column, role: int
    ) -> Any:
        if column >= _FIRST_FIGURE:
            return self._figure_value(entry, column, role)
        note = self._schema_note
        if (
            note is not None
            and column == Column.HEALTH
            and role in (_DISPLAY, _TOOLTIP)
            and entry.path == note[0]
        ):
            return f"{health_word(entry.health)}; {note[1]}"
        if role == _DISPLAY:
            return self._display(entry, column)
        if role == _DECORATION:
            return self._lock_icon(entry) if column == Column.LOCK else None
        if role == _TOOLTIP:
            return self._tooltip(entry, column)
        if role == _FOREGROUND:
            return self._foreground(entry, column)
        if role == _ALIGNMENT:
            return _RIGHT_ALIGNED if column in _NUMERIC else None
        if role == SORT_ROLE:
            return self._sort_key(entry, column)
        if role == FILTER_ROLE:
            return self._filter_text(entry)
        return None

    def _paint_cells(self, entry: StoreEntry) -> tuple[PaintedCell | None, ...]:
        """The :data:`PAINTED_ROLES` answers of each entry column of ``entry``'s row -- what
        :meth:`_value` answers, worked out together once for this version of the row instead
        of role by role at every paint (a paint asks for seven roles of each of ~350 cells).
        None for a cell worked out whenever it is painted: a lock's age (it ticks), a cell
        with a colour (it follows the palette), the open document's health (its schema
        note). A test checks every cell against :meth:`_value`."""
        info = entry.lock
        lock: PaintedCell | None = None
        if info is None or not info.is_stale:
            lock = {_DISPLAY: lock_word(entry), _DECORATION: self._lock_icon(entry)}
        if info is not None and info.is_locked:
            pid = {_DISPLAY: "" if info.pid is None else str(info.pid), _ALIGNMENT: _RIGHT_ALIGNED}
            process: PaintedCell = {_DISPLAY: process_label(info)}
            age: PaintedCell | None = None
        else:
            pid = age = _EMPTY_NUMBER_CELL
            process = _EMPTY_CELL
        size = entry.size
        size_cell = (
            _EMPTY_NUMBER_CELL
            if size is None
            else {_DISPLAY: format_size(size), _ALIGNMENT: _RIGHT_ALIGNED}
        )
        modified = _EMPTY_CELL if entry.mtime is None else {_DISPLAY: format_time(entry.mtime)}
        note = self._schema_note
        health: PaintedCell | None = None
        if entry.health not in HEALTH_COLOURS and (note is None or note[0] != entry.path):
            health = {_DISPLAY: health_word(entry.health)}
        return ({_DISPLAY: entry.name}, lock, pid, process, age, size_cell, modified, health)

    def _figure_value(  # noqa: PLR0911 - one answer per role and kind of figure
        self, entry: StoreEntry, column: Column, role: int
    ) -> Any:
        if self._figures is None or role not in (_DISPLAY, SORT_ROLE, _ALIGNMENT, _TOOLTIP):
            return None
        if role == _ALIGNMENT:
            return _RIGHT_ALIGNED if column in _NUMERIC else None
        figures = self._figures(entry.path)
        if column == Column.LAST_HOLDER:
            holder = figures.last_holder
            text = holder_text(holder) if holder is not None else ""
            return text.casefold() if role == SORT_ROLE else text or None
        if column == Column.HOLDS_PER_MINUTE:
            value: float | None = figures.holds_per_minute
        else:
            value = {
                Column.HOLD_P50: figures.hold_p50,
                Column.HOLD_P99: figures.hold_p99,
                Column.HOLD_MAX: figures.hold_max,
                Column.LONGEST_WAIT: figures.longest_wait,
            }[column]
        if role == SORT_ROLE:
            return -1.0 if value is None else value
        if role == _TOOLTIP:
            return None
        if column == Column.HOLDS_PER_MINUTE:
            return str(figures.holds_per_minute)
        return duration_text(value)

    @staticmethod
    def _display(entry: StoreEntry, column: Column) -> str:  # noqa: PLR0911 - a case per column
        info = entry.lock
        if column == Column.FILE:
            return entry.name
        if column == Column.LOCK:
            return lock_word(entry)
        if column == Column.HEALTH:
            return health_word(entry.health)
        if column == Column.SIZE:
            return format_size(entry.size)
        if column == Column.MODIFIED:
            return format_time(entry.mtime)
        if info is None or not info.is_locked:
            return ""
        if column == Column.PID:
            return "" if info.pid is None else str(info.pid)
        if column == Column.PROCESS:
            return process_label(info)
        return format_age(info.age())  # Column.AGE

    @staticmethod
    def _filter_text(entry: StoreEntry) -> str:
        info = entry.lock
        process = process_label(info) if info is not None and info.is_locked else ""
        return "\n".join((entry.name, process, lock_word(entry), health_word(entry.health)))

    @staticmethod
    def _lock_icon(entry: StoreEntry) -> QIcon:
        return icon(lock_icon_name(entry.lock_state))

    @staticmethod
    def _tooltip(entry: StoreEntry, column: Column) -> str | None:
        info = entry.lock
        if column == Column.FILE:
            # Kept versions (up to 20 a store) are counted, not listed: View > History has them.
            versions = [
                leftover
                for leftover in entry.leftovers
                if (classify_store_file(leftover) or (None,))[0] is StoreFileKind.VERSION
            ]
            extra = "".join(
                f"\n  + {printable_path(leftover)}"
                for leftover in entry.leftovers
                if leftover not in versions
            )
            if versions:
                count = len(versions)
                words = (
                    "1 kept version (View ▸ History)"
                    if count == 1
                    else "{count} kept versions (View ▸ History)"
                )
                extra += "\n  + " + QCoreApplication.translate("StoreTableModel", words).format(
                    count=count
                )
            return printable_path(entry.path) + extra
        if column == Column.LOCK:
            return lock_tooltip(entry)
        if column == Column.PROCESS and info is not None and info.is_locked:
            return process_tooltip(info)
        if column == Column.HEALTH:
            return entry.health_detail or None
        return None

    @staticmethod
    def _foreground(entry: StoreEntry, column: Column) -> QColor | None:
        if column == Column.HEALTH and entry.health in HEALTH_COLOURS:
            return HEALTH_COLOURS[entry.health].for_palette()
        if column == Column.LOCK and entry.lock is not None and entry.lock.is_stale:
            return STALE_LOCK_COLOUR.for_palette()
        return None

    @staticmethod
    def _sort_key(entry: StoreEntry, column: Column) -> Any:
        info = entry.lock
        locked = info is not None and info.is_locked
        if column == Column.PID:
            return (info.pid or 0) if locked and info is not None else -1
        if column == Column.AGE:
            age = info.age() if locked and info is not None else None
            return -1.0 if age is None else age
        if column == Column.SIZE:
            return -1 if entry.size is None else entry.size
        if column == Column.MODIFIED:
            return -1.0 if entry.mtime is None else entry.mtime
        return StoreCells._display(entry, column).casefold()
