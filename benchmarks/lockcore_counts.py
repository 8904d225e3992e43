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
