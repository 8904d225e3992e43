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

import math
import os
import secrets
import stat
import time
from dataclasses import dataclass
from typing import Final

import psutil

from lockcore import _interrupts, _platform
from lockcore._lockinfo import LockFormat, LockIdentity, LockInfo, LockState, this_host

LOCK_SUFFIX = ".lock"
#: Set (non-empty) in the environment of every lockcore process whose stores are shared with
#: processes in other PID namespaces (containers) that may run the reviewed module: their bare
#: PIDs name processes this one cannot see, so they are never taken as proof of death.
SHARED_PID_NAMESPACES_VARIABLE = "LOCKCORE_SHARED_PID_NAMESPACES"
#: The value of a lock file's ``kernel-lock`` line when its holder could not take ``flock``.
NO_KERNEL_LOCK = "none"
FORMAT_MARKER = "lockcore 1"
#: The most of a lock file anyone reads; ours are about 100 bytes.
MAX_LOCK_BYTES = 4096
#: Process start times come from clock ticks since boot; allow for their rounding.
PID_REUSE_TOLERANCE = 1.0
#: A legacy creator writes its PID right after creating the file; an empty lock file older than
#: this lost its creator between the two steps.
EMPTY_LOCK_GRACE = 5.0
#: How long the name and command line of one process (a PID with its start time) are reused
#: before they are read again. Listing a folder inspects hundreds of locks held by a handful of
#: processes; reading ``/proc`` for each was most of what inspecting cost. Only an ``exec`` by
#: the holder changes them, and then the new name shows within this time.
PROCESS_FACTS_TTL = 5.0
#: Past this many remembered processes the memory is cleared (a long-running inspector sees
#: holders come and go).
PROCESS_FACTS_LIMIT = 4096


@dataclass(frozen=True)
class ParsedLock:
    """The facts a lock file's content states; nothing here is verified."""

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


@dataclass(frozen=True)
class Verdict:
    state: LockState
    reason: str
    holder_alive: bool | None
    parsed: ParsedLock
    #: when the live holder started (epoch seconds), where the judgment learned it
    holder_started: float | None = None


def lock_path_for(path: str | os.PathLike[str]) -> str:
    """The lock file that guards ``path``: ``X.json`` is guarded by ``X.json.lock``."""
    return os.fspath(path) + LOCK_SUFFIX


_own_start: tuple[int, float] | None = None
_own_name: tuple[int, str] | None = None
#: The longest program name a lock file records.
MAX_NAME_CHARS = 80


_own_pid = os.getpid()


def _forget_pid_in_child() -> None:
    global _own_pid  # noqa: PLW0603 - the child is another process
    _own_pid = os.getpid()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pid_in_child)


def own_pid() -> int:
    """This process's PID, without a system call (refreshed after ``os.fork``)."""
    return _own_pid


def _own_start_time() -> float:
    global _own_start  # noqa: PLW0603 - cached per PID so that forked children recompute it
    pid = _own_pid
    if _own_start is None or _own_start[0] != pid:
        _own_start = (pid, psutil.Process(pid).create_time())
    return _own_start[1]


_own_ticks: tuple[int, int | None] | None = None
_boot_id: list[str | None] = []


def start_ticks(pid: int) -> int | None:
    """When ``pid`` started, in clock ticks since boot (Linux ``/proc/<pid>/stat`` field 22).

    Unlike a start time in seconds since the epoch (computed from the boot time, which moves
    when the wall clock is stepped), this never changes for a process: equal ticks, same
    process; different ticks, the PID was reused. None where it cannot be read.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat_file:
            fields = stat_file.read().rsplit(b")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def this_boot() -> str | None:
    """This boot's identity (Linux ``/proc/sys/kernel/random/boot_id``), or None."""
    if not _boot_id:
        try:
            # Binary: a text codec may need an import a process no longer can (it dropped its
            # privileges, and the standard library is not readable by its new user).
            with open("/proc/sys/kernel/random/boot_id", "rb") as boot_file:
                _boot_id.append(boot_file.read().strip().decode("ascii") or None)
        except OSError:
            _boot_id.append(None)
    return _boot_id[0]


def _own_start_ticks() -> int | None:
    global _own_ticks  # noqa: PLW0603 - cached per PID, as the start time
    pid = _own_pid
    if _own_ticks is None or _own_ticks[0] != pid:
        _own_ticks = (pid, start_ticks(pid))
    return _own_ticks[1]


def _own_program() -> str:
    global _own_name  # noqa: PLW0603 - cached per PID, as the start time
    pid = _own_pid
    if _own_name is None or _own_name[0] != pid:
        name, cmdline = _read_process_facts(pid)
        _own_name = (pid, recordable_name(_script_name(name, cmdline) or ""))
    return _own_name[1]


def recordable_name(name: str) -> str:
    """``name`` fit for one ASCII line of a lock file: other characters become ``?``."""
    shown = "".join(char if " " <= char <= "~" else "?" for char in name[:MAX_NAME_CHARS])
    return shown.strip()


def new_lock_content(*, kernel_lock: bool = True) -> bytes:
    """The content of a lock file this process is about to hold.

    ``kernel_lock=False`` (the filesystem refused ``flock``) is written down as
    ``kernel-lock none``, so that judges know a free kernel lock proves nothing here.
    """
    name = _own_program()
    lines = [
        str(_own_pid),
        FORMAT_MARKER,
        f"host {this_host()}",
        *([f"name {name}"] if name else []),
        f"started {_own_start_time():.6f}",
        *([f"start-ticks {ticks}"] if (ticks := _own_start_ticks()) is not None else []),
        *([f"boot {boot}"] if (boot := this_boot()) else []),
        f"created {time.time():.6f}",
        f"token {secrets.token_hex(8)}",
        *([] if kernel_lock else [f"kernel-lock {NO_KERNEL_LOCK}"]),
    ]
    return ("\n".join(lines) + "\n").encode("ascii")


def parse_lock_content(content: bytes) -> ParsedLock:
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        return ParsedLock(LockFormat.UNKNOWN)
    lines = text.splitlines()
    if not lines or not lines[0].strip().isdigit():
        return ParsedLock(LockFormat.UNKNOWN)
    pid = int(lines[0].strip())
    if len(lines) < 2 or lines[1].strip() != FORMAT_MARKER:
        if any(line.strip() for line in lines[1:]):
            return ParsedLock(LockFormat.UNKNOWN, pid=pid)
        return ParsedLock(LockFormat.LEGACY, pid=pid)
    facts = dict(line.partition(" ")[::2] for line in lines[2:])
    return ParsedLock(
        LockFormat.LOCKCORE,
        pid=pid,
        hostname=facts.get("host") or None,
        started=_float_or_none(facts.get("started")),
        created=_float_or_none(facts.get("created")),
        name=facts.get("name") or None,
        kernel_lock=facts.get("kernel-lock") != NO_KERNEL_LOCK,
        start_ticks=_int_or_none(facts.get("start-ticks")),
        boot=facts.get("boot") or None,
    )


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def _float_or_none(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def judge(  # noqa: PLR0911 - one verdict per kind of evidence
    fd: int, st: os.stat_result, content: bytes, *, stale_after: float | None, now: float
) -> Verdict:
    """Judge the lock open on ``fd``: is its holder alive, dead, or beyond our knowledge?"""
    parsed = parse_lock_content(content)
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
            return Verdict(
                LockState.HELD_ALIVE,
                f"PID {parsed.pid} holds the kernel lock",
                True,
                parsed,
                holder_started=None if other_host else parsed.started,
            )
    if other_host:
        if lease_expired:
            return Verdict(LockState.STALE_DEAD_HOLDER, _lease_reason(age), None, parsed)
        return Verdict(
            LockState.HELD_OTHER_HOST,
            f"held on host {parsed.hostname}, which this machine cannot check",
            None,
            parsed,
        )
    if parsed.format is LockFormat.LEGACY and os.environ.get(SHARED_PID_NAMESPACES_VARIABLE):
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


def _judge_by_pid(parsed: ParsedLock, *, lock_made: float, started: float | None) -> Verdict:
    assert parsed.pid is not None
    pid = parsed.pid
    facts = _proc_stat(pid)
    if facts is None:
        # No /proc to read (not Linux, or it hides other users' processes): ask psutil.
        try:
            process = psutil.Process(pid)
            with process.oneshot():
                zombie = process.status() == psutil.STATUS_ZOMBIE
                create_time = process.create_time()
        except psutil.NoSuchProcess:
            facts = _GONE
        except psutil.AccessDenied:
            return Verdict(LockState.HELD_ALIVE, f"PID {pid} exists (details hidden)", True, parsed)
        else:
            facts = (zombie, None, create_time)
    if facts is _GONE:
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
    if parsed.start_ticks is not None and ticks is None:
        ticks = start_ticks(pid)
    if parsed.start_ticks is not None and ticks is not None:
        # Immune to wall-clock steps, which move every start time in seconds.
        reused = ticks != parsed.start_ticks
    elif started is not None:
        reused = abs(create_time - started) > PID_REUSE_TOLERANCE
    else:
        reused = create_time > lock_made + PID_REUSE_TOLERANCE
    if reused:
        return Verdict(
            LockState.STALE_DEAD_HOLDER,
            f"PID {pid} now belongs to another process, started after the lock was made",
            False,
            parsed,
        )
    return Verdict(
        LockState.HELD_ALIVE, f"PID {pid} is running", True, parsed, holder_started=create_time
    )


#: What :func:`_proc_stat` says of a PID that does not exist.
_GONE: Final = (True, None, 0.0)
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _boot_time() -> float:
    """psutil's boot time: the kernel's ``btime`` (whole seconds of the wall clock at boot, so
    it moves when the clock is stepped), without reading ``/proc/stat``."""
    if hasattr(time, "CLOCK_BOOTTIME"):
        return float(math.floor(time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)))
    return psutil.boot_time()  # pragma: no cover - not Linux


def _proc_stat(pid: int) -> tuple[bool, int | None, float] | None:
    """``(zombie, start ticks, start time)`` of ``pid`` from one read of ``/proc/<pid>/stat``;
    :data:`_GONE` when there is no such process; None when ``/proc`` cannot tell.

    What psutil reads too, once instead of three times (psutil's ``Process``, ``status``,
    ``create_time`` and :func:`start_ticks` each read the file): judging a folder's legacy locks
    costs a read per lock. The start time is psutil's (ticks since boot plus its boot time),
    so that it matches the ``started`` that lockcore's own lock files record.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat_file:
            content = stat_file.read()
    except (FileNotFoundError, ProcessLookupError):
        return _GONE if os.path.isdir("/proc/self") else None
    except OSError:
        return None
    try:
        fields = content.rsplit(b")", 1)[1].split()
        ticks = int(fields[19])
    except (IndexError, ValueError):
        return None
    return fields[0] in (b"Z", b"X"), ticks, ticks / _CLOCK_TICKS + _boot_time()


def _lease_reason(age: float) -> str:
    return f"the holder cannot be verified and the lock is {age:.0f} s old, past its lease"


_ProcessFacts = tuple[str | None, tuple[str, ...]]
# (pid, start time) -> (when read, facts). Plain dict operations are atomic under the GIL, so
# threads inspecting at once at worst both read /proc.
_facts_memory: dict[tuple[int, float], tuple[float, _ProcessFacts]] = {}


def process_facts(pid: int | None, started: float | None = None) -> _ProcessFacts:
    """The name and command line of a local process, or what can be known of them.

    With ``started`` (the process's start time, known from a verified judgment) the answer is
    remembered for :data:`PROCESS_FACTS_TTL` seconds: a PID with the same start time is the
    same process.
    """
    if pid is None or pid <= 0:
        return None, ()
    if started is None:
        return _read_process_facts(pid)
    key = (pid, started)
    now = time.monotonic()
    remembered = _facts_memory.get(key)
    if remembered is not None and now - remembered[0] < PROCESS_FACTS_TTL:
        return remembered[1]
    facts = _read_process_facts(pid)
    if len(_facts_memory) >= PROCESS_FACTS_LIMIT:
        _facts_memory.clear()
    _facts_memory[key] = (now, facts)
    return facts


def _read_process_facts(pid: int) -> _ProcessFacts:
    try:
        process = psutil.Process(pid)
        with process.oneshot():
            name = process.name()
            try:
                cmdline = tuple(process.cmdline())
            except psutil.AccessDenied:
                cmdline = ()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None, ()
    return name, cmdline


def _script_name(name: str | None, cmdline: tuple[str, ...]) -> str | None:
    """``python3 sync.py`` is better known as ``sync.py``."""
    if name and name.startswith("python") and len(cmdline) > 1:
        for argument in cmdline[1:]:
            if not argument.startswith("-"):
                return os.path.basename(argument)
            if argument in ("-c", "-m"):
                break
    return name


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


@_interrupts.critical
def open_lock(lock_path: str) -> OpenLock:
    """Open a lock file read-only without following links or blocking on a planted FIFO.

    Raises FileNotFoundError when there is no lock, and OSError when it cannot be read.
    """
    flags = os.O_RDONLY | _platform.NOFOLLOW | _platform.NONBLOCK | _platform.CLOEXEC
    fd = os.open(lock_path, flags)
    try:
        st = os.fstat(fd)
        content = os.read(fd, MAX_LOCK_BYTES) if stat.S_ISREG(st.st_mode) else b""
    except BaseException:
        os.close(fd)
        raise
    return OpenLock(fd, st, content)


def still_in_place(lock_path: str, opened: OpenLock) -> bool:
    """True while ``lock_path`` is the very file we opened, with the content we read."""
    try:
        current = os.lstat(lock_path)
    except FileNotFoundError:
        return False
    if (current.st_dev, current.st_ino) != (opened.st.st_dev, opened.st.st_ino):
        return False
    return os.pread(opened.fd, MAX_LOCK_BYTES, 0) == opened.content


def describe(path: str, lock_path: str, opened: OpenLock, verdict: Verdict, now: float) -> LockInfo:
    parsed = verdict.parsed
    name: str | None = None
    cmdline: tuple[str, ...] = ()
    if parsed.hostname in (None, this_host()) and verdict.holder_alive is not False:
        name, cmdline = process_facts(parsed.pid, verdict.holder_started)
    return LockInfo(
        path=path,
        lock_path=lock_path,
        state=verdict.state,
        format=parsed.format,
        pid=parsed.pid,
        hostname=parsed.hostname,
        process_name=_script_name(name, cmdline) or parsed.name,
        cmdline=cmdline,
        holder_alive=verdict.holder_alive,
        created=parsed.created if parsed.created is not None else opened.st.st_mtime,
        identity=opened.identity,
        content=opened.content,
        reason=verdict.reason,
        inspected_at=now,
    )


def inspect_lock(path: str | os.PathLike[str], *, stale_after: float | None = None) -> LockInfo:
    """Describe the lock that guards ``path``. Read-only: never creates, changes or removes.

    ``stale_after`` is an opt-in lease in seconds: a holder that cannot be verified (another
    host, an unreadable lock) counts as stale once its lock is older than that.
    """
    path = os.fspath(path)
    _platform.ensure_supported(path)
    lock_path = lock_path_for(path)
    for attempt in range(3):
        now = time.time()
        try:
            opened = open_lock(lock_path)
        except FileNotFoundError:
            return LockInfo(path, lock_path, LockState.FREE, reason="no lock file")
        except OSError as error:
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
        try:
            verdict = judge(opened.fd, opened.st, opened.content, stale_after=stale_after, now=now)
            # A holder that released between our open and our look leaves a lock that seems
            # dead but is already gone: look again rather than report a stale lock.
            if (
                attempt < 2
                and verdict.state is LockState.STALE_DEAD_HOLDER
                and not still_in_place(lock_path, opened)
            ):
                continue
            return describe(path, lock_path, opened, verdict, now)
        finally:
            opened.close()
    raise AssertionError("unreachable: the last attempt always returns")
