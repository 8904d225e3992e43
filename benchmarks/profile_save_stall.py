"""Where a big save's GUI stalls come from: a trace to read, not a benchmark with a target.

Run: ``python benchmarks/profile_save_stall.py [--mb 50] [--theirs]``. Opens a compact document
of ``--mb`` MB in the document pane, edits one value and saves it (``--theirs``: another process
changes the file first, so the save parses and merges). Prints:

- every gap over ``--gap`` ms of a 2 ms timer on the GUI thread (a stall);
- the save's phases on its worker (lockcore's load, the edit, the write, the pane's document);
- every stretch over ``--gap`` ms in which the worker's format-keeping scan ran between two
  hand-overs of the GIL (``time.sleep(0)``), with the CPU time the worker itself used in it:
  a stretch with little CPU is the worker holding the GIL while the machine did not run it;
  one with a lot is work between hand-overs.

A long C call holds the GIL for its whole length, so it stalls the GUI thread as much as work
on that thread would; ``--calls`` also lists every C call of the worker over ``--gap`` ms
(``sys.setprofile``: slower, and calls of the JSON scanner object are not seen).

``--stacks``: when the GUI timer has not ticked for ``--gap`` ms, every thread's Python stack
is printed at that moment (``faulthandler``'s own thread prints it, without the GIL): the
thread in the middle of a C call, or the threads taking turns at the GIL, are named there.
"""

from __future__ import annotations

import argparse
import faulthandler
import functools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_documents import make_document, wait_for

from inspector.document import save_service, save_worker
from lockcore import _atomic, _json, _jsonedit, locked_update_json

Span = tuple[str, float, float]


class _Recorder:
    def __init__(self) -> None:
        self.phases: list[Span] = []
        self.calls: list[Span] = []
        self.hand_overs: list[tuple[float, float, str]] = []  # (wall, own CPU, where)

    def wrap(self, module: Any, name: str) -> None:
        function = getattr(module, name)

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.phases.append((name, started, time.perf_counter()))

        setattr(module, name, timed)

    def sleep(self, seconds: float) -> None:
        caller = sys._getframe(1)
        time.sleep(seconds)
        where = f"{caller.f_code.co_name}:{caller.f_lineno}"
        self.hand_overs.append((time.perf_counter(), time.thread_time(), where))

    def c_calls(self, longest: float) -> Callable[[FrameType, str, Any], None]:
        open_calls: list[tuple[float, Any]] = []

        def profile(frame: FrameType, event: str, arg: Any) -> None:
            if event == "c_call":
                open_calls.append((time.perf_counter(), arg))
            elif event in ("c_return", "c_exception") and open_calls:
                started, function = open_calls.pop()
                if time.perf_counter() - started > longest:
                    name = getattr(function, "__qualname__", repr(function))
                    where = f"{frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno}"
                    self.calls.append((f"{name} at {where}", started, time.perf_counter()))

        return profile


class _Time:
    """What ``_jsonedit`` uses of ``time``, with its hand-overs recorded."""

    def __init__(self, recorder: _Recorder) -> None:
        self.sleep = recorder.sleep
        self.perf_counter = time.perf_counter


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--gap", type=float, default=80.0, help="ms: gaps and stretches shown")
    parser.add_argument("--theirs", action="store_true", help="another process writes first")
    parser.add_argument("--calls", action="store_true", help="trace the worker's C calls")
    parser.add_argument("--stacks", action="store_true", help="every thread's stack at a gap")
    args = parser.parse_args()
    longest = args.gap / 1000

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from inspector.app import share_interpreter_with_gui
    from inspector.document import DocumentPane
    from inspector.document.tree_model import VALUE_COLUMN

    app = QApplication.instance() or QApplication(sys.argv[:1])
    share_interpreter_with_gui()  # as the app does (inspector.app.configure_application)
    assert isinstance(app, QApplication)
    recorder = _Recorder()
    for module, name in [
        (_json, "_load_locked"),
        (_jsonedit, "apply_edit"),
        (_atomic, "write_atomic"),
        (save_worker, "written_document"),
        (save_worker, "classify_json"),
        (save_worker, "number_spellings"),
        (save_worker, "three_way_merge"),
        (save_worker, "release_gradually"),
    ]:
        recorder.wrap(module, name)
    _jsonedit.time = _Time(recorder)  # type: ignore[assignment]
    if args.calls:
        save_in_worker = save_service._save_in_worker

        def traced(*call_args: Any, **kwargs: Any) -> Any:
            sys.setprofile(recorder.c_calls(longest))
            try:
                return save_in_worker(*call_args, **kwargs)
            finally:
                sys.setprofile(None)

        save_service._save_in_worker = traced  # type: ignore[assignment]

    gaps: list[tuple[float, float]] = []
    last = [0.0]

    def tick() -> None:
        now = time.perf_counter()
        if now - last[0] > longest:
            gaps.append((last[0], now))
            if args.stacks:
                print(f"-- the gap above ended at {now - started:.2f} s", flush=True)
        last[0] = now
        if args.stacks:  # re-armed on every tick: it fires only when a tick is late
            faulthandler.dump_traceback_later(longest, file=sys.stdout)

    timer = QTimer()
    timer.setInterval(2)
    timer.timeout.connect(tick)

    with tempfile.TemporaryDirectory() as folder:
        print(f"generating a {args.mb:.0f} MB compact document …", flush=True)
        path = os.path.join(folder, "big.json")
        document = make_document(int(args.mb * 1_000_000 * 1.9))
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(document, handle, separators=(",", ":"), ensure_ascii=False)
        del document
        pane = DocumentPane()
        pane.resize(1000, 700)
        pane.show()
        loaded: list[object] = []
        pane.document_loaded.connect(loaded.append)
        pane.open_store(path)
        wait_for(app, lambda: bool(loaded))
        wait_for(app, lambda: pane.loaded is not None and pane.loaded.secrets is not None)
        index = pane.model.index_for_json_path("meta", "version").siblingAtColumn(VALUE_COLUMN)
        assert pane.model.setData(index, "1234")
        if args.theirs:
            locked_update_json(path, lambda d: {**d, "meta": {**d["meta"], "source": "x"}})
        saved: list[object] = []
        pane.saved.connect(saved.append)
        recorder.phases.clear()
        recorder.hand_overs.clear()
        started = last[0] = time.perf_counter()
        timer.start()
        if args.stacks:
            print("every thread's stack at each GUI gap:", flush=True)
        tick()
        assert pane.save()
        wait_for(app, lambda: bool(saved), timeout=600)
        timer.stop()
        faulthandler.cancel_dump_traceback_later()
        print(f"save: {time.perf_counter() - started:.2f} s; load average {os.getloadavg()[0]:.1f}")
        pane.shutdown()

    def at(moment: float) -> str:
        return f"{moment - started:7.2f}"

    print(f"GUI gaps over {args.gap:.0f} ms:")
    for gap_start, gap_end in gaps:
        print(f"  {at(gap_start)} .. {at(gap_end)}  {1000 * (gap_end - gap_start):6.0f} ms")
    print("the save's phases:")
    for name, phase_start, phase_end in recorder.phases:
        print(f"  {at(phase_start)} .. {at(phase_end)}  {phase_end - phase_start:6.2f} s  {name}")
    print(f"the edit's scan between two hand-overs of the GIL, over {args.gap:.0f} ms:")
    for (wall, cpu, where), (next_wall, next_cpu, next_where) in zip(
        recorder.hand_overs, recorder.hand_overs[1:], strict=False
    ):
        if next_wall - wall > longest:
            print(
                f"  {at(wall)} .. {at(next_wall)}  {1000 * (next_wall - wall):6.0f} ms, "
                f"{1000 * (next_cpu - cpu):5.0f} ms of its own CPU ({where} -> {next_where})"
            )
    if args.calls:
        print(f"the worker's C calls over {args.gap:.0f} ms:")
        for name, call_start, call_end in recorder.calls:
            took = 1000 * (call_end - call_start)
            print(f"  {at(call_start)} .. {at(call_end)}  {took:6.0f} ms  {name}")


if __name__ == "__main__":
    main()
