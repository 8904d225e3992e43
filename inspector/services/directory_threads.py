"""Ending a store directory's threads however the directory goes: shut down, destroyed without
being shut down (its window deleted or dropped), or still alive as the program ends (it returned,
or failed, with its window open).

Qt aborts the process when a running thread is destroyed (``QThread: Destroyed while thread is
still running``, exit 134). ``destroyed`` comes too late as the interpreter ends -- Qt destroys
the objects Python still holds once Python no longer runs their slots -- so the threads of every
directory not stopped yet are ended at exit (``atexit``), while Python still runs.
"""

from __future__ import annotations

import atexit
import itertools
from collections.abc import Callable

from PySide6.QtCore import QThread
from shiboken6 import Shiboken

from inspector.services.scan_worker import _ScanWorker
from inspector.services.watcher import FolderWatcher

__all__ = ["stopper"]

#: The stops not run yet, by the order they were made in.
_not_stopped: dict[int, Callable[..., None]] = {}
_numbers = itertools.count()


def stopper(thread: QThread, worker: _ScanWorker, watcher: FolderWatcher) -> Callable[..., None]:
    """What ends ``watcher``'s observer and ``worker``'s ``thread`` (safe to call twice, with
    any arguments: ``destroyed`` passes one); run as the program ends if not before. ``worker``
    is kept alive until its thread has ended (it must not be deleted while it runs)."""
    number = next(_numbers)

    def stop(*_destroyed: object) -> None:
        _not_stopped.pop(number, None)
        worker.watch_gate.shut()  # a listing waiting for the watch waits no more
        # As the interpreter ends, Python may have deleted either before their directory went.
        if Shiboken.isValid(watcher):
            watcher.stop()
        if Shiboken.isValid(thread) and thread.isRunning():
            thread.quit()
            thread.wait()

    _not_stopped[number] = stop
    return stop


@atexit.register
def _stop_the_rest() -> None:
    for stop in list(_not_stopped.values()):
        stop()
