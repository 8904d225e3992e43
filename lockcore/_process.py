"""Facts about processes, read from ``/proc`` (psutil where it cannot tell): whether a PID is
alive and when it started, its name and command line (remembered a few seconds), this boot,
and this process's own start. ``_holder`` judges locks with them; nothing here knows a lock.
"""

from __future__ import annotations

import math
import os
import select
import threading
import time
from typing import Final

import psutil

#: How long the name and command line of one process (a PID with its start time) are reused
#: before they are read again. Listing a folder inspects hundreds of locks held by a handful of
#: processes; reading ``/proc`` for each was most of what inspecting cost. Only an ``exec`` by
#: the holder changes them, and then the new name shows within this time.
PROCESS_FACTS_TTL = 5.0
#: Past this many remembered processes the memory is cleared (a long-running inspector sees
#: holders come and go).
PROCESS_FACTS_LIMIT = 4096

_own_start: tuple[int, float] | None = None
_own_pid = os.getpid()


def _forget_pid_in_child() -> None:
    global _own_pid  # noqa: PLW0603 - the child is another process
    _own_pid = os.getpid()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pid_in_child)


def own_pid() -> int:
    """This process's PID, without a system call (refreshed after ``os.fork``)."""
    return _own_pid


def own_start_time() -> float:
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


def own_start_ticks() -> int | None:
    global _own_ticks  # noqa: PLW0603 - cached per PID, as the start time
    pid = _own_pid
    if _own_ticks is None or _own_ticks[0] != pid:
        _own_ticks = (pid, start_ticks(pid))
    return _own_ticks[1]


#: What :func:`proc_stat` says of a PID that does not exist.
GONE: Final = (True, None, 0.0)
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_STAT_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)


if hasattr(time, "CLOCK_BOOTTIME"):
    _clock_gettime = time.clock_gettime
    _CLOCK_BOOTTIME = time.CLOCK_BOOTTIME
    _floor = math.floor

    def _boot_time() -> float:
        """psutil's boot time: the kernel's ``btime`` (whole seconds of the wall clock at boot,
        so it moves when the clock is stepped), without reading ``/proc/stat``."""
        return float(_floor(time.time() - _clock_gettime(_CLOCK_BOOTTIME)))

    def _wall_clock_lead() -> float | None:
        return time.time() - _clock_gettime(_CLOCK_BOOTTIME)

else:  # pragma: no cover - not Linux

    def _boot_time() -> float:
        return float(psutil.boot_time())

    def _wall_clock_lead() -> float | None:
        return None


class WallClockSteps:
    """The steps of the wall clock one process has seen, forward and backward, each summed.

    The wall clock's lead over the boot clock changes only when the wall clock is stepped (NTP
    slews both clocks alike; a step -- ``settimeofday``, chrony's ``makestep``, a resumed
    virtual machine set right -- moves the wall clock alone). A legacy bare-PID lock carries
    nothing but its file's wall-clock time, so a forward step after it was made makes its
    holder seem to have started after it -- a reused PID -- and a judge allows for the steps
    it saw (those before this process began, it cannot see).
    """

    #: A smaller change is the spread of two clock reads, not a step.
    NOISE = 0.005

    def __init__(self, lead: float | None) -> None:
        self.lead = lead
        self.forward = 0.0
        self.backward = 0.0

    def observe(self, lead: float | None) -> tuple[float, float]:
        """Take in the lead read now: ``(forward, backward)`` so far."""
        if lead is not None and self.lead is not None:
            change = lead - self.lead
            # No lock: two threads seeing one step at once count it twice, which only widens
            # what a judge allows for.
            if change > self.NOISE:
                self.forward += change
                self.lead = lead
            elif change < -self.NOISE:
                self.backward -= change
                self.lead = lead
        return self.forward, self.backward


_wall_clock_steps = WallClockSteps(_wall_clock_lead())


def wall_clock_steps() -> tuple[float, float]:
    """How far the wall clock was stepped ``(forward, backward)``, in seconds, since this
    process imported lockcore (see :class:`WallClockSteps`)."""
    return _wall_clock_steps.observe(_wall_clock_lead())


def proc_stat(pid: int) -> tuple[bool, int | None, float] | None:
    """``(zombie, start ticks, start time)`` of ``pid`` from one read of ``/proc/<pid>/stat``;
    :data:`GONE` when there is no such process; None when ``/proc`` cannot tell.

    What psutil reads too, once instead of three times (psutil's ``Process``, ``status``,
    ``create_time`` and :func:`start_ticks` each read the file): judging a folder's legacy locks
    costs a read per lock. The start time is psutil's (ticks since boot plus its boot time),
    so that it matches the ``started`` that lockcore's own lock files record.
    """
    try:
        # os.open and one read: a buffered open() adds an fstat, an ioctl and a seek.
        stat_fd = os.open(f"/proc/{pid}/stat", _STAT_FLAGS)
        try:
            content = os.read(stat_fd, 4096)
        finally:
            os.close(stat_fd)
    except (FileNotFoundError, ProcessLookupError):
        return GONE if os.path.isdir("/proc/self") else None
    except OSError:
        return None
    try:
        fields = content.rsplit(b")", 1)[1].split()
        ticks = int(fields[19])
    except (IndexError, ValueError):
        return None
    return fields[0] in (b"Z", b"X"), ticks, ticks / _CLOCK_TICKS + _boot_time()


#: Processes found alive by a read of ``/proc/<pid>/stat``, each pinned by a pidfd (Linux 5.3+):
#: pid -> (the pidfd, its identity, a poller of it, the process's start in clock ticks since
#: boot). A pidfd
#: names one process, not its number: while a poll of it finds no exit, the process is alive
#: and not a zombie, and its PID still names it (a PID is reused only once its process has
#: exited and been reaped), so its start need not be read again. One poll (~0.3 us) instead of
#: an open, a read and a close of ``/proc/<pid>/stat``: judging a folder's legacy locks, over
#: and over (the app's re-checks), costs what ``kill(pid, 0)`` would.
#: A program may close descriptors it did not open (a daemon closing all but 0-2), and the
#: number then names its own next file: a pin is used -- polled, closed -- only while its
#: descriptor is still that pidfd (its device and inode: per process with pidfs, Linux 6.9+;
#: one for every pidfd before), as CPython's os.urandom checked its kept descriptor.
_pinned: dict[int, tuple[int, tuple[int, int], select.poll, int]] = {}
#: Past this many pinned processes every pin is dropped (each holds a descriptor).
PINNED_LIMIT = 64
#: Held around every use of a pin: a descriptor closed by one thread must not be polled by
#: another (its number may name another file by then).
_pins_guard = threading.Lock()
_can_pin = hasattr(os, "pidfd_open") and hasattr(select, "poll")


def live_proc_stat(pid: int) -> tuple[bool, int | None, float] | None:
    """:func:`proc_stat`, answered by one poll of a pidfd for a process seen alive before.

    The start time in seconds is worked out anew from the start in ticks on every call, as
    :func:`proc_stat` does (the boot time it adds moves when the wall clock is stepped, and a
    judgement compares it with the wall-clock stamps of lock files made since).
    """
    with _pins_guard:
        pinned = _pinned.get(pid)
        if pinned is not None:
            if not _still_ours(pinned[0], pinned[1]):
                del _pinned[pid]  # closed behind lockcore's back: not its to poll or close
            elif not pinned[2].poll(0):
                return False, pinned[3], pinned[3] / _CLOCK_TICKS + _boot_time()
            else:
                del _pinned[pid]  # it exited: it is looked at afresh below
                os.close(pinned[0])
    if not _can_pin:
        return proc_stat(pid)
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:  # no such process, a thread's id, or no pidfd here: /proc says which
        return proc_stat(pid)
    kept = False
    try:
        facts = proc_stat(pid)
        if facts is None or facts[0] or facts[1] is None:
            return facts  # gone, a zombie, or /proc cannot tell: nothing to pin
        identity = _identity(pidfd)
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        if poller.poll(0):
            # It exited after pidfd_open: the read above may even be of a newer process that
            # took its PID. Read again, unpinned: what /proc says now.
            return proc_stat(pid)
        with _pins_guard:
            if pid not in _pinned:
                if len(_pinned) >= PINNED_LIMIT:
                    _drop_pins()
                _pinned[pid] = (pidfd, identity, poller, facts[1])
                kept = True
        return facts
    finally:
        if not kept:
            os.close(pidfd)


def _identity(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def _still_ours(pidfd: int, identity: tuple[int, int]) -> bool:
    try:
        return _identity(pidfd) == identity
    except OSError:
        return False


def _drop_pins() -> None:
    """Close every pin still open (the caller holds ``_pins_guard``)."""
    for pidfd, identity, _, _ in _pinned.values():
        if _still_ours(pidfd, identity):
            os.close(pidfd)
    _pinned.clear()


def _new_pins_guard_in_child() -> None:
    # Another thread may have held it at the fork; the child's pins are still its own
    # descriptors, naming the same processes.
    global _pins_guard  # noqa: PLW0603 - re-created in a forked child, as lockcore's other guards
    _pins_guard = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_pins_guard_in_child)


def forget_pinned_processes() -> None:
    """Close every pin, and forget every name and command line read: the next look at each
    process reads ``/proc`` again."""
    with _pins_guard:
        _drop_pins()
    _facts_memory.clear()


_ProcessFacts = tuple[str | None, tuple[str, ...]]
#: A holder's program as people know it (:func:`script_name`), and its command line.
_ShownProgram = tuple[str | None, tuple[str, ...]]
# (pid, start time) -> (when read, facts, the program shown). Plain dict operations are atomic
# under the GIL, so threads inspecting at once at worst both read /proc.
_facts_memory: dict[tuple[int, float], tuple[float, _ProcessFacts, _ShownProgram]] = {}


def process_facts(pid: int | None, started: float | None = None) -> _ProcessFacts:
    """The name and command line of a local process, or what can be known of them.

    With ``started`` (the process's start time, known from a verified judgment) the answer is
    remembered for :data:`PROCESS_FACTS_TTL` seconds: a PID with the same start time is the
    same process.
    """
    return _remembered_facts(pid, started)[1]


def shown_program(pid: int | None, started: float | None = None) -> _ShownProgram:
    """:func:`script_name` of the process's name and command line, and its command line:
    remembered as :func:`process_facts` (a folder's locks have a handful of holders)."""
    if started is not None and pid is not None:
        remembered = _facts_memory.get((pid, started))
        if remembered is not None and time.monotonic() - remembered[0] < PROCESS_FACTS_TTL:
            return remembered[2]
    return _remembered_facts(pid, started)[2]


def process_facts_fresh_until(pid: int | None, started: float | None) -> float:
    """Until when (``time.monotonic``) the remembered facts of this process are used; 0 when
    none are remembered (a look without a start time reads them every time)."""
    if pid is None or started is None:
        return 0.0
    remembered = _facts_memory.get((pid, started))
    return 0.0 if remembered is None else remembered[0] + PROCESS_FACTS_TTL


_NOTHING_KNOWN: Final = (0.0, (None, ()), (None, ()))


def _remembered_facts(
    pid: int | None, started: float | None
) -> tuple[float, _ProcessFacts, _ShownProgram]:
    if pid is None or pid <= 0:
        return _NOTHING_KNOWN
    if started is None:
        return _read_facts(pid, 0.0)
    key = (pid, started)
    now = time.monotonic()
    remembered = _facts_memory.get(key)
    if remembered is not None and now - remembered[0] < PROCESS_FACTS_TTL:
        return remembered
    read = _read_facts(pid, now)
    if len(_facts_memory) >= PROCESS_FACTS_LIMIT:
        _facts_memory.clear()
    _facts_memory[key] = read
    return read


def _read_facts(pid: int, now: float) -> tuple[float, _ProcessFacts, _ShownProgram]:
    name, cmdline = read_process_facts(pid)
    return now, (name, cmdline), (script_name(name, cmdline), cmdline)


def read_process_facts(pid: int) -> _ProcessFacts:
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


def script_name(name: str | None, cmdline: tuple[str, ...]) -> str | None:
    """``python3 sync.py`` is better known as ``sync.py``."""
    if name and name.startswith("python") and len(cmdline) > 1:
        for argument in cmdline[1:]:
            if not argument.startswith("-"):
                return os.path.basename(argument)
            if argument in ("-c", "-m"):
                break
    return name
