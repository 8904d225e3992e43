"""The folder's lock events, live: lockcore's event stream run for the shown folder.

The same stream ``lockcore watch`` prints (:func:`lockcore.watch_lock_events`) runs in a child
process of its own (:mod:`.lock_event_process`) for the folder the window shows, recursively when
the window includes subfolders: a storm's thousands of lock-file reads never take the interpreter
lock the GUI thread needs. The child sends what it collected at most every
:data:`DELIVERY_INTERVAL_MS`, so a storm of thousands of holds a second costs the GUI a few
batches a second, not one signal per event. It starts and stops with the service, and is started
again at once if it dies.

The events are kept in a bounded list (:class:`LockEventLog`, the last :data:`MAX_EVENTS`), in
the order they happened; models adapt it through the ``log_*`` signals, which follow Qt's own
"about to change / changed" pattern so that a model can tell its views before rows go. Whoever
counts or records events takes every one from ``events_arrived``.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal, SignalInstance, Slot
from shiboken6 import Shiboken

from inspector.display import printable_path
from inspector.services.event_history import (
    KEEP_FILES,
    MAX_FILE_BYTES,
    history_file_bytes,
    write_csv,
    write_jsonl,
)
from inspector.services.lock_event_process import MAX_RESTARTS, read_messages
from inspector.services.lock_figures import LockFigures, StoreFigures
from inspector.services.store_directory import StoreDirectory
from lockcore import EventKind, LockEvent

log = logging.getLogger(__name__)

__all__ = ["DELIVERY_INTERVAL_MS", "MAX_EVENTS", "LockEventLog", "LockEventService"]

#: How many events are kept in memory; the oldest go first.
MAX_EVENTS = 50_000
#: The child process sends what the stream collected at most this often (ms).
DELIVERY_INTERVAL_MS = 100
#: How long stopping waits for the child to end by itself, then for it to die once killed (ms).
STOP_WAIT_MS = 2000
#: The module the child process runs, and where the packages it imports are.
CHILD_MODULE = "inspector.services.lock_event_process"
_SOURCE_ROOT = str(Path(__file__).resolve().parent.parent.parent)


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


class _Stream(QObject):
    """One run of the event stream for one folder, in a child process (see
    :mod:`.lock_event_process`), started again at once if it dies; read on the GUI thread.

    ``arrived`` says that events (:meth:`take`) or a :attr:`failure` wait; ``ready`` that the
    folder is watched. A break this process makes is told here (:meth:`note_broken`, from any
    thread) and its lock's going away, when the child reports it, becomes "broken (by us)".
    """

    arrived = Signal()
    ready = Signal()

    def __init__(
        self,
        folder: str,
        *,
        recursive: bool,
        history_root: str | None,
        recording: bool = True,
        max_bytes: int = (KEEP_FILES + 1) * MAX_FILE_BYTES,
    ) -> None:
        """``recording``, ``max_bytes``: see :meth:`set_history_limits`."""
        super().__init__()
        self.folder = folder
        self.recursive = recursive
        self.failure = ""
        self._history_root = history_root
        #: Whether events go to the history.
        self.recording = recording
        self._max_file_bytes = history_file_bytes(max_bytes)
        self._inbox: list[LockEvent] = []
        self._output = bytearray()
        self._stopping = False
        self._quick_deaths = 0
        self._started = 0.0
        self._guard = threading.Lock()
        self._broken_by_us: dict[str, float] = {}  # store -> when the break was announced
        self._process: QProcess | None = None
        self._start_process(first=True)

    @property
    def pid(self) -> int:
        """The child's process ID (0 while none runs)."""
        process = self._process
        return int(process.processId()) if process is not None else 0

    def take(self) -> list[LockEvent]:
        taken, self._inbox = self._inbox, []
        return taken

    def read_now(self) -> None:
        """Take in what the child has sent so far, without waiting for the event loop."""
        process = self._process
        if process is not None and process.state() is QProcess.ProcessState.Running:
            process.waitForReadyRead(0)
            self._on_output()

    def note_broken(self, store: str) -> None:
        with self._guard:
            self._broken_by_us[store] = time.time()

    def cancel_broken(self, store: str) -> None:
        with self._guard:
            self._broken_by_us.pop(store, None)

    def set_history_limits(self, *, keep: bool, max_bytes: int) -> None:
        """Record from the next event on, or not; the history's files rotate so that they
        take about ``max_bytes``."""
        self.recording = keep
        self._max_file_bytes = history_file_bytes(max_bytes)
        process = self._process
        if process is not None and process.state() is not QProcess.ProcessState.NotRunning:
            command = {"keep": keep, "max_file_bytes": self._max_file_bytes}
            process.write(json.dumps(command).encode("ascii") + b"\n")

    def stop(self) -> None:
        """End the child: its standard input closes, and it ends within about a tenth of a
        second (killed if it has not within STOP_WAIT_MS)."""
        self._stopping = True
        process, self._process = self._process, None
        if process is None or not Shiboken.isValid(process):
            return
        if process.state() is not QProcess.ProcessState.NotRunning:
            process.closeWriteChannel()
            if not process.waitForFinished(STOP_WAIT_MS):
                process.kill()
                process.waitForFinished(STOP_WAIT_MS)
        process.deleteLater()

    def _start_process(self, *, first: bool) -> None:
        config = {
            "folder": self.folder,
            "recursive": self.recursive,
            # After a restart the consumer knows the holders and the history already.
            "report_held": first,
            "restore": first,
            "restore_limit": MAX_EVENTS,
            "history_root": self._history_root,
            "recording": self.recording,
            "max_file_bytes": self._max_file_bytes,
        }
        process = QProcess()
        process.setProgram(sys.executable)
        # ensure_ascii: a folder name that is not UTF-8 travels as \udcXX escapes, which a
        # QString argument can carry (lone surrogates it cannot).
        process.setArguments(["-m", CHILD_MODULE, json.dumps(config, ensure_ascii=True)])
        environment = QProcessEnvironment.systemEnvironment()
        # The child imports the same inspector and lockcore as this process.
        paths = [_SOURCE_ROOT, environment.value("PYTHONPATH", "")]
        environment.insert("PYTHONPATH", os.pathsep.join(path for path in paths if path))
        process.setProcessEnvironment(environment)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.ForwardedErrorChannel)
        process.readyReadStandardOutput.connect(self._on_output)
        process.finished.connect(self._on_finished)
        self._output.clear()
        self._process = process
        self._started = time.monotonic()
        process.start()

    @Slot()
    def _on_output(self) -> None:
        process = self._process
        # Not valid: dropped with its owner, without stop() (its destructor ends the child).
        if process is None or not Shiboken.isValid(process):
            return
        self._output += process.readAllStandardOutput().data()
        before = (len(self._inbox), self.failure)
        read_messages(self._output, self._take_message)
        if (len(self._inbox), self.failure) != before:
            self.arrived.emit()

    def _take_message(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "events":
            self._inbox.extend(self._mark_ours(message[1]))
        elif kind == "ready":
            self.ready.emit()
        elif kind == "failure":
            self.failure = message[1]

    def _mark_ours(self, events: list[LockEvent]) -> list[LockEvent]:
        """The end of a lock this process announced it breaks, as "broken (by us)"."""
        with self._guard:
            if not self._broken_by_us:
                return events
            marked: list[LockEvent] = []
            for event in events:
                announced = self._broken_by_us.get(event.store)
                if (
                    announced is not None
                    and event.event in (EventKind.RELEASED, EventKind.BROKEN)
                    and not event.reason  # not a hold too short to see
                    and event.time >= announced
                ):
                    del self._broken_by_us[event.store]
                    marked.append(replace(event, event=EventKind.BROKEN, by_us=True))
                else:
                    marked.append(event)
            return marked

    @Slot(int, QProcess.ExitStatus)
    def _on_finished(self, exit_code: int, status: QProcess.ExitStatus) -> None:
        process = self._process
        if self._stopping or process is None or not Shiboken.isValid(process):
            return
        self._on_output()  # what it sent before it ended
        failed = status is QProcess.ExitStatus.NormalExit and exit_code == 1 and self.failure
        if failed:  # the folder vanished: whoever follows it starts a new stream when it is back
            return
        if time.monotonic() - self._started < 1.0:
            self._quick_deaths += 1
        else:
            self._quick_deaths = 0
        if self._quick_deaths > MAX_RESTARTS:
            self.failure = "the lock event process keeps ending"
            self.arrived.emit()
            return
        log.warning("the lock event process ended (%s); starting it again", exit_code)
        old = self._process
        self._start_process(first=False)
        if old is not None:
            old.deleteLater()


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
        self._pending: tuple[str, bool] | None = None  # (folder, recursive) to watch later
        self._watched = ""  # the folder the running stream said it watches
        self.watching.connect(self._on_watching)
        # The partial below (connected to destroyed) sees the stream of the moment through it.
        self._running: list[_Stream | None] = [None]
        self._export_ended.connect(self.export_finished)
        self._directory = directory
        if directory is not None:
            directory.folder_changed.connect(self._on_directory_folder_changed)
            directory.scan_finished.connect(self._on_directory_scan_finished)
            directory.folder_available_changed.connect(self._on_directory_folder_available_changed)
        # Destroyed without shutdown() (a window deleted or dropped): the thread still ends
        # first. Not a bound method: by then the Python side of this object may be gone.
        self.destroyed.connect(functools.partial(_stop_running, self._running))

    # -- public API -------------------------------------------------------------------------

    @property
    def folder(self) -> str:
        """The folder watched, or to be watched once the window's listing is done ("" when
        none)."""
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
        """Take what the stream has sent now, without waiting for the event loop."""
        if self._stream is not None:
            self._stream.read_now()
        self._deliver()

    def shutdown(self) -> None:
        """Stop the stream and end its process; safe to call twice."""
        self._pending = None
        self._stop_stream()

    # -- helpers ----------------------------------------------------------------------------

    def _start_stream(self, folder: str, recursive: bool) -> None:
        self._stream = _Stream(
            folder,
            recursive=recursive,
            history_root=self._history_root,
            recording=self._keep_history,
            max_bytes=self._history_max_bytes,
        )
        self._stream.arrived.connect(self._deliver)
        self._stream.ready.connect(functools.partial(self.watching.emit, folder))
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

    @Slot(object)
    def _on_directory_folder_changed(self, folder: str) -> None:
        recursive = self._directory.recursive if self._directory is not None else False
        # Started once the window's listing is done: the child's start and its own listing of
        # the folder would take a CPU from the listing the user waits for (2 cores: the first
        # screenful and the complete table came about a third sooner in bench_inspector).
        self.watch(folder, recursive=recursive, start=False)

    @Slot()
    def _on_directory_scan_finished(self) -> None:
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


def _stop_running(running: list[_Stream | None]) -> None:
    stream = running[0]
    running[0] = None
    if stream is not None:
        stream.stop()
