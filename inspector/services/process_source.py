"""A change source whose inotify reader runs in a child process (:mod:`.watch_process`), so that
a writer storm's events never take the interpreter lock the GUI thread paints with (issue 11 §6).

:class:`ProcessChangeSource` is a :class:`~.change_source.ChangeSource` like any other. It watches
with an in-process reader (:class:`~.inotify.LeanInotifySource`) from the moment it starts -- so
that listing a folder never waits for a new interpreter -- and starts the child
:data:`HANDOVER_DELAY_MS` later, when the listing of even a big folder is mostly done; once the
child watches, the in-process reader stops (both watched for a moment: nothing falls between
them). The child's reports are read on the GUI thread, a few messages a second in a storm.

The child starts and stops with the source (so with the window's watcher), and ends by itself when
this process dies. A child that dies under us (killed, crashed) is replaced at once by an
in-process reader which, once it watches, reports the events as lost (a rescan finds what changed
while nobody watched); then a new child starts and takes over again. A child that keeps dying is
given up after :data:`MAX_RESTARTS` quick deaths, and one that cannot watch leaves the in-process
reader in charge (which reports its own failures).
"""

from __future__ import annotations

import os
import time
from typing import Any

from PySide6.QtCore import QObject, QProcess, QTimer, Slot
from shiboken6 import Shiboken

from inspector.services.change_source import ChangeListener
from inspector.services.child_process import configure_python_child
from inspector.services.inotify import LeanInotifySource
from inspector.services.watch_process import read_messages

__all__ = ["CHILD_MODULE", "HANDOVER_DELAY_MS", "MAX_RESTARTS", "ProcessChangeSource"]

#: The module the child process runs (see inspector.services.child_process).
CHILD_MODULE = "inspector.services.watch_process"
#: How long after the source starts the child is started (ms): a new interpreter starting on the
#: same CPUs does not slow the listing that follows opening a folder.
HANDOVER_DELAY_MS = 500
#: A child that keeps dying within a second of its start is given up after this many restarts.
MAX_RESTARTS = 3


class _LossAfterReady:
    """The listener of an in-process reader started because the child died: once it watches,
    the changes made while nobody did are reported as lost."""

    def __init__(self, listener: ChangeListener) -> None:
        self._listener = listener
        self.on_paths = listener.on_paths
        self.on_events_lost = listener.on_events_lost
        self.on_failed = listener.on_failed

    def on_ready(self) -> None:
        self._listener.on_events_lost()


class ProcessChangeSource(QObject):
    """Watches a folder from a child process (see the module docstring). Made and used on the
    GUI thread: the child's reports reach the listener there."""

    kind = "inotify"

    def __init__(self, handover_delay_ms: int = HANDOVER_DELAY_MS) -> None:
        super().__init__()
        self._folder = ""
        self._recursive = False
        self._listener: ChangeListener | None = None
        self._local: LeanInotifySource | None = None  # the in-process reader, while it watches
        self._retired: list[LeanInotifySource] = []  # stopped readers, joined in join()
        self._process: QProcess | None = None
        self._output = bytearray()
        self._child_watching = False
        self._stopped = False
        self._ended = False  # the folder went: nothing is watched any more
        self._started_at = 0.0
        self._quick_deaths = 0
        self._handover = QTimer(self)
        self._handover.setSingleShot(True)
        self._handover.setInterval(handover_delay_ms)
        self._handover.timeout.connect(self._on_handover_due)
        self._handover_held = False  # see hold_handover
        self._handover_waiting = False  # the delay is over, the hold is not

    # -- ChangeSource -----------------------------------------------------------------------

    def start(self, folder: str, listener: ChangeListener, *, recursive: bool) -> bool:
        """Watch in this process at once (raises its ``OSError``); the child follows."""
        if self._listener is not None:
            raise RuntimeError("a source watches once; make a new one")
        local = LeanInotifySource()
        ready = local.start(folder, listener, recursive=recursive)
        self._folder, self._recursive = folder, recursive
        self._listener, self._local = listener, local
        self._handover.start()
        return ready

    def stop(self) -> None:
        """Stop the in-process reader and end the child. It writes no file and holds no lock,
        so it is killed: one still starting would notice its input closing only once started."""
        self._stopped = True
        if Shiboken.isValid(self._handover):  # (gone first as the interpreter ends)
            self._handover.stop()
        self._retire_local()
        process = self._process
        if (
            process is not None
            and Shiboken.isValid(process)
            and process.state() is not QProcess.ProcessState.NotRunning
        ):
            process.kill()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the readers to end and for the child to be gone."""
        wait = 2.0 if timeout is None else timeout
        for reader in self._retired:
            reader.join(wait)
        self._retired.clear()
        process, self._process = self._process, None
        if process is None or not Shiboken.isValid(process):
            return
        if process.state() is not QProcess.ProcessState.NotRunning:
            process.waitForFinished(round(wait * 1000))
        process.deleteLater()

    def is_alive(self) -> bool:
        if self._stopped or self._ended:
            return False
        if self._local is not None and self._local.is_alive():
            return True
        return self._child_watching

    # -- the child ----------------------------------------------------------------------------

    def hold_handover(self, held: bool) -> None:
        """While ``held``, the child is not started (the in-process reader watches on, so
        nothing is missed): the window's document pass is running, and the child's start and
        its first look at every file of the folder would take a CPU from it (at 100,000 stores
        the pass lasts two seconds). Released, a child whose delay is over starts at once."""
        self._handover_held = held
        if not held and self._handover_waiting:
            self._handover_waiting = False
            self._start_child()

    @Slot()
    def _on_handover_due(self) -> None:
        if self._handover_held:
            self._handover_waiting = True
        else:
            self._start_child()

    @property
    def child_pid(self) -> int:
        """The child's process ID (0 while none runs)."""
        process = self._process
        if process is None or not Shiboken.isValid(process):
            return 0
        return int(process.processId())

    @property
    def child_watching(self) -> bool:
        """Whether the child does the watching (the in-process reader has stopped)."""
        return self._child_watching

    @Slot()
    def _start_child(self) -> None:
        if self._stopped or self._ended:
            return
        # Looking at stores is the child's too when whoever listens takes their entries.
        looks = bool(getattr(self._listener, "wants_looks", False))
        config: dict[str, object] = {
            "folder": self._folder,
            "recursive": self._recursive,
            "look": looks,
        }
        # Its rounds of looks come on a pipe of their own, read off the GUI thread (see
        # looks_reader.py), when whoever listens takes one. (With subfolders it looks at none:
        # it sends paths.)
        take_channel = (
            getattr(self._listener, "on_looks_channel", None)
            if looks and not self._recursive
            else None
        )
        if take_channel is not None:
            looks_read, looks_write = os.pipe()
            os.set_inheritable(looks_write, True)  # the child's, by the same number
            config["looks_fd"] = looks_write
        process = QProcess(self)
        configure_python_child(process, CHILD_MODULE, config)
        process.readyReadStandardOutput.connect(self._on_output)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        self._output.clear()
        self._process = process
        self._started_at = time.monotonic()
        process.start()  # forks at once: the child holds its end from here on
        if take_channel is not None:
            os.close(looks_write)
            take_channel(looks_read)

    @Slot()
    def _on_output(self) -> None:
        process = self._process
        # Not valid: dropped with its owner, without stop() (its destructor ends the child).
        if process is None or not Shiboken.isValid(process):
            return
        self._output += process.readAllStandardOutput().data()
        read_messages(self._output, self._take_message)

    def _take_message(self, message: tuple[Any, ...]) -> None:
        listener = self._listener
        if listener is None or self._stopped:
            return
        kind = message[0]
        if kind == "paths":
            listener.on_paths(message[1])
        elif kind == "looked":
            listener.on_looked(message[1], message[2])  # type: ignore[attr-defined]
        elif kind == "lost":
            listener.on_events_lost()
        elif kind == "ready" and not self._child_watching:
            # Both watch now: the in-process reader can go, nothing falls between the two.
            self._child_watching = True
            self._retire_local()
            if self._recursive:
                listener.on_ready()  # whoever waits for the subfolders' watches waits no more
        elif kind == "ended":
            self._ended = True  # is_alive() says so: whoever checks starts watching again
        elif kind == "failed" and not self._child_watching:
            # It cannot watch what this process can: the in-process reader stays in charge.
            self._quick_deaths = MAX_RESTARTS + 1

    @Slot(QProcess.ProcessError)
    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error is QProcess.ProcessError.FailedToStart:  # no interpreter to run: stay here
            self._quick_deaths = MAX_RESTARTS + 1

    @Slot(int, QProcess.ExitStatus)
    def _on_finished(self, _exit_code: int, _status: QProcess.ExitStatus) -> None:
        process = self._process
        if self._stopped or process is None or not Shiboken.isValid(process):
            return
        self._on_output()  # what it sent before it ended
        was_watching, self._child_watching = self._child_watching, False
        self._process = None
        process.deleteLater()
        if self._ended:
            return
        if was_watching:
            self._watch_in_process()
        if time.monotonic() - self._started_at < 1.0:
            self._quick_deaths += 1
        elif self._quick_deaths <= MAX_RESTARTS:
            self._quick_deaths = 0
        if self._quick_deaths <= MAX_RESTARTS and not self._ended:
            self._start_child()

    def _watch_in_process(self) -> None:
        """The child died while it watched: watch here again at once; the loss is reported
        once this reader watches everything."""
        listener = self._listener
        assert listener is not None
        local = LeanInotifySource()
        try:
            ready = local.start(self._folder, _LossAfterReady(listener), recursive=self._recursive)
        except OSError as error:
            self._ended = True
            listener.on_failed(error)
            return
        self._local = local
        if ready:
            listener.on_events_lost()

    def _retire_local(self) -> None:
        local, self._local = self._local, None
        if local is not None:
            local.stop()
            self._retired.append(local)
