"""``FileLock``: the reviewed class, re-entrant within a thread and fair to threads of a process.

Threads of one process never race each other on the filesystem: they wait on one in-process
mutex per lock file, and only the thread that holds it touches the lock file. So a thread that
calls ``locked_read_json`` from inside a ``locked_update_json`` updater on the same path just
re-enters the lock it already holds, instead of waiting for itself until the timeout.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _thread import RLock as RLockType

from lockcore import _interrupts
from lockcore._acquire import (
    WATCHED_RECHECK,
    CancelCheck,
    HeldLock,
    OnWait,
    WaitHooks,
    acquire_lock_file,
)
from lockcore._errors import LockTimeout
from lockcore._inspect import inspect_lock
from lockcore._lock_content import lock_path_for

DEFAULT_TIMEOUT = 10.0
#: Seconds after one of its acquisitions had to wait during which a process counts a lock as
#: contended, and gives the processor to the waiter each of its releases wakes.
HAND_OFF_WINDOW = 1.0


class _ProcessSlot:
    """The in-process side of one lock file: which thread owns it, how deep, and the file.

    ``mutex`` is a C ``RLock``: a thread takes it in one indivisible step, and the thread that
    was interrupted on its way back from taking it can still ask ``_is_owned()`` and give it
    back — no Python-level state can be half-changed by a signal there.
    """

    def __init__(self) -> None:
        self.mutex = threading.RLock()
        self.owner: int | None = None
        self.depth = 0
        self.held: HeldLock | None = None
        #: Until when (monotonic) this process counts the lock as contended: one of its
        #: acquisitions waited for another holder less than HAND_OFF_WINDOW ago. Its releases
        #: meanwhile hand the processor to the waiter they wake (HeldLock.hand_off).
        self.contended_until = 0.0


_slots: dict[str, _ProcessSlot] = {}
_slots_guard = threading.Lock()


def _slot_for(key: str) -> _ProcessSlot:
    with _slots_guard:
        slot = _slots.get(key)
        if slot is None:
            slot = _slots[key] = _ProcessSlot()
        return slot


def _forget_slots_in_child() -> None:
    # A forked child inherits our bookkeeping but not our threads. Its copies of our lock
    # descriptors are closed by _keepalive, which registered each one before any fork could
    # copy it unregistered. The child holds nothing.
    global _slots_guard  # noqa: PLW0603 - the old guard may be held by a vanished thread
    _slots_guard = threading.Lock()
    for slot in _slots.values():
        slot.mutex = threading.RLock()
        slot.owner = None
        slot.depth = 0
        slot.held = None
        slot.contended_until = 0.0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_slots_in_child)


@_interrupts.interruptible
def _wait_for_thread(mutex: RLockType, timeout: float | None) -> bool:
    """Wait for the other thread holding ``mutex``; a signal may interrupt this wait."""
    return mutex.acquire(True, -1 if timeout is None else timeout)


@functools.lru_cache(maxsize=1024)
def _real_directory(directory: str) -> str:
    # Two spellings of one directory (a symlink, "..") must share one in-process slot, or a
    # thread would wait for itself; resolving costs a syscall per component, so remember it.
    return os.path.realpath(directory)


#: The slot of each absolute lock path seen (a relative one depends on the working folder):
#: every update makes a FileLock, and finding its slot anew cost more than taking a mutex.
_slots_by_path: dict[str, _ProcessSlot] = {}
_SLOTS_BY_PATH_LIMIT = 4096


def _slot_of(lock_path: str) -> _ProcessSlot:
    slot = _slots_by_path.get(lock_path)
    if slot is None:
        directory, name = os.path.split(os.path.abspath(lock_path))
        slot = _slot_for(os.path.join(_real_directory(directory), name))
        if os.path.isabs(lock_path):
            if len(_slots_by_path) >= _SLOTS_BY_PATH_LIMIT:
                _slots_by_path.clear()
            _slots_by_path[lock_path] = slot
    return slot


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
        self.path = path = os.fspath(path)
        self.lock_path = lock_path_for(path)
        self.timeout = timeout
        self.stale_after = stale_after
        self.create_parents = create_parents
        self._slot = _slot_of(self.lock_path)

    @property
    def is_locked(self) -> bool:
        """True when the calling thread holds this lock."""
        return self._slot.owner == threading.get_ident()

    @_interrupts.protected
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
        LockCancelled (a LockTimeout) when ``cancel_check`` stops it. A signal (Ctrl+C)
        interrupts the wait; one that arrives while the lock file is being created or recorded
        is held back until both are done, then its handler runs and the lock is given back: an
        acquire that raises never leaves the lock held.
        """
        installed_here = _interrupts.install()
        try:
            hooks = (
                None
                if cancel_check is None and on_wait is None
                else WaitHooks(self.path, cancel_check, on_wait, self.stale_after)
            )
            self._acquire(self.timeout if timeout is None else timeout, hooks)
        except BaseException:
            if installed_here and _interrupts.main_thread_holds == 0:
                _interrupts.uninstall()
            _interrupts.deliver_pending()
            raise
        try:
            _interrupts.deliver_pending()
        except BaseException:
            self.release()
            raise
        return self

    __enter__ = acquire

    def acquisition(
        self, *, cancel_check: CancelCheck | None = None, on_wait: OnWait | None = None
    ) -> _Acquisition:
        """``with lock.acquisition(cancel_check=..., on_wait=...):`` -- :meth:`acquire` with
        hooks, as a ``with`` block. Prefer it to ``acquire()`` followed by ``try``: a signal
        between those two would leave the lock held with nothing to release it."""
        return _Acquisition(self, cancel_check, on_wait)

    def _acquire(self, timeout: float, hooks: WaitHooks | None) -> None:
        slot = self._slot
        me = threading.get_ident()
        if slot.owner == me:
            slot.depth += 1
            return
        now = time.monotonic()
        deadline = None if timeout < 0 else now + timeout
        # Free at once (no other thread of ours holds it), the usual case: no wait to set up.
        if not slot.mutex.acquire(False):
            self._take_slot(deadline, hooks)
        try:
            slot.held = held = acquire_lock_file(
                self.path,
                self.lock_path,
                deadline,
                stale_after=self.stale_after,
                create_parents=self.create_parents,
                hooks=hooks,
            )
        except BaseException:
            slot.mutex.release()
            raise
        if held.waited:
            slot.contended_until = time.monotonic() + HAND_OFF_WINDOW
            held.hand_off = True
        else:
            held.hand_off = slot.contended_until > now
        slot.owner = me
        slot.depth = 1
        if me == _interrupts.main_thread_ident:
            _interrupts.main_thread_holds += 1

    def _take_slot(self, deadline: float | None, hooks: WaitHooks | None) -> None:
        """Become the one thread of this process that may touch the lock file."""
        mutex = self._slot.mutex
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                if mutex.acquire(False):
                    return
                raise LockTimeout(
                    f"could not lock {self.path} in time: another thread of this process holds it",
                    self.path,
                    holder=inspect_lock(self.path),
                )
            if hooks is not None:
                # The caller hears of the wait, and may cancel it, at least every 50 ms.
                if mutex.acquire(False):
                    return
                hooks.waiting()
                remaining = min(remaining or WATCHED_RECHECK, WATCHED_RECHECK)
            try:
                if _wait_for_thread(mutex, remaining):
                    return
            except BaseException:
                # Interrupted on the way back from taking it: give it back.
                if mutex._is_owned():  # type: ignore[attr-defined]
                    mutex.release()
                raise

    @_interrupts.protected
    def release(self, *_exit_arguments: object) -> None:
        """Give the lock back; removes only our own lock file. Releasing an unheld lock is a no-op.

        Raises RuntimeError when another thread holds the lock. (It is the ``with`` block's
        exit too, which passes the exception's type, value and traceback: ignored.)
        """
        try:
            slot = self._slot
            me = threading.get_ident()
            if slot.owner is None:
                return
            if slot.owner != me:
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
                slot.mutex.release()
                if me == _interrupts.main_thread_ident:
                    _interrupts.main_thread_holds -= 1
                    if _interrupts.main_thread_holds == 0:
                        _interrupts.uninstall()
        finally:
            _interrupts.deliver_pending()

    def verify(self) -> None:
        """Raise LockLostError unless our lock file is still in place (call it before writing)."""
        slot = self._slot
        held = slot.held
        if held is None or slot.owner != threading.get_ident():
            raise RuntimeError(f"{self.lock_path} is not held by this thread")
        held.verify(self.path)

    # The with block's exit is release() itself, protected from its first bytecode: a signal
    # arriving as the block ends cannot skip the release. (A wrapper calling it made a protected
    # layer and a signal delivery more on every lock; issue 9 §6.)
    __exit__ = release

    def __repr__(self) -> str:
        state = "held" if self.is_locked else "not held"
        return f"<FileLock {self.lock_path!r} {state}>"


#: The FileLock of each (absolute path, timeout, stale_after, create_parents) an update took:
#: a FileLock keeps nothing of its own while held (its slot does, per thread), so one serves
#: every update of a store, in every thread. Making one anew, and finding its slot, was ~60
#: bytecodes of every update (issue 9 §6).
_update_locks: dict[tuple[str, float, float | None, bool], FileLock] = {}


def lock_for_update(
    path: str, timeout: float, stale_after: float | None, create_parents: bool
) -> FileLock:
    """``FileLock(path, timeout, stale_after=..., create_parents=...)``, made once per store."""
    key = (path, timeout, stale_after, create_parents)
    lock = _update_locks.get(key)
    if lock is None:
        lock = FileLock(path, timeout, stale_after=stale_after, create_parents=create_parents)
        if path.startswith("/"):  # a relative path's lock file depends on the working folder
            if len(_update_locks) >= _SLOTS_BY_PATH_LIMIT:
                _update_locks.clear()
            _update_locks[key] = lock
    return lock


class _Acquisition:
    """The context manager of :meth:`FileLock.acquisition`."""

    __slots__ = ("cancel_check", "lock", "on_wait")

    def __init__(
        self, lock: FileLock, cancel_check: CancelCheck | None, on_wait: OnWait | None
    ) -> None:
        self.lock = lock
        self.cancel_check = cancel_check
        self.on_wait = on_wait

    @_interrupts.protected
    def __enter__(self) -> FileLock:
        # The ``with`` statement gives a signal no chance between our return and its block;
        # inside, acquire()'s held-back signals are delivered here, after which the block
        # runs or the lock is given back.
        try:
            lock = self.lock.acquire(cancel_check=self.cancel_check, on_wait=self.on_wait)
        except BaseException:
            # Not taken (LockTimeout, LockCancelled, ...): acquire() held back the signals
            # that struck meanwhile for us to deliver; they run now, or they would wait for
            # the program's next lock.
            _interrupts.deliver_pending()
            raise
        try:
            _interrupts.deliver_pending()
        except BaseException:
            lock.release()
            raise
        return lock

    @_interrupts.protected
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.lock.release()
        finally:
            _interrupts.deliver_pending()
