"""Where the GUI thread's time goes in a 16-writer storm: a trace to read, not a benchmark.

Run: ``python benchmarks/profile_storm_stall.py [--stores 2000] [--storm 5] [--gap 30]
[--own-session]``.
The storm of ``bench_inspector.py --only storm`` (16 writers on their own stores in the folder the
window shows), with the GUI thread's entry points timed (wall and the thread's own CPU):
the watching child's messages read and decoded, the store directory and the table taking rows
in, the lock event stream's messages, the table's paints (and the model's ``multiData`` calls in
them), and the cyclic collector's runs. Prints:

- every gap over ``--gap`` ms of a 5 ms timer on the GUI thread, with the timed calls that ran
  inside it: each with its wall time, its CPU, and how long the thread was runnable but waiting
  for a CPU meanwhile (``/proc/thread-self/schedstat``); what is left of the wall time it was
  blocked (on the interpreter lock, say);
- the totals per entry point over the storm (count, wall, CPU, waiting for a CPU, longest);
- each thread's CPU and run-queue wait over the storm (``/proc/self/task/*/schedstat``).

``--events``: every event the GUI thread delivers that takes over 0.3 ms of CPU is timed too
(a ``QApplication.notify`` override: the outermost event, and the paints inside it).

``--stacks``: every thread's Python stack whenever the GUI timer is ``--gap`` ms late
(``faulthandler``'s own thread prints it, without the interpreter lock).
"""

from __future__ import annotations

import argparse
import faulthandler
import functools
import gc
import os
import sys
import threading
import time
from collections import defaultdict
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_inspector as bench

# (name, wall start, wall end, thread CPU used, time runnable but waiting for a CPU)
Span = tuple[str, float, float, float, float]

SPANS: list[Span] = []


def run_queue_wait() -> float:
    """Seconds this thread has spent runnable but waiting for a CPU (Linux schedstat)."""
    with open("/proc/thread-self/schedstat", "rb") as handle:
        return int(handle.read().split()[1]) / 1e9


MULTIDATA_CALLS = [0]
GUI_THREAD = threading.get_ident()


def timed(owner: Any, name: str, label: str) -> None:
    """Record every call of ``owner.name`` made on the GUI thread."""
    function = getattr(owner, name)

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() != GUI_THREAD:
            return function(*args, **kwargs)
        cpu, wall, wait = time.thread_time(), time.perf_counter(), run_queue_wait()
        try:
            return function(*args, **kwargs)
        finally:
            SPANS.append(
                (
                    label,
                    wall,
                    time.perf_counter(),
                    time.thread_time() - cpu,
                    run_queue_wait() - wait,
                )
            )

    setattr(owner, name, wrapper)


def counted(owner: Any, name: str) -> None:
    function = getattr(owner, name)

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        MULTIDATA_CALLS[0] += 1
        return function(*args, **kwargs)

    setattr(owner, name, wrapper)


_gc_started = [0.0, 0.0, 0.0]


def on_gc(phase: str, info: dict[str, Any]) -> None:
    if threading.get_ident() != GUI_THREAD:
        return
    if phase == "start":
        _gc_started[:] = [time.perf_counter(), time.thread_time(), run_queue_wait()]
    else:
        SPANS.append(
            (
                f"gc gen {info['generation']}",
                _gc_started[0],
                time.perf_counter(),
                time.thread_time() - _gc_started[1],
                run_queue_wait() - _gc_started[2],
            )
        )


def instrument() -> None:
    from inspector.models.store_table import StoreTableModel
    from inspector.services.lock_event_stream import EventStream
    from inspector.services.process_source import ProcessChangeSource
    from inspector.services.store_directory import StoreDirectory
    from inspector.widgets.store_table_view import StoreTableView

    timed(ProcessChangeSource, "_on_output", "watch child: read+decode+hand on")
    timed(StoreDirectory, "_on_stores_looked", "directory: looked -> worker")
    timed(StoreDirectory, "_on_entries_updated", "directory: entries in (+ model, window)")
    timed(StoreTableModel, "_on_entries_updated", "model: entries in")
    timed(StoreTableModel, "refresh_figures", "model: figures changed")
    timed(EventStream, "_on_output", "event stream: read")
    timed(StoreTableView, "paintEvent", "table: paint")
    counted(StoreTableModel, "multiData")
    gc.callbacks.append(on_gc)


def schedstat() -> dict[str, tuple[int, int, int]]:
    """thread name (tid) -> (CPU ns, run-queue wait ns, slices)."""
    stats: dict[str, tuple[int, int, int]] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm", encoding="utf-8") as handle:
                name = handle.read().strip()
            with open(f"/proc/self/task/{tid}/schedstat", encoding="utf-8") as handle:
                cpu, wait, slices = (int(word) for word in handle.read().split())
        except OSError:
            continue
        stats[f"{name} ({tid})"] = (cpu, wait, slices)
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=2000)
    parser.add_argument("--storm", type=float, default=5.0)
    parser.add_argument("--gap", type=float, default=30.0, help="ms: gaps shown")
    parser.add_argument("--stacks", action="store_true", help="every thread's stack at a gap")
    parser.add_argument(
        "--own-session",
        action="store_true",
        help="the writers started by another program in a session of its own (bench_inspector)",
    )
    parser.add_argument(
        "--events", action="store_true", help="time every event (over 0.3 ms of CPU) too"
    )
    args = parser.parse_args()
    longest = args.gap / 1000

    from PySide6.QtCore import QEvent, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from inspector.app import share_interpreter_with_gui
    from inspector.models.store_table import StoreTableModel

    depth = [0]

    class TimedApplication(QApplication):
        """Times every event the GUI thread delivers (the outermost, and paints inside)."""

        def notify(self, receiver: Any, event: Any) -> bool:
            if threading.get_ident() != GUI_THREAD:
                return super().notify(receiver, event)
            cpu, wall, wait = time.thread_time(), time.perf_counter(), run_queue_wait()
            depth[0] += 1
            try:
                return super().notify(receiver, event)
            finally:
                depth[0] -= 1
                used = time.thread_time() - cpu
                kind = event.type()
                if used > 0.0003 and (depth[0] == 0 or kind == QEvent.Type.Paint):
                    what = type(receiver).__name__
                    if kind == QEvent.Type.Paint and hasattr(receiver, "parent"):
                        parent = receiver.parent()
                        what += f" in {type(parent).__name__}" if parent is not None else ""
                    SPANS.append(
                        (
                            f"event {kind.name} -> {what}",
                            wall,
                            time.perf_counter(),
                            used,
                            run_queue_wait() - wait,
                        )
                    )

    app = TimedApplication(sys.argv[:1]) if args.events else QApplication(sys.argv[:1])
    share_interpreter_with_gui()
    instrument()
    folder = bench.Folder(args.stores)
    window = bench.new_window()
    try:
        bench.show_folder(window, folder)
        paths = bench.storm_stores(window, folder)
        bench.run_loop_for(1.0)
        gaps: list[tuple[float, float]] = []
        last = [0.0]

        def tick() -> None:
            now = time.perf_counter()
            if now - last[0] > longest:
                gaps.append((last[0], now))
                if args.stacks:
                    print(f"-- the gap above ended after {1000 * (now - last[0]):.0f} ms")
            last[0] = now
            if args.stacks:
                faulthandler.dump_traceback_later(longest, file=sys.stdout)

        timer = QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(bench.PROBE_MS)
        timer.timeout.connect(tick)
        probe = bench.StallProbe()
        SPANS.clear()
        MULTIDATA_CALLS[0] = 0
        before = schedstat()
        started = last[0] = time.perf_counter()
        timer.start()
        load = os.getloadavg()[0]
        _, _storm_end, updates = bench.run_writers(
            paths, args.storm, probe, own_session=args.own_session
        )
        timer.stop()
        faulthandler.cancel_dump_traceback_later()
        after = schedstat()
        ended = time.perf_counter()
        stall, p99 = probe.stalls_ms()
    finally:
        bench.close_window(window)
        folder.close()

    def at(moment: float) -> str:
        return f"{moment - started:7.3f}"

    print(
        f"{updates / args.storm:,.0f} updates/s; "
        f"longest stall {stall:.0f} ms, p99 {p99:.0f} ms; "
        f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    print(f"GUI gaps over {args.gap:.0f} ms, and the timed calls inside each:")
    for gap_start, gap_end in gaps:
        print(f"  {at(gap_start)} .. {at(gap_end)}  {1000 * (gap_end - gap_start):5.0f} ms")
        for name, span_start, span_end, cpu, wait in SPANS:
            if span_end > gap_start and span_start < gap_end:
                print(
                    f"      {at(span_start)} {1000 * (span_end - span_start):6.1f} ms wall "
                    f"{1000 * cpu:5.1f} ms CPU {1000 * wait:6.1f} ms waiting for a CPU  {name}"
                )
    print(f"the timed calls over {ended - started:.1f} s (GUI thread):")
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0])
    for name, span_start, span_end, cpu, wait in SPANS:
        total = totals[name]
        total[0] += 1
        total[1] += span_end - span_start
        total[2] += cpu
        total[3] += wait
        total[4] = max(total[4], span_end - span_start)
    print("  (wall = CPU + waiting for a CPU + blocked, e.g. on the interpreter lock)")
    for name, (count, wall, cpu, wait, top) in sorted(totals.items(), key=lambda i: -i[1][1]):
        print(
            f"  {count:6.0f} x  {1000 * wall:7.1f} ms wall  {1000 * cpu:7.1f} ms CPU  "
            f"{1000 * wait:7.1f} ms waiting for a CPU  longest {1000 * top:6.1f} ms  {name}"
        )
    print(f"  multiData calls: {MULTIDATA_CALLS[0]}")
    print("threads over the storm: CPU, waiting for a CPU, slices")
    for thread, (cpu_ns, wait_ns, slices) in sorted(after.items()):
        was = before.get(thread, (0, 0, 0))
        print(
            f"  {(cpu_ns - was[0]) / 1e6:8.1f} ms  {(wait_ns - was[1]) / 1e6:8.1f} ms  "
            f"{slices - was[2]:6d}  {thread}"
        )
    del app, StoreTableModel
    return 0


if __name__ == "__main__":
    sys.exit(main())
