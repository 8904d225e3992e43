"""One pause of Python's cyclic garbage collector for the whole process, shared by every thread.

Parsing or editing a big document builds millions of objects that hold no reference cycles.
Collections triggered by those allocations walk every container the process holds with the GIL
held (a 50 MB save in the app: collections of 0.3-0.4 s, each a GUI stall), so lockcore pauses
the collector meanwhile. ``gc.disable()`` is process-wide: two pauses that each remember
``gc.isenabled()`` and restore it undo each other when they end out of order in two threads (one
pause's end turned the collector back on in the middle of the other's edit). Here the collector
runs again when the last pause ends, whichever thread ends it; a program that pauses the collector
while lockcore may be working in another thread should pause it through :func:`collector_paused`.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["collector_paused"]

_lock = threading.Lock()
_pausers = 0
_was_enabled = True


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """A context in which the cyclic garbage collector does not run; pauses nest and may end in
    any order, in any thread, and the collector's state before the first is restored after the
    last."""
    global _pausers, _was_enabled  # noqa: PLW0603 - one pause per process, by its nature
    with _lock:
        _pausers += 1
        if _pausers == 1:
            _was_enabled = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _lock:
            _pausers -= 1
            if _pausers == 0 and _was_enabled:
                gc.enable()
