"""Big documents in the document pane, measured side by side with ``json.load`` (offscreen).

Run: ``python benchmarks/bench_documents.py [--mb 20]``. Generates a realistic JSON document
(nested records, strings, numbers, a 10,000-item array), then prints:

- ``json.load`` of the file against the time from ``DocumentPane.open_store()`` to the tree
  showing the document's top level, and their ratio (target: at most 2.0);
- the longest stall of the GUI event loop during that load, measured by a 5 ms QTimer probe
  (target: well under 100 ms);
- expanding the 10,000-item array (first batch shown, and every row fetched);
- the raw view of a 4.5 MB document, and of the huge-file fallback (over the size limit).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from inspector.app import share_interpreter_with_gui
from inspector.document import DocumentPane

WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
    "pi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
]


def make_document(target_bytes: int, seed: int = 7) -> dict[str, Any]:
    """Records with nested objects, arrays, strings, numbers, booleans and nulls."""
    rng = random.Random(seed)

    def word() -> str:
        return rng.choice(WORDS)

    def record(i: int) -> dict[str, Any]:
        return {
            "id": i,
            "name": f"{word()} {word()}",
            "email": f"{word()}{i}@example.org",
            "active": rng.random() < 0.5,
            "score": round(rng.random() * 100, 3),
            "tags": [word() for _ in range(rng.randint(0, 5))],
            "address": {
                "street": f"{rng.randint(1, 999)} {word().title()} Street",
                "city": word().title(),
                "zip": f"{rng.randint(10000, 99999)}",
                "geo": {"lat": rng.uniform(-90, 90), "lng": rng.uniform(-180, 180)},
            },
            "history": [
                {"ts": 1_700_000_000 + rng.randint(0, 10**7), "event": word(),
                 "value": rng.randint(0, 1000), "note": None}
                for _ in range(rng.randint(0, 6))
            ],
        }  # fmt: skip

    document: dict[str, Any] = {
        "meta": {"version": 3, "generated": "2026-11-26T00:00:00Z", "source": "bench"},
        "events": [{"seq": i, "kind": word(), "ok": i % 7 != 0} for i in range(10_000)],
        "users": [],
    }
    size = len(json.dumps(document, indent=2))
    i = 0
    while size < target_bytes:
        item = record(i)
        document["users"].append(item)
        size += len(json.dumps(item, indent=4)) + 2  # roughly as nested in the file
        i += 1
    return document


class StallProbe:
    """A 5 ms timer; the longest gap between two ticks is the longest event-loop stall."""

    def __init__(self) -> None:
        self._timer = QTimer()
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.longest = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def start(self) -> None:
        self.longest = 0.0
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> float:
        self._tick()
        self._timer.stop()
        return self.longest


def wait_for(app: QApplication, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the pane did not get there in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def time_json_load(path: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        times.append(time.perf_counter() - started)
        del document
    return statistics.median(times)


def time_open(
    app: QApplication, pane: DocumentPane, path: str, probe: StallProbe
) -> tuple[float, float]:
    """(seconds from open_store to the tree's top level painted, longest stall)."""
    pane.open_store(None)
    gc.collect()
    app.processEvents()
    loaded: list[str] = []
    pane.document_loaded.connect(loaded.append)
    probe.start()
    started = time.perf_counter()
    pane.open_store(path)
    wait_for(app, lambda: bool(loaded))
    pane.tree_view.viewport().repaint()  # the top level drawn
    elapsed = time.perf_counter() - started
    stall = probe.stop()
    pane.document_loaded.disconnect(loaded.append)
    # A big document's secrets are checked on a worker after it is shown; let that end so that
    # the next measurement does not share the CPU (and the GIL) with it.
    wait_for(app, lambda: pane.loaded is not None and pane.loaded.secrets is not None)
    return elapsed, stall


def time_expand(app: QApplication, pane: DocumentPane) -> tuple[float, float]:
    """(first batch of the 10,000-item array shown, all 10,000 rows fetched)."""
    model, view = pane.model, pane.tree_view
    events = model.index_for_json_path("events")
    app.processEvents()
    started = time.perf_counter()
    view.expand(events)
    view.scrollTo(events)
    view.viewport().repaint()
    app.processEvents()
    first = time.perf_counter() - started
    while model.canFetchMore(events):
        model.fetchMore(events)
    view.scrollTo(model.index(model.rowCount(events) - 1, 0, events))
    view.viewport().repaint()
    app.processEvents()
    assert model.rowCount(events) == 10_000
    return first, time.perf_counter() - started


def time_raw(
    app: QApplication, pane: DocumentPane, probe: StallProbe
) -> tuple[float, float, float]:
    """(raw text first shown, all text in, longest stall): the raw tab of the shown document."""
    editor = pane.raw_editor
    probe.start()
    started = time.perf_counter()
    pane.tabs.setCurrentIndex(1)
    editor.viewport().repaint()
    shown = time.perf_counter() - started
    wait_for(app, lambda: not editor.is_loading)
    done = time.perf_counter() - started
    return shown, done, probe.stop()


def time_huge_fallback(
    app: QApplication, path: str, probe: StallProbe, size_limit: int
) -> tuple[float, float, float, str]:
    pane = DocumentPane(size_limit=size_limit)
    pane.resize(1000, 700)
    pane.show()
    app.processEvents()
    loaded: list[str] = []
    pane.document_loaded.connect(loaded.append)
    probe.start()
    started = time.perf_counter()
    pane.open_store(path)
    wait_for(app, lambda: bool(loaded))
    pane.raw_editor.viewport().repaint()
    shown = time.perf_counter() - started
    wait_for(app, lambda: not pane.raw_editor.is_loading)
    done = time.perf_counter() - started
    stall = probe.stop()
    kind = pane.loaded.kind.value if pane.loaded is not None else "?"
    pane.shutdown()
    pane.deleteLater()
    return shown, done, stall, kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="document size (default 20)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    share_interpreter_with_gui()  # as the app does (inspector.app.configure_application)
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as folder:
        big = os.path.join(folder, "big.json")
        with open(big, "w", encoding="utf-8") as handle:
            json.dump(make_document(int(args.mb * 1024 * 1024)), handle, indent=2)
        medium = os.path.join(folder, "medium.json")
        with open(medium, "w", encoding="utf-8") as handle:
            json.dump(make_document(int(4.5 * 1024 * 1024), seed=8), handle, indent=2)
        size = os.path.getsize(big)

        baseline = time_json_load(big, args.runs)
        pane = DocumentPane()
        pane.resize(1000, 700)
        pane.show()
        probe = StallProbe()
        opens = [time_open(app, pane, big, probe) for _ in range(args.runs)]
        tree_time = statistics.median(t for t, _ in opens)
        stall = max(s for _, s in opens)
        first_batch, all_rows = time_expand(app, pane)
        probe.start()
        started = time.perf_counter()
        pane.open_store(None)  # showing nothing: the 20 MB document goes away
        app.processEvents()
        drop_time, drop_stall = time.perf_counter() - started, probe.stop()

        time_open(app, pane, medium, probe)
        raw_shown, raw_done, raw_stall = time_raw(app, pane, probe)
        pane.shutdown()

        huge = time_huge_fallback(app, big, probe, size_limit=16 * 1024 * 1024)

    rows = [
        ("document", f"{size / 1024 / 1024:.1f} MB", ""),
        ("json.load (baseline)", f"{baseline * 1000:.0f} ms", f"median of {args.runs}"),
        ("open_store → tree top level", f"{tree_time * 1000:.0f} ms", f"median of {args.runs}"),
        ("ratio tree / json.load", f"{tree_time / baseline:.2f}", "target ≤ 2.0"),
        ("longest GUI stall during load", f"{stall * 1000:.0f} ms", "5 ms probe; target < 100"),
        ("expand 10,000-item array", f"{first_batch * 1000:.0f} ms", "first batch shown"),
        ("  … every row fetched", f"{all_rows * 1000:.0f} ms", "fetchMore to the end"),
        (
            "close the 20 MB document",
            f"{drop_time * 1000:.0f} ms",
            f"open_store(None); longest stall {drop_stall * 1000:.0f} ms",
        ),
        ("raw tab, 4.5 MB document", f"{raw_shown * 1000:.0f} ms", "first text shown"),
        (
            "  … all text in",
            f"{raw_done * 1000:.0f} ms",
            f"longest stall {raw_stall * 1000:.0f} ms",
        ),
        ("huge-file fallback (raw)", f"{huge[0] * 1000:.0f} ms", f"open → text shown ({huge[3]})"),
        ("  … all text in", f"{huge[1] * 1000:.0f} ms", f"longest stall {huge[2] * 1000:.0f} ms"),
    ]
    width = max(len(name) for name, _, _ in rows)
    print(f"{'measure':<{width}}  {'value':>10}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")


if __name__ == "__main__":
    main()
