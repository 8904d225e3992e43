"""Who has a store open right now, and ending a holder's process (as ``lsof`` and Handle show,
and ``kill`` does), off the GUI thread.

Looking walks the process table with psutil and asks each process for its open files (a
process we may not look into is skipped), so it runs on demand on a thread of its own. Ending a
process is refused when the PID now names another process than the one shown (started at
another time): a PID can be reused between looking and confirming. SIGTERM asks the process to
end; SIGKILL, a separate and explicit step, ends it whatever it does.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

import psutil
from PySide6.QtCore import QObject, Signal, SignalInstance

from lockcore import LockState, inspect_lock, lock_path_for

log = logging.getLogger(__name__)

__all__ = ["Opener", "ProcessChangedError", "StoreOpeners", "find_openers", "terminate"]


@dataclass(frozen=True)
class Opener:
    """A process with one of a store's files open (or a lock's holder)."""

    pid: int
    name: str
    cmdline: tuple[str, ...]
    started: float
    parent_pid: int | None
    parent_name: str
    #: which of the store's files it has open (its data file, its lock file)
    files: tuple[str, ...]
    #: the lock file names it as the lock's live holder (on this host)
    holds_lock: bool = False


class ProcessChangedError(ProcessLookupError):
    """The PID names another process now than the one shown (it ended; the PID was reused)."""

    def __init__(self, pid: int) -> None:
        super().__init__(f"PID {pid} is another process now")
        self.pid = pid


def describe(
    process: psutil.Process, files: tuple[str, ...] = (), *, holds_lock: bool = False
) -> Opener:
    """What is shown of ``process`` (psutil errors pass through)."""
    with process.oneshot():
        parent_pid = process.ppid() or None
        parent_name = ""
        if parent_pid is not None:
            try:
                parent_name = psutil.Process(parent_pid).name()
            except psutil.Error:
                parent_name = ""
        return Opener(
            pid=process.pid,
            name=process.name(),
            cmdline=tuple(process.cmdline()),
            started=process.create_time(),
            parent_pid=parent_pid,
            parent_name=parent_name,
            files=files,
            holds_lock=holds_lock,
        )


def find_openers(store: str) -> list[Opener]:
    """The processes that have ``store``'s data or lock file open now, by PID, and the lock's
    live holder on this host (marked :attr:`Opener.holds_lock`) even when it keeps no file
    open: a legacy writer closes its lock file once it has written its PID into it."""
    holder = _live_local_holder(store)
    wanted = {os.path.realpath(path) for path in (store, lock_path_for(store))}
    found: list[Opener] = []
    for process in psutil.process_iter():
        try:
            files = tuple(
                sorted({f.path for f in process.open_files() if os.path.realpath(f.path) in wanted})
            )
            if files:
                found.append(describe(process, files, holds_lock=process.pid == holder))
        except psutil.Error:  # gone meanwhile, or not ours to look into
            continue
    if holder is not None and all(opener.pid != holder for opener in found):
        with contextlib.suppress(psutil.Error):  # it let go meanwhile
            found.append(describe(psutil.Process(holder), holds_lock=True))
    return sorted(found, key=lambda opener: opener.pid)


def _live_local_holder(store: str) -> int | None:
    """The PID of the process that holds ``store``'s lock, when it runs on this host."""
    try:
        info = inspect_lock(store)
    except (OSError, ValueError):
        return None
    return info.pid if info.state is LockState.HELD_ALIVE else None


def holder_details(pid: int) -> Opener | None:
    """A lock holder's process as shown (None when no such process runs)."""
    try:
        return describe(psutil.Process(pid))
    except psutil.Error:
        return None


def terminate(opener: Opener, *, kill: bool) -> None:
    """Send SIGTERM (``kill``: SIGKILL) to ``opener``'s process, if that PID still names it.

    Raises :class:`ProcessChangedError` when it does not, PermissionError when it is not ours.
    """
    try:
        process = psutil.Process(opener.pid)
        if abs(process.create_time() - opener.started) > 0.01:
            raise ProcessChangedError(opener.pid)
    except psutil.NoSuchProcess as error:
        raise ProcessChangedError(opener.pid) from error
    except psutil.AccessDenied as error:
        raise PermissionError(f"not allowed to look at PID {opener.pid}") from error
    os.kill(opener.pid, signal.SIGKILL if kill else signal.SIGTERM)


class StoreOpeners(QObject):
    """Runs :func:`find_openers` and :func:`terminate` on threads; reports through signals."""

    #: (store: str, openers: list[Opener], error: str) a look at ``store`` ended
    openers_found = Signal(str, object, str)
    #: (opener: Opener, kill: bool, error: str) a signal was sent ("" ) or why not
    terminate_finished = Signal(object, bool, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Each look runs on a thread of its own, so an earlier look can end after a later one
        # of the same store: its answer is then older than the one shown, and is dropped.
        self._answers_guard = threading.RLock()
        self._looks_asked = 0
        self._newest_answered: dict[str, int] = {}

    def look(self, store: str) -> None:
        """Find who has ``store`` open, off the GUI thread. A look that ends after a later
        look of the same store has reported reports nothing."""
        with self._answers_guard:
            self._looks_asked += 1
            number = self._looks_asked
        self._run(self._look, store, number)

    def terminate(self, opener: Opener, *, kill: bool) -> None:
        """Send SIGTERM (``kill``: SIGKILL) to ``opener``'s process, off the GUI thread."""
        self._run(self._terminate, opener, kill)

    @staticmethod
    def _run(target: Callable[..., None], *args: object) -> None:
        threading.Thread(target=target, args=args, name="store-openers", daemon=True).start()

    def _look(self, store: str, number: int) -> None:
        error_text = ""
        try:
            openers = find_openers(store)
        except (OSError, psutil.Error) as error:
            openers, error_text = [], str(error)
        # Checked and emitted under the guard: answers are queued to the GUI thread in the
        # order they are emitted, so none overtakes a newer one between the check and the emit.
        with self._answers_guard:
            if number < self._newest_answered.get(store, 0):
                log.debug("look %d at %s dropped: a later look answered first", number, store)
                return
            self._newest_answered[store] = number
            _emit(self.openers_found, store, openers, error_text)

    def _terminate(self, opener: Opener, kill: bool) -> None:
        try:
            terminate(opener, kill=kill)
        except OSError as error:
            _emit(self.terminate_finished, opener, kill, str(error))
            return
        _emit(self.terminate_finished, opener, kill, "")


def _emit(signal_: SignalInstance, *args: object) -> None:
    try:
        signal_.emit(*args)
    except RuntimeError:  # the window went while the thread ran
        log.debug("store openers result dropped: its window is gone")
