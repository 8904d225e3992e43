"""The Lock Events table: adapts :class:`LockEventService`'s event log to a table model.

Rows are the service's events, oldest first; new ones are appended as they arrive, the oldest
removed as the log drops them (never a reset while the folder stays). The model filters itself
to one store (:meth:`LockEventTableModel.set_store_filter`) rather than sit behind a
``QSortFilterProxyModel``: a proxy asks the Python ``data()`` once per row, which for the
50,000 events kept costs a noticeable stall on every change of the selected store.

The model keeps its own list of the rows it shows and takes in the log's changes at most every
:data:`PUBLISH_INTERVAL_MS` (at once when the last time is longer ago than that): each change
relayouts and repaints the whole visible list (~3 ms of the GUI thread), and a storm changes the
log in every turn of the event loop that hands events on -- 20-30 times a second. Until then
the rows the log dropped stay shown (the model holds them), and the new ones wait.
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
    QElapsedTimer,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Slot,
)

from inspector.colours import ERROR_TEXT, WARNING_TEXT
from inspector.display import printable_path
from inspector.services.lock_events import LockEventService
from inspector.translation import QT_TRANSLATE_NOOP
from lockcore import EventKind, LockEvent

ModelIndex = QModelIndex | QPersistentModelIndex

#: The table takes in the log's changes at most this often (ms): each one repaints the list.
PUBLISH_INTERVAL_MS = 100
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
        #: The rows shown, oldest first: the log's events (of the store filtered on) as of
        #: the last time the model took in the log's changes.
        self._shown: list[LockEvent] = []
        #: Events the log got since then (of the store filtered on), not shown yet.
        self._arrived: list[LockEvent] = []
        #: How many of the oldest of ``_shown`` + ``_arrived`` the log dropped since then.
        self._dropped = 0
        self._published = QElapsedTimer()
        self._publish_timer = QTimer(self)
        self._publish_timer.setSingleShot(True)
        self._publish_timer.timeout.connect(self._on_publish_timer_timeout)
        service.log_about_to_drop.connect(self._on_log_about_to_drop)
        service.log_appended.connect(self._on_log_appended)

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
        self._reload()
        self.endResetModel()

    def event_at(self, row: int) -> LockEvent | None:
        if 0 <= row < len(self._shown):
            return self._shown[row]
        return None

    def publish_now(self) -> None:
        """Show the log's changes now rather than at the next interval."""
        self._publish_timer.stop()
        self._publish()

    # -- Qt model API -------------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

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

    def _reload(self) -> None:
        events = self._log.events()
        store = self._store
        self._shown = events if store is None else [e for e in events if e.store == store]
        self._arrived = []
        self._dropped = 0
        self._publish_timer.stop()

    def _publish(self) -> None:
        """Take in what the log dropped and got since the last time."""
        self._published.start()
        dropped, self._dropped = self._dropped, 0
        shown = min(dropped, len(self._shown))
        if shown:
            self.beginRemoveRows(QModelIndex(), 0, shown - 1)
            del self._shown[:shown]
            self.endRemoveRows()
        del self._arrived[: dropped - shown]
        if self._arrived:
            first = len(self._shown)
            self.beginInsertRows(QModelIndex(), first, first + len(self._arrived) - 1)
            self._shown.extend(self._arrived)
            self._arrived = []
            self.endInsertRows()

    def _schedule_publish(self) -> None:
        if self._publish_timer.isActive():
            return
        since = self._published.elapsed() if self._published.isValid() else PUBLISH_INTERVAL_MS
        if since >= PUBLISH_INTERVAL_MS:
            self._publish()
        else:
            self._publish_timer.start(PUBLISH_INTERVAL_MS - since)

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
        # The log's oldest ``count`` are the oldest of the rows shown and waiting.
        if self._store is None:
            self._dropped += count
        else:
            log, store = self._log, self._store
            self._dropped += sum(1 for i in range(count) if log[i].store == store)
        if len(self._log) == count:  # all of it (another folder): at once
            self.publish_now()
        # Else to make room for what it appends next: both are taken in together.

    @Slot(int)
    def _on_log_appended(self, count: int) -> None:
        arrived = self._log.newest(count)
        if self._store is not None:
            arrived = [event for event in arrived if event.store == self._store]
        if arrived:
            self._arrived.extend(arrived)
            self._schedule_publish()

    @Slot()
    def _on_publish_timer_timeout(self) -> None:
        self._publish()
