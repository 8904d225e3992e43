"""Repairs the user asks for: breaking a lock, recovering an interrupted legacy write.

Both go through lockcore's public API only, off the GUI thread, and report back through signals.
Recovering takes the store's lock, which can mean waiting for another process; breaking waits for
nothing, but its file operations can hang on a share that stopped answering. Each break gets a
daemon thread of its own, so that one stuck there neither blocks the next nor the app's exit.
Shutting down stops a recovery that still waits for the lock (nothing was changed then) and lets
one that holds it finish: quitting never waits out the lock's timeout.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance

from inspector.display import describe_holder, printable_name, printable_path
from lockcore import (
    FileLockError,
    LockCancelled,
    LockInfo,
    LockTimeout,
    break_stale_lock,
    recover_interrupted_write,
)

log = logging.getLogger(__name__)

#: How long "Recover" waits for the store's lock before giving up (seconds).
RECOVER_TIMEOUT = 10.0


class BreakNotes(Protocol):
    """Who is told of our own breaks (the lock event stream, so that it says ``by_us``)."""

    def note_broken(self, store: str) -> None: ...

    def cancel_broken(self, store: str) -> None: ...


class LockActions(QObject):
    """Performs lock repairs and reports their outcome."""

    #: (expected: LockInfo, error: Exception | None) a break started by break_lock ended: None
    #: when the lock was removed, else why nothing was (lockcore's LockChangedError when the lock
    #: is another one now or gone, HolderAliveError, an OSError, ...). Said once per break, to
    #: whoever asked (the dialog) and whoever follows the folder alike.
    break_finished = Signal(object, object)
    #: (path: str, ok: bool, message: str) a recovery finished; message is for the status bar.
    recover_finished = Signal(object, bool, str)

    def __init__(
        self, parent: QObject | None = None, *, break_notes: BreakNotes | None = None
    ) -> None:
        super().__init__(parent)
        self._break_notes = break_notes
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recover")
        self._stopping = threading.Event()  # asked by a recovery waiting for the lock

    def break_lock(self, expected: LockInfo, *, force: bool) -> None:
        """Start removing the lock, only if it is still exactly ``expected`` and (unless
        ``force``) its holder is dead; :attr:`break_finished` tells how it ended."""
        threading.Thread(
            target=self._break, args=(expected, force), name="break-lock", daemon=True
        ).start()

    def _break(self, expected: LockInfo, force: bool) -> None:
        # Runs on its own thread: only lockcore calls and queued signals.
        notes = self._break_notes
        if notes is not None:  # before the lock goes: the stream may see it go at once
            notes.note_broken(expected.path)
        try:
            break_stale_lock(expected.path, expected=expected, force=force)
        except Exception as exc:  # every outcome is reported: the dialog waits for one
            if notes is not None:
                notes.cancel_broken(expected.path)
            self._hand_over(self.break_finished, expected, exc)
            return
        self._hand_over(self.break_finished, expected, None)

    def recover(self, path: str) -> None:
        """Recover ``path`` from its legacy ``X.json.tmp`` under the store's lock, off-thread
        (nothing once shut down)."""
        if not self._stopping.is_set():
            self._pool.submit(self._recover, path)

    def shutdown(self) -> None:
        """Stop a recovery waiting for the lock (nothing changed) and wait for one that holds
        it to finish; later requests are refused. Safe to call twice."""
        self._stopping.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _recover(self, path: str) -> None:
        # Runs on the pool thread: only lockcore calls and a queued signal.
        name = printable_name(path)
        try:
            recovered = recover_interrupted_write(
                path, RECOVER_TIMEOUT, cancel_check=self._stopping.is_set
            )
        except LockCancelled:
            return  # shutting down: nothing changed, and nobody is left to tell
        except LockTimeout as exc:
            holder = exc.holder
            if holder is not None and holder.pid:
                message = self.tr("Could not lock {name} (held by {holder}); nothing changed.")
            else:
                message = self.tr("Could not lock {name}; nothing changed.")
            self._report(
                path, ok=False, message=message.format(name=name, holder=describe_holder(holder))
            )
            return
        except (FileLockError, OSError, ValueError) as exc:
            message = self.tr("Could not recover {name}: {reason}").format(name=name, reason=exc)
            self._report(path, ok=False, message=message)
            return
        if not recovered:
            message = self.tr("Nothing to recover for {name}.").format(name=name)
            self._report(path, ok=False, message=message)
            return
        try:
            size = os.path.getsize(path)
        except OSError:  # replaced or removed since: the recovery itself was done
            message = self.tr("Recovered {name} from its interrupted write.").format(name=name)
            self._report(path, ok=True, message=message)
            return
        message = self.tr("Recovered {name} from its interrupted write ({size} bytes).")
        self._report(path, ok=True, message=message.format(name=name, size=size))

    def _report(self, path: str, *, ok: bool, message: str) -> None:
        self._hand_over(self.recover_finished, path, ok, printable_path(message))

    @staticmethod
    def _hand_over(signal: SignalInstance, *args: object) -> None:
        """Emit a worker's outcome to the GUI thread, unless this object is gone meanwhile (its
        window was destroyed while the work ran): then nobody is left to tell."""
        try:
            signal.emit(*args)
        except RuntimeError:
            log.debug("lock repair outcome dropped: its window is gone")
