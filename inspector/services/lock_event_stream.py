"""One run of the lock event stream for one folder, in a child process, read on the GUI thread.

:class:`EventStream` starts the child (:mod:`.lock_event_process`) with ``QProcess``, starts it
again at once if it dies, and keeps what it sent: its words ("ready", "failure") are read as they
come, its events are kept still encoded, in messages of at most
:data:`~.lock_event_process.MESSAGE_EVENTS`, and decoded one message at a time as its consumer
takes them (:meth:`EventStream.take_message`). A storm's batch (thousands of events every tenth
of a second) thus never has to be decoded, let alone handled, in one turn of the GUI's event
loop: the consumer takes a few messages a turn and leaves the rest for the next.
"""

from __future__ import annotations

import collections
import json
import logging
import threading
import time
from dataclasses import replace

from PySide6.QtCore import QObject, QProcess, Signal, Slot
from shiboken6 import Shiboken

from inspector.services.child_frames import read_frames
from inspector.services.child_process import configure_python_child
from inspector.services.event_history import KEEP_FILES, MAX_FILE_BYTES, history_file_bytes
from inspector.services.lock_event_process import (
    MAX_RESTARTS,
    decode_message,
    is_events_message,
)
from lockcore import EventKind, LockEvent

log = logging.getLogger(__name__)

__all__ = ["CHILD_MODULE", "MAX_EVENTS", "EventStream"]

#: How many events are kept in memory (and restored from the history); the oldest go first.
MAX_EVENTS = 50_000
#: How long stopping waits for the child to end by itself, then for it to die once killed (ms).
STOP_WAIT_MS = 2000
#: The module the child process runs (see inspector.services.child_process).
CHILD_MODULE = "inspector.services.lock_event_process"


class EventStream(QObject):
    """One run of the event stream for one folder, in a child process (see
    :mod:`.lock_event_process`), started again at once if it dies; read on the GUI thread.

    ``arrived`` says that events (:meth:`take_message`, :attr:`has_events`) or a
    :attr:`failure` wait; ``ready`` that the folder is watched. A break this process makes is
    told here (:meth:`note_broken`, from any thread) and its lock's going away, when the child
    reports it, becomes "broken (by us)".
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
        #: the child's messages of events, still encoded, oldest first
        self._inbox: collections.deque[bytes] = collections.deque()
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

    @property
    def has_events(self) -> bool:
        """Whether events wait to be taken."""
        return bool(self._inbox)

    def take_message(self) -> list[LockEvent]:
        """The events of the oldest message waiting (at most MESSAGE_EVENTS), decoded; [] if
        none waits."""
        if not self._inbox:
            return []
        message = decode_message(self._inbox.popleft())
        events: list[LockEvent] = message[1]
        return self._mark_ours(events)

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
        configure_python_child(process, CHILD_MODULE, config)
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
        read_frames(self._output, self._take_frame)
        if (len(self._inbox), self.failure) != before:
            self.arrived.emit()

    def _take_frame(self, frame: bytes) -> None:
        if is_events_message(frame):
            self._inbox.append(frame)  # decoded when taken
            return
        message = decode_message(frame)
        if message[0] == "ready":
            self.ready.emit()
        elif message[0] == "failure":
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
