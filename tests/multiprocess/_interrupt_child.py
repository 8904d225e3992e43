"""Child for the interrupt tests: ``python _interrupt_child.py MODE PATH [SECONDS]``.

``storm``: loop over ``locked_update_json`` for SECONDS while the parent sends SIGINT at random;
each SIGINT that lands inside the call raises KeyboardInterrupt, as Ctrl+C does. The updater
records that it is inside the critical section with ``mkdir`` (which fails if another process
is inside too), shielded from the signal so that only lockcore's own steps get interrupted.

``points``: deterministic. CPython runs signal handlers only at a few points: a function's
first instruction (or a generator's resumption), right after a call returns, and a loop's
backward jump. This mode counts those points in lockcore (and in the ``threading`` and
``contextlib`` code it calls) during one update, then repeats the update once per point with a
real SIGINT raised exactly there (``sys.settrace`` with opcode events calls
``signal.raise_signal``), and checks the invariants after each.

Both print ``done <json report>`` and wait for a line on stdin before exiting, so that the parent
can check that a live process holds nothing it should not.
"""

from __future__ import annotations

import contextlib
import dis
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import lockcore

LOCKCORE_DIR = str(Path(lockcore.__file__).resolve().parent)
TRACED_FILES = (LOCKCORE_DIR, threading.__file__, sys.modules["contextlib"].__file__)


def open_descriptors() -> dict[str, str]:
    """Every open descriptor and what it points to (the listing's own descriptor left out)."""
    found = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            found[name] = os.readlink(f"/proc/self/fd/{name}")
        except FileNotFoundError:
            continue  # the descriptor os.listdir itself used
    return found


def leaked_descriptors(baseline: dict[str, str]) -> list[str]:
    # A waiter keeps one pooled inotify instance per concurrent wait: not a leak.
    return [
        f"{fd}->{target}"
        for fd, target in open_descriptors().items()
        if baseline.get(fd) != target and "inotify" not in target
    ]


def check_can_lock_again(path: str) -> list[str]:
    """The lock can be taken again, with its lock file really in place, and given back."""
    problems = []
    lock = lockcore.FileLock(path, timeout=5)
    try:
        with lock:
            if not os.path.exists(lock.lock_path):
                problems.append("the lock was taken but no lock file exists")
    except Exception as error:
        problems.append(f"could not lock again: {error!r}")
    return problems


def storm(path: str, seconds: float) -> dict[str, Any]:
    inside = path + ".inside"
    state = {"armed": False, "in_updater": False, "pending": False}

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if state["in_updater"]:
            state["pending"] = True
        elif state["armed"]:
            raise KeyboardInterrupt

    def updater(document: dict[str, int]) -> dict[str, int]:
        state["in_updater"] = True
        try:
            os.mkdir(inside)  # FileExistsError: another process is in the critical section
            document["n"] = document.get("n", 0) + 1
            os.rmdir(inside)
        finally:
            state["in_updater"] = False
        if state["pending"]:
            state["pending"] = False
            raise KeyboardInterrupt
        return document

    signal.signal(signal.SIGINT, on_sigint)
    lockcore.locked_update_json(path, lambda d: d, default=dict)  # warm-up: caches, pools
    baseline = open_descriptors()
    report: dict[str, Any] = {"ok": 0, "interrupted": 0, "overlaps": 0, "errors": []}
    print("started", flush=True)
    deadline = time.monotonic() + seconds
    iteration = 0
    while time.monotonic() < deadline:
        iteration += 1
        state["armed"] = True
        try:
            lockcore.locked_update_json(
                path, updater, default=dict, timeout=5, durable=iteration % 2 == 0
            )
            state["armed"] = False
            report["ok"] += 1
        except KeyboardInterrupt:
            state["armed"] = False
            report["interrupted"] += 1
        except FileExistsError:
            state["armed"] = False
            report["overlaps"] += 1
        except Exception as error:
            state["armed"] = False
            report["errors"].append(repr(error))
    report["leaked"] = leaked_descriptors(baseline)
    report["problems"] = check_can_lock_again(path)
    return report


def points(path: str) -> dict[str, Any]:
    directory = os.path.dirname(path)
    lock_path = path + ".lock"
    counter = {"seen": 0, "target": -1}

    def reached_point() -> None:
        counter["seen"] += 1
        if counter["seen"] == counter["target"]:
            signal.raise_signal(signal.SIGINT)

    def local(frame: FrameType, event: str, arg: object) -> Any:
        if event == "opcode" and frame.f_lasti in signal_points(frame.f_code):
            reached_point()
        return local

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        if not frame.f_code.co_filename.startswith(TRACED_FILES):
            return None
        frame.f_trace_opcodes = True
        reached_point()  # the function's first instruction (or a generator resuming)
        return local

    def update(target: int) -> bool:
        counter["seen"] = 0
        counter["target"] = target
        sys.settrace(tracer)
        try:
            lockcore.locked_update_json(path, lambda d: {"n": d.get("n", 0) + 1}, default=dict)
        except KeyboardInterrupt:
            return False
        finally:
            sys.settrace(None)
            if counter["seen"] >= target > 0:
                report["reached"] += 1
        return True

    report: dict[str, Any] = {"reached": 0, "interrupted": 0, "failures": []}
    lockcore.locked_update_json(path, lambda d: d, default=dict)  # warm-up: caches, pools
    baseline = open_descriptors()
    update(-1)
    total = report["points"] = counter["seen"]
    for target in range(1, total + 1):
        before = json.loads(Path(path).read_text())["n"]
        if not update(target):
            report["interrupted"] += 1
        after = json.loads(Path(path).read_text())["n"]
        problems = []
        if after not in (before, before + 1):
            problems.append(f"counter went from {before} to {after}")
        if os.path.lexists(lock_path):
            problems.append("the lock file was left behind")
        leftovers = sorted(set(os.listdir(directory)) - {os.path.basename(path)})
        if leftovers:
            problems.append(f"files left behind: {leftovers}")
        leaked = leaked_descriptors(baseline)
        if leaked:
            problems.append(f"descriptors leaked: {leaked}")
        problems += check_can_lock_again(path)
        if problems:
            report["failures"].append({"opcode": target, "problems": problems})
            # Start the next point from a clean slate, so that each failure is its own.
            for name in leftovers:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(directory, name))
            for fd, _target in leaked_descriptors_raw(baseline):
                os.close(fd)
            lockcore._lock._forget_slots_in_child()
    return report


_CALLS = {"CALL", "CALL_FUNCTION_EX", "CALL_FUNCTION", "CALL_METHOD", "CALL_FUNCTION_KW"}
#: Loop back-edges check for signals (3.11's JUMP_BACKWARD_NO_INTERRUPT, in ``yield from``,
#: does not).
_BACKWARD_JUMPS = {"JUMP_BACKWARD", "JUMP_ABSOLUTE"}
_points_memory: dict[CodeType, frozenset[int]] = {}


def signal_points(code: CodeType) -> frozenset[int]:
    """Offsets where CPython may run a signal handler: after a call returns, at a back jump."""
    points = _points_memory.get(code)
    if points is None:
        found = set()
        previous = None
        for instruction in dis.get_instructions(code):
            if previous in _CALLS or instruction.opname in _BACKWARD_JUMPS:
                found.add(instruction.offset)
            previous = instruction.opname
        points = _points_memory[code] = frozenset(found)
    return points


def leaked_descriptors_raw(baseline: dict[str, str]) -> list[tuple[int, str]]:
    return [
        (int(fd), target)
        for fd, target in open_descriptors().items()
        if baseline.get(fd) != target and "inotify" not in target
    ]


def main() -> None:
    mode, path = sys.argv[1], sys.argv[2]
    report = storm(path, float(sys.argv[3])) if mode == "storm" else points(path)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("done", json.dumps(report), flush=True)
    sys.stdin.readline()


if __name__ == "__main__":
    main()
