"""GUI stalls while the Lock Events dock follows a writer storm live (issue 13's target: the
longest stall at most 50 ms).

Four writer processes update two stores (two writers each) through ``locked_update_json``
as fast as they can for ``--seconds``; the app's lock event service follows the folder, and the
dock is shown with the timeline (following live, the last minute and then the whole session),
with the event table, or hidden (the stream and its batches only). The baseline is the same
storm with nothing watching it: what the machine's load alone costs the GUI thread. A 5 ms timer on
the GUI thread measures how late it fires: a stall is the time the GUI thread could not answer.
Beside the stalls, two figures the machine's load moves far less: the CPU the GUI thread used
(per second of storm; the baseline's is the timer's own) and the longest collection of the
garbage collector's oldest generation in the GUI's process (each one a stall of its own); the
GUI thread's CPU per hold drawn (the storm's size varies with the load), the stream's child's
CPU per second, and the share of holds whose holder the stream saw (its resolution under this
load: the others were too short for it to read their lock, and are reported without a PID).

    python benchmarks/bench_timeline.py [--seconds 60] [--gui-only]

First, in CPU time of the GUI thread (what the machine's load hardly moves): the timeline's
paint over a synthetic minute of a storm (two lanes, 1,500 holds a second each: every column
has holds; the dock's size), and the storm's GUI side replayed without writers or child
(:func:`replay`: its events reach the service as the child's encoded messages every 0.1 s) --
CPU per second, per event, and the longest turn of the event loop. ``--gui-only`` stops there.
"""

from __future__ import annotations

import argparse
import collections
import gc
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from inspector.app import share_interpreter_with_gui  # noqa: E402
from inspector.services.child_frames import frame  # noqa: E402
from inspector.services.lock_event_process import MESSAGE_EVENTS, decode_message  # noqa: E402
from inspector.services.lock_events import LockEventService  # noqa: E402
from inspector.widgets.lock_events_dock import LockEventsDock  # noqa: E402
from inspector.widgets.lock_timeline import SPANS, LockTimeline  # noqa: E402
from lockcore import EventKind, LockEvent  # noqa: E402

WRITERS = 4
STORES = 2
TICK_MS = 5

WRITER = """
import sys, time, lockcore
path, deadline = sys.argv[1], time.time() + float(sys.argv[2])
count = 0
while time.time() < deadline:
    lockcore.locked_update_json(path, lambda d: {"n": d["n"] + 1, "pad": "x" * (d["n"] % 50)},
                                durable=False)
    count += 1
print(count)
"""


def run(app: QApplication, seconds: float, mode: str) -> dict[str, float]:
    folder = tempfile.mkdtemp(prefix="bench-timeline-")
    stores = [os.path.join(folder, f"store-{n}.json") for n in range(STORES)]
    for store in stores:
        Path(store).write_text('{"n": 0}')
    service = LockEventService()
    dock = LockEventsDock(service)
    dock.resize(1200, 360)
    if mode == "no-stream":
        pass
    elif mode != "hidden":
        dock.show()
        dock.tabs.setCurrentIndex(0 if mode == "table" else 1)
        if mode == "timeline-session":
            dock.timeline.set_span(dock.timeline.span_box.count() - 1)
    paints: list[float] = []
    canvas = dock.timeline.canvas
    paint = canvas.paintEvent

    def timed_paint(event: object) -> None:
        begun = time.perf_counter()
        paint(event)  # type: ignore[arg-type]
        paints.append((time.perf_counter() - begun) * 1000)

    canvas.paintEvent = timed_paint  # type: ignore[method-assign]
    watching: list[str] = []
    service.watching.connect(watching.append)
    if mode != "no-stream":
        service.watch(folder, recursive=False)
        while not watching:
            app.processEvents()

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6 - TICK_MS)
        last[0] = now

    full_collections: list[float] = []
    collecting = [0.0]

    def on_collection(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            collecting[0] = time.perf_counter()
        else:
            full_collections.append((time.perf_counter() - collecting[0]) * 1000)

    gc.callbacks.append(on_collection)
    child = psutil.Process(service.process_id) if service.process_id else None
    child_started = sum(child.cpu_times()[:2]) if child is not None else 0.0
    cpu_started = time.thread_time()
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    timer.start()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, stores[n % STORES], str(seconds)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    started = time.monotonic()
    # The GUI thread runs its event loop as the app does (no busy loop competing with it),
    # until the writers are done and what the stream collected last is delivered.
    loop = QEventLoop()
    finished: list[float] = []

    def check_writers() -> None:
        if any(writer.poll() is None for writer in writers):
            return
        if not finished:
            finished.append(time.monotonic())
        elif time.monotonic() - finished[0] > 0.5:
            loop.quit()

    poll = QTimer()
    poll.setInterval(100)
    poll.timeout.connect(check_writers)
    poll.start()
    loop.exec()
    poll.stop()
    elapsed = time.monotonic() - started
    gui_cpu = time.thread_time() - cpu_started
    child_cpu = sum(child.cpu_times()[:2]) - child_started if child is not None else 0.0
    gc.callbacks.remove(on_collection)
    timer.stop()
    updates = sum(int(writer.communicate()[0] or 0) for writer in writers)
    events = len(service.log)
    lanes = dock.timeline.holds.lanes.values()
    holds = sum(len(lane) for lane in lanes)
    # The stream's resolution under this load: holds whose holder it saw (the others were
    # too short for it to read their lock: reported, without a PID).
    seen = sum(1 for lane in lanes for hold in lane.holds if hold.pid is not None)
    service.shutdown()
    dock.deleteLater()
    app.processEvents()
    _dispose()
    ordered = sorted(gaps)
    return {
        "updates": updates,
        "events": events,
        "holds": holds,
        "elapsed": elapsed,
        "max": ordered[-1] if ordered else 0.0,
        "p99": ordered[int(len(ordered) * 0.99)] if ordered else 0.0,
        "median": statistics.median(ordered) if ordered else 0.0,
        "over50": sum(1 for gap in gaps if gap > 50),
        "paint_max": max(paints, default=0.0),
        "paints": len(paints),
        "gui_cpu": gui_cpu / elapsed * 1000,
        # The GUI thread's CPU per hold drawn (µs): the storm's size varies with the load.
        "cpu_per_hold": gui_cpu / holds * 1e6 if holds else 0.0,
        "child_cpu": child_cpu / elapsed * 1000,
        "seen": seen / holds * 100 if holds else 0.0,
        "gc_max": max(full_collections, default=0.0),
    }


def paint_cost(
    seconds: float = 60.0, holds_per_second: int = 1500, paints: int = 25
) -> dict[str, tuple[float, float]]:
    """CPU ms of one timeline paint (median, max of ``paints``), each 0.2 s after the last (as
    following live), for each span, over ``seconds`` of two lanes' synthetic storm (1,500 holds
    a second each: a minute of them is kept whole, under the 100,000 holds a lane keeps, so
    that every pixel column of the lanes has holds)."""
    now = [100_000.0]
    service = LockEventService()
    timeline = LockTimeline(service, clock=lambda: now[0])
    timeline.resize(1200, 330)
    timeline.show()
    events = []
    for lane, store in enumerate(("/storm/a.json", "/storm/b.json")):
        for number in range(int(seconds * holds_per_second)):
            start = now[0] - seconds + number / holds_per_second
            pid = 100 + 2 * lane + number % 2
            events.append(LockEvent(start, EventKind.TAKEN, store, pid=pid))
            events.append(LockEvent(start + 1e-4, EventKind.RELEASED, store, duration_s=1e-4))
    events.sort(key=lambda event: event.time)
    timeline.holds.add(events)
    costs = {}
    for name, index in (("last minute", 0), ("whole session", len(SPANS) - 1)):
        timeline.set_span(index)
        timeline.canvas.grab()
        times = []
        for _ in range(paints):
            now[0] += 0.2
            begun = time.thread_time()
            timeline.canvas.grab()
            times.append((time.thread_time() - begun) * 1000)
        costs[name] = (statistics.median(times), max(times))
    timeline.deleteLater()
    _dispose()
    return costs


def _dispose() -> None:
    """Delete what was deleteLater()-ed and collect it now: freeing a run's hundreds of
    thousands of events and holds must not land in the next run's measured turns."""
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


class _Replay:
    """Stands in for the stream's child: hands the service encoded messages as the child's
    pipe would, at the storm's pace, with no writer and no child taking a CPU."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.failure = ""
        self.inbox: collections.deque[bytes] = collections.deque()

    @property
    def has_events(self) -> bool:
        return bool(self.inbox)

    def take_message(self) -> list[LockEvent]:
        return decode_message(self.inbox.popleft())[1]  # type: ignore[no-any-return]

    def read_now(self) -> None:
        pass

    def stop(self) -> None:
        pass


def replay(app: QApplication, mode: str, seconds: float = 5.0) -> dict[str, float]:
    """The GUI side of a storm alone: its events (9,500 holds a second, as the 4 writers make
    on a quiet machine: taken, written, released each) reach the service every 0.1 s as the
    child's messages, encoded; the dock as in ``run``. The GUI thread's CPU per second and
    per event, and its longest turn (CPU between two ticks of a 5 ms timer) -- what the
    machine's load hardly moves."""
    folder = "/storm"
    holds_per_batch = 950
    service = LockEventService()
    dock = LockEventsDock(service)
    dock.resize(1200, 360)
    if mode != "hidden":
        dock.show()
        dock.tabs.setCurrentIndex(0 if mode == "table" else 1)
        if mode == "timeline-session":
            dock.timeline.set_span(dock.timeline.span_box.count() - 1)
    batches: list[list[bytes]] = []
    begun = time.time() + 0.5  # about when the replay starts (the batches take a while)
    for batch in range(int(seconds * 10)):
        events = []
        for number in range(holds_per_batch):
            moment = begun + batch * 0.1 + number * 0.1 / holds_per_batch
            store = f"{folder}/store-{number % STORES}.json"
            facts = {"pid": 100 + number % WRITERS, "process": "python", "host": "vm"}
            events += [
                LockEvent(moment, EventKind.TAKEN, store, **facts),  # type: ignore[arg-type]
                LockEvent(moment + 5e-5, EventKind.WRITTEN, store, size=40, **facts),  # type: ignore[arg-type]
                LockEvent(moment + 1e-4, EventKind.RELEASED, store, duration_s=1e-4, **facts),  # type: ignore[arg-type]
            ]
        batches.append(
            [
                frame(b"E" + pickle.dumps(("events", events[start : start + MESSAGE_EVENTS])))[4:]
                for start in range(0, len(events), MESSAGE_EVENTS)
            ]
        )
    stream = _Replay(folder)
    service._stream = stream  # type: ignore[assignment]
    pending = collections.deque(batches)
    cpu_gaps: list[float] = []
    last_cpu = [time.thread_time()]

    def tick() -> None:
        now = time.thread_time()
        cpu_gaps.append((now - last_cpu[0]) * 1000)
        last_cpu[0] = now

    def next_batch() -> None:
        if not pending:
            loop.quit()
            return
        stream.inbox.extend(pending.popleft())
        service._on_stream_arrived()

    loop = QEventLoop()
    ticker = QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.setInterval(TICK_MS)
    ticker.timeout.connect(tick)
    feeder = QTimer()
    feeder.setInterval(100)
    feeder.timeout.connect(next_batch)
    cpu_started, started = time.thread_time(), time.monotonic()
    ticker.start()
    feeder.start()
    loop.exec()
    ticker.stop()
    feeder.stop()
    cpu = time.thread_time() - cpu_started
    elapsed = time.monotonic() - started
    events = len(batches) * holds_per_batch * 3
    service._stream = None
    dock.deleteLater()
    app.processEvents()
    _dispose()
    return {
        "cpu_per_second": cpu / elapsed * 1000,
        "cpu_per_event": cpu / events * 1e6,
        "longest_turn": max(cpu_gaps, default=0.0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each storm")
    parser.add_argument(
        "--gui-only",
        action="store_true",
        help="only the paint and the replayed storm's GUI side (CPU figures), no writers",
    )
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    share_interpreter_with_gui()  # as the app does (inspector.app.configure_application)
    assert isinstance(app, QApplication)
    for span, (median, longest) in paint_cost().items():
        print(
            f"timeline paint, a minute of 3,000 holds/s, {span}: "
            f"{median:.1f} ms CPU median, {longest:.1f} ms max"
        )
    for mode in ("hidden", "table", "timeline-minute", "timeline-session"):
        cost = replay(app, mode)
        print(
            f"replayed storm, GUI side, {mode}: {cost['cpu_per_second']:.0f} ms CPU/s, "
            f"{cost['cpu_per_event']:.2f} µs per event, "
            f"longest turn {cost['longest_turn']:.1f} ms CPU"
        )
    if args.gui_only:
        return 0
    print(
        f"{WRITERS} writers on {STORES} stores for {args.seconds:.0f} s each; "
        f"stall = how late a {TICK_MS} ms GUI timer fired (offscreen); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'dock':20}{'updates':>9}{'holds':>8}{'max stall':>11}{'p99':>9}{'median':>9}"
        f"{'>50ms':>7}{'max/base':>10}{'paints':>8}{'paint max':>11}{'GUI CPU/s':>11}"
        f"{'full gc max':>13}{'CPU/hold':>10}{'child CPU/s':>13}{'holder seen':>13}"
    )
    baseline = None
    for mode in ("no-stream", "hidden", "table", "timeline-minute", "timeline-session"):
        figures = run(app, args.seconds, mode)
        if baseline is None:
            baseline = max(figures["max"], 0.1)
        print(
            f"{mode:20}{figures['updates']:9.0f}{figures['holds']:8.0f}"
            f"{figures['max']:8.1f} ms{figures['p99']:6.1f} ms{figures['median']:6.1f} ms"
            f"{figures['over50']:7.0f}{figures['max'] / baseline:9.2f}x"
            f"{figures['paints']:8.0f}{figures['paint_max']:8.1f} ms"
            f"{figures['gui_cpu']:8.0f} ms{figures['gc_max']:10.1f} ms"
            f"{figures['cpu_per_hold']:7.1f} µs{figures['child_cpu']:10.0f} ms"
            f"{figures['seen']:12.0f}%"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
