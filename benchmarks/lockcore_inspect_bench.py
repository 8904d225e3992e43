"""``bench_lockcore.py --inspect``: ``inspect_lock`` per lock beside the minimal liveness check
(issue 11 §6)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import cast

from liveness_floor import minimal_liveness
from lockcore_contenders import ROOT
from lockcore_floors import _median, _paired_ratios, _ratio_with_spread

# --- judging locks: inspect_lock beside the minimal liveness check (issue 11, §6) --------------

#: As bench_inspector.py's folder: 4 live holder processes each hold 50 lockcore locks, and 100
#: more lock files in the legacy bare-PID format name those live holders.
INSPECT_HOLDERS = 4
INSPECT_LOCKCORE_PER_HOLDER = 50
INSPECT_LEGACY = 100
_INSPECT_HOLDER_CODE = """
import sys
from lockcore import FileLock
locks = [FileLock(path, timeout=10) for path in sys.argv[1:]]
for lock in locks:
    lock.acquire()
print("held", flush=True)
sys.stdin.readline()
"""


def _forget_what_was_seen() -> Callable[[], None] | None:
    """lockcore's forgetting of what it saw between looks (in ``_holder`` before the module
    was split; a lockcore from before it remembered anything has nothing to forget)."""
    for module in ("lockcore._inspect", "lockcore._holder"):
        try:
            forget = getattr(importlib.import_module(module), "forget_what_was_seen", None)
        except ImportError:
            continue
        if forget is not None:
            return cast("Callable[[], None]", forget)
    return None


def _inspect_all(paths: list[str]) -> int:
    """``inspect_lock`` of every store, as the app's listing does; how many are held alive."""
    import lockcore

    alive = 0
    for path in paths:
        info = lockcore.inspect_lock(path)
        if info.state is lockcore.LockState.HELD_ALIVE:
            alive += 1
    return alive


def _print_inspect(*, quick: bool, profile: bool) -> None:
    """``inspect_lock`` per lock beside the minimal liveness check of the same locks, by format,
    alternating rounds (each round: the 300 locks in one pass)."""
    load_before = os.getloadavg()
    holders: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="bench-lockcore-inspect-") as directory:
        try:
            stores = [
                os.path.join(directory, f"store-{number:03d}.json")
                for number in range(INSPECT_HOLDERS * INSPECT_LOCKCORE_PER_HOLDER + INSPECT_LEGACY)
            ]
            for store in stores:
                with open(store, "w", encoding="utf-8") as file:
                    json.dump({"count": 0}, file)
            per = INSPECT_LOCKCORE_PER_HOLDER
            environment = {**os.environ, "PYTHONPATH": str(ROOT)}
            for holder in range(INSPECT_HOLDERS):
                process = subprocess.Popen(
                    [sys.executable, "-c", _INSPECT_HOLDER_CODE, *stores[holder * per :][:per]],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    env=environment,
                )
                assert process.stdout is not None
                assert process.stdout.readline().strip() == b"held"
                holders.append(process)
            legacy = stores[INSPECT_HOLDERS * per :]
            for index, store in enumerate(legacy):
                with open(store + ".lock", "w", encoding="ascii") as file:
                    file.write(f"{holders[index % INSPECT_HOLDERS].pid}\n")
            groups = {
                "lockcore format": stores[: INSPECT_HOLDERS * per],
                "legacy bare PID": legacy,
                "all 300": stores,
            }
            if profile:
                _profile_inspect(stores)
                return
            rounds = 20 if quick else 100
            figures = {
                (thread, again): _inspect_rounds(
                    groups, rounds, in_thread=thread == "worker thread", first_look=not again
                )
                for thread in ("worker thread", "main thread")
                for again in (True, False)
            }
        finally:
            for process in holders:
                process.kill()
                process.wait()
                for stream in (process.stdin, process.stdout):
                    if stream is not None:
                        stream.close()
    load_after = os.getloadavg()
    print(
        f"inspect_lock beside the minimal liveness check (open, read, close; flock LOCK_SH|LOCK_NB "
        f"or kill(pid, 0)), holders alive, {rounds} alternating rounds; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )
    for (thread, again), (inspected, minimal) in figures.items():
        look = (
            "looked at again (as the app's re-checks)"
            if again
            else "first looks (lockcore's memories of locks and holders cleared each round)"
        )
        print(f"  from the {thread}, {look}:")
        for name in groups:
            ratios = _paired_ratios(inspected[name], minimal[name])
            print(
                f"    {name:<16} inspect_lock {_median(inspected[name]) * 1e6:6.2f} us/lock, "
                f"minimal {_median(minimal[name]) * 1e6:5.2f} us/lock: "
                f"{_ratio_with_spread(ratios)}"
            )


def _inspect_rounds(
    groups: dict[str, list[str]], rounds: int, *, in_thread: bool, first_look: bool
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Seconds per lock of inspect_lock and of the minimal check, each group in each round,
    alternating which goes first. ``in_thread``: from a thread that is not the main thread, as
    the app's scanner (the main thread's inspect_lock also puts lockcore's signal dispatcher
    in front of Python's SIGINT handler and takes it away, two ``rt_sigaction``).
    ``first_look``: lockcore forgets the locks and holders it saw before each round, as for a
    folder listed anew (its holders' names read from /proc, their PIDs pinned)."""
    inspected: dict[str, list[float]] = {name: [] for name in groups}
    minimal: dict[str, list[float]] = {name: [] for name in groups}

    def run() -> None:
        for turn in range(rounds):
            for name, paths in groups.items():
                locks = [path + ".lock" for path in paths]
                order = (True, False) if turn % 2 == 0 else (False, True)
                for use_lockcore in order:
                    if first_look and use_lockcore:
                        forget = _forget_what_was_seen()
                        if forget is not None:
                            forget()
                    began = time.perf_counter()
                    alive = _inspect_all(paths) if use_lockcore else minimal_liveness(locks)
                    elapsed = (time.perf_counter() - began) / len(paths)
                    assert alive == len(paths), (name, use_lockcore, alive)
                    (inspected if use_lockcore else minimal)[name].append(elapsed)

    if in_thread:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    else:
        run()
    return inspected, minimal


def _profile_inspect(stores: list[str]) -> None:
    """cProfile of inspect_lock over the stores, 200 passes, the top of the cumulative list."""
    import cProfile
    import pstats

    _inspect_all(stores)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(200):
        _inspect_all(stores)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
