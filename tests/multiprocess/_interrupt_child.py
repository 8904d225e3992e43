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
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
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
    storm_code = storm.__code__
    inside = path + ".inside"
    state = {"armed": False, "in_updater": False, "pending": False}

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if state["in_updater"]:
            state["pending"] = True
        elif state["armed"] and (frame is None or frame.f_code is not storm_code):
            # Only lockcore's steps are interrupted: a signal landing in this loop itself
            # (between lockcore raising the last KeyboardInterrupt and the except clause
            # disarming) would be a second one in the harness's own code.
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
    report["problems"] = []
    if lockcore._interrupts._pending:  # (the next lock, just below, would run it)
        report["problems"].append("a signal was held back and is still waiting after the storm")
    report["problems"] += check_can_lock_again(path)
    return report


def points(path: str, scenario: str = "update") -> dict[str, Any]:
    """Interrupt one operation at each of its points in turn; see the module's docstring.

    ``scenario``: ``update``, an uncontended ``locked_update_json``; ``held``, an acquire with
    ``timeout=0`` while another process holds the lock (the judging of a live holder, and the
    LockTimeout that inspects it); ``stale``, an update that finds a dead holder's lock in its
    way and breaks it; ``inspect``, ``inspect_lock`` of a live holder's lock; ``break``,
    ``inspect_lock`` then ``break_stale_lock`` of a dead holder's lock; ``versions``,
    ``locked_write_json`` keeping versions (its ``with FileLock`` block is no critical step);
    ``repair``, ``locked_replace_bytes(quarantine=True)`` over a damaged file; ``plain``,
    ``update`` with ``durable=False`` (the files exchanged, the dispatcher gone at the release);
    ``acquisition``, ``held`` through ``acquisition()`` with hooks; ``timeout``,
    ``locked_update_json(timeout=0)`` while another process holds the lock; ``hooks``, as
    ``acquisition`` but waiting 0.3 s (a harness, as ``wait``);
    ``keepalive``, ``update`` starting the keep-alive thread anew; ``wait``, ``held`` waiting
    0.3 s (its number of points varies from run to run: a harness, not a test).
    """
    directory = os.path.dirname(path)
    lock_path = path + ".lock"
    counter = {"seen": 0, "target": -1}
    logging.disable(logging.WARNING)  # "broke the stale lock ...", once per point
    holder, holder_lock = start_other_holder(path, scenario)
    operation = scenario_operation(path, scenario, holder_lock)

    where = {"point": ""}

    def reached_point(frame: FrameType) -> None:
        counter["seen"] += 1
        if counter["seen"] == counter["target"]:
            where["point"] = describe_point(frame)
            signal.raise_signal(signal.SIGINT)

    def local(frame: FrameType, event: str, arg: object) -> Any:
        if event == "opcode" and frame.f_lasti in signal_points(frame.f_code):
            reached_point(frame)
        return local

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        if not frame.f_code.co_filename.startswith(TRACED_FILES):
            return None
        # The frame's own trace function first: Python 3.13 gives opcode events only to a
        # frame that already has one when f_trace_opcodes is set (3.10-3.12 take either order).
        frame.f_trace = local
        frame.f_trace_opcodes = True
        reached_point(frame)  # the function's first instruction (or a generator resuming)
        return local

    def update(target: int) -> bool:
        counter["seen"] = 0
        counter["target"] = target
        if scenario == "keepalive":
            stop_keepalive_thread()
        sys.settrace(tracer)
        try:
            operation()
        except KeyboardInterrupt:
            return False
        finally:
            sys.settrace(None)
            if counter["seen"] >= target > 0:
                report["reached"] += 1
                report["reached_at"].append(where["point"])
        return True

    report: dict[str, Any] = {"reached": 0, "reached_at": [], "interrupted": 0, "failures": []}
    if holder_lock:
        Path(path).write_text('{"n": 0}')
    else:
        lockcore.locked_update_json(path, lambda d: d, default=dict)  # warm-up: caches, pools
    operation()  # warm-up: caches, pools
    baseline = open_descriptors()
    update(-1)
    total = report["points"] = counter["seen"]
    for target in range(1, total + 1):
        before_raw = Path(path).read_bytes()
        before = count_in(before_raw)
        if not update(target):
            report["interrupted"] += 1
        after = count_in(Path(path).read_bytes())
        problems = []
        if lockcore._interrupts._pending:
            problems.append("a signal was held back and is still waiting after the call")
            lockcore._interrupts._pending.clear()
        if after not in (before, before + 1):
            problems.append(f"counter went from {before} to {after}")
        problems += lock_file_problems(lock_path, holder is not None, holder_lock)
        expected = {os.path.basename(path)}
        if holder_lock and os.path.lexists(lock_path):
            expected.add(os.path.basename(lock_path))  # the other process's: checked above
        leftovers = sorted(set(os.listdir(directory)) - expected)
        kept_problems, kept = kept_copy_problems(scenario, path, leftovers, before_raw)
        problems += kept_problems
        expected.update(kept)
        if set(leftovers) - expected:
            problems.append(f"files left behind: {sorted(set(leftovers) - expected)}")
        leaked = leaked_descriptors(baseline)
        if leaked:
            problems.append(f"descriptors leaked: {leaked}")
        problems += check_kept_out(path) if holder is not None else check_can_lock_again(path)
        if problems:
            report["failures"].append(
                {"opcode": target, "at": where["point"], "problems": problems}
            )
            start_afresh(directory, leftovers, baseline)
    if holder is not None:
        holder.communicate("release\n", timeout=30)
        problems = check_can_lock_again(path)
        if problems:
            report["failures"].append({"opcode": "after the holder let go", "problems": problems})
    return report


def start_afresh(directory: str, leftovers: list[str], baseline: dict[str, str]) -> None:
    """Start the next point from a clean slate, so that each failure is its own."""
    for name in leftovers:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(directory, name))
    for fd, _target in leaked_descriptors_raw(baseline):
        os.close(fd)
    lockcore._lock._forget_slots_in_child()


def start_other_holder(path: str, scenario: str) -> tuple[subprocess.Popen[str] | None, bytes]:
    """(the live process holding the lock, or None; the bytes of its lock file, or b"").

    ``held`` and ``inspect`` keep it alive; ``stale`` and ``break`` SIGKILL it: its lock file
    stays, its kernel lock goes -- the proof of its death.
    """
    if scenario not in (
        "held",
        "wait",
        "hooks",
        "acquisition",
        "timeout",
        "stale",
        "inspect",
        "break",
    ):
        return None, b""
    holder = subprocess.Popen(
        [sys.executable, __file__, "hold", path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"
    holder_lock = Path(path + ".lock").read_bytes()
    if scenario in ("stale", "break"):
        holder.kill()
        holder.wait()
        return None, holder_lock
    return holder, holder_lock


def scenario_operation(path: str, scenario: str, holder_lock: bytes) -> Callable[[], None]:
    """The operation ``points`` interrupts, once per point."""
    lock_path = path + ".lock"

    def through_acquisition() -> None:
        lock = lockcore.FileLock(path, timeout=0.3 if scenario == "hooks" else 0)
        with lock.acquisition(on_wait=ignore_wait, cancel_check=bool):
            pass

    refused = {
        "hooks": through_acquisition,
        "acquisition": through_acquisition,
        "timeout": lambda: lockcore.locked_update_json(path, lambda d: d, timeout=0),
        "held": lambda: lockcore.FileLock(path, timeout=0).acquire(),
        "wait": lambda: lockcore.FileLock(path, timeout=0.3).acquire(),
    }

    def operation() -> None:
        if scenario in refused:
            try:
                refused[scenario]()
            except lockcore.LockTimeout:
                return
            raise AssertionError("took a lock another process holds")
        if scenario == "inspect":
            lockcore.inspect_lock(path)
            return
        if holder_lock and not os.path.lexists(lock_path):
            Path(lock_path).write_bytes(holder_lock)  # the dead holder's lock, in the way again
        if scenario == "break":
            lockcore.break_stale_lock(path, lockcore.inspect_lock(path))
        elif scenario == "repair":
            # Each time the same damaged file, typed over: kept as a copy, then replaced.
            for name in os.listdir(os.path.dirname(path)):
                if ".corrupt-" in name:
                    os.unlink(os.path.join(os.path.dirname(path), name))
            Path(path).write_bytes(DAMAGED)
            lockcore.locked_replace_bytes(path, REPAIRED, expected=DAMAGED, quarantine=True)
        elif scenario == "versions":
            written = {"n": json.loads(Path(path).read_bytes()).get("n", 0) + 1}
            lockcore.locked_write_json(path, written, keep_versions=KEPT_VERSIONS)
        else:
            lockcore.locked_update_json(
                path, lambda d: {"n": d.get("n", 0) + 1}, default=dict, durable=scenario != "plain"
            )

    return operation


def ignore_wait(_holder: lockcore.LockInfo | None, _waited: float) -> None:
    """An ``on_wait`` that only listens."""


KEPT_VERSIONS = 2
DAMAGED = b'{"n": 0,'
REPAIRED = b'{"n": 0}'


def kept_copy_problems(
    scenario: str, path: str, leftovers: list[str], before: bytes
) -> tuple[list[str], list[str]]:
    """(what is wrong with the versions or quarantine copies the operation may keep, their
    names): the ``versions`` and ``repair`` scenarios keep some."""
    directory = os.path.dirname(path)
    after = Path(path).read_bytes()
    if scenario == "versions":
        versions = [name for name in leftovers if ".version-" in name]
        return version_problems(directory, versions, before, after), versions
    if scenario == "repair":
        copies = [name for name in leftovers if ".corrupt-" in name]
        return repair_problems(directory, copies, after), copies
    return [], []


def count_in(raw: bytes) -> int:
    """The store's counter (a damaged store, in the ``repair`` scenario, counts 0)."""
    try:
        return int(json.loads(raw)["n"])
    except ValueError:
        return 0


def repair_problems(directory: str, copies: list[str], after: bytes) -> list[str]:
    """After one interrupted repair: the damaged bytes are kept as one copy exactly when they
    were replaced."""
    kept = [Path(directory, name).read_bytes() for name in copies]
    if after == DAMAGED and kept:
        return [f"{len(kept)} quarantine copies of bytes the file still holds"]
    if after == REPAIRED and kept != [DAMAGED]:
        return [f"the damaged bytes were replaced, yet kept as {len(kept)} copies"]
    return []


def version_problems(directory: str, versions: list[str], before: bytes, after: bytes) -> list[str]:
    """After one interrupted ``locked_write_json(keep_versions=2)``: the replaced bytes are kept
    when the write happened, and no version is left by one that did not happen."""
    kept = [Path(directory, name).read_bytes() for name in versions]
    problems = []
    if len(kept) > KEPT_VERSIONS:
        problems.append(f"{len(kept)} versions kept, not {KEPT_VERSIONS}")
    if after in kept:
        problems.append("a version of the bytes the store still holds (left by a write not done)")
    if after != before and before not in kept:
        problems.append("the replaced bytes were written, yet their version is gone")
    return problems


def stop_keepalive_thread() -> None:
    """End the keep-alive thread (nothing is held), so that the next lock starts it again."""
    thread = lockcore._keepalive._thread
    if thread is not None:
        lockcore._keepalive._wake.set()
        thread.join(5)


def lock_file_problems(lock_path: str, holder_alive: bool, holder_lock: bytes) -> list[str]:
    """After one interrupted operation: only the other process's lock file may be there.

    A live holder's must stay as it is; a dead one's may stay, when the operation was
    interrupted before it broke it; no lock file of ours may stay.
    """
    if not os.path.lexists(lock_path):
        return ["the live holder's lock file was removed"] if holder_alive else []
    if not holder_lock:
        return ["the lock file was left behind"]
    if Path(lock_path).read_bytes() != holder_lock:
        return ["a lock file other than the other process's was left behind"]
    return []


def describe_point(frame: FrameType) -> str:
    """``file:line function < caller < caller's caller``: where a signal was raised."""
    code = frame.f_code
    callers = []
    outer = frame.f_back
    while outer is not None and len(callers) < 2:
        callers.append(outer.f_code.co_name)
        outer = outer.f_back
    return " < ".join([f"{Path(code.co_filename).name}:{frame.f_lineno} {code.co_name}", *callers])


def check_kept_out(path: str) -> list[str]:
    """Another process holds the lock: this one, holding nothing, must be refused at once."""
    lock = lockcore.FileLock(path, timeout=0)
    try:
        lock.acquire()
    except lockcore.LockTimeout as error:
        if "another thread of this process" in str(error):
            return [f"the lock is still taken inside this process: {error}"]
        return []
    except Exception as error:
        return [f"could not try the lock: {error!r}"]
    lock.release()
    return ["took the lock while another process holds it"]


def hold(path: str) -> None:
    """Take the lock and keep it until a line comes on stdin."""
    with lockcore.FileLock(path, timeout=10):
        print("holding", flush=True)
        sys.stdin.readline()


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
    if mode == "hold":
        hold(path)
        return
    report = storm(path, float(sys.argv[3])) if mode == "storm" else points(path, *sys.argv[3:])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("done", json.dumps(report), flush=True)
    sys.stdin.readline()


if __name__ == "__main__":
    main()
