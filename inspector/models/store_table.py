"""The store table: adapts :class:`StoreDirectory`'s entries to a ``QAbstractTableModel``.

Rows change in place (``dataChanged``, insert and remove rows, never a reset), so the user's
selection and scroll position survive every update another process causes.
"""

from __future__ import annotations

import enum
import shlex
import time
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette

from inspector.resources import icon
from inspector.services.store_directory import (
    StoreDirectory,
    StoreEntry,
    StoreHealth,
    printable_path,
)
from lockcore import LockInfo, LockState

ModelIndex = QModelIndex | QPersistentModelIndex

#: Role returning a value that sorts naturally (numbers as numbers, missing values first).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


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


_HEADERS = {
    Column.FILE: "File",
    Column.LOCK: "Lock",
    Column.PID: "PID",
    Column.PROCESS: "Process",
    Column.AGE: "Lock age",
    Column.SIZE: "Size",
    Column.MODIFIED: "Modified",
    Column.HEALTH: "Health",
}

#: The word shown for each lock state, and the icon beside it.
LOCK_WORDS: dict[LockState, tuple[str, str]] = {
    LockState.FREE: ("free", "lock-free"),
    LockState.HELD_ALIVE: ("held", "lock-held"),
    LockState.STALE_DEAD_HOLDER: ("stale — holder dead", "lock-stale"),
    LockState.HELD_OTHER_HOST: ("held by another host", "lock-other-host"),
    LockState.BEING_CREATED: ("being acquired", "lock-being-created"),
    LockState.UNREADABLE: ("unreadable", "lock-unreadable"),
}

# (on a light background, on a dark background)
_RED = (QColor("#c62828"), QColor("#ff6b63"))
_AMBER = (QColor("#b26a00"), QColor("#ffb74d"))
_HEALTH_COLOURS = {
    StoreHealth.CORRUPT: _RED,
    StoreHealth.UNREADABLE: _RED,
    StoreHealth.MISSING: _AMBER,
    StoreHealth.RECOVERABLE: _AMBER,
}


def _for_palette(colours: tuple[QColor, QColor]) -> QColor:
    dark = QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
    return colours[1] if dark else colours[0]


_NUMERIC = (Column.PID, Column.AGE, Column.SIZE)


def format_age(seconds: float | None) -> str:
    """``"4 s"``, ``"2 min 05 s"``, ``"3 h 12 min"``, ``"2 d 4 h"``."""
    if seconds is None:
        return ""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def format_size(size: int | None) -> str:
    """``"812 B"``, ``"4.2 KiB"``, ``"12.0 MiB"``."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover - loop always returns


def format_time(epoch: float | None, now: float | None = None) -> str:
    """Local time: ``"23:24:41"`` today, ``"2026-11-20 08:15"`` before."""
    if epoch is None:
        return ""
    moment = time.localtime(epoch)
    today = time.localtime(time.time() if now is None else now)
    if moment[:3] == today[:3]:
        return time.strftime("%H:%M:%S", moment)
    return time.strftime("%Y-%m-%d %H:%M", moment)


def lock_word(entry: StoreEntry) -> str:
    """The lock column's word for an entry."""
    if entry.lock is None:
        return "unknown"
    return LOCK_WORDS[entry.lock.state][0]


def process_label(info: LockInfo) -> str:
    """The holder's process name, marked when the holder is known to be dead."""
    if info.pid is None:
        return ""
    if info.holder_alive is False:
        return f"{info.process_name} (exited)" if info.process_name else "(exited)"
    return info.process_name or "?"


class StoreTableModel(QAbstractTableModel):
    """One row per store; adapts ``StoreDirectory`` signals, never reads files itself."""

    def __init__(self, directory: StoreDirectory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[StoreEntry] = []
        self._row_of: dict[str, int] = {}
        directory.entries_updated.connect(self._on_entries_updated)
        directory.entries_removed.connect(self._on_entries_removed)
        self._on_entries_updated(directory.entries())
        # Lock ages tick live; only rows with a lock repaint their age cell.
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(1000)
        self._age_timer.timeout.connect(self._on_age_timer_timeout)
        self._age_timer.start()

    # -- queries ---------------------------------------------------------------------------

    def entry_at(self, row: int) -> StoreEntry | None:
        """The entry shown in ``row`` (source model row), if any."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, path: str) -> int:
        """The row showing the data file ``path``, or -1."""
        return self._row_of.get(path, -1)

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(Column)
        ):
            return _HEADERS[Column(section)]
        return None

    def data(  # noqa: PLR0911 - one answer per role
        self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(Column):
            return None
        entry = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, column)
        if role == Qt.ItemDataRole.DecorationRole and column == Column.LOCK:
            return self._lock_icon(entry)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(entry, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(entry, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == SORT_ROLE:
            return self._sort_key(entry, column)
        return None

    # -- cell contents ---------------------------------------------------------------------

    @staticmethod
    def _display(entry: StoreEntry, column: Column) -> str:  # noqa: PLR0911 - a case per column
        info = entry.lock
        if column == Column.FILE:
            return entry.name
        if column == Column.LOCK:
            return lock_word(entry)
        if column == Column.HEALTH:
            return entry.health.value
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
    def _lock_icon(entry: StoreEntry) -> QIcon:
        name = "lock-unreadable" if entry.lock is None else LOCK_WORDS[entry.lock.state][1]
        return icon(name)

    @staticmethod
    def _tooltip(entry: StoreEntry, column: Column) -> str | None:  # noqa: PLR0911 - per column
        info = entry.lock
        if column == Column.FILE:
            extra = "".join(f"\n  + {printable_path(leftover)}" for leftover in entry.leftovers)
            return printable_path(entry.path) + extra
        if column == Column.LOCK:
            if info is None:
                return entry.lock_error or None
            return info.reason or None
        if column == Column.PROCESS and info is not None and info.is_locked:
            if info.cmdline:
                return printable_path(shlex.join(info.cmdline))
            return info.process_name or None
        if column == Column.HEALTH:
            return entry.health_detail or None
        return None

    @staticmethod
    def _foreground(entry: StoreEntry, column: Column) -> QColor | None:
        if column == Column.HEALTH and entry.health in _HEALTH_COLOURS:
            return _for_palette(_HEALTH_COLOURS[entry.health])
        if column == Column.LOCK and entry.lock is not None and entry.lock.is_stale:
            return _for_palette(_RED)
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
        return StoreTableModel._display(entry, column).casefold()

    # -- slots -----------------------------------------------------------------------------

    @Slot(list)
    def _on_entries_updated(self, entries: list[StoreEntry]) -> None:
        new: list[StoreEntry] = []
        for entry in entries:
            row = self._row_of.get(entry.path)
            if row is None:
                new.append(entry)
                continue
            self._rows[row] = entry
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for offset, entry in enumerate(new):
                self._row_of[entry.path] = first + offset
                self._rows.append(entry)
            self.endInsertRows()

    @Slot(list)
    def _on_entries_removed(self, paths: list[str]) -> None:
        rows = sorted((self._row_of[p] for p in paths if p in self._row_of), reverse=True)
        if not rows:
            return
        # Remove contiguous runs from the bottom up so earlier row numbers stay valid.
        start = end = rows[0]
        for row in [*rows[1:], None]:
            if row is not None and row == start - 1:
                start = row
                continue
            self.beginRemoveRows(QModelIndex(), start, end)
            del self._rows[start : end + 1]
            self.endRemoveRows()
            if row is not None:
                start = end = row
        self._row_of = {entry.path: row for row, entry in enumerate(self._rows)}

    @Slot()
    def _on_age_timer_timeout(self) -> None:
        column = int(Column.AGE)
        for row, entry in enumerate(self._rows):
            if entry.is_locked:
                cell = self.index(row, column)
                self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DisplayRole])


class StoreFilterProxyModel(QSortFilterProxyModel):
    """Sorts by :data:`SORT_ROLE` and filters on the file name and the holder process."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        pattern = self.filterRegularExpression().pattern()
        if not pattern:
            return True
        model = self.sourceModel()
        expression = self.filterRegularExpression()
        for column in (Column.FILE, Column.PROCESS, Column.LOCK, Column.HEALTH):
            text = model.data(model.index(source_row, column, source_parent))
            if text and expression.match(str(text)).hasMatch():
                return True
        return False
