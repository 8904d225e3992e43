"""What differs between operating systems: kernel locks and directory fsync.

On POSIX a lockcore holder keeps ``flock(LOCK_EX)`` on its lock file for as long as it holds the
lock. The kernel drops that lock when the process dies, however it dies, so "the kernel lock is
free" is proof of death that needs no PID, and works across PID namespaces (containers that share
a volume). Where ``fcntl`` is missing (Windows) there is no such proof; callers fall back to the
PID and process start time written in the lock file.
"""

from __future__ import annotations

import errno
import os

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

HAS_KERNEL_LOCKS = fcntl is not None

#: Flags for every open of a lock or temp file: never follow a planted symlink, never leak the
#: descriptor into child processes (a child would keep our kernel lock alive after we die).
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0)
NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def lock_exclusive(fd: int) -> None:
    """Take the holder's kernel lock on a file that nobody else can see yet."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def try_lock(fd: int, *, exclusive: bool) -> bool | None:
    """Try a non-blocking kernel lock; True if taken, False if held elsewhere, None if unknown."""
    if fcntl is None:  # pragma: no cover - Windows
        return None
    operation = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
    try:
        fcntl.flock(fd, operation)
    except OSError as error:
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        if error.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
            return None  # this filesystem has no flock: no proof either way
        raise
    return True


def unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def fsync_directory(directory: str) -> None:
    """Make a rename in ``directory`` durable; a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | CLOEXEC)
    except OSError:  # pragma: no cover - Windows cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError as error:  # pragma: no cover - some filesystems refuse fsync on directories
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)
