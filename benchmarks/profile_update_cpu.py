"""Where an uncontended update's CPU goes, exactly: a trace to read, not a benchmark with a target.

Run (root, with ``perf``): ``python benchmarks/profile_update_cpu.py [--updates 2000]
[--contenders lockcore,floor,lockcore-durable,floor-durable]``.

Each contender of ``bench_lockcore.py`` updates a store of its own in a child process under
``perf record`` of the kernel's ``raw_syscalls`` and ``sched_switch`` tracepoints. Between two
system calls the thread runs in user mode (Python, and the C under it); inside one, in the
kernel. Summing those stretches -- leaving out every one in which the thread was switched out --
gives the user and the system time per update to the microsecond.

Why not ``getrusage``: this kernel counts CPU time by ticks (``CONFIG_TICK_CPU_ACCOUNTING``,
HZ 250): the total is exact, but its split into user and system time is a sample of which mode
each 4 ms tick happened to land in, scaled. For a durable update, which sleeps in ``fsync``
for most of its 0.6 ms, the same code measured 65 and 112 us of "user CPU" in two runs.

What it showed (issue 9 §6, the durable update's "60 us more user CPU" than its floor): the
user time of every contender grows ~2.4x when its updates fsync -- the floor's as much as
lockcore's -- because after each sleep in ``fsync`` the code runs with cold caches. lockcore's
Python beyond the floor's, ~22 us warm, becomes ~51 us after fsyncs: no step of the durable
path costs it, the whole update's Python does, at the cold rate. ``--by-step`` lists the user
time before each system call of the update, which says which stretch of Python grew.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
_CHILD = """
import json, os, sys
sys.path[:0] = [{root!r}, {here!r}]
from lockcore_contenders import Contender, _increment
name, updates, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "w", encoding="utf-8") as file:
    json.dump({{"count": 0}}, file)
contender = Contender(name)
for _ in range(50):
    contender.update(path, _increment)
os.getppid()  # the mark: counting starts
for _ in range(updates):
    contender.update(path, _increment)
os.getppid()  # counting ends
"""
_GETPPID = 110  # x86-64
_NAMES = {
    0: "read", 1: "write", 3: "close", 13: "rt_sigaction", 18: "pwrite64", 39: "getpid",
    73: "flock", 74: "fsync", 82: "rename", 87: "unlink", 195: "llistxattr", 257: "openat",
    262: "newfstatat", 265: "linkat", 316: "renameat2",
}  # fmt: skip
_LINE = re.compile(r"\s*(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)")


def _trace(name: str, updates: int, directory: str) -> str:
    data = os.path.join(directory, f"{name}.perf")
    store = os.path.join(directory, f"{name}.json")
    code = _CHILD.format(root=str(HERE.parent), here=str(HERE))
    events = "raw_syscalls:sys_enter,raw_syscalls:sys_exit,sched:sched_switch"
    command = ["perf", "record", "-q", "-e", events, "-o", data]
    subprocess.run([*command, sys.executable, "-c", code, name, str(updates), store], check=True)
    script = ["perf", "script", "-i", data, "-F", "tid,time,event,trace"]
    return subprocess.run(script, check=True, capture_output=True, text=True).stdout


def _split(trace: str, updates: int) -> tuple[float, float, dict[str, float]]:
    """(user seconds, system seconds, user seconds before each system call of an update, named
    by its place and name) summed over the counted updates of the traced process's main thread."""
    main = None
    counting = False
    exited_at: float | None = None
    entered: float | None = None
    switched = False
    user = system = 0.0
    calls: list[tuple[str, float]] = []  # each counted call, with the user time before it
    for line in trace.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        tid, at, event, rest = int(match[1]), float(match[2]), match[3], match[4]
        main = tid if main is None else main
        if tid != main:
            continue
        if event.endswith("sched_switch"):
            switched = True
        elif event.endswith("sys_enter"):
            number = int(rest.split()[1])
            if number == _GETPPID:
                counting, exited_at = not counting, None
                continue
            if counting:
                gap = at - exited_at if exited_at is not None and not switched else 0.0
                user += gap
                calls.append((_NAMES.get(number, str(number)), gap))
            entered, switched = at, False
        elif event.endswith("sys_exit"):
            if counting and entered is not None and not switched:
                system += at - entered
            exited_at, switched = at, False
    before: dict[str, float] = collections.defaultdict(float)
    per_update = max(1, len(calls) // updates)
    for index, (call, gap) in enumerate(calls):
        before[f"{index % per_update:02d} {call}"] += gap
    return user, system, before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument(
        "--contenders", default="lockcore,floor,lockcore-calls,lockcore-durable,floor-durable"
    )
    parser.add_argument(
        "--by-step",
        action="store_true",
        help="user time before each call, by its place in the update (a rare extra call, such "
        "as a memory map, shifts the places after it: read the larger figures)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="profile-update-cpu-") as directory:
        for name in args.contenders.split(","):
            user, system, before = _split(_trace(name, args.updates, directory), args.updates)
            per = 1e6 / args.updates
            print(
                f"{name:<17} user {user * per:6.1f} us/update, system {system * per:6.1f} "
                "us/update (stretches with a context switch left out)"
            )
            if args.by_step:
                for step, seconds in sorted(before.items()):
                    print(f"    user before {step:<16} {seconds * per:6.2f} us")


if __name__ == "__main__":
    main()
