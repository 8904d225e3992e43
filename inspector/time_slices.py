"""Asking Linux to run the GUI thread soon after it wakes: a short time slice (issue 11 §6).

Linux's scheduler (EEVDF, since 6.6) picks, among the threads that have not had more than their
fair share of a CPU, the one whose slice ends first; since 6.12 a thread may ask for a shorter
slice than the default (~0.75-3 ms) through ``sched_setattr``'s ``sched_runtime``, and a thread
that wakes with a shorter slice may preempt the one running. That is what the GUI thread needs
in a storm: sixteen writers take both CPUs, and a GUI thread that wakes for a timer or a round of
rows waited for a CPU behind them for tens of milliseconds -- nearly all of a stall's time was
"runnable, waiting for a CPU" (``benchmarks/profile_storm_stall.py``). The thread still gets no
more than its fair share: a thread that uses more than that waits as before. Asking needs no
privilege (unlike a lower nice value); older kernels accept the request and ignore it.

Qt-free; nothing here is needed for the app to work: where the call is missing or refused
(another system, a seccomp filter), the thread keeps the default slice.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

__all__ = ["GUI_SLICE_NS", "current_slice_ns", "request_short_slice"]

#: The slice the GUI thread asks for (nanoseconds; the kernel allows 0.1-100 ms): its usual
#: work between two waits (a timer, a round of rows, a paint of the cells that changed) is a
#: few tenths of a millisecond to a few milliseconds.
GUI_SLICE_NS = 300_000

_SYS_SCHED_SETATTR = {"x86_64": 314, "aarch64": 274, "i686": 351, "armv7l": 380}
_SCHED_OTHER = 0
#: Threads and processes the thread starts get the default slice (and no privileged policy),
#: not its own: the scanner thread, the watching child, programs opened from the window.
_SCHED_FLAG_RESET_ON_FORK = 0x01
#: ``sched_getscheduler`` adds this to the policy of a thread that asked for the above.
_SCHED_RESET_ON_FORK = 0x40000000


class _SchedAttr(ctypes.Structure):
    """``struct sched_attr`` (include/uapi/linux/sched/types.h), its first version's size."""

    _fields_ = [
        ("size", ctypes.c_uint32),
        ("sched_policy", ctypes.c_uint32),
        ("sched_flags", ctypes.c_uint64),
        ("sched_nice", ctypes.c_int32),
        ("sched_priority", ctypes.c_uint32),
        ("sched_runtime", ctypes.c_uint64),
        ("sched_deadline", ctypes.c_uint64),
        ("sched_period", ctypes.c_uint64),
        ("sched_util_min", ctypes.c_uint32),
        ("sched_util_max", ctypes.c_uint32),
    ]


def request_short_slice(slice_ns: int = GUI_SLICE_NS) -> bool:
    """Ask for ``slice_ns`` time slices for the calling thread alone (its policy and nice value
    kept; the threads and processes it starts from now on get the default slice; 0: the default
    slice again); whether the kernel accepted the request (False where there is no such call)."""
    number = _SYS_SCHED_SETATTR.get(platform.machine())
    if not sys.platform.startswith("linux") or number is None:
        return False
    if os.sched_getscheduler(0) & ~_SCHED_RESET_ON_FORK != _SCHED_OTHER:
        return False  # a real-time or batch thread is someone's choice: left as it is
    attr = _SchedAttr(
        size=ctypes.sizeof(_SchedAttr),
        sched_policy=_SCHED_OTHER,
        sched_nice=os.getpriority(os.PRIO_PROCESS, 0),
        sched_runtime=slice_ns,
        sched_flags=_SCHED_FLAG_RESET_ON_FORK,
    )
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.syscall(number, 0, ctypes.byref(attr), 0)) == 0
    except (OSError, AttributeError):
        return False


def current_slice_ns() -> int | None:
    """The calling thread's time slice as the kernel reports it (``se.slice`` in
    ``/proc/thread-self/sched``), or None where it does not say."""
    try:
        with open("/proc/thread-self/sched", "rb") as handle:
            for line in handle:
                name, _, value = line.partition(b":")
                if name.strip() == b"se.slice":
                    return int(value)
    except (OSError, ValueError):
        return None
    return None
