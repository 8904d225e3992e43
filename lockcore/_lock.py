"""``FileLock``: the reviewed class, re-entrant within a thread and fair to threads of a process.

Threads of one process never race each other on the filesystem: they queue on one in-process
condition per lock file, and only the thread at the head touches the lock file. So a thread that
calls ``locked_read_json`` from inside a ``locked_update_json`` updater on the same path just
re-enters the lock it already holds, instead of waiting for itself until the timeout.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from types import TracebackType

from lockcore._acquire import (
    WATCHED_RECHECK,
    CancelCheck,
    HeldLock,
    OnWait,
    WaitHooks,
    acquire_lock_file,
)
from lockcore._errors import LockTimeout
from lockcore._holder import inspect_lock, lock_path_for

DEFAULT_TIMEOUT = 10.0


class _ProcessSlot:
    """The in-process side of one lock file: which thread owns it, how deep, and the file."""

    def __init__(self) -> None:
        self.condition = threading.Condition(threading.Lock())
        self.owner: int | None = None
        self.depth = 0
        self.held: HeldLock | None = None


_slots: dict[str, _ProcessSlot] = {}
_slots_guard = threading.Lock()


def _slot_for(key: str) -> _ProcessSlot:
    with _slots_guard:
        slot = _slots.get(key)
        if slot is None:
            slot = _slots[key] = _ProcessSlot()
        return slot


def _forget_slots_in_child() -> None:
    # A forked child inherits our bookkeeping but not our threads, and its copies of our lock
    # descriptors would keep our kernel locks alive after we die. The child holds nothing.
    global _slots_guard  # noqa: PLW0603 - the old guard may have been held by a vanished thread
    _slots_guard = threading.Lock()
    for slot in _slots.values():
        if slot.held is not None:
            os.close(slot.held.fd)
        slot.condition = threading.Condition(threading.Lock())
        slot.owner = None
        slot.depth = 0
        slot.held = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_slots_in_child)


@functools.lru_cache(maxsize=1024)
def _real_directory(directory: str) -> str:
    # Two spellings of one directory (a symlink, "..") must share one in-process slot, or a
    # thread would wait for itself; resolving costs a syscall per component, so remember it.
    return os.path.realpath(directory)


def _deadline(timeout: float) -> float | None:
    if timeout < 0:
        return None
    return time.monotonic() + timeout


class FileLock:
    """An exclusive lock on a data file, shared by processes through ``<path>.lock``.

    ``timeout`` (seconds) bounds how long :meth:`acquire` waits: ``0`` tries exactly once and
    never waits, a negative value waits for as long as it takes. A holder that is dead on this
    host is detected at once and its lock broken; a live holder is never broken, however old its
    lock. ``stale_after`` is an opt-in lease for holders that cannot be verified (on another
    host): their lock counts as stale once it is older than that many seconds.

    The lock is re-entrant for the thread that holds it; other threads of the process wait in
    line. Use it as a context manager, or pair every :meth:`acquire` with a :meth:`release`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        timeout: float = DEFAULT_TIMEOUT,
        *,
        stale_after: float | None = None,
        create_parents: bool = True,
    ) -> None:
        self.path = os.fspath(path)
        self.lock_path = lock_path_for(self.path)
        self.timeout = timeout
        self.stale_after = stale_after
        self.create_parents = create_parents
        directory, name = os.path.split(os.path.abspath(self.lock_path))
        self._slot = _slot_for(os.path.join(_real_directory(directory), name))

    @property
    def is_locked(self) -> bool:
        """True when the calling thread holds this lock."""
        return self._slot.owner == threading.get_ident()

    def acquire(
        self,
        timeout: float | None = None,
        *,
        cancel_check: CancelCheck | None = None,
        on_wait: OnWait | None = None,
    ) -> FileLock:
        """Take the lock, waiting at most ``timeout`` (default: the instance's).

        While waiting, ``cancel_check()`` is asked at least every 50 ms; when it returns True
        the wait stops with LockCancelled. ``on_wait(holder, waited)`` is told who holds the
        lock (a LockInfo; None when it cannot be inspected) and the seconds waited: when the
        wait begins, then every 0.25 s. Neither is called when the lock is free at once. An
        exception they raise ends the wait and propagates; nothing is held then.

        Raises LockTimeout (a FileLockError and a TimeoutError) when the wait runs out, and
        LockCancelled (a LockTimeout) when ``cancel_check`` stops it.
        """
        timeout = self.timeout if timeout is None else timeout
        deadline = _deadline(timeout)
        hooks = WaitHooks(self.path, cancel_check, on_wait, self.stale_after)
        me = threading.get_ident()
        slot = self._slot
        with slot.condition:
            if slot.owner == me:
                slot.depth += 1
                return self
            while slot.owner is not None:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise LockTimeout(
                        f"could not lock {self.path} in time: another thread of this process "
                        "holds it",
                        self.path,
                        holder=inspect_lock(self.path),
                    )
                if hooks.active:
                    hooks.waiting()
                    remaining = (
                        WATCHED_RECHECK if remaining is None else min(remaining, WATCHED_RECHECK)
                    )
                slot.condition.wait(remaining)
            slot.owner = me
            slot.depth = 1
        try:
            slot.held = acquire_lock_file(
                self.path,
                self.lock_path,
                deadline,
                stale_after=self.stale_after,
                create_parents=self.create_parents,
                hooks=hooks if hooks.active else None,
            )
        except BaseException:
            with slot.condition:
                slot.owner = None
                slot.depth = 0
                slot.condition.notify()
            raise
        return self

    def release(self) -> None:
        """Give the lock back; removes only our own lock file. Releasing an unheld lock is a no-op.

        Raises RuntimeError when another thread holds the lock.
        """
        slot = self._slot
        with slot.condition:
            if slot.owner is None:
                return
            if slot.owner != threading.get_ident():
                raise RuntimeError(f"{self.lock_path} is held by another thread")
            slot.depth -= 1
            if slot.depth > 0:
                return
            held, slot.held = slot.held, None
            try:
                if held is not None:
                    held.release()
            finally:
                slot.owner = None
                slot.condition.notify()

    def verify(self) -> None:
        """Raise LockLostError unless our lock file is still in place (call it before writing)."""
        held = self._slot.held
        if held is None or not self.is_locked:
            raise RuntimeError(f"{self.lock_path} is not held by this thread")
        held.verify(self.path)

    def __enter__(self) -> FileLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "held" if self.is_locked else "not held"
        return f"<FileLock {self.lock_path!r} {state}>"
