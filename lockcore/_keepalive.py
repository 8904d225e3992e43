"""Keep held lock files fresh, so that processes still running the reviewed module leave them be.

The reviewed module breaks any lock whose file is more than 60 s old, alive or not. While a
lockcore process holds a lock, a background thread touches the lock file's mtime every
``INTERVAL`` seconds, so a slow updater is never taken for a dead one by a legacy waiter. (A
suspended machine stops the thread too; nothing on the holder's side can help there.)
"""

from __future__ import annotations

import contextlib
import os
import threading

INTERVAL = 15.0

_held: set[int] = set()
_guard = threading.Lock()
_wake = threading.Event()  # set to make a new INTERVAL take effect at once
_thread: threading.Thread | None = None


def _touch_while_held() -> None:
    global _thread  # noqa: PLW0603 - the thread ends itself once nothing is held
    while True:
        _wake.wait(INTERVAL)
        _wake.clear()
        with _guard:
            descriptors = list(_held)
            if not descriptors:
                _thread = None
                return
        for fd in descriptors:
            # A descriptor released meanwhile may be closed or reused: touching is harmless.
            with contextlib.suppress(OSError):
                os.utime(fd)


def register(fd: int) -> None:
    global _thread  # noqa: PLW0603 - one keep-alive thread per process, started on first use
    with _guard:
        _held.add(fd)
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(
                target=_touch_while_held, name="lockcore-keepalive", daemon=True
            )
            _thread.start()


def unregister(fd: int) -> None:
    with _guard:
        _held.discard(fd)


def _reset_in_child() -> None:
    global _thread, _guard  # noqa: PLW0603 - the child has none of the parent's threads or locks
    _held.clear()
    _thread = None
    _guard = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_in_child)
