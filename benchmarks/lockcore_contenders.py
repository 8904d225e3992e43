"""The contenders of ``bench_lockcore.py`` behind one small interface: legacy, the filelock
peer, lockcore, and the floors it is measured beside (issue 9 §6)."""

from __future__ import annotations

import _signal
import fcntl
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

IMPLEMENTATIONS = ("legacy", "peer", "lockcore", "lockcore-durable")
#: What the same work costs with nothing but the system calls it needs (issue 9, §6):
#: "floor" is lockcore's own protocol stripped bare (O_EXCL lock file; an inotify wait whose
#: watch is tidied at the next wait, not on the way to the lock, as lockcore's; read; temp file;
#: then the cheapest atomic replace: a swap and an unlink where the kernel can swap, as lockcore
#: does); "floor-durable" adds the two fsyncs (and renames: a swap saves nothing once the file
#: is fsynced); "flock" is a kernel flock hand-off, the fastest wake-up the kernel offers (it
#: cannot recover from nothing, and legacy cannot see it); "flock-wait" is the bare protocol
#: with issue 9's other idea for the hand-off: a waiter that blocks in flock on the lock file in
#: its way (its holder keeps flock on it, as lockcore's does) instead of on inotify.
#: "lockcore-calls" hands off with lockcore's own system calls and next to no Python: the waiter
#: keeps an unnamed, kernel-locked lock file ready, writes and links it when woken and opens it
#: by name; the holder checks its lock file with lstat before unlinking it, then yields the
#: processor to the waiter it woke (as lockcore does on a lock contended lately; the bare
#: "floor" does not: it is the protocol as it was specified). Beside "floor" and
#: lockcore it splits lockcore's hand-off into what its protocol's calls cost and what its
#: Python costs.
FLOORS = ("floor", "floor-durable", "flock", "flock-wait", "lockcore-calls")
#: lockcore's own update, each process on a store of its own: the same think time and critical
#: section as lockcore's contended run with nobody ever waiting -- what a perfect lock would
#: let 4 processes reach on this machine as it is loaded now (the measured ceiling).
OWN_STORES = "own-stores"


# --- the contenders, behind one small interface ---------------------------------------------


class Contender:
    """acquire/release a lock on a data file, and a locked read-modify-write of it."""

    def __init__(self, name: str) -> None:
        self.name = name
        if name in FLOORS:
            durable = name == "floor-durable"
            locks = {
                "flock": _FlockFloor,
                "flock-wait": _FlockWaitFloor,
                "lockcore-calls": _LockcoreCallsFloor,
            }
            self._lock = locks.get(name, _ExclusiveFloor)
            self._update = lambda path, fn: _floor_update(path, fn, self._lock, durable=durable)
            if name == "lockcore-calls":
                self._update = _lockcore_calls_update
        elif name == OWN_STORES:
            import lockcore

            self._lock = lockcore.FileLock
            self._update = lambda path, fn: lockcore.locked_update_json(
                _own_store(path), fn, default=dict
            )
        elif name == "legacy":
            from tests import legacy_file_lock as legacy

            self._lock = legacy.FileLock
            self._update = lambda path, fn: legacy.locked_update_json(path, fn, default=dict)
        elif name == "peer":
            self._lock = _peer_lock
            self._update = _peer_update
        else:
            import lockcore

            durable = name == "lockcore-durable"
            self._lock = lockcore.FileLock
            self._update = lambda path, fn: lockcore.locked_update_json(
                path, fn, default=dict, durable=durable
            )

    def lock(self, path: str, timeout: float = 30.0) -> Any:
        return self._lock(path, timeout)

    def update(self, path: str, fn: Callable[[Any], Any]) -> Any:
        return self._update(path, fn)


def _peer_lock(path: str, timeout: float) -> Any:
    import filelock

    return filelock.FileLock(path + ".lock", timeout=timeout)


def _peer_update(path: str, fn: Callable[[Any], Any]) -> Any:
    """What a careful engineer writes with filelock: lock, read, temp file, fsync, replace."""
    import filelock

    with filelock.FileLock(path + ".lock", timeout=30):
        try:
            with open(path, encoding="utf-8") as file:
                data = json.load(file)
        except FileNotFoundError:
            data = {}
        data = fn(data)
        fd, temp_path = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2, ensure_ascii=False)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_path, path)
        return data


class _ExclusiveFloor:
    """The bare protocol: O_EXCL lock file with the PID in it; a waiter sleeps on inotify."""

    def __init__(self, path: str, _timeout: float = 30.0) -> None:
        self.lock_path = path + ".lock"
        self.fd = -1

    def acquire(self) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        while True:
            try:
                self.fd = os.open(self.lock_path, flags, 0o644)
            except FileExistsError:
                _wait_for_change(self.lock_path)
                continue
            os.write(self.fd, b"%d\n" % os.getpid())
            return

    def release(self) -> None:
        os.unlink(self.lock_path)
        os.close(self.fd)


class _FlockFloor:
    """A blocking kernel flock on a file that stays: the kernel wakes the next waiter itself."""

    def __init__(self, path: str, _timeout: float = 30.0) -> None:
        self.fd = os.open(path + ".flock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)

    def acquire(self) -> None:
        import fcntl

        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def release(self) -> None:
        import fcntl

        fcntl.flock(self.fd, fcntl.LOCK_UN)


class _FlockWaitFloor(_ExclusiveFloor):
    """The bare protocol, its holder keeping flock on the lock file; a waiter blocks in flock.

    The holder unlinks the lock file, then closes it: the close drops its flock and wakes the
    waiter, which then creates the next lock file. (Such a waiter cannot time out, be cancelled
    or check its holder while it waits: this only measures whether the kernel wakes it sooner
    than inotify does.)
    """

    def acquire(self) -> None:
        import fcntl

        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        while True:
            try:
                self.fd = os.open(self.lock_path, flags, 0o644)
            except FileExistsError:
                try:
                    in_the_way = os.open(self.lock_path, os.O_RDONLY | os.O_CLOEXEC)
                except FileNotFoundError:
                    continue
                try:
                    fcntl.flock(in_the_way, fcntl.LOCK_SH)  # until its holder closes it
                finally:
                    os.close(in_the_way)
                continue
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            os.write(self.fd, b"%d\n" % os.getpid())
            return


class _LockcoreCallsFloor(_ExclusiveFloor):
    """lockcore's system calls for taking and giving back a lock, with next to no Python."""

    def __init__(self, path: str, _timeout: float = 30.0) -> None:
        import ctypes

        super().__init__(path)
        self.spare = -1
        self.named = -1
        self.linkat = ctypes.CDLL(None, use_errno=True).linkat
        self.target = os.fsencode(self.lock_path)

    def acquire(self) -> None:
        import fcntl

        while True:
            if self.spare < 0:
                directory = os.path.dirname(self.lock_path)
                self.spare = os.open(directory, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o644)
                fcntl.flock(self.spare, fcntl.LOCK_EX)
                os.fstat(self.spare)
            stamp = b"created %.6f\ntoken 0123456789abcdef\n" % time.time()
            os.pwrite(self.spare, _LOCKCORE_LIKE_LINES + stamp, 0)
            source = b"/proc/self/fd/%d" % self.spare
            if self.linkat(-100, source, -100, self.target, 0x400) != 0:  # AT_SYMLINK_FOLLOW
                _wait_for_change(self.lock_path)
                continue
            self.fd, self.spare = self.spare, -1
            flags = os.O_WRONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
            self.named = os.open(self.lock_path, flags)
            return

    def release(self) -> None:
        os.lstat(self.lock_path)
        os.unlink(self.lock_path)
        os.sched_yield()  # as lockcore's release of a lock contended lately: the waiter runs
        os.close(self.named)
        os.close(self.fd)


#: A lock file's lines that never change, as long as lockcore's.
_LOCKCORE_LIKE_LINES = (
    b"4711\nlockcore 1\nhost bench\nname bench_lockcore.py\nstarted 1700000000.000000\n"
    b"start-ticks 123456\nboot 00000000-0000-0000-0000-000000000000\n"
)


def _own_store(path: str) -> str:
    """This process's own store beside ``path`` (``X-<pid>.json``)."""
    return f"{path.removesuffix('.json')}-{os.getpid()}.json"


#: [libc, inotify descriptor, the watch the last wait left (-1: none)], made once per process
_inotify: list[Any] = []


def _wait_for_change(path: str) -> None:
    """Sleep until ``path`` changes (50 ms at most). As lockcore's waiters do, the woken waiter
    tries again at once: the last wait's watch and events are cleared before the next wait."""
    import ctypes
    import select

    if not _inotify:
        libc = ctypes.CDLL(None, use_errno=True)
        _inotify.extend([libc, libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC), -1])
    libc, fd, left = _inotify
    if left >= 0:
        libc.inotify_rm_watch(fd, left)
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass
    _inotify[2] = watch = libc.inotify_add_watch(fd, os.fsencode(path), 0x400 | 0x8 | 0x4 | 0x2)
    if watch < 0:
        return
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    poller.poll(50)


def _floor_update(path: str, fn: Callable[[Any], Any], lock_type: Any, *, durable: bool) -> Any:
    lock = lock_type(path)
    lock.acquire()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            data = json.loads(os.read(fd, os.fstat(fd).st_size + 1))
        finally:
            os.close(fd)
        raw = json.dumps(fn(data), indent=2).encode()
        temp = f"{path}.{os.getpid()}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            os.write(fd, raw)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        if durable or not _exchange(temp, path):
            os.rename(temp, path)
        else:
            os.unlink(temp)  # now holds the old bytes
    finally:
        lock.release()
    if durable:
        directory = os.open(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return data


def _lockcore_calls_update(path: str, fn: Callable[[Any], Any]) -> Any:
    """An uncontended update making lockcore's own system calls, in its order, with next to no
    Python: what lockcore's update would cost if its Python were free. Beyond ``floor``'s calls
    (``--syscalls`` lists them): Ctrl+C deferred over the critical steps (a handler swapped in
    and back: two ``rt_sigaction``), the lock file made unnamed with its kernel lock and linked
    into place (``O_TMPFILE``, ``flock``, ``fstat``, ``pwrite``, ``linkat``) then opened by name
    (so that watchers see it closed when its holder dies), the data file opened without
    following a symlink, the temp file's owner and mode looked at (``fstat``: a umask, a
    set-group-ID folder), the data file's ACLs (``llistxattr``), and the lock checked to be
    still ours before the replace and at the release (two ``lstat``)."""
    handler = _signal.getsignal(_signal.SIGINT)  # (signal's own wrappers cost ~250 bytecodes)
    _signal.signal(_signal.SIGINT, handler)
    lock_path = path + ".lock"
    spare = os.open(os.path.dirname(path), os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o644)
    fcntl.flock(spare, fcntl.LOCK_EX)
    os.fstat(spare)
    os.pwrite(
        spare, _LOCKCORE_LIKE_LINES + b"created %.6f\ntoken 0123456789abcdef\n" % time.time(), 0
    )
    # (A directory descriptor makes os.link call linkat, which follows the /proc link.)
    os.link(f"/proc/self/fd/{spare}", lock_path, src_dir_fd=spare)
    named = os.open(lock_path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            data = json.loads(os.read(fd, os.fstat(fd).st_size + 1))
        finally:
            os.close(fd)
        raw = json.dumps(fn(data), indent=2).encode()
        temp = path + ".calls.tmp"  # each contender updates a store of its own
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(temp, flags, 0o644)
        try:
            os.fstat(fd)
            os.listxattr(path, follow_symlinks=False)
            os.write(fd, raw)
        finally:
            os.close(fd)
        os.lstat(lock_path)
        if not _exchange(temp, path):
            os.rename(temp, path)
        else:
            os.unlink(temp)  # now holds the old bytes
    finally:
        os.lstat(lock_path)
        os.unlink(lock_path)
        os.close(named)
        os.close(spare)
        _signal.signal(_signal.SIGINT, handler)
    return data


_renameat2: list[Any] = []  # [libc's renameat2 or None], looked up once per process


def _exchange(first: str, second: str) -> bool:
    """Swap two paths atomically (``renameat2(RENAME_EXCHANGE)``); False where impossible.

    The cheapest atomic replace ext4 offers without fsync: a ``rename`` over an existing file
    makes ext4 write the new file out at once (``auto_da_alloc``), ~0.1 ms on this disk, which
    lockcore avoids by swapping. A floor that renamed would charge itself that write and
    flatter lockcore.
    """
    if not _renameat2:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
        _renameat2.append(getattr(libc, "renameat2", None))
    function = _renameat2[0]
    if function is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return bool(
        function(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0
    )


def _increment(data: Any) -> Any:
    data["count"] = data.get("count", 0) + 1
    return data
