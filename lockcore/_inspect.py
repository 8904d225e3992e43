"""Describing the lock that guards a store (:func:`inspect_lock`), and remembering what was
described: the app looks at a folder's locks again every second, and a lock file seen before,
its evidence unchanged, is described again by that evidence alone (one ``flock``, or one poll of
its holder's pidfd), not judged in full.
"""

from __future__ import annotations

import os
import stat
import time

from lockcore import _interrupts, _platform
from lockcore._holder import (
    OPEN_FLAGS,
    Verdict,
    content_still_in_place,
    describe_content,
    held_verdicts,
    judge,
    shared_pid_namespaces,
)
from lockcore._lock_content import (
    LOCK_SUFFIX,
    MAX_LOCK_BYTES,
    PARSED_MEMORY_LIMIT,
    forget_parsed_contents,
)
from lockcore._lockinfo import LockFormat, LockInfo, LockState, lock_info_again
from lockcore._process import (
    forget_pinned_processes,
    live_proc_stat,
    process_facts_fresh_until,
)


@_interrupts.critical
def inspect_lock(path: str | os.PathLike[str], *, stale_after: float | None = None) -> LockInfo:
    """Describe the lock that guards ``path``. Read-only: never creates, changes or removes.

    ``stale_after`` is an opt-in lease in seconds: a holder that cannot be verified (another
    host, an unreadable lock) counts as stale once its lock is older than that.

    A critical step (Ctrl+C waits for its end, a millisecond): a signal between the lock file's
    open and the ``try`` that closes its descriptor would leak it. It opens the lock file
    itself rather than through :func:`open_lock` (a critical step of its own, an ``OpenLock``):
    a folder's locks are inspected by the hundred, again every second in the app.
    """
    path = os.fspath(path)
    _platform.ensure_supported(path)
    lock_path = path + LOCK_SUFFIX
    for attempt in range(3):
        now = time.time()
        try:
            fd = os.open(lock_path, OPEN_FLAGS)
        except FileNotFoundError:
            return LockInfo(path, lock_path, LockState.FREE, reason="no lock file")
        except OSError as error:
            return _unreadable(path, lock_path, error, now)
        try:
            try:
                st = os.fstat(fd)
                content = os.read(fd, MAX_LOCK_BYTES) if stat.S_ISREG(st.st_mode) else b""
            except OSError as error:
                return _unreadable(path, lock_path, error, now)
            info = _as_seen_before(path, fd, st, content, now)
            if info is not None:
                return info
            verdict = judge(fd, st, content, stale_after=stale_after, now=now)
            # A holder that released between our open and our look leaves a lock that seems
            # dead but is already gone: look again rather than report a stale lock.
            if (
                attempt < 2
                and verdict.state is LockState.STALE_DEAD_HOLDER
                and not content_still_in_place(lock_path, fd, st, content)
            ):
                continue
            info = describe_content(path, lock_path, st, content, verdict, now)
            if verdict is held_verdicts.get(content):
                _remember_held(path, st, content, info, verdict)
            elif verdict.holder_alive and info.format is LockFormat.LEGACY:
                _remember_alive_pid(path, st, content, info, verdict)
            return info
        finally:
            os.close(fd)
    raise AssertionError("unreachable: the last attempt always returns")


#: store path -> (inode, device, content, fresh until (monotonic), the LockInfo's fields, mtime) of
#: the lockcore locks on this machine last found held by their kernel lock: looked at again (the
#: app re-checks a folder's locks every second), such a lock needs one flock and a copy.
_flock = _platform.FLOCK
_SHARED_NOWAIT = _platform.SHARED_NOWAIT
_seen_held: dict[str, tuple[int, int, bytes, float, dict[str, object], float]] = {}
_monotonic = time.monotonic


#: store path -> (inode, device, content, fresh until, the LockInfo's fields, the lock file's
#: mtime, the PID, what /proc said of it) of the bare-PID locks last found held by a live
#: process: the same file with the same mtime, its PID still the same process (a poll of its
#: pidfd, see live_proc_stat), is judged the same.
_seen_alive_pid: dict[
    str,
    tuple[int, int, bytes, float, dict[str, object], float, int, tuple[bool, int | None, float]],
] = {}


def _remember_alive_pid(
    path: str, st: os.stat_result, content: bytes, info: LockInfo, verdict: Verdict
) -> None:
    pid = verdict.parsed.pid
    if pid is None:
        return
    facts = live_proc_stat(pid)
    if facts is None or facts[2] != verdict.holder_started:
        return  # not what the verdict was made of: nothing to remember
    if len(_seen_alive_pid) >= PARSED_MEMORY_LIMIT:
        _seen_alive_pid.clear()
    _seen_alive_pid[path] = (*_as_recorded(st, content, info, verdict), pid, facts)


def _remember_held(
    path: str, st: os.stat_result, content: bytes, info: LockInfo, verdict: Verdict
) -> None:
    """Keep ``info`` for the next look at the same lock file, while its holder's name and
    command line are as fresh as a full look would find them (:func:`process_facts_fresh_until`)."""
    if len(_seen_held) >= PARSED_MEMORY_LIMIT:
        _seen_held.clear()
    _seen_held[path] = _as_recorded(st, content, info, verdict)


def _as_recorded(
    st: os.stat_result, content: bytes, info: LockInfo, verdict: Verdict
) -> tuple[int, int, bytes, float, dict[str, object], float]:
    """What is kept of a lock file described, for either memory: its inode, device and content,
    how long its holder's facts stay fresh, the description's fields, its mtime."""
    fresh_until = process_facts_fresh_until(verdict.parsed.pid, verdict.holder_started)
    return st.st_ino, st.st_dev, content, fresh_until, dict(vars(info)), st.st_mtime


def forget_what_was_seen() -> None:
    """Forget the locks and processes remembered between looks: the next look at each lock is
    a first look (its content parsed, its holder's /proc read and pinned anew)."""
    _seen_held.clear()
    _seen_alive_pid.clear()
    held_verdicts.clear()
    forget_parsed_contents()
    forget_pinned_processes()


def _as_seen_before(
    path: str, fd: int, st: os.stat_result, content: bytes, now: float
) -> LockInfo | None:
    """The description of the lock file open on ``fd`` when it is the very one described at the
    last look (same inode, same content, same store) and the same evidence still holds; None:
    judge it in full."""
    seen = _seen_held.get(path)
    if (
        seen is not None
        and _flock is not None
        and seen[0] == st.st_ino
        and seen[1] == st.st_dev
        and seen[2] == content
        and _monotonic() < seen[3]
        and seen[5] == st.st_mtime  # the age of a lock file without a created line
    ):
        # The very lock file described before (same inode, same content, naming the
        # same store), its holder's facts still fresh: one flock tells whether it is
        # still held, and the description stands but for when it was made.
        try:
            _flock(fd, _SHARED_NOWAIT)
        except BlockingIOError:
            return lock_info_again(seen[4], now)
        except OSError:
            pass
        else:
            _flock(fd, _platform.UNLOCK)
    alive = _seen_alive_pid.get(path)
    if (
        alive is not None
        and alive[0] == st.st_ino
        and alive[1] == st.st_dev
        and alive[2] == content
        and _monotonic() < alive[3]
        and alive[5] == st.st_mtime
        and not shared_pid_namespaces()
        and live_proc_stat(alive[6]) == alive[7]
    ):
        # The very bare-PID lock described before (same inode, same mtime: the same
        # lock made at the same time), its holder still the process it was (the same
        # start, by its pidfd), judged the same: the description stands.
        return lock_info_again(alive[4], now)
    return None


def _unreadable(path: str, lock_path: str, error: OSError, now: float) -> LockInfo:
    reason = (
        "the lock path is a symbolic link, which lockcore never follows"
        if os.path.islink(lock_path)
        else f"the lock file cannot be read: {error.strerror}"
    )
    return LockInfo(
        path,
        lock_path,
        LockState.UNREADABLE,
        format=LockFormat.UNKNOWN,
        reason=reason,
        inspected_at=now,
    )
