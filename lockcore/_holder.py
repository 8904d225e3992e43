"""Who holds a lock, and is that holder still alive: a lock file's judgment.

A lock (its content: ``_lock_content``) is only ever judged stale on evidence: the kernel
``flock`` its holder keeps on the lock file is free (see ``_platform``), the PID is gone, or the
PID now belongs to a process that started after the lock was made. Age alone never makes a lock
stale, except for a lease the caller opted into (``stale_after``) or a lock file left empty far
longer than any creator needs to write one line.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import NamedTuple

import psutil

from lockcore import _interrupts, _platform
from lockcore._lock_content import (
    MAX_LOCK_BYTES,
    PARSED_MEMORY_LIMIT,
    ParsedLock,
    parse_lock_content,
)
from lockcore._lockinfo import (
    LockFormat,
    LockIdentity,
    LockInfo,
    LockState,
    lock_info,
    this_host,
)
from lockcore._process import (
    GONE,
    live_proc_stat,
    shown_program,
    start_ticks,
    this_boot,
    wall_clock_steps,
)

#: Set (non-empty) in the environment of every lockcore process whose stores are shared with
#: processes in other PID namespaces (containers) that may run the reviewed module: their bare
#: PIDs name processes this one cannot see, so they are never taken as proof of death.
SHARED_PID_NAMESPACES_VARIABLE = "LOCKCORE_SHARED_PID_NAMESPACES"
# os.environ's own dict (bytes on POSIX), which its setitem and delitem keep: asking it costs one
# dict lookup where os.environ.get costs ~60 bytecodes (an encode, a KeyError caught), on every
# legacy lock judged.
_environment_data: dict[bytes, bytes] | None = (
    getattr(os.environ, "_data", None) if os.name == "posix" else None
)
_SHARED_PID_NAMESPACES_KEY = SHARED_PID_NAMESPACES_VARIABLE.encode("ascii")


def shared_pid_namespaces() -> bool:
    """Whether this process declared its stores shared with other PID namespaces."""
    if _environment_data is not None:
        return bool(_environment_data.get(_SHARED_PID_NAMESPACES_KEY))
    return bool(os.environ.get(SHARED_PID_NAMESPACES_VARIABLE))


_new_tuple = tuple.__new__
#: Process start times come from clock ticks since boot; allow for their rounding.
PID_REUSE_TOLERANCE = 1.0
#: A legacy creator writes its PID right after creating the file; an empty lock file older than
#: this lost its creator between the two steps.
EMPTY_LOCK_GRACE = 5.0


class Verdict(NamedTuple):
    state: LockState
    reason: str
    holder_alive: bool | None
    parsed: ParsedLock
    #: when the live holder started (epoch seconds), where the judgment learned it
    holder_started: float | None = None


#: content -> the verdict on that lock while its kernel lock is held (the usual case: one made
#: per lock file, not per look at it).
held_verdicts: dict[bytes, Verdict] = {}
_flock = _platform.FLOCK
_SHARED_NOWAIT = _platform.SHARED_NOWAIT


def judge(
    fd: int, st: os.stat_result, content: bytes, *, stale_after: float | None, now: float
) -> Verdict:
    """Judge the lock open on ``fd``: is its holder alive, dead, or beyond our knowledge?

    The usual case first, in as few steps as the evidence allows: a lockcore lock file on this
    machine whose kernel lock is held (one ``flock`` that fails) has a live holder, whatever
    else it says. Everything else is :func:`_judge_in_full`'s.
    """
    parsed = parse_lock_content(content)
    if (
        parsed.format is LockFormat.LOCKCORE
        and parsed.kernel_lock
        and _flock is not None
        and (parsed.hostname is None or parsed.hostname == this_host())
        and parsed.pid  # a PID of 0 names no holder
        and stat.S_ISREG(st.st_mode)
    ):
        try:
            _flock(fd, _SHARED_NOWAIT)
        except BlockingIOError:
            held = held_verdicts.get(content)
            if held is None:
                held = _held_verdict(parsed, other_host=False)
                if len(held_verdicts) >= PARSED_MEMORY_LIMIT:
                    held_verdicts.clear()
                held_verdicts[content] = held
            return held
        except OSError:
            pass  # not the kernel lock's answer: judged in full, which asks again
        else:
            _flock(fd, _platform.UNLOCK)
    elif (
        parsed.format is LockFormat.LEGACY
        and parsed.pid  # a PID of 0 names no holder
        and stat.S_ISREG(st.st_mode)
        and not shared_pid_namespaces()
    ):
        # A bare PID in our namespace: judged by that process alone (as _judge_in_full would,
        # after finding nothing else to say of it), the lock made when the file was last written.
        return _judge_by_pid(parsed, lock_made=st.st_mtime, started=None)
    return _judge_in_full(parsed, fd, st, content, stale_after=stale_after, now=now)


def _held_verdict(parsed: ParsedLock, *, other_host: bool) -> Verdict:
    return Verdict(
        LockState.HELD_ALIVE,
        f"PID {parsed.pid} holds the kernel lock",
        True,
        parsed,
        None if other_host else parsed.started,
    )


def _judge_in_full(  # noqa: PLR0911 - one verdict per kind of evidence
    parsed: ParsedLock,
    fd: int,
    st: os.stat_result,
    content: bytes,
    *,
    stale_after: float | None,
    now: float,
) -> Verdict:
    if not stat.S_ISREG(st.st_mode):
        return Verdict(LockState.UNREADABLE, "the lock path is not a regular file", None, parsed)
    created = parsed.created if parsed.created is not None else st.st_mtime
    age = now - created
    lease_expired = stale_after is not None and age > stale_after
    if not content.strip():
        return _judge_empty(fd, parsed, age)
    if parsed.format is LockFormat.UNKNOWN or parsed.pid is None or parsed.pid <= 0:
        if lease_expired:
            return Verdict(LockState.STALE_DEAD_HOLDER, _lease_reason(age), None, parsed)
        return Verdict(
            LockState.UNREADABLE, "the lock file does not name a holder PID", None, parsed
        )
    other_host = parsed.hostname is not None and parsed.hostname != this_host()
    # A lockcore holder keeps flock on its lock file while it holds it, unless it wrote that
    # it could not. Every process that shares a local filesystem shares this kernel, whatever
    # its hostname (a container with its own UTS namespace): there a free kernel lock proves
    # the holder dead. Over a network filesystem it proves nothing about other machines.
    if (
        parsed.format is LockFormat.LOCKCORE
        and parsed.kernel_lock
        and (not other_host or _platform.is_local_filesystem(st.st_dev))
    ):
        kernel_lock_free = _platform.try_lock(fd, exclusive=False)
        if kernel_lock_free is not None:
            if kernel_lock_free:
                _platform.unlock(fd)
                return Verdict(
                    LockState.STALE_DEAD_HOLDER,
                    f"PID {parsed.pid} exited: the kernel released its lock",
                    False,
                    parsed,
                )
            return _held_verdict(parsed, other_host=other_host)
    if other_host:
        if lease_expired:
            return Verdict(LockState.STALE_DEAD_HOLDER, _lease_reason(age), None, parsed)
        return Verdict(
            LockState.HELD_OTHER_HOST,
            f"held on host {parsed.hostname}, which this machine cannot check",
            None,
            parsed,
        )
    if parsed.format is LockFormat.LEGACY and shared_pid_namespaces():
        if lease_expired:
            return Verdict(LockState.STALE_DEAD_HOLDER, _lease_reason(age), None, parsed)
        return Verdict(
            LockState.HELD_OTHER_HOST,
            f"PID {parsed.pid} cannot be checked: the store is shared with other PID namespaces "
            f"({SHARED_PID_NAMESPACES_VARIABLE} is set), where a bare PID may name any process",
            None,
            parsed,
        )
    return _judge_by_pid(parsed, lock_made=created, started=parsed.started)


def _judge_empty(fd: int, parsed: ParsedLock, age: float) -> Verdict:
    kernel_lock_free = _platform.try_lock(fd, exclusive=False)
    if kernel_lock_free:
        _platform.unlock(fd)
    elif kernel_lock_free is False:
        return Verdict(LockState.BEING_CREATED, "a live process is creating the lock", True, parsed)
    if -EMPTY_LOCK_GRACE <= age <= EMPTY_LOCK_GRACE:
        return Verdict(
            LockState.BEING_CREATED,
            "the lock file was just created and is still empty",
            None,
            parsed,
        )
    if age < 0:
        # Clock skew or a copied file: a creator writes its PID within microseconds, so an
        # empty file dated in the future cannot be one being created now.
        return Verdict(
            LockState.STALE_DEAD_HOLDER,
            f"the lock file is empty and dated {-age:.0f} s in the future: no creator is "
            "writing it",
            False,
            parsed,
        )
    return Verdict(
        LockState.STALE_DEAD_HOLDER,
        f"the lock file has been empty for {age:.0f} s: its creator died before writing a PID",
        False,
        parsed,
    )


def _pid_reused(
    parsed: ParsedLock,
    ticks: int | None,
    create_time: float,
    *,
    lock_made: float,
    started: float | None,
) -> bool:
    """Whether the live process ``parsed.pid`` names now (its start in ``ticks`` since boot
    and in wall-clock seconds) is not the one that made the lock."""
    if parsed.start_ticks is not None:
        if ticks is None:
            assert parsed.pid is not None
            ticks = start_ticks(parsed.pid)
        if ticks is not None:
            # Immune to wall-clock steps, which move every start time in seconds.
            return ticks != parsed.start_ticks
    # Start times in seconds and the lock's own time are wall-clock readings: a step of the
    # wall clock since the lock was made moves one and not the other.
    forward, backward = wall_clock_steps()
    if started is not None:
        return abs(create_time - started) > PID_REUSE_TOLERANCE + forward + backward
    return create_time > lock_made + PID_REUSE_TOLERANCE + forward


def _judge_by_pid(parsed: ParsedLock, *, lock_made: float, started: float | None) -> Verdict:
    assert parsed.pid is not None
    pid = parsed.pid
    facts = live_proc_stat(pid)
    if facts is None:
        # No /proc to read (not Linux, or it hides other users' processes): ask psutil.
        try:
            process = psutil.Process(pid)
            with process.oneshot():
                zombie = process.status() == psutil.STATUS_ZOMBIE
                create_time = process.create_time()
        except psutil.NoSuchProcess:
            facts = GONE
        except psutil.AccessDenied:
            return Verdict(LockState.HELD_ALIVE, f"PID {pid} exists (details hidden)", True, parsed)
        else:
            facts = (zombie, None, create_time)
    if facts is GONE:
        return Verdict(LockState.STALE_DEAD_HOLDER, f"PID {pid} no longer exists", False, parsed)
    zombie, ticks, create_time = facts
    if zombie:
        return Verdict(LockState.STALE_DEAD_HOLDER, f"PID {pid} has exited (zombie)", False, parsed)
    if parsed.boot is not None and this_boot() is not None and parsed.boot != this_boot():
        return Verdict(
            LockState.STALE_DEAD_HOLDER,
            f"the lock was made before this machine restarted: PID {pid} is another process",
            False,
            parsed,
        )
    if _pid_reused(parsed, ticks, create_time, lock_made=lock_made, started=started):
        return Verdict(
            LockState.STALE_DEAD_HOLDER,
            f"PID {pid} now belongs to another process, started after the lock was made",
            False,
            parsed,
        )
    # (tuple.__new__: a named tuple's own __new__ is a Python function, 11 bytecodes more on
    # every live bare-PID holder judged)
    return _new_tuple(
        Verdict, (LockState.HELD_ALIVE, f"PID {pid} is running", True, parsed, create_time)
    )


def _lease_reason(age: float) -> str:
    return f"the holder cannot be verified and the lock is {age:.0f} s old, past its lease"


@dataclass
class OpenLock:
    """A lock file opened for judging; the descriptor pins its inode while we look."""

    fd: int
    st: os.stat_result
    content: bytes

    @property
    def identity(self) -> LockIdentity:
        return LockIdentity(self.st.st_dev, self.st.st_ino, self.content)

    def close(self) -> None:
        os.close(self.fd)


OPEN_FLAGS = os.O_RDONLY | _platform.NOFOLLOW | _platform.NONBLOCK | _platform.CLOEXEC


@_interrupts.critical
def open_lock(lock_path: str) -> OpenLock:
    """Open a lock file read-only without following links or blocking on a planted FIFO.

    Raises FileNotFoundError when there is no lock, and OSError when it cannot be read.
    """
    fd = os.open(lock_path, OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        content = os.read(fd, MAX_LOCK_BYTES) if stat.S_ISREG(st.st_mode) else b""
    except BaseException:
        os.close(fd)
        raise
    return OpenLock(fd, st, content)


def still_in_place(lock_path: str, opened: OpenLock) -> bool:
    """True while ``lock_path`` is the very file we opened, with the content we read."""
    return content_still_in_place(lock_path, opened.fd, opened.st, opened.content)


def content_still_in_place(lock_path: str, fd: int, st: os.stat_result, content: bytes) -> bool:
    try:
        current = os.lstat(lock_path)
    except FileNotFoundError:
        return False
    if (current.st_dev, current.st_ino) != (st.st_dev, st.st_ino):
        return False
    return os.pread(fd, MAX_LOCK_BYTES, 0) == content


def describe(path: str, lock_path: str, opened: OpenLock, verdict: Verdict, now: float) -> LockInfo:
    return describe_content(path, lock_path, opened.st, opened.content, verdict, now)


def describe_content(  # noqa: PLR0917 - called for every lock inspected: no keywords to match
    path: str,
    lock_path: str,
    st: os.stat_result,
    content: bytes,
    verdict: Verdict,
    now: float,
) -> LockInfo:
    state, reason, alive, parsed, started = verdict
    name: str | None = None
    cmdline: tuple[str, ...] = ()
    hostname = parsed.hostname
    if alive is not False and (hostname is None or hostname == this_host()):
        name, cmdline = shown_program(parsed.pid, started)
    created = parsed.created
    return lock_info(
        path,
        lock_path,
        state,
        parsed.format,
        parsed.pid,
        hostname,
        name or parsed.name,
        cmdline,
        alive,
        st.st_mtime if created is None else created,
        (st.st_dev, st.st_ino),
        content,
        reason,
        now,
    )
