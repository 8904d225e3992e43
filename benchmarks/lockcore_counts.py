"""``bench_lockcore.py --syscalls`` and ``--bytecodes``: what one uncontended update asks of the
kernel and of the interpreter, counted (the same on a loaded machine as on a quiet one)."""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from lockcore_contenders import Contender, _increment
from lockcore_floors import UNCONTENDED

# --- system calls per update, counted with strace (issue 9, §6) ----------------------------------

#: Stat'ed (and missing) around the counted updates, so that the log shows where they begin and
#: end: the interpreter's start, the imports and the warm-up updates are not counted.
_MARK_START = "/nonexistent-bench-lockcore-counting-starts"
_MARK_END = "/nonexistent-bench-lockcore-counting-ends"
SYSCALL_CONTENDERS = UNCONTENDED


#: Every system call lockcore's uncontended update makes beyond the floor's (``floor`` and
#: ``floor-durable`` alike), what it does, and what needs it: ``--syscalls`` prints this beside
#: the counts and says when the counts and this table disagree. Each one guards something issue 9
#: §1-§4 asks for, but the lock file's open by name, which serves the app's folder watch.
WHY_BEYOND_THE_FLOOR: tuple[tuple[str, int, str, str], ...] = (
    (
        "rt_sigaction",
        2,
        "the signal dispatcher put in front of the program's Python handler of SIGINT as the "
        "lock is taken, and that handler given back at the release",
        "§1: Ctrl+C or a raising SIGTERM handler never cuts a critical step short; between "
        "locks signal.getsignal sees the program's own handlers (asyncio checks SIGINT's)",
    ),
    (
        "flock",
        1,
        "the holder's kernel lock on its lock file, held as long as the lock",
        "§3, §4: a free kernel lock proves the holder dead at once, at every kill point and in "
        "any PID or UTS namespace on this kernel",
    ),
    (
        "linkat",
        1,
        "the lock file, made unnamed (O_TMPFILE, where the floor opens O_CREAT|O_EXCL) and "
        "written in full, linked into place",
        "§4: a lock file is never seen empty; a creator killed at any point leaves nothing or "
        "a complete lock (no 5 s empty-lock grace)",
    ),
    (
        "pwrite64",
        1,
        "the lock file's content (PID, start in clock ticks, boot, token, kernel-lock), "
        "written before the link; it takes the place of the floor's write of its PID",
        "§3, §4: the holder judged without its PID where the kernel lock cannot say (no flock, "
        "PID reuse, clock steps)",
    ),
    ("write", -1, "(the floor writes its PID into the lock file: the pwrite64 above)", "-"),
    ("getpid", -2, "(lockcore learns its PID once per process; the floor asks twice)", "-"),
    (
        "newfstatat",
        1,
        "fstat of the new lock file: the device and inode the two checks below compare with",
        "§4 and the protocol: a lock broken under its holder is noticed",
    ),
    (
        "newfstatat",
        1,
        "fstat of the temp file as made with the store's mode",
        "§4 permissions: what a umask took away, the group a set-group-ID folder gave, or "
        "another owner show only there; unseen, the new file could be open to a group the "
        "store is not",
    ),
    (
        "llistxattr",
        1,
        "the store's extended attributes listed (nothing copied when it has none)",
        "§4 permissions: a POSIX ACL and extended attributes kept on every update (without the "
        "ACL the mode's group bits, its mask, would open the store to its group)",
    ),
    (
        "newfstatat",
        1,
        "lstat of the lock file before the replace: still ours",
        "LockLostError: a writer whose lock was broken under it never replaces the data file",
    ),
    (
        "newfstatat",
        1,
        "lstat of the lock file at the release: still ours",
        "a release removes only its own lock file, never a newer holder's",
    ),
    (
        "openat",
        1,
        "the lock file opened again through its name (closed at the release: the close below)",
        "not §1-§4 -- the app's folder watch: inotify names a closed file by the path it was "
        "opened through, and an unnamed file has none, so a holder killed holding the lock "
        "shows at once as X.json.lock closed",
    ),
    ("close", 1, "that descriptor closed at the release", "(the open above)"),
)


def _print_why_beyond(
    extra: collections.Counter[str], fewer: collections.Counter[str], updates: int
) -> None:
    """The table above, checked against one contender's counts beyond its floor."""
    print("  each system call beyond the floor, and what needs it:")
    for call, count, what, why in WHY_BEYOND_THE_FLOOR:
        print(f"    {count:+d} {call:<13} {what}\n{'':21}needs: {why}")
    explained: collections.Counter[str] = collections.Counter()
    for call, count, _what, _why in WHY_BEYOND_THE_FLOOR:
        explained[call] += count
    measured = {call: (extra[call] - fewer[call]) / updates for call in set(extra) | set(fewer)}
    differing = {
        call: (measured.get(call, 0), explained.get(call, 0))
        for call in set(measured) | set(explained)
        if abs(measured.get(call, 0) - explained.get(call, 0)) > 0.05
    }
    if differing:
        print("  THE TABLE ABOVE IS OUT OF DATE (measured, explained):", differing)
    else:
        print("  (the table matches the counts measured above)")


def _syscall_child(name: str, updates: int, directory: str) -> None:
    """Run in a child under strace: warm up, then ``updates`` updates between two marks."""
    contender = Contender(name)
    path = os.path.join(directory, f"syscalls-{name}.json")
    with open(path, "w", encoding="utf-8") as file:
        json.dump({"count": 0}, file)
    for _ in range(20):
        contender.update(path, _increment)
    with contextlib.suppress(OSError):
        os.stat(_MARK_START)
    for _ in range(updates):
        contender.update(path, _increment)
    with contextlib.suppress(OSError):
        os.stat(_MARK_END)


def _count_syscalls(name: str, updates: int, directory: str) -> collections.Counter[str]:
    """System calls per ``updates`` uncontended updates of ``name``, every thread counted."""
    log = os.path.join(directory, f"{name}.strace")
    command = [
        sys.executable,
        str(Path(__file__).resolve().with_name("bench_lockcore.py")),
        "--syscall-child",
        name,
    ]
    command += [str(updates), directory]
    subprocess.run(["strace", "-f", "-qq", "-o", log, *command], check=True)
    counts: collections.Counter[str] = collections.Counter()
    counting = False
    with open(log, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if _MARK_START in line:
                counting = True
            elif _MARK_END in line:
                break
            elif counting and (call := re.match(r"\d+\s+(\w+)\(", line)):
                counts[call.group(1)] += 1
    return counts


def _print_syscalls(updates: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-lockcore-syscalls-") as directory:
        counts = {name: _count_syscalls(name, updates, directory) for name in SYSCALL_CONTENDERS}
    print(f"System calls per uncontended update (strace -f, mean of {updates} after 20 warm-up):")
    for name, counted in counts.items():
        each = ", ".join(f"{call} {n / updates:g}" for call, n in counted.most_common())
        print(f"  {name:<17} {sum(counted.values()) / updates:5.1f}: {each}")
    for ours, floor in (("lockcore", "floor"), ("lockcore-durable", "floor-durable")):
        extra = counts[ours] - counts[floor]
        fewer = counts[floor] - counts[ours]
        beyond = ", ".join(f"+{n / updates:g} {call}" for call, n in extra.most_common())
        beyond += "".join(f", -{n / updates:g} {call}" for call, n in fewer.most_common())
        print(f"  {ours} beyond {floor}: {beyond or 'nothing'}")
    plain_extra = counts["lockcore"] - counts["floor"]
    _print_why_beyond(plain_extra, counts["floor"] - counts["lockcore"], updates)


# --- Python bytecodes per update, counted with a tracer (issue 9 §6) -----------------------------


def _count_bytecodes(name: str, updates: int, directory: str) -> tuple[float, float]:
    """(bytecodes, Python function calls) per uncontended update of ``name``, after 50 warm-up
    updates: the Python work an update does, the same on a loaded machine as on a quiet one
    (json's and the standard library's Python counted too, their C not)."""
    contender = Contender(name)
    path = os.path.join(directory, f"bytecodes-{name}.json")
    with open(path, "w", encoding="utf-8") as file:
        json.dump({"count": 0}, file)
    for _ in range(50):
        contender.update(path, _increment)
    counted = {"opcode": 0, "call": 0}

    def trace(frame: Any, event: str, _arg: Any) -> Any:
        frame.f_trace_opcodes = True
        if event in counted:
            counted[event] += 1
        return trace

    sys.settrace(trace)
    try:
        for _ in range(updates):
            contender.update(path, _increment)
    finally:
        sys.settrace(None)
    return counted["opcode"] / updates, counted["call"] / updates


def _print_bytecodes(updates: int) -> None:
    print(f"Python bytecodes per uncontended update (sys.settrace, mean of {updates}):")
    with tempfile.TemporaryDirectory(prefix="bench-lockcore-bytecodes-") as directory:
        for name in SYSCALL_CONTENDERS:
            opcodes, calls = _count_bytecodes(name, updates, directory)
            print(f"  {name:<17} {opcodes:7.0f} bytecodes, {calls:5.0f} Python calls")
