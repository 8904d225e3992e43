"""Where a 16-writer storm's stalls and time to truth come from: a trace to read, not a benchmark.

Run: ``python benchmarks/probe_storm_path.py [--stores 10000] [--storm 10] [--own-session]``.

The storm of ``bench_inspector.py --only storm`` (the window's-session form unless
``--own-session``), with light instrumentation only (no per-call profiling): prints

- the GUI thread's CPU, its time runnable but waiting for a CPU, and how often it ran
  (``/proc/self/task/*/schedstat``), per second of storm, beside every other thread of the
  window's process and both children's CPU (the watching child, the lock event stream);
- each stall of the 5 ms probe over ``--gap`` ms: how much of it the GUI thread ran, waited
  for a CPU, and was blocked (on the interpreter lock, or sleeping in the kernel), and which
  of the window's entry points ran in it;
- the rounds of looks: how many, and for the storm's last ones when the watching child began
  each (``began``, its own clock reading), when the window received it (GUI or worker thread),
  when the window's worker next handed rows on and when the directory handed the rows to the
  table -- the path from the last write to the table, hop by hop.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import sys
import time
from collections import defaultdict
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import itertools

import bench_inspector as bench
import psutil

# (entry point, wall start, wall end, thread CPU) on the GUI thread (time.monotonic())
SPANS: list[tuple[str, float, float, float]] = []
# began (child's clock) -> [received on the GUI thread]
ROUNDS: dict[float, list[float]] = defaultdict(lambda: [0.0])
HANDED_ON: list[float] = []  # the worker handed rows on (monotonic)
SHOWN: list[float] = []  # the directory handed rows to the table (monotonic)


PROFILED: list[str] = []  # entry points run under cProfile (--profile)
PROFILE = cProfile.Profile(time.thread_time)  # CPU time: waits for a CPU are not counted


def spanned(owner: Any, name: str, label: str) -> None:
    function = getattr(owner, name)
    profiled = name in PROFILED

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began, cpu = time.monotonic(), time.thread_time()
        try:
            if profiled:
                return PROFILE.runcall(function, *args, **kwargs)
            return function(*args, **kwargs)
        finally:
            SPANS.append((label, began, time.monotonic(), time.thread_time() - cpu))

    setattr(owner, name, wrapper)


def instrument() -> None:
    from inspector.services.process_source import ProcessChangeSource
    from inspector.services.store_directory import StoreDirectory
    from inspector.widgets.store_table_view import StoreTableView

    spanned(ProcessChangeSource, "_on_output", "child's output read")
    spanned(StoreDirectory, "_on_entries_updated", "rows taken in (directory, model)")
    spanned(StoreTableView, "paintEvent", "table painted")
    from inspector.services.lock_event_stream import EventStream
    from inspector.services.lock_events import LockEventService

    spanned(EventStream, "_on_output", "lock event stream read")
    spanned(LockEventService, "_deliver", "lock events handed on")

    take_message = ProcessChangeSource._take_message

    def noting_message(self: Any, message: tuple[Any, ...]) -> None:
        if message[0] == "looked":
            ROUNDS[message[1]][0] = time.monotonic()
        take_message(self, message)

    ProcessChangeSource._take_message = noting_message  # type: ignore[method-assign]
    try:  # the rounds' own pipe, read on the worker's thread (where there is one)
        from inspector.services.looks_reader import LooksReader
    except ImportError:
        return
    handle = LooksReader._handle

    def noting_round(self: Any, message: tuple[Any, ...]) -> None:
        if message[0] == "looked":
            ROUNDS[message[1]][0] = time.monotonic()
        handle(self, message)

    LooksReader._handle = noting_round  # type: ignore[method-assign]


def note_worker_handing_on(window: Any) -> None:
    """When the window's worker hands rows on (its thread; not a wrapper around its slots:
    a slot replaced by a plain function is called on the emitting thread)."""
    from PySide6.QtCore import Qt

    window.directory._worker.entries_updated.connect(
        lambda *_: HANDED_ON.append(time.monotonic()), Qt.ConnectionType.DirectConnection
    )


def task_stats() -> dict[str, tuple[int, int, int]]:
    """thread name (tid) -> (CPU ns, run-queue wait ns, times it ran)."""
    stats: dict[str, tuple[int, int, int]] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm", encoding="utf-8") as handle:
                name = handle.read().strip()
            with open(f"/proc/self/task/{tid}/schedstat", encoding="utf-8") as handle:
                cpu, wait, runs = (int(word) for word in handle.read().split())
        except OSError:
            continue
        stats[f"{name} ({tid})"] = (cpu, wait, runs)
    return stats


def children_cpu() -> dict[str, float]:
    cpu: dict[str, float] = {}
    for child in psutil.Process().children():
        try:
            line = " ".join(child.cmdline())
            times = child.cpu_times()
        except psutil.Error:
            continue
        for module in ("watch_process", "lock_event_process"):
            if module in line:
                cpu[module] = cpu.get(module, 0.0) + times.user + times.system
    return cpu


class GuiClock:
    """The GUI thread's schedstat at every probe tick (one small read, ~10 us)."""

    def __init__(self) -> None:
        self.ticks: list[tuple[float, int, int]] = []  # (monotonic, CPU ns, wait ns)
        self._handle = open("/proc/thread-self/schedstat", "rb")  # noqa: SIM115 - GUI thread's

    def tick(self) -> None:
        self._handle.seek(0)
        cpu, wait, _ = self._handle.read().split()
        self.ticks.append((time.monotonic(), int(cpu), int(wait)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--storm", type=float, default=10.0)
    parser.add_argument("--gap", type=float, default=25.0, help="ms: stalls shown")
    parser.add_argument("--own-session", action="store_true")
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        help="an entry point run under cProfile (_on_output, _on_entries_updated, paintEvent)",
    )
    args = parser.parse_args()
    PROFILED.extend(args.profile)

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from inspector.app import share_interpreter_with_gui

    app = QApplication(sys.argv[:1])
    share_interpreter_with_gui()
    instrument()
    folder = bench.Folder(args.stores)
    window = bench.new_window()
    try:
        bench.show_folder(window, folder)
        paths = bench.storm_stores(window, folder)
        bench.run_loop_for(1.0)
        window.directory.entries_updated.connect(lambda _entries: SHOWN.append(time.monotonic()))
        note_worker_handing_on(window)
        clock = GuiClock()
        timer = QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(bench.PROBE_MS)
        timer.timeout.connect(clock.tick)
        probe = bench.StallProbe()
        SPANS.clear()
        ROUNDS.clear()
        SHOWN.clear()
        HANDED_ON.clear()
        threads_before, children_before = task_stats(), children_cpu()
        load = os.getloadavg()[0]
        timer.start()
        started = time.monotonic()
        _, storm_end, updates = bench.run_writers(
            paths, args.storm, probe, own_session=args.own_session
        )
        storm_began = storm_end - args.storm
        bench.run_loop_for(1.0)  # the storm's last rounds
        timer.stop()
        threads_after, children_after = task_stats(), children_cpu()
        stall, p99 = probe.stalls_ms()
    finally:
        bench.close_window(window)
        folder.close()

    seconds = time.monotonic() - started
    print(
        f"{updates / args.storm:,.0f} updates/s; longest stall {stall:.1f} ms, p99 {p99:.1f} ms; "
        f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    print(f"threads of the window's process over {seconds:.1f} s: CPU, waiting for a CPU, runs")
    for name, (cpu, wait, runs) in sorted(threads_after.items()):
        was = threads_before.get(name, (0, 0, 0))
        if cpu - was[0] > 1e6:
            print(
                f"  {(cpu - was[0]) / 1e6:8.1f} ms {(wait - was[1]) / 1e6:8.1f} ms "
                f"{runs - was[2]:6d}  {name}"
            )
    for module, cpu in sorted(children_after.items()):
        print(f"  child {module}: {cpu - children_before.get(module, 0.0):.2f} s CPU")
    print(f"stalls over {args.gap:.0f} ms: the GUI thread's CPU / waiting for a CPU / the rest")
    ticks = clock.ticks
    for (t0, cpu0, wait0), (t1, cpu1, wait1) in itertools.pairwise(ticks):
        if (t1 - t0) * 1000 - bench.PROBE_MS < args.gap:
            continue
        wall = (t1 - t0) * 1000
        cpu, wait = (cpu1 - cpu0) / 1e6, (wait1 - wait0) / 1e6
        inside = sorted({label for label, b, e, _ in SPANS if e > t0 and b < t1})
        print(
            f"  {t0 - storm_began:6.3f} s {wall:6.1f} ms: {cpu:5.1f} CPU {wait:6.1f} waiting "
            f"{max(0.0, wall - cpu - wait):6.1f} other  {', '.join(inside)}"
        )
    print("the window's entry points over the storm (GUI thread): calls, CPU")
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for label, _b, _e, cpu in SPANS:
        totals[label][0] += 1
        totals[label][1] += cpu
    for label, (count, cpu) in sorted(totals.items()):
        print(f"  {count:5.0f} x {1000 * cpu:7.1f} ms CPU ({1000 * cpu / count:.2f} each)  {label}")
    rounds = sorted(ROUNDS.items())
    during = [began for began, _ in rounds if storm_began <= began <= storm_end]
    print(
        f"rounds of looks: {len(during)} during the storm ({len(during) / args.storm:.1f}/s), "
        f"{len(rounds) - len(during)} outside it; rows handed to the table {len(SHOWN)} times"
    )
    print("the last rounds, ms after the storm's end: began, received, worker handed on, shown")
    for began, (received,) in rounds:
        if began < storm_end - 0.6:
            continue
        taken = next((moment for moment in HANDED_ON if moment >= received), float("nan"))
        shown = next((moment for moment in SHOWN if moment >= taken), float("nan"))
        print(
            f"  {1000 * (began - storm_end):7.1f} {1000 * (received - storm_end):7.1f} "
            f"{1000 * (taken - storm_end):7.1f} {1000 * (shown - storm_end):7.1f}"
        )
    if PROFILED:
        PROFILE.print_stats("tottime")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
