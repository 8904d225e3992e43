"""Taking and giving back the lock file itself, between processes.

A lock file is made complete before anyone can see it: its content is written to a private temp
file, which takes the kernel lock, and is then hard-linked into place. ``link`` fails if anything
exists at the lock path — a file, a directory, or a symlink, which it never follows — so it is as
exclusive as the reviewed ``O_CREAT|O_EXCL`` and interoperates with it, but a lockcore lock file is
never seen empty. Filesystems without hard links fall back to ``O_CREAT|O_EXCL``.

Waiting polls with exponential backoff from 50 µs to a 2 ms cap, with jitter so that waiters do
not wake in lockstep; each poll also judges the current holder, so a dead holder's lock is broken
within one poll of being found.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import random
import secrets
import time
from dataclasses import dataclass

from lockcore import _platform
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
_LINK_UNSUPPORTED = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV, errno.EMLINK}


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
    directory = os.path.dirname(lock_path) or "."
    os.makedirs(directory, exist_ok=True)
    content = new_lock_content()
    attempt = 0
    staging = _StagedLock.create(lock_path, content)
    try:
        while True:
            held = staging.try_publish()
            if held is not None:
                return held
            if not _lock_in_the_way(lock_path, stale_after):
                continue  # freed or broken just now: try again at once
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise _timeout(path, lock_path, stale_after)
            delay = min(BACKOFF_CAP, BACKOFF_START * BACKOFF_GROWTH**attempt)
            delay *= random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not secrecy
            if deadline is not None:
                delay = min(delay, max(0.0, deadline - now))
            time.sleep(delay)
            attempt += 1
    finally:
        staging.discard()


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
    return LockTimeout(
        f"could not lock {path} in time: {lock_path} is held by "
        f"{holder.describe_holder()} ({holder.reason})",
        path,
        holder=holder,
    )


class _StagedLock:
    """Our complete lock file, waiting in a private temp file to be linked into place."""

    def __init__(self, lock_path: str, content: bytes, temp_path: str | None, fd: int) -> None:
        self.lock_path = lock_path
        self.content = content
        self.temp_path = temp_path
        self.fd = fd

    @classmethod
    def create(cls, lock_path: str, content: bytes) -> _StagedLock:
        temp_path = f"{lock_path}.{secrets.token_hex(6)}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _platform.NOFOLLOW | _platform.CLOEXEC
        fd = os.open(temp_path, flags, 0o644)
        try:
            _platform.lock_exclusive(fd)
            os.write(fd, content)
        except BaseException:
            os.close(fd)
            os.unlink(temp_path)
            raise
        return cls(lock_path, content, temp_path, fd)

    def try_publish(self) -> HeldLock | None:
        if self.temp_path is None:
            return self._try_exclusive_create()
        try:
            os.link(self.temp_path, self.lock_path)
        except FileExistsError:
            return None
        except OSError as error:
            if error.errno not in _LINK_UNSUPPORTED:
                raise
            self._drop_temp()
            return self._try_exclusive_create()
        st = os.fstat(self.fd)
        held = HeldLock(self.lock_path, self.fd, st.st_dev, st.st_ino)
        self.fd = -1
        self._drop_temp()
        return held

    def _try_exclusive_create(self) -> HeldLock | None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _platform.NOFOLLOW | _platform.CLOEXEC
        try:
            fd = os.open(self.lock_path, flags, 0o644)
        except FileExistsError:
            return None
        try:
            _platform.lock_exclusive(fd)
            os.write(fd, self.content)
            st = os.fstat(fd)
        except BaseException:
            os.close(fd)
            os.unlink(self.lock_path)
            raise
        return HeldLock(self.lock_path, fd, st.st_dev, st.st_ino)

    def _drop_temp(self) -> None:
        if self.temp_path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.temp_path)
            self.temp_path = None

    def discard(self) -> None:
        self._drop_temp()
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
