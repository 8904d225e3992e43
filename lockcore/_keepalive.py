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
#: Other descriptors a forked child must not keep: held lock files opened again by name (no
#: kernel lock on them), and the unnamed, kernel-locked lock files waiters keep ready.
_companions: set[int] = set()
_guard = threading.Lock()
#: Held from the moment a lock descriptor is opened until it is registered, and from its
#: unregistering until it is closed; ``fork`` waits for it. So a child forked while another
#: thread takes or gives back a lock never inherits a kernel lock it does not know about.
_descriptor_guard = threading.Lock()
_wake = threading.Event()  # set to make a new INTERVAL take effect at once
_thread: threading.Thread | None = None


def _touch_while_held() -> None:
    global _thread  # noqa: PLW0603 - the thread ends itself once nothing is held
    try:
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
    finally:
        # However it ends, the thread says so: register() then starts another, without asking
        # is_alive() of this one on every lock taken (issue 9 §6).
        with _guard:
            if _thread is threading.current_thread():
                _thread = None


def register(fd: int) -> None:
    """Keep the lock file open on ``fd`` fresh while it is held (and close it in a forked
    child); starts the keep-alive thread on first use."""
    register_held(fd, -1)


def unregister(fd: int) -> None:
    # One indivisible set operation (the keep-alive thread copies the set in one, too): the
    # guard is for starting and ending that thread, not for this (issue 9 §6).
    _held.discard(fd)


def register_held(fd: int, named_fd: int) -> None:
    """:func:`register` the kernel-locked descriptor of a lock just taken and, when it is not
    -1, :func:`register_companion` the same file opened by name: one call on every lock taken,
    not two (issue 9 §6). Call it holding the descriptor guard, as those two."""
    global _thread  # noqa: PLW0603 - one keep-alive thread per process, started on first use
    if named_fd >= 0:
        _companions.add(named_fd)
    with _guard:
        _held.add(fd)
        if _thread is None:
            _thread = threading.Thread(
                target=_touch_while_held, name="lockcore-keepalive", daemon=True
            )
            _thread.start()


def unregister_held(fd: int, named_fd: int) -> None:
    """Undo :func:`register_held` (the lock is given back): one indivisible set operation each."""
    _held.discard(fd)
    if named_fd >= 0:
        _companions.discard(named_fd)


def register_companion(fd: int) -> None:
    _companions.add(fd)


def unregister_companion(fd: int) -> None:
    _companions.discard(fd)


def descriptor_guard() -> threading.Lock:
    """Hold it while a lock descriptor is opened and registered, or unregistered and closed."""
    return _descriptor_guard


def _before_fork() -> None:
    _descriptor_guard.acquire()


def _after_fork_in_parent() -> None:
    _descriptor_guard.release()


def _reset_in_child() -> None:
    # The child's copies of our lock descriptors would keep our kernel locks alive after we
    # die (flock belongs to the open file, which the child now shares): close them. It has
    # none of the parent's threads, so the guards start afresh.
    global _thread, _guard, _descriptor_guard  # noqa: PLW0603 - see above
    for fd in _held | _companions:
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()
    _companions.clear()
    _thread = None
    _guard = threading.Lock()
    _descriptor_guard = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_before_fork,
        after_in_parent=_after_fork_in_parent,
        after_in_child=_reset_in_child,
    )
