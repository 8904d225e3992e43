"""The Lock Events table: adapts :class:`LockEventService`'s event log to a table model.

Rows are the service's events, oldest first; new ones are appended as they arrive, the oldest
removed as the log drops them (never a reset while the folder stays). The model filters itself
to one store (:meth:`LockEventTableModel.set_store_filter`) rather than sit behind a
``QSortFilterProxyModel``: a proxy asks the Python ``data()`` once per row, which for the
50,000 events kept costs a noticeable stall on every change of the selected store.
"""

from __future__ import annotations

import enum
import os
import socket
import time
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Slot,
)

from inspector.colours import ERROR_TEXT, WARNING_TEXT
from inspector.display import printable_path
from inspector.services.lock_events import LockEventLog, LockEventService
from inspector.translation import QT_TRANSLATE_NOOP
from lockcore import EventKind, LockEvent

ModelIndex = QModelIndex | QPersistentModelIndex

#: Role giving the store (data file path) of a row's event.
STORE_ROLE = Qt.ItemDataRole.UserRole + 1
#: Role giving the row's :class:`lockcore.LockEvent` itself.
EVENT_ROLE = Qt.ItemDataRole.UserRole + 2


class Column(enum.IntEnum):
    TIME = 0
    EVENT = 1
    STORE = 2
    HOLDER = 3
    DURATION = 4
    SIZE = 5


_HEADERS = {
    Column.TIME: QT_TRANSLATE_NOOP("LockEventTableModel", "Time"),
    Column.EVENT: QT_TRANSLATE_NOOP("LockEventTableModel", "Event"),
    Column.STORE: QT_TRANSLATE_NOOP("LockEventTableModel", "Store"),
    Column.HOLDER: QT_TRANSLATE_NOOP("LockEventTableModel", "Holder"),
    Column.DURATION: QT_TRANSLATE_NOOP("LockEventTableModel", "Duration"),
    Column.SIZE: QT_TRANSLATE_NOOP("LockEventTableModel", "Size"),
}
_EVENT_WORDS = {
    EventKind.TAKEN: QT_TRANSLATE_NOOP("LockEventTableModel", "taken"),
    EventKind.RELEASED: QT_TRANSLATE_NOOP("LockEventTableModel", "released"),
    EventKind.STALE: QT_TRANSLATE_NOOP("LockEventTableModel", "stale"),
    EventKind.BROKEN: QT_TRANSLATE_NOOP("LockEventTableModel", "broken"),
    EventKind.WRITTEN: QT_TRANSLATE_NOOP("LockEventTableModel", "written"),
    EventKind.CREATED: QT_TRANSLATE_NOOP("LockEventTableModel", "created"),
    EventKind.REMOVED: QT_TRANSLATE_NOOP("LockEventTableModel", "removed"),
    EventKind.CORRUPTED: QT_TRANSLATE_NOOP("LockEventTableModel", "corrupted"),
}
_ALARMING = {EventKind.STALE: WARNING_TEXT, EventKind.BROKEN: WARNING_TEXT}
_ANSWERED_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.TextAlignmentRole,
        STORE_ROLE,
        EVENT_ROLE,
    )
)
_LOCAL_HOST = socket.gethostname()


def _tr(text: str) -> str:
    return QCoreApplication.translate("LockEventTableModel", text)


def event_word(event: LockEvent) -> str:
    """The event's kind as the table shows it ("broken (by us)" for our own breaks)."""
    word = _tr(_EVENT_WORDS[event.event])
    if event.by_us:
        return _tr("{event} (by us)").format(event=word)
    return word


def holder_text(event: LockEvent) -> str:
    """Who held the lock: "name (PID n)", with the host when it is another machine."""
    if event.pid is None and not event.process:
        return ""
    if event.pid is None:
        text = event.process or ""
    elif event.process:
        text = _tr("{process} (PID {pid})").format(process=event.process, pid=event.pid)
    else:
        text = _tr("PID {pid}").format(pid=event.pid)
    if event.host and event.host != _LOCAL_HOST:
        text = _tr("{holder} on {host}").format(holder=text, host=event.host)
    return printable_path(text)


def duration_text(seconds: float | None) -> str:
    """A hold's length: milliseconds below a second, seconds below a minute, then m:ss."""
    if seconds is None:
        return ""
    if seconds < 1:
        return _tr("{ms} ms").format(ms=f"{seconds * 1000:.1f}")
    if seconds < 60:
        return _tr("{s} s").format(s=f"{seconds:.3f}")
    minutes, rest = divmod(int(seconds), 60)
    return _tr("{m} min {s} s").format(m=minutes, s=rest)


def time_text(when: float) -> str:
    """Local wall-clock time with milliseconds."""
    moment = datetime.fromtimestamp(when)  # the user's local time
    return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


class LockEventTableModel(QAbstractTableModel):
    """One row per event of ``service``'s log, optionally only those of one store."""

    def __init__(self, service: LockEventService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._log = service.log
        self._store: str | None = None
        # With a store filter: that store's events of the log, oldest first.
        self._filtered: list[LockEvent] = []
        service.log_about_to_drop.connect(self._on_log_about_to_drop)
        service.log_dropped.connect(self._on_log_dropped)
        service.log_about_to_append.connect(self._on_log_about_to_append)
        service.log_appended.connect(self._on_log_appended)
        self._dropping = 0
        self._inserting = False

    # -- public API -------------------------------------------------------------------------

    @property
    def store_filter(self) -> str | None:
        return self._store

    def set_store_filter(self, store: str | None) -> None:
        """Show only the events of ``store`` (None: every store's)."""
        if store == self._store:
            return
        self.beginResetModel()
        self._store = store
        self._filtered = (
            [] if store is None else [event for event in self._log.events() if event.store == store]
        )
        self.endResetModel()

    def event_at(self, row: int) -> LockEvent | None:
        rows = self._rows()
        if 0 <= row < len(rows):
            return rows[row]
        return None

    # -- Qt model API -------------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows())

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(Column)
        ):
            return _tr(_HEADERS[Column(section)])
        return None

    def data(  # noqa: PLR0911 - one answer per role reads best as a flat dispatch
        self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # Called for a dozen roles per cell as rows stream in: the others leave at once.
        if role not in _ANSWERED_ROLES or not index.isValid():
            return None
        event = self.event_at(index.row())
        if event is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(event, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(event, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == Column.EVENT:
            colour = (
                ERROR_TEXT if event.event is EventKind.CORRUPTED else _ALARMING.get(event.event)
            )
            return None if colour is None else colour.for_palette()
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.DURATION, Column.SIZE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == STORE_ROLE:
            return event.store
        if role == EVENT_ROLE:
            return event
        return None

    # -- helpers ------------------------------------------------------------------------------

    def _rows(self) -> LockEventLog | list[LockEvent]:
        return self._log if self._store is None else self._filtered

    def _display(self, event: LockEvent, column: int) -> str:  # noqa: PLR0911 - per column
        if column == Column.TIME:
            return time_text(event.time)
        if column == Column.EVENT:
            return event_word(event)
        if column == Column.STORE:
            return printable_path(self._relative(event.store))
        if column == Column.HOLDER:
            return holder_text(event)
        if column == Column.DURATION:
            return duration_text(event.duration_s)
        if column == Column.SIZE:
            return "" if event.size is None else f"{event.size:,}"
        return ""

    def _tooltip(self, event: LockEvent, column: int) -> str:
        if column == Column.TIME:
            return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(event.time))
        if column == Column.STORE:
            return printable_path(event.store)
        return printable_path(event.reason)

    def _relative(self, store: str) -> str:
        folder = self._service.folder
        if folder and store.startswith(folder + os.sep):
            return store[len(folder) + 1 :]
        return store

    # -- slots --------------------------------------------------------------------------------

    @Slot(int)
    def _on_log_about_to_drop(self, count: int) -> None:
        if self._store is None:
            self._dropping = count
        else:
            self._dropping = sum(1 for i in range(count) if self._log[i].store == self._store)
        if self._dropping:
            self.beginRemoveRows(QModelIndex(), 0, self._dropping - 1)

    @Slot(int)
    def _on_log_dropped(self, _count: int) -> None:
        if self._dropping:
            if self._store is not None:
                del self._filtered[: self._dropping]
            self._dropping = 0
            self.endRemoveRows()

    @Slot(int)
    def _on_log_about_to_append(self, count: int) -> None:
        if self._store is None and count:
            first = len(self._log)
            self.beginInsertRows(QModelIndex(), first, first + count - 1)
            self._inserting = True

    @Slot(int)
    def _on_log_appended(self, count: int) -> None:
        if self._store is None:
            if self._inserting:
                self._inserting = False
                self.endInsertRows()
            return
        mine = [self._log[i] for i in range(len(self._log) - count, len(self._log))]
        mine = [event for event in mine if event.store == self._store]
        if mine:
            first = len(self._filtered)
            self.beginInsertRows(QModelIndex(), first, first + len(mine) - 1)
            self._filtered.extend(mine)
            self.endInsertRows()
