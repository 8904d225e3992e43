"""What differs between operating systems: kernel locks and directory fsync.

On POSIX a lockcore holder keeps ``flock(LOCK_EX)`` on its lock file for as long as it holds the
lock. The kernel drops that lock when the process dies, however it dies, so "the kernel lock is
free" is proof of death that needs no PID, and works across PID namespaces (containers that share
a volume). Where ``fcntl`` is missing there is no such proof; callers fall back to the PID and
process start time written in the lock file.

This module imports on every platform: nothing here touches a name that may be missing until it
is used. What lockcore cannot do without is checked by :func:`ensure_supported` at the first lock
taken or inspected, which raises one error naming what is missing. Linux-only speedups
(``renameat2``, inotify, ``O_TMPFILE``) each have a portable fallback;
``LOCKCORE_WITHOUT=renameat2,inotify,tmpfile`` makes a process take the fallbacks, so they are
tested on Linux too.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import select
import sys
import threading
import time
from collections.abc import Callable

from lockcore import _interrupts
from lockcore._errors import UnsupportedPlatformError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

HAS_KERNEL_LOCKS = fcntl is not None
#: ``fcntl.flock`` and its operations, for the judge's usual case (a held kernel lock) without
#: a call through :func:`try_lock`; None without ``fcntl``.
FLOCK: Callable[[int, int], None] | None = fcntl.flock if fcntl is not None else None
SHARED_NOWAIT = fcntl.LOCK_SH | fcntl.LOCK_NB if fcntl is not None else 0
UNLOCK = fcntl.LOCK_UN if fcntl is not None else 0

#: Linux-only features this process does without (comma-separated: renameat2, inotify,
#: tmpfile).
WITHOUT = frozenset(filter(None, os.environ.get("LOCKCORE_WITHOUT", "").split(",")))

#: What lockcore needs from ``os`` and has no fallback for.
_REQUIRED_OS_FUNCTIONS = ("pread", "fchmod", "fsync")


def unsupported_reason(os_name: str = os.name, platform: str = sys.platform) -> str | None:
    """Why lockcore cannot work on this system (or the one named), in words; None if it can."""
    if os_name != "posix":
        # The protocol removes and replaces files that other processes have open; Windows
        # refuses both while any handle is open, and nothing here is tested there.
        return (
            f"lockcore supports POSIX systems only, not {platform}: it removes and "
            "replaces files other processes have open"
        )
    missing = [f"os.{name}" for name in _REQUIRED_OS_FUNCTIONS if not hasattr(os, name)]
    if missing:
        return f"lockcore needs {', '.join(missing)}, which this Python on {platform} lacks"
    return None


_UNSUPPORTED = unsupported_reason()


def ensure_supported(path: str) -> None:
    """Raise UnsupportedPlatformError (about ``path``) where lockcore cannot work."""
    if _UNSUPPORTED is not None:
        raise UnsupportedPlatformError(_UNSUPPORTED, path)


#: Flags for every open of a lock or temp file: never follow a planted symlink, never leak the
#: descriptor into child processes (a child would keep our kernel lock alive after we die).
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0)
NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def lock_exclusive(fd: int) -> bool:
    """Take the holder's kernel lock on the lock file it is creating; False: no kernel lock.

    A filesystem without ``flock`` (``ENOLCK``, ``EOPNOTSUPP``, ``EINVAL``) leaves the holder
    without one: its lock file must then say so, or a judge would take the free kernel lock
    for its death.
    """
    if fcntl is None:  # pragma: no cover - Windows
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError as error:
        if error.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
            raise
        return False
    return True


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


#: Filesystems whose every user runs on this machine's kernel, so that its flock is seen by
#: all of them. Anything else (NFS, SMB, FUSE, 9p, virtiofs, cluster filesystems, unknown)
#: may be shared with other kernels, whose locks and processes this machine cannot see.
LOCAL_FILESYSTEMS = frozenset(
    {
        "ext2", "ext3", "ext4", "xfs", "btrfs", "bcachefs", "f2fs", "jfs", "reiserfs", "nilfs2",
        "zfs", "tmpfs", "ramfs", "overlay", "vfat", "exfat", "ntfs", "ntfs3", "hfsplus",
    }
)  # fmt: skip
_filesystem_types: dict[int, str | None] = {}


def filesystem_type(device: int) -> str | None:
    """The type of the mounted filesystem with ``st_dev`` == ``device`` (Linux), or None."""
    if device in _filesystem_types:
        return _filesystem_types[device]
    wanted = f"{os.major(device)}:{os.minor(device)}"
    found: str | None = None
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) > 2 and fields[2] == wanted and " - " in line:
                    found = line.split(" - ", 1)[1].split()[0]
                    break
    except OSError:
        found = None
    _filesystem_types[device] = found
    return found


def is_local_filesystem(device: int) -> bool:
    """True when every process that can reach this filesystem runs on this kernel."""
    return HAS_KERNEL_LOCKS and filesystem_type(device) in LOCAL_FILESYSTEMS


def unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@functools.lru_cache(maxsize=1024)
def directory_of(path: str) -> str:
    """The folder of ``path`` (``os.path.dirname``, "." for a bare name), remembered: asked
    for the lock file on every lock taken and for the store on every durable update, where
    ``os.path.dirname`` ran ~50 bytecodes each time (issue 9 §6)."""
    return os.path.dirname(path) or "."


_DIRECTORY_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | CLOEXEC


def fsync_directory(directory: str) -> None:
    """Make a rename in ``directory`` durable; a no-op on Windows, which cannot open directories.

    Raises OSError when the directory cannot be opened or synced: a caller told "durable" must
    not be told so when nothing was synced.
    """
    if os.name == "nt":  # pragma: no cover - Windows makes renames durable itself
        return
    fd = os.open(directory, _DIRECTORY_FLAGS)
    try:
        os.fsync(fd)
    except OSError as error:  # pragma: no cover - some filesystems refuse fsync on directories
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


# --- Linux-only speedups, each with a portable fallback ---------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_libc: ctypes.CDLL | None
try:
    _libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
except OSError:  # pragma: no cover - no C library to load
    _libc = None
_renameat2 = None if "renameat2" in WITHOUT else getattr(_libc, "renameat2", None)
#: ``os.fsencode`` of a ``str``, without its Python wrapper (18 bytecodes a path, three paths
#: an update): lock and data paths reach these functions as ``str`` only.
_FS_ENCODING = sys.getfilesystemencoding()
_FS_ERRORS = sys.getfilesystemencodeerrors()
#: Not every filesystem can make an unnamed file (``O_TMPFILE``); learned once per process.
_can_link_unnamed = (
    hasattr(os, "O_TMPFILE") and "tmpfile" not in WITHOUT and os.link in os.supports_dir_fd
)


def open_unnamed(directory: str) -> int | None:
    """An unnamed file in ``directory`` to write before it appears (``O_TMPFILE``), or None.

    Raises FileNotFoundError when the directory is missing. Linking it into place later with
    :func:`link_unnamed` makes it appear with its content in one step: nobody ever sees it
    empty, and a creator killed before the link leaves nothing behind.
    """
    global _can_link_unnamed  # noqa: PLW0603 - learned once per process
    if not _can_link_unnamed:
        return None
    try:
        return os.open(directory, os.O_TMPFILE | os.O_WRONLY | CLOEXEC, 0o644)
    except OSError as error:
        if error.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            _can_link_unnamed = False  # this filesystem (or kernel) cannot: use a named file
            return None
        raise


def link_unnamed(fd: int, path: str) -> bool:
    """Give the unnamed file open on ``fd`` the name ``path``; False when it cannot be done.

    Raises FileExistsError when ``path`` exists: as exclusive as ``O_CREAT|O_EXCL``, and
    like it never following a symlink planted at ``path``.
    """
    global _can_link_unnamed  # noqa: PLW0603 - learned once per process
    try:
        # linkat(AT_SYMLINK_FOLLOW) of the descriptor's /proc link: os.link calls linkat, and
        # follows the link, when given a directory descriptor, which an absolute source path
        # makes the kernel ignore. (Through ctypes it cost ~3 us more per lock; issue 9 §6.)
        os.link(f"/proc/self/fd/{fd}", path, src_dir_fd=fd)
    except OSError as error:
        if error.errno == errno.ENOENT and not os.path.isdir("/proc/self/fd"):
            _can_link_unnamed = False  # no /proc to link through
            return False
        raise OSError(error.errno, error.strerror, path) from None
    return True


_can_exchange = _renameat2 is not None


def exchange(first: str, second: str) -> bool:
    """Atomically swap two existing paths (Linux ``renameat2(RENAME_EXCHANGE)``).

    Replacing a file with ``rename`` makes ext4 start writing the new file out at once (its
    ``auto_da_alloc`` heuristic), which costs more than the rest of an update. Swapping, then
    unlinking the old file under the temp name, is just as atomic for readers and skips that.
    Returns False where the system or filesystem cannot swap, so the caller renames instead.
    """
    global _can_exchange  # noqa: PLW0603 - learned once per process
    if not _can_exchange or _renameat2 is None:
        return False
    result = _renameat2(
        _AT_FDCWD,
        first.encode(_FS_ENCODING, _FS_ERRORS),
        _AT_FDCWD,
        second.encode(_FS_ENCODING, _FS_ERRORS),
        _RENAME_EXCHANGE,
    )
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        if error == errno.ENOSYS:
            _can_exchange = False
        return False
    raise OSError(error, os.strerror(error), second)


_IN_MODIFY = 0x2
_IN_ATTRIB = 0x4
_IN_CLOSE_WRITE = 0x8
_IN_DELETE_SELF = 0x400
_IN_MOVE_SELF = 0x800
_IN_DONT_FOLLOW = 0x02000000
# Linux's values (inotify is Linux-only); os.O_NONBLOCK does not exist on Windows.
_IN_NONBLOCK = 0o4000
_IN_CLOEXEC = 0o2000000
#: Whatever a holder does when it lets go: unlink (nlink changes), close, or die (close).
_RELEASE_EVENTS = (
    _IN_MODIFY | _IN_ATTRIB | _IN_CLOSE_WRITE | _IN_DELETE_SELF | _IN_MOVE_SELF | _IN_DONT_FOLLOW
)


# Closing an inotify instance that has ever had a watch waits for an RCU grace period (about
# 3 ms measured here) — more than a whole update. So instances are pooled and reused, never
# closed: one per thread that waits at the same moment. Each comes with the watch its last wait
# left behind (or -1): a waiter woken by a release tries to take the lock at once and leaves the
# tidying (removing the watch, reading the events) to the next wait, off the hand-off's path.
_idle_instances: list[tuple[int, int]] = []
_idle_guard = threading.Lock()


def _forget_instances_in_child() -> None:
    # The child shares the parent's instances; its own copies are cheap to close. The guard
    # may have been held by a thread that does not exist in the child.
    global _idle_guard  # noqa: PLW0603 - see above
    _idle_guard = threading.Lock()
    for fd, _watch in _idle_instances:
        os.close(fd)
    _idle_instances.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_instances_in_child)


class ReleaseWatch:
    """Sleep until the lock file in our way changes, instead of polling it blindly.

    Uses inotify on the lock file itself: its holder unlinking it, closing it or dying all wake
    us within microseconds. Where inotify is missing or exhausted, :meth:`wait` just sleeps.
    """

    def __init__(self) -> None:
        self._fd = -1
        #: the watch the last wait left in place (-1: none): removed before the next one
        self._left_watch = -1
        with _idle_guard:
            if _idle_instances:
                self._fd, self._left_watch = _idle_instances.pop()
                return
        if _libc is not None and hasattr(_libc, "inotify_init1") and "inotify" not in WITHOUT:
            self._fd = _libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)

    @property
    def active(self) -> bool:
        return self._fd >= 0

    @_interrupts.interruptible
    def wait(self, path: str, timeout: float) -> None:
        """Return when ``path`` changes, or after ``timeout`` seconds, whichever is first.

        Returns as soon as the change is seen: the watch and its events are cleared at the
        start of the next wait (or by the next user of the instance), not on the way out.
        """
        if self._fd < 0 or _libc is None:
            time.sleep(timeout)
            return
        self._tidy()
        watch = _libc.inotify_add_watch(self._fd, os.fsencode(path), _RELEASE_EVENTS)
        if watch < 0:
            if ctypes.get_errno() == errno.ENOENT:
                return  # already gone: the caller tries again at once
            time.sleep(timeout)
            return
        self._left_watch = watch
        # poll, not select: select cannot watch a descriptor numbered 1024 or above.
        poller = select.poll()
        poller.register(self._fd, select.POLLIN)
        poller.poll(max(0, int(timeout * 1000)))

    def _tidy(self) -> None:
        """Remove the last wait's watch, then read every event queued so far."""
        if self._left_watch >= 0 and _libc is not None:
            # Fails harmlessly when the kernel removed it already (its file was deleted).
            _libc.inotify_rm_watch(self._fd, self._left_watch)
            self._left_watch = -1
        with contextlib.suppress(BlockingIOError):
            while os.read(self._fd, 4096):
                pass

    def close(self) -> None:
        """Give the instance back to the pool for the next waiter."""
        if self._fd >= 0:
            with _idle_guard:
                _idle_instances.append((self._fd, self._left_watch))
            self._fd = -1
