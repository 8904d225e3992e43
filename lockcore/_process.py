"""Facts about processes, read from ``/proc`` (psutil where it cannot tell): whether a PID is
alive and when it started, its name and command line (remembered a few seconds), this boot,
and this process's own start. ``_holder`` judges locks with them; nothing here knows a lock.
"""

from __future__ import annotations

import math
import os
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


def _boot_time() -> float:
    """psutil's boot time: the kernel's ``btime`` (whole seconds of the wall clock at boot, so
    it moves when the clock is stepped), without reading ``/proc/stat``."""
    if hasattr(time, "CLOCK_BOOTTIME"):
        return float(math.floor(time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)))
    return psutil.boot_time()  # pragma: no cover - not Linux


def proc_stat(pid: int) -> tuple[bool, int | None, float] | None:
    """``(zombie, start ticks, start time)`` of ``pid`` from one read of ``/proc/<pid>/stat``;
    :data:`GONE` when there is no such process; None when ``/proc`` cannot tell.

    What psutil reads too, once instead of three times (psutil's ``Process``, ``status``,
    ``create_time`` and :func:`start_ticks` each read the file): judging a folder's legacy locks
    costs a read per lock. The start time is psutil's (ticks since boot plus its boot time),
    so that it matches the ``started`` that lockcore's own lock files record.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat_file:
            content = stat_file.read()
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
        return read_process_facts(pid)
    key = (pid, started)
    now = time.monotonic()
    remembered = _facts_memory.get(key)
    if remembered is not None and now - remembered[0] < PROCESS_FACTS_TTL:
        return remembered[1]
    facts = read_process_facts(pid)
    if len(_facts_memory) >= PROCESS_FACTS_LIMIT:
        _facts_memory.clear()
    _facts_memory[key] = (now, facts)
    return facts


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
