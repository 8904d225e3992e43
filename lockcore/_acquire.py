"""Taking and giving back the lock file itself, between processes.

A lock file is created with ``O_CREAT|O_EXCL|O_NOFOLLOW``, exactly as exclusive as the reviewed
module's, so both kinds of process exclude each other; lockcore then takes the kernel lock on it
for as long as it holds the lock, and writes its holder facts.

A waiter sleeps on inotify until the lock file in its way is unlinked, closed or modified — its
holder releasing it or dying — and rechecks every 50 ms regardless. Without inotify it polls with
exponential backoff from 50 µs to a 2 ms cap, with jitter so that waiters do not wake in
lockstep. Each wake-up judges the current holder, so a dead holder's lock is broken at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import time
from dataclasses import dataclass

from lockcore import _keepalive, _platform
from lockcore._break import remove_if_unchanged
from lockcore._errors import LockLostError, LockTimeout
from lockcore._holder import (
    LockState,
    inspect_lock,
    judge,
    new_lock_content,
    open_lock,
)

logger = logging.getLogger("lockcore")

BACKOFF_START = 50e-6
BACKOFF_CAP = 2e-3
BACKOFF_GROWTH = 1.5
WATCHED_RECHECK = 0.05


@dataclass
class HeldLock:
    """A lock file we hold: the open descriptor carries our kernel lock and pins the inode."""

    lock_path: str
    fd: int
    device: int
    inode: int

    def is_still_ours(self) -> bool:
        try:
            current = os.lstat(self.lock_path)
        except FileNotFoundError:
            return False
        return (current.st_dev, current.st_ino) == (self.device, self.inode)

    def verify(self, path: str) -> None:
        """Raise LockLostError unless the lock file is still ours."""
        if not self.is_still_ours():
            raise LockLostError(
                f"the lock {self.lock_path} was removed or replaced while we held it; "
                "nothing was written",
                path,
            )

    def release(self) -> None:
        """Remove our lock file — only ours — then drop the kernel lock."""
        _keepalive.unregister(self.fd)
        try:
            if self.is_still_ours():
                os.unlink(self.lock_path)
            else:
                logger.warning(
                    "the lock %s was no longer ours at release; left it in place",
                    self.lock_path,
                )
        finally:
            os.close(self.fd)


def acquire_lock_file(
    path: str, lock_path: str, deadline: float | None, *, stale_after: float | None
) -> HeldLock:
    """Create ``lock_path`` for this process, waiting until ``deadline`` (monotonic; None: forever).

    Raises LockTimeout once the deadline passes, and OSError when the directory refuses us.
    """
    attempt = 0
    retried_after_deadline = False
    watch: _platform.ReleaseWatch | None = None
    try:
        while True:
            try:
                held = _try_create(lock_path, new_lock_content())
            except FileNotFoundError:
                os.makedirs(os.path.dirname(lock_path) or ".", exist_ok=True)
                continue
            if held is not None:
                return held
            in_the_way = _lock_in_the_way(lock_path, stale_after)
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                # A lock freed or broken just now earns one more try, not endless ones
                # while other processes keep taking it first.
                if in_the_way or retried_after_deadline:
                    raise _timeout(path, lock_path, stale_after)
                retried_after_deadline = True
            if not in_the_way:
                continue  # freed or broken just now: try again at once
            if watch is None:
                watch = _platform.ReleaseWatch()
            if watch.active:
                # Woken by the holder's release or death; the timeout is only a safety net
                # for what inotify cannot see (a holder on another host, a lease running out).
                delay = WATCHED_RECHECK
            else:
                delay = min(BACKOFF_CAP, BACKOFF_START * BACKOFF_GROWTH**attempt)
                delay *= random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not secrecy
            if deadline is not None:
                delay = min(delay, max(0.0, deadline - now))
            watch.wait(lock_path, delay)
            attempt += 1
    finally:
        if watch is not None:
            watch.close()


def _lock_in_the_way(lock_path: str, stale_after: float | None) -> bool:
    """Judge the lock in our way and break it if its holder is dead; False: try again now."""
    try:
        opened = open_lock(lock_path)
    except FileNotFoundError:
        return False
    except OSError:
        return True  # a symlink or an unreadable file: not ours to judge, wait and report
    try:
        verdict = judge(
            opened.fd, opened.st, opened.content, stale_after=stale_after, now=time.time()
        )
        if verdict.state is not LockState.STALE_DEAD_HOLDER:
            return True
        if remove_if_unchanged(lock_path, opened):
            logger.warning("broke the stale lock %s: %s", lock_path, verdict.reason)
            return False
        return os.path.lexists(lock_path)
    finally:
        opened.close()


def _timeout(path: str, lock_path: str, stale_after: float | None) -> LockTimeout:
    holder = inspect_lock(path, stale_after=stale_after)
    if holder.pid is None:
        why = f"{lock_path}: {holder.reason}"
    else:
        why = f"{lock_path} is held by {holder.describe_holder()} ({holder.reason})"
    return LockTimeout(f"could not lock {path} in time: {why}", path, holder=holder)


def _try_create(lock_path: str, content: bytes) -> HeldLock | None:
    """Create the lock file exclusively, as the reviewed module does; None if it exists.

    ``O_EXCL`` never follows a symlink planted at the lock path. The kernel lock is taken
    before the content is written, so a file that is empty here is always being created by a
    live process (waiters only probe the kernel lock for an instant, hence the blocking call).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _platform.NOFOLLOW | _platform.CLOEXEC
    try:
        fd = os.open(lock_path, flags, 0o644)
    except FileExistsError:
        return None
    try:
        _platform.lock_exclusive(fd)
        os.write(fd, content)
        st = os.fstat(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)
        raise
    _keepalive.register(fd)
    return HeldLock(lock_path, fd, st.st_dev, st.st_ino)
