"""Who holds a lock, and is that holder still alive: the lock file's content and its judgment.

The reviewed protocol puts the holder's PID, in decimal, on the first line of ``X.json.lock``.
lockcore keeps that line and adds facts on later lines::

    4711
    lockcore 1
    host build-03
    name sync.py
    started 1732660000.120000
    created 1732660001.456789
    token 5f0c2e9a7d3b41c8

and, while it holds the lock, a kernel ``flock`` on the lock file (see ``_platform``). A lock is
only ever judged stale on evidence: the kernel lock is free, the PID is gone, or the PID now
belongs to a process that started after the lock was made. Age alone never makes a lock stale,
except for a lease the caller opted into (``stale_after``) or a lock file left empty far longer
than any creator needs to write one line.

``name`` is the holder's program as it was when it took the lock: shown for a holder that can no
longer be asked (it died, or runs on another host), so that whoever breaks a stale lock sees
whose it was. It is never evidence of anything.
"""

from __future__ import annotations

import os
import re
import stat
import time
from dataclasses import dataclass
from itertools import repeat
from typing import NamedTuple

import psutil

from lockcore import _interrupts, _platform, _tokens
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
    forget_pinned_processes,
    live_proc_stat,
    own_pid,
    own_start_ticks,
    own_start_time,
    process_facts_fresh_until,
    read_process_facts,
    script_name,
    shown_program,
    start_ticks,
    this_boot,
    wall_clock_steps,
)

LOCK_SUFFIX = ".lock"
#: Set (non-empty) in the environment of every lockcore process whose stores are shared with
#: processes in other PID namespaces (containers) that may run the reviewed module: their bare
#: PIDs name processes this one cannot see, so they are never taken as proof of death.
SHARED_PID_NAMESPACES_VARIABLE = "LOCKCORE_SHARED_PID_NAMESPACES"
#: The value of a lock file's ``kernel-lock`` line when its holder could not take ``flock``.
NO_KERNEL_LOCK = "none"
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


FORMAT_MARKER = "lockcore 1"
#: The most of a lock file anyone reads; ours are about 100 bytes.
MAX_LOCK_BYTES = 4096
#: Process start times come from clock ticks since boot; allow for their rounding.
PID_REUSE_TOLERANCE = 1.0
#: A legacy creator writes its PID right after creating the file; an empty lock file older than
#: this lost its creator between the two steps.
EMPTY_LOCK_GRACE = 5.0


class ParsedLock(NamedTuple):
    """The facts a lock file's content states; nothing here is verified.

    A named tuple, not a frozen dataclass: one is made for every lock judged, and a frozen
    dataclass's ``__init__`` (a ``object.__setattr__`` per field) cost more than the parse.
    """

    format: LockFormat
    pid: int | None = None
    hostname: str | None = None
    started: float | None = None
    created: float | None = None
    name: str | None = None
    #: False when the holder wrote that it could not take a kernel lock (``kernel-lock none``)
    kernel_lock: bool = True
    #: the holder's start in clock ticks since boot, and that boot's identity
    start_ticks: int | None = None
    boot: str | None = None


class Verdict(NamedTuple):
    state: LockState
    reason: str
    holder_alive: bool | None
    parsed: ParsedLock
    #: when the live holder started (epoch seconds), where the judgment learned it
    holder_started: float | None = None


def lock_path_for(path: str | os.PathLike[str]) -> str:
    """The lock file that guards ``path``: ``X.json`` is guarded by ``X.json.lock``."""
    return os.fspath(path) + LOCK_SUFFIX


_own_name: tuple[int, str] | None = None
#: The longest program name a lock file records.
MAX_NAME_CHARS = 80


def _own_program() -> str:
    global _own_name  # noqa: PLW0603 - cached per PID, as the start time
    pid = own_pid()
    if _own_name is None or _own_name[0] != pid:
        name, cmdline = read_process_facts(pid)
        _own_name = (pid, recordable_name(script_name(name, cmdline) or ""))
    return _own_name[1]


def recordable_name(name: str) -> str:
    """``name`` fit for one ASCII line of a lock file: other characters become ``?``."""
    shown = "".join(char if " " <= char <= "~" else "?" for char in name[:MAX_NAME_CHARS])
    return shown.strip()


#: The lines of our lock files that never change for this process, made at its first lock
#: (forgotten by a forked child, whose PID and start differ): no PID check on every lock.
_own_facts: bytes | None = None


def _own_fact_lines() -> bytes:
    """The lines of our lock files that never change for this process."""
    global _own_facts  # noqa: PLW0603 - made once per process
    facts = _own_facts
    if facts is None:
        pid = own_pid()
        name = _own_program()
        lines = [
            str(pid),
            FORMAT_MARKER,
            f"host {this_host()}",
            *([f"name {name}"] if name else []),
            f"started {own_start_time():.6f}",
            *([f"start-ticks {ticks}"] if (ticks := own_start_ticks()) is not None else []),
            *([f"boot {boot}"] if (boot := this_boot()) else []),
        ]
        facts = _own_facts = ("\n".join(lines) + "\n").encode("ascii")
    return facts


def _forget_own_facts_in_child() -> None:
    global _own_facts  # noqa: PLW0603 - the parent's PID and start are the parent's
    _own_facts = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_own_facts_in_child)


def new_lock_token() -> str:
    """A fresh ``token``: tells two lock files of one holder apart."""
    return _tokens.token_hex(8)


def new_lock_content(*, kernel_lock: bool = True, token: str | None = None) -> bytes:
    """The content of a lock file this process is about to hold, stamped now.

    ``kernel_lock=False`` (the filesystem refused ``flock``) is written down as
    ``kernel-lock none``, so that judges know a free kernel lock proves nothing here.
    ``token`` is the lock file's own (a fresh one by default).
    """
    stamp = b"created %.6f\ntoken %s\n" % (
        time.time(),
        (token or new_lock_token()).encode("ascii"),
    )
    if not kernel_lock:
        stamp += f"kernel-lock {NO_KERNEL_LOCK}\n".encode("ascii")
    return _own_fact_lines() + stamp


#: content -> what it states, for the lock files judged lately: a folder's locks are judged
#: again every second (the app's re-checks) and each look used to parse them anew.
_parsed_memory: dict[bytes, ParsedLock] = {}
#: Past this many remembered contents the memory is cleared.
PARSED_MEMORY_LIMIT = 4096
_UNKNOWN_FORMAT = ParsedLock(LockFormat.UNKNOWN)
_new_tuple = tuple.__new__


def parse_lock_content(content: bytes) -> ParsedLock:
    parsed = _parsed_memory.get(content)
    if parsed is None:
        parsed = _parse_lock_content(content)
        if len(_parsed_memory) >= PARSED_MEMORY_LIMIT:
            _parsed_memory.clear()
        _parsed_memory[content] = parsed
    return parsed


#: A line's value: anything but what ``str.splitlines`` ends an ASCII line at.
_VALUE = r"([^\n\r\x0b\x0c\x1c\x1d\x1e]*)"
#: A lock file exactly as lockcore writes one (its lines in its order, each at most once):
#: matched in one call, where the general parse splits, partitions and looks up line by line
#: (a folder listed anew parses every lock file once). What it does not match is parsed in
#: full; both give the same result (a Hypothesis property checks it).
_AS_LOCKCORE_WRITES = re.compile(
    rf"(\d+)\n{FORMAT_MARKER}\nhost {_VALUE}\n(?:name {_VALUE}\n)?started {_VALUE}\n"
    rf"(?:start-ticks {_VALUE}\n)?(?:boot {_VALUE}\n)?created {_VALUE}\ntoken {_VALUE}\n"
    rf"(?:kernel-lock {_VALUE}\n)?"
)


def _parse_lock_content(content: bytes) -> ParsedLock:
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        return _UNKNOWN_FORMAT
    written = _AS_LOCKCORE_WRITES.fullmatch(text)
    if written is None:
        return _parse_lock_lines(text)
    pid, host, name, started, ticks, boot, created, _token, kernel_lock = written.groups()
    return _new_tuple(
        ParsedLock,
        (
            LockFormat.LOCKCORE,
            int(pid),
            host or None,
            _float_or_none(started),
            _float_or_none(created),
            name or None,
            kernel_lock != NO_KERNEL_LOCK,
            int(ticks) if ticks is not None and ticks.isdigit() else None,
            boot or None,
        ),
    )


def _parse_lock_lines(text: str) -> ParsedLock:
    """The general parse of a lock file's (ASCII) text: any lines, in any order."""
    lines = text.splitlines()
    if not lines or not lines[0].strip().isdigit():
        return _UNKNOWN_FORMAT
    pid = int(lines[0].strip())
    if len(lines) < 2 or lines[1].strip() != FORMAT_MARKER:
        if any(line.strip() for line in lines[1:]):
            return ParsedLock(LockFormat.UNKNOWN, pid=pid)
        return ParsedLock(LockFormat.LEGACY, pid=pid)
    facts = {key: value for key, _, value in map(str.partition, lines[2:], repeat(" "))}
    ticks = facts.get("start-ticks")
    # (tuple.__new__: the named tuple's own __new__ is a Python function; a folder listed anew
    # parses every lock file once)
    return _new_tuple(
        ParsedLock,
        (
            LockFormat.LOCKCORE,
            pid,
            facts.get("host") or None,
            _float_or_none(facts.get("started")),
            _float_or_none(facts.get("created")),
            facts.get("name") or None,
            facts.get("kernel-lock") != NO_KERNEL_LOCK,
            int(ticks) if ticks is not None and ticks.isdigit() else None,
            facts.get("boot") or None,
        ),
    )


def _float_or_none(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


#: content -> the verdict on that lock while its kernel lock is held (the usual case: one made
#: per lock file, not per look at it).
_held_verdicts: dict[bytes, Verdict] = {}
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
            held = _held_verdicts.get(content)
            if held is None:
                held = _held_verdict(parsed, other_host=False)
                if len(_held_verdicts) >= PARSED_MEMORY_LIMIT:
                    _held_verdicts.clear()
                _held_verdicts[content] = held
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


_OPEN_FLAGS = os.O_RDONLY | _platform.NOFOLLOW | _platform.NONBLOCK | _platform.CLOEXEC


@_interrupts.critical
def open_lock(lock_path: str) -> OpenLock:
    """Open a lock file read-only without following links or blocking on a planted FIFO.

    Raises FileNotFoundError when there is no lock, and OSError when it cannot be read.
    """
    fd = os.open(lock_path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        content = os.read(fd, MAX_LOCK_BYTES) if stat.S_ISREG(st.st_mode) else b""
    except BaseException:
        os.close(fd)
        raise
    return OpenLock(fd, st, content)


def still_in_place(lock_path: str, opened: OpenLock) -> bool:
    """True while ``lock_path`` is the very file we opened, with the content we read."""
    return _still_in_place(lock_path, opened.fd, opened.st, opened.content)


def _still_in_place(lock_path: str, fd: int, st: os.stat_result, content: bytes) -> bool:
    try:
        current = os.lstat(lock_path)
    except FileNotFoundError:
        return False
    if (current.st_dev, current.st_ino) != (st.st_dev, st.st_ino):
        return False
    return os.pread(fd, MAX_LOCK_BYTES, 0) == content


def describe(path: str, lock_path: str, opened: OpenLock, verdict: Verdict, now: float) -> LockInfo:
    return _describe(path, lock_path, opened.st, opened.content, verdict, now)


def _describe(  # noqa: PLR0917 - called for every lock inspected: no keywords to match
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
            fd = os.open(lock_path, _OPEN_FLAGS)
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
                and not _still_in_place(lock_path, fd, st, content)
            ):
                continue
            info = _describe(path, lock_path, st, content, verdict, now)
            if verdict is _held_verdicts.get(content):
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
_seen_held: dict[str, tuple[int, int, bytes, float, dict[str, object], float]] = {}
_monotonic = time.monotonic
_new_object = object.__new__
_set_attribute = object.__setattr__


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
    fresh_until = process_facts_fresh_until(pid, verdict.holder_started)
    _seen_alive_pid[path] = (
        st.st_ino,
        st.st_dev,
        content,
        fresh_until,
        dict(vars(info)),
        st.st_mtime,
        pid,
        facts,
    )


def _remember_held(
    path: str, st: os.stat_result, content: bytes, info: LockInfo, verdict: Verdict
) -> None:
    """Keep ``info`` for the next look at the same lock file, while its holder's name and
    command line are as fresh as a full look would find them (:func:`process_facts_fresh_until`)."""
    if len(_seen_held) >= PARSED_MEMORY_LIMIT:
        _seen_held.clear()
    fresh_until = process_facts_fresh_until(verdict.parsed.pid, verdict.holder_started)
    _seen_held[path] = (
        st.st_ino,
        st.st_dev,
        content,
        fresh_until,
        dict(vars(info)),
        st.st_mtime,
    )


def forget_what_was_seen() -> None:
    """Forget the locks and processes remembered between looks: the next look at each lock is
    a first look (its content parsed, its holder's /proc read and pinned anew)."""
    _seen_held.clear()
    _seen_alive_pid.clear()
    _held_verdicts.clear()
    _parsed_memory.clear()
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
            fields = seen[4].copy()
            fields["inspected_at"] = now
            info = _new_object(LockInfo)
            _set_attribute(info, "__dict__", fields)
            return info
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
        fields = alive[4].copy()
        fields["inspected_at"] = now
        info = _new_object(LockInfo)
        _set_attribute(info, "__dict__", fields)
        return info
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
