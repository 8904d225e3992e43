"""The folder's lock events, live: lockcore's event stream run for the shown folder.

The same stream ``lockcore watch`` prints (:func:`lockcore.watch_lock_events`) runs in a child
process of its own (:mod:`.lock_event_process`, read through :mod:`.lock_event_stream`) for the
folder the window shows, recursively when the window includes subfolders: a storm's thousands
of lock-file reads never take the interpreter lock the GUI thread needs. The child sends what it
collected at most every :data:`DELIVERY_INTERVAL_MS`, so a storm of thousands of holds a second
costs the GUI a few batches a second, not one signal per event. It starts and stops with the
service, and is started again at once if it dies.

A batch is handed on in slices (the child's messages, at most
:data:`~.lock_event_process.MESSAGE_EVENTS` events each), as many per turn of the event loop
as fit in :data:`SLICE_SECONDS`; the rest waits for the next turn, so that paints and input are
answered between slices. A storm's batch took 20-30 ms of the GUI thread in one go (a history of
50,000 events restored at start, far more).

The events are kept in a bounded list (:class:`LockEventLog`, the last :data:`MAX_EVENTS`), in
the order they happened; models adapt it through the ``log_*`` signals, which follow Qt's own
"about to change / changed" pattern so that a model can tell its views before rows go. Whoever
counts or records events takes every one from ``events_arrived``. What a turn delivered is then
moved out of the cyclic garbage collector's reach (:func:`inspector.collector.freeze_survivors`):
the log, the timeline's holds and the figures are tens of thousands of objects that live long and
hold no cycles, and each collection of the oldest generation walked them all -- during a storm,
a stall of 120-260 ms every few seconds, the largest by far.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance, Slot

from inspector.collector import collector_paused, freeze_survivors
from inspector.display import printable_path
from inspector.services.event_history import KEEP_FILES, MAX_FILE_BYTES, write_csv, write_jsonl
from inspector.services.lock_event_stream import MAX_EVENTS, EventStream
from inspector.services.lock_figures import LockFigures, StoreFigures
from inspector.services.store_directory import StoreDirectory
from lockcore import LockEvent

log = logging.getLogger(__name__)

__all__ = [
    "DELIVERY_INTERVAL_MS",
    "MAX_EVENTS",
    "SLICE_SECONDS",
    "LockEventLog",
    "LockEventService",
]

#: The child process sends what the stream collected at most this often (ms).
DELIVERY_INTERVAL_MS = 100
#: One turn of the event loop hands on slices of events until this much time went by (seconds);
#: what is left waits for the next turn.
SLICE_SECONDS = 0.004


class LockEventLog:
    """The last ``limit`` events, oldest first (plain Python: no Qt, no I/O)."""

    def __init__(self, limit: int = MAX_EVENTS) -> None:
        self.limit = limit
        self._events: list[LockEvent] = []

    def __len__(self) -> int:
        return len(self._events)

    def __getitem__(self, index: int) -> LockEvent:
        return self._events[index]

    def events(self) -> list[LockEvent]:
        """A copy of every event kept, oldest first."""
        return list(self._events)

    def newest(self, count: int) -> list[LockEvent]:
        """The newest ``count`` events, oldest first."""
        return self._events[len(self._events) - count :] if count > 0 else []

    def overflow(self, adding: int) -> int:
        """How many of the oldest events adding ``adding`` more pushes out."""
        return max(0, len(self._events) + adding - self.limit)

    def drop_oldest(self, count: int) -> None:
        del self._events[:count]

    def extend(self, events: Iterable[LockEvent]) -> None:
        """Append ``events``; only their last ``limit`` are kept if they are more than that."""
        self._events.extend(events)
        if len(self._events) > self.limit:
            del self._events[: len(self._events) - self.limit]

    def clear(self) -> None:
        self._events.clear()


class LockEventService(QObject):
    """Runs the lock event stream for the window's folder and keeps its last events.

    Follows a :class:`~inspector.services.store_directory.StoreDirectory`: a new folder (or
    including subfolders, or not) starts a new stream and clears the list; a folder that comes
    back after vanishing is watched again.
    """

    #: (events: list[LockEvent]) every event the stream reported since the last batch, oldest
    #: first (also those the bounded log could not keep): for whoever counts or records them
    events_arrived = Signal(object)
    # The log's changes, Qt-style, for models (emitted before events_arrived):
    #: (count: int) the log's oldest ``count`` events are about to be dropped
    log_about_to_drop = Signal(int)
    #: (count: int) they were dropped
    log_dropped = Signal(int)
    #: (count: int) ``count`` events are about to be appended to the log
    log_about_to_append = Signal(int)
    #: (count: int) they were appended
    log_appended = Signal(int)
    #: () every event so far was dropped: another folder (``folder``) is watched now
    events_cleared = Signal()
    #: (stores: set[str]) these stores' figures (:meth:`figures`) changed; told once for what
    #: one turn of the event loop handed on
    figures_changed = Signal(object)
    #: (path: str, count: int, error: str) an export ended: ``count`` events written to
    #: ``path``, or ``error`` says why not
    export_finished = Signal(str, int, str)
    #: (folder: str) the stream watches ``folder`` now: every change from now on is reported
    watching = Signal(str)
    #: (message: str) for the status bar: the stream could not watch the folder
    status_message = Signal(str)
    # (from an export's thread) it ended
    _export_ended = Signal(str, int, str)

    def __init__(
        self,
        directory: StoreDirectory | None = None,
        parent: QObject | None = None,
        *,
        history_root: str | None = None,
    ) -> None:
        """``history_root``: the app's data directory, where each folder's history is kept
        across runs (see :mod:`.event_history`); None keeps none."""
        super().__init__(parent)
        self._history_root = history_root
        self._keep_history = True
        self._history_max_bytes = (KEEP_FILES + 1) * MAX_FILE_BYTES
        self.log = LockEventLog()
        self._figures = LockFigures()
        self._stream: EventStream | None = None
        # Hands on what one turn of the event loop left of the stream's events.
        self._next_slices = QTimer(self)
        self._next_slices.setSingleShot(True)
        self._next_slices.setInterval(0)
        self._next_slices.timeout.connect(self._on_next_slices_timeout)
        self._pending: tuple[str, bool] | None = None  # (folder, recursive) to watch later
        self._watched = ""  # the folder the running stream said it watches
        self.watching.connect(self._on_watching)
        # The partial below (connected to destroyed) sees the stream of the moment through it.
        self._running: list[EventStream | None] = [None]
        self._export_ended.connect(self.export_finished)
        self._directory = directory
        if directory is not None:
            directory.folder_changed.connect(self._on_directory_folder_changed)
            directory.checks_finished.connect(self._on_directory_checks_finished)
            directory.folder_available_changed.connect(self._on_directory_folder_available_changed)
        # Destroyed without shutdown() (a window deleted or dropped): the thread still ends
        # first. Not a bound method: by then the Python side of this object may be gone.
        self.destroyed.connect(functools.partial(_stop_running, self._running))

    # -- public API -------------------------------------------------------------------------

    @property
    def folder(self) -> str:
        """The folder watched, or to be watched once the window's listing and document pass
        are done ("" when none)."""
        if self._stream is not None:
            return self._stream.folder
        return self._pending[0] if self._pending is not None else ""

    @property
    def is_watching(self) -> bool:
        """Whether the stream watches :attr:`folder` now (``watching`` was delivered)."""
        return bool(self._watched) and self._watched == self.folder

    @property
    def process_id(self) -> int:
        """The process ID of the child that runs the stream (0 when none runs)."""
        return self._stream.pid if self._stream is not None else 0

    def watch(self, folder: str, *, recursive: bool, start: bool = True) -> None:
        """Watch ``folder`` (``recursive``: its subfolders too) from now on; the events kept
        so far are dropped. ``start=False``: only once :meth:`start_pending` is called (the
        folder is :attr:`folder` already)."""
        self._stop_stream()
        self._pending = None
        self._figures.clear()
        count = len(self.log)
        if count:
            self.log_about_to_drop.emit(count)
            self.log.clear()
            self.log_dropped.emit(count)
        if start:
            self._start_stream(os.path.abspath(folder), recursive)
        else:
            self._pending = (os.path.abspath(folder), recursive)
        # After the start: whoever follows the folder finds the new one in ``folder``. What the
        # stream collects reaches the GUI thread later, through the event loop.
        self.events_cleared.emit()

    def start_pending(self) -> None:
        """Start the stream that :meth:`watch` was told not to start yet (if any)."""
        pending, self._pending = self._pending, None
        if pending is not None and self._stream is None:
            self._start_stream(*pending)

    def note_broken(self, store: str) -> None:
        """This process is about to break ``store``'s lock (from any thread): its going away
        is reported ``by_us``."""
        stream = self._stream
        if stream is not None:
            stream.note_broken(store)

    def cancel_broken(self, store: str) -> None:
        """The break announced by :meth:`note_broken` did not happen (from any thread)."""
        stream = self._stream
        if stream is not None:
            stream.cancel_broken(store)

    def figures(self, store: str, now: float | None = None) -> StoreFigures:
        """``store``'s contention figures (holds per minute, hold times, last holder, our
        longest wait) as of ``now`` (default: the time now)."""
        return self._figures.figures(store, time.time() if now is None else now)

    @Slot(str, float)
    def note_lock_wait(self, store: str, seconds: float) -> None:
        """One of our saves waited ``seconds`` for ``store``'s lock."""
        if self._figures.record_wait(store, seconds):
            self.figures_changed.emit({store})

    def events_of(self, stores: Sequence[str] | None = None) -> list[LockEvent]:
        """The events kept, oldest first; only those of ``stores`` when given."""
        if stores is None:
            return self.log.events()
        wanted = set(stores)
        return [event for event in self.log.events() if event.store in wanted]

    def set_history_limits(self, *, keep: bool, max_bytes: int) -> None:
        """Whether the events are kept on disk (with a ``history_root``), and how many bytes
        one folder's kept events may take; the running stream follows from its next event
        (what it kept stays: turning it off forgets nothing)."""
        self._keep_history = keep
        self._history_max_bytes = max_bytes
        if self._stream is not None:
            self._stream.set_history_limits(keep=keep, max_bytes=max_bytes)

    def export(self, path: str) -> None:
        """Write the events kept to ``path`` off the GUI thread: CSV when it ends in ``.csv``,
        JSON Lines (``lockcore watch --json``'s format) otherwise; :attr:`export_finished`
        tells how it went."""
        events = self.log.events()
        threading.Thread(
            target=_export,
            args=(events, path, functools.partial(_emit, self._export_ended)),
            name="lock-events-export",
            daemon=True,
        ).start()

    def flush(self) -> None:
        """Take all the stream has sent by now, without waiting for the event loop."""
        if self._stream is not None:
            self._stream.read_now()
        self._next_slices.stop()
        self._deliver(None)

    def shutdown(self) -> None:
        """Stop the stream and end its process; safe to call twice."""
        self._pending = None
        self._stop_stream()

    # -- helpers ----------------------------------------------------------------------------

    def _start_stream(self, folder: str, recursive: bool) -> None:
        self._stream = EventStream(
            folder,
            recursive=recursive,
            history_root=self._history_root,
            recording=self._keep_history,
            max_bytes=self._history_max_bytes,
        )
        self._stream.arrived.connect(self._on_stream_arrived)
        self._stream.ready.connect(functools.partial(self.watching.emit, folder))
        self._running[0] = self._stream

    @Slot(str)
    def _on_watching(self, folder: str) -> None:
        self._watched = folder

    def _stop_stream(self) -> None:
        self._watched = ""
        self._next_slices.stop()
        stream, self._stream = self._stream, None
        self._running[0] = None
        if stream is not None:
            stream.stop()

    @Slot()
    def _on_stream_arrived(self) -> None:
        if not self._next_slices.isActive():  # else the next turn takes them, in order
            self._deliver(SLICE_SECONDS)

    @Slot()
    def _on_next_slices_timeout(self) -> None:
        self._deliver(SLICE_SECONDS)

    def _deliver(self, budget: float | None) -> None:
        """Hand on what the stream sent, a slice at a time, until ``budget`` seconds went by
        (None: all of it); what is left waits for the next turn of the event loop."""
        stream = self._stream
        if stream is None:
            return
        if stream.failure:
            message = self.tr("Lock events of {folder} are not followed: {reason}")
            self.status_message.emit(
                message.format(folder=printable_path(stream.folder), reason=stream.failure)
            )
            stream.failure = ""
        if not stream.has_events:
            return
        started = time.perf_counter()
        changed: set[str] = set()
        # Without the collector's young-generation walks while the slices are handed on
        # (a storm's objects set one off about 80 times a second): what survives is walked
        # once, below, before it is frozen.
        with collector_paused():
            # A slot may watch another folder meanwhile: this stream's events are then dropped.
            while self._stream is stream and stream.has_events:
                changed |= self._deliver_slice(stream.take_message())
                if budget is not None and time.perf_counter() - started >= budget:
                    break
        if changed:  # once a turn: whoever shows figures recomputes them (sorts hold times)
            self.figures_changed.emit(changed)
        freeze_survivors()
        if self._stream is stream and stream.has_events:
            self._next_slices.start()

    def _deliver_slice(self, batch: list[LockEvent]) -> set[str]:
        """Hand on one slice; returns the stores whose figures it changed."""
        if not batch:
            return set()
        self.append_to_log(batch[-self.log.limit :])
        self.events_arrived.emit(batch)
        return self._figures.add(batch)

    def append_to_log(self, events: list[LockEvent]) -> None:
        """Append ``events`` (at most the log's limit) to the log, the oldest dropped first
        when it is full, each change announced before and after (as a model's rows are)."""
        dropped = self.log.overflow(len(events))
        if dropped:
            self.log_about_to_drop.emit(dropped)
            self.log.drop_oldest(dropped)
            self.log_dropped.emit(dropped)
        self.log_about_to_append.emit(len(events))
        self.log.extend(events)
        self.log_appended.emit(len(events))

    # -- slots ------------------------------------------------------------------------------

    @Slot(object)
    def _on_directory_folder_changed(self, folder: str) -> None:
        recursive = self._directory.recursive if self._directory is not None else False
        # Started once the window's listing and its document pass are done: the child's start
        # and its own listing of the folder would take a CPU from the listing the user waits
        # for (2 cores: the first screenful and the complete table came about a third sooner
        # in bench_inspector, and every document checked 1.5-1.8x sooner when it waited for
        # the document pass too).
        self.watch(folder, recursive=recursive, start=False)

    @Slot()
    def _on_directory_checks_finished(self) -> None:
        self.start_pending()

    @Slot(bool)
    def _on_directory_folder_available_changed(self, available: bool) -> None:
        stream = self._stream
        if available and stream is not None:
            # inotify lost its watches with the folder: a new stream watches the new folder.
            folder, recursive = stream.folder, stream.recursive
            self._stop_stream()
            self._start_stream(folder, recursive)


def _emit(signal: SignalInstance, *args: object) -> None:
    """From the stream's thread: tell the GUI thread (queued)."""
    try:
        signal.emit(*args)
    except RuntimeError:  # the service is gone; its stream is being stopped
        log.debug("lock events dropped: their window is gone")


def _export(events: list[LockEvent], path: str, done: Callable[..., None]) -> None:
    writer = write_csv if path.lower().endswith(".csv") else write_jsonl
    try:
        count = writer(events, path)
    except OSError as error:
        done(path, 0, error.strerror or str(error))
        return
    done(path, count, "")


def _stop_running(running: list[EventStream | None]) -> None:
    stream = running[0]
    running[0] = None
    if stream is not None:
        stream.stop()
