"""The folder's lock events, live: lockcore's event stream run for the shown folder.

The same stream ``lockcore watch`` prints (:func:`lockcore.watch_lock_events`) runs on a thread
of its own ("lock-events") for the folder the window shows, recursively when the window includes
subfolders. The thread only collects; the GUI thread takes what it collected at most every
:data:`DELIVERY_INTERVAL_MS`, so a storm of thousands of holds a second costs the GUI a few
batches a second, not one signal per event.

The events are kept in a bounded list (:class:`LockEventLog`, the last :data:`MAX_EVENTS`), in
the order they happened; models adapt it through the ``log_*`` signals, which follow Qt's own
"about to change / changed" pattern so that a model can tell its views before rows go. Whoever
counts or records events takes every one from ``events_arrived``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance, Slot

from inspector.display import printable_path
from inspector.services.event_history import (
    KEEP_FILES,
    MAX_FILE_BYTES,
    EventHistory,
    history_file_bytes,
    write_csv,
    write_jsonl,
)
from inspector.services.lock_figures import LockFigures, StoreFigures
from inspector.services.store_directory import StoreDirectory
from lockcore import LockEvent, LockEventTracker, watch_lock_events

log = logging.getLogger(__name__)

__all__ = ["DELIVERY_INTERVAL_MS", "MAX_EVENTS", "LockEventLog", "LockEventService"]

#: How many events are kept in memory; the oldest go first.
MAX_EVENTS = 50_000
#: The GUI takes what the stream collected at most this often (ms).
DELIVERY_INTERVAL_MS = 100
#: How often the stream's thread asks whether it should stop (seconds): the longest a window's
#: closing waits for it.
STOP_CHECK_INTERVAL = 0.2


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


class _Stream:
    """One run of the event stream for one folder, on its own thread (no Qt here).

    Events are collected into ``inbox``; ``wake`` is called when the inbox stops being empty
    (from the stream's thread), so the GUI is told once per batch, not once per event.
    """

    def __init__(
        self,
        folder: str,
        *,
        recursive: bool,
        wake: Callable[[], None],
        ready: Callable[[], None],
        history: EventHistory | None = None,
        recording: bool = True,
    ) -> None:
        """``recording``: whether events go to ``history`` (see :meth:`set_history_limits`)."""
        self.folder = folder
        self.recursive = recursive
        self.tracker = LockEventTracker()
        self._history = history
        #: Whether events go to ``history`` (read by the stream's thread: a bool flips whole).
        self.recording = recording
        self._wake = wake
        self._ready = ready
        self._stop = threading.Event()
        self._guard = threading.Lock()
        self._inbox: list[LockEvent] = []
        self.failure = ""
        self._thread = threading.Thread(target=self._run, name="lock-events", daemon=True)
        self._thread.start()

    def take(self) -> list[LockEvent]:
        with self._guard:
            taken, self._inbox = self._inbox, []
        return taken

    def stop(self) -> None:
        """Ask the thread to end and wait for it (at most about STOP_CHECK_INTERVAL)."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        try:
            self._restore()
            events = watch_lock_events(
                self.folder,
                recursive=self.recursive,
                poll_interval=STOP_CHECK_INTERVAL,
                should_stop=self._should_stop,
                on_ready=self._ready,
                tracker=self.tracker,
            )
            for event in events:
                self._collect([event])
                self._record([event])
        except OSError as error:  # the folder vanished or cannot be listed
            self.failure = str(error)
            self._wake()
        finally:
            self._close_history()

    def _collect(self, events: list[LockEvent]) -> None:
        with self._guard:
            was_empty = not self._inbox
            self._inbox.extend(events)
        if was_empty:
            self._wake()

    def _restore(self) -> None:
        """The folder's history from earlier runs comes first (read here, off the GUI)."""
        if self._history is not None and self.recording:
            kept = self._history.read(MAX_EVENTS)
            if kept:
                self._collect(kept)

    def set_history_limits(self, *, keep: bool, max_bytes: int) -> None:
        """Record from the next event on, or not; the history's files rotate so that they
        take about ``max_bytes`` (from any thread)."""
        self.recording = keep
        if self._history is not None:
            self._history.max_file_bytes = history_file_bytes(max_bytes)

    def _record(self, events: list[LockEvent]) -> None:
        if self._history is None or not self.recording:
            return
        try:
            self._history.append(events)
        except OSError as error:  # a full disk, say: the stream goes on, unrecorded
            self.failure = f"the history could not be written: {error}"
            self._close_history()
            self._history = None
            self._wake()

    def _should_stop(self) -> bool:
        # Asked every STOP_CHECK_INTERVAL even while nothing happens: the moment to flush.
        if self._history is not None:
            try:
                self._history.flush()
            except OSError:
                self._record([])
        return self._stop.is_set()

    def _close_history(self) -> None:
        if self._history is not None:
            with contextlib.suppress(OSError):
                self._history.flush()
            self._history.close()


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
    #: (stores: set[str]) these stores' figures (:meth:`figures`) changed
    figures_changed = Signal(object)
    #: (path: str, count: int, error: str) an export ended: ``count`` events written to
    #: ``path``, or ``error`` says why not
    export_finished = Signal(str, int, str)
    #: (folder: str) the stream watches ``folder`` now: every change from now on is reported
    watching = Signal(str)
    #: (message: str) for the status bar: the stream could not watch the folder
    status_message = Signal(str)
    # (from the stream's thread) the inbox has events: queued to the GUI thread
    _inbox_filled = Signal()
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
        self._stream: _Stream | None = None
        self._watched = ""  # the folder the running stream said it watches
        self.watching.connect(self._on_watching)
        # The partial below (connected to destroyed) sees the stream of the moment through it.
        self._running: list[_Stream | None] = [None]
        self._delivery_timer = QTimer(self)
        self._delivery_timer.setSingleShot(True)
        self._delivery_timer.setInterval(DELIVERY_INTERVAL_MS)
        self._delivery_timer.timeout.connect(self._on_delivery_timer_timeout)
        self._inbox_filled.connect(self._on_inbox_filled)
        self._export_ended.connect(self.export_finished)
        self._directory = directory
        if directory is not None:
            directory.folder_changed.connect(self._on_directory_folder_changed)
            directory.folder_available_changed.connect(self._on_directory_folder_available_changed)
        # Destroyed without shutdown() (a window deleted or dropped): the thread still ends
        # first. Not a bound method: by then the Python side of this object may be gone.
        self.destroyed.connect(functools.partial(_stop_running, self._running))

    # -- public API -------------------------------------------------------------------------

    @property
    def folder(self) -> str:
        """The folder watched ("" when none)."""
        return self._stream.folder if self._stream is not None else ""

    @property
    def is_watching(self) -> bool:
        """Whether the stream watches :attr:`folder` now (``watching`` was delivered)."""
        return bool(self._watched) and self._watched == self.folder

    @property
    def tracker(self) -> LockEventTracker | None:
        """The tracker of the running stream (None when nothing is watched)."""
        return self._stream.tracker if self._stream is not None else None

    def watch(self, folder: str, *, recursive: bool) -> None:
        """Watch ``folder`` (``recursive``: its subfolders too) from now on; the events kept
        so far are dropped."""
        self._stop_stream()
        self._figures.clear()
        count = len(self.log)
        if count:
            self.log_about_to_drop.emit(count)
            self.log.clear()
            self.log_dropped.emit(count)
        self._start_stream(os.path.abspath(folder), recursive)
        # After the start: whoever follows the folder finds the new one in ``folder``. What the
        # stream collects reaches the GUI thread later, through the event loop.
        self.events_cleared.emit()

    def note_broken(self, store: str) -> None:
        """This process is about to break ``store``'s lock (from any thread): its going away
        is reported ``by_us``."""
        tracker = self.tracker
        if tracker is not None:
            tracker.note_broken(store)

    def cancel_broken(self, store: str) -> None:
        """The break announced by :meth:`note_broken` did not happen (from any thread)."""
        tracker = self.tracker
        if tracker is not None:
            tracker.cancel_broken(store)

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
        """Take what the stream collected now, without waiting for the next delivery."""
        self._deliver()

    def shutdown(self) -> None:
        """Stop the stream and end its thread; safe to call twice."""
        self._delivery_timer.stop()
        self._stop_stream()

    # -- helpers ----------------------------------------------------------------------------

    def _start_stream(self, folder: str, recursive: bool) -> None:
        history = None
        if self._history_root:
            history = EventHistory(
                folder,
                self._history_root,
                max_file_bytes=history_file_bytes(self._history_max_bytes),
            )
        self._stream = _Stream(
            folder,
            recursive=recursive,
            history=history,
            recording=self._keep_history,
            wake=functools.partial(_emit, self._inbox_filled),
            ready=functools.partial(_emit, self.watching, folder),
        )
        self._running[0] = self._stream

    @Slot(str)
    def _on_watching(self, folder: str) -> None:
        self._watched = folder

    def _stop_stream(self) -> None:
        self._watched = ""
        stream, self._stream = self._stream, None
        self._running[0] = None
        if stream is not None:
            stream.stop()

    def _deliver(self) -> None:
        stream = self._stream
        if stream is None:
            return
        batch = stream.take()
        if stream.failure:
            message = self.tr("Lock events of {folder} are not followed: {reason}")
            self.status_message.emit(
                message.format(folder=printable_path(stream.folder), reason=stream.failure)
            )
            stream.failure = ""
        if not batch:
            return
        kept = batch[-self.log.limit :]
        dropped = self.log.overflow(len(kept))
        if dropped:
            self.log_about_to_drop.emit(dropped)
            self.log.drop_oldest(dropped)
            self.log_dropped.emit(dropped)
        self.log_about_to_append.emit(len(kept))
        self.log.extend(kept)
        self.log_appended.emit(len(kept))
        self.events_arrived.emit(batch)
        self.figures_changed.emit(self._figures.add(batch))

    # -- slots ------------------------------------------------------------------------------

    @Slot()
    def _on_inbox_filled(self) -> None:
        if not self._delivery_timer.isActive():
            self._delivery_timer.start()

    @Slot()
    def _on_delivery_timer_timeout(self) -> None:
        self._deliver()

    @Slot(object)
    def _on_directory_folder_changed(self, folder: str) -> None:
        recursive = self._directory.recursive if self._directory is not None else False
        self.watch(folder, recursive=recursive)

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


def _stop_running(running: list[_Stream | None]) -> None:
    stream = running[0]
    running[0] = None
    if stream is not None:
        stream.stop()
