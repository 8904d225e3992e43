"""Format-keeping saves (issue 10), measured beside what they replace.

Run: ``python benchmarks/bench_fidelity.py [--mb 50] [--runs 3]``. Prints:

- a small store's ``locked_update_json`` keeping the format (the new default) against the same
  update re-serialised with ``indent=2`` (what every update did before), with and without
  fsync (target: at most 1.2x). The two kinds of update alternate, one each in turn, and each
  update is timed alone: the ratio of the medians of many is what load on the machine moves
  least (it slows both alike);
- a one-value update of a compact document of ``--mb`` MB through ``locked_update_json``
  (durable) against ``json.load`` + ``json.dump`` + write of that file (target: at most 2x);
- the same one-value save through the app's document pane (open, edit, Ctrl+S) and the
  longest stall of the GUI event loop while it saves (target: under 100 ms);
- the same save when another process changed the file after it was opened (the save parses
  it and merges), and its longest stall;
- "Replace the whole file with my version" after another process changed the same value (the
  conflict's answer: the edit applied over the bytes it was made on replaces theirs), and its
  longest stall.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_documents import StallProbe, make_document, wait_for

from lockcore import locked_update_json

SMALL_STORE = (
    '{\n    "theme": "dark",\n    "counter": 0,\n    "ports": [80, 443],\n'
    '    "sync": {"enabled": true, "interval": 30, "ratio": 1.50},\n'
    '    "recent": ["/home/a/project", "/home/b/notes", "/srv/c"],\n'
    '    "agents": {"a1": {"state": "idle", "seen": 1700000000},'
    ' "a2": {"state": "busy", "seen": 1700000123}}\n}\n'
)


def _count(document: Any) -> Any:
    document["counter"] += 1
    return document


def time_small_updates(folder: str, durable: bool, updates: int) -> tuple[float, float]:
    """Median seconds of one update of a small hand-formatted store: (keeping its format,
    re-serialised with indent=2), the two alternating update by update."""
    paths = {}
    for indent in ("keep", 2):
        paths[indent] = os.path.join(folder, f"small-{indent}-{durable}.json")
        with open(paths[indent], "w", encoding="utf-8") as handle:
            handle.write(SMALL_STORE)
    times: dict[Any, list[float]] = {"keep": [], 2: []}
    clock = time.perf_counter
    for turn in range(2 * updates):
        indent: Any = ("keep", 2)[turn % 2]
        started = clock()
        locked_update_json(paths[indent], _count, indent=indent, durable=durable)
        times[indent].append(clock() - started)
    return statistics.median(times["keep"]), statistics.median(times[2])


def time_load_and_write(path: str, out: str) -> float:
    """The baseline: json.load, change one value, json.dump the document back compact."""
    started = time.perf_counter()
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    document["meta"]["version"] += 1
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(document, handle, separators=(",", ":"), ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    return time.perf_counter() - started


def _their_change(document: Any) -> Any:
    document["meta"]["source"] += "+"
    return document


def _their_conflicting_change(document: Any) -> Any:
    document["meta"]["version"] = -1  # the value the app's save changes too
    return document


def _bump(document: Any) -> Any:
    document["meta"]["version"] += 1
    return document


def time_keep_update(path: str) -> tuple[float, int]:
    """One durable format-keeping update; (seconds, bytes that differ from before)."""
    with open(path, "rb") as handle:
        before = handle.read()
    started = time.perf_counter()
    locked_update_json(path, _bump)
    elapsed = time.perf_counter() - started
    with open(path, "rb") as handle:
        after = handle.read()
    changed = sum(a != b for a, b in zip(before, after, strict=False))
    return elapsed, changed + abs(len(after) - len(before))


def time_app_save(
    path: str, runs: int, *, theirs: bool = False, replace: bool = False
) -> tuple[float, float, list[float]]:
    """(open to tree, save to saved: medians; the longest GUI stall of each save);
    ``theirs``: another process changes the file between the open and the save; ``replace``:
    it changes the value edited, and the save measured is the conflict's "Replace the whole
    file with my version"."""
    from PySide6.QtWidgets import QApplication

    from inspector.app import share_interpreter_with_gui

    app = QApplication.instance() or QApplication(sys.argv[:1])
    share_interpreter_with_gui()  # as the app does (inspector.app.configure_application)
    assert isinstance(app, QApplication)
    probe = StallProbe()
    opens: list[float] = []
    saves: list[float] = []
    stalls: list[float] = []
    for run in range(runs):
        opened, save, stall = _one_app_save(app, probe, path, run, theirs=theirs, replace=replace)
        opens.append(opened)
        saves.append(save)
        stalls.append(stall)
    return statistics.median(opens), statistics.median(saves), stalls


def _one_app_save(
    app: Any, probe: StallProbe, path: str, run: int, *, theirs: bool, replace: bool = False
) -> tuple[float, float, float]:
    from inspector.document import ConflictChoice, DocumentPane
    from inspector.document.tree_model import VALUE_COLUMN

    pane = DocumentPane()
    pane.resize(1000, 700)
    pane.show()
    loaded: list[object] = []
    pane.document_loaded.connect(loaded.append)
    started = time.perf_counter()
    pane.open_store(path)
    wait_for(app, lambda: bool(loaded))
    wait_for(app, lambda: pane.loaded is not None and pane.loaded.secrets is not None)
    opened = time.perf_counter() - started
    index = pane.model.index_for_json_path("meta", "version").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(index, str(1000 + run))
    if theirs:
        locked_update_json(path, _their_change)
    saved: list[str] = []
    pane.saved.connect(saved.append)
    if replace:
        locked_update_json(path, _their_conflicting_change)
        assert pane.save()
        wait_for(app, lambda: pane.conflict_dialog is not None, timeout=300)
    probe.start()
    started = time.perf_counter()
    if replace:
        dialog = pane.conflict_dialog
        assert dialog is not None
        dialog.choose(ConflictChoice.REPLACE_FILE)
    else:
        assert pane.save()
    wait_for(app, lambda: bool(saved), timeout=300)
    save = time.perf_counter() - started
    stall = probe.stop()
    pane.shutdown()
    pane.deleteLater()
    wait_for(app, lambda: True)
    return opened, save, stall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=50.0, help="compact document size")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--updates", type=int, default=1000, help="small-store updates of each kind a run"
    )
    parser.add_argument("--no-app", action="store_true", help="skip the document pane")
    parser.add_argument("--small-only", action="store_true", help="only the small store")
    args = parser.parse_args()

    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        for durable in (False, True):
            updates = args.updates if not durable else max(args.updates // 3, 30)
            keep, today = time_small_updates(folder, durable, updates * args.runs)
            label = "fsync" if durable else "no fsync"
            rows.append(
                (
                    f"small store update ({label}), median of {updates * args.runs}",
                    f"{keep * 1e6:,.0f} µs",
                    f"{today * 1e6:,.0f} µs re-serialised (indent=2)",
                    f"{keep / today:.2f}x time (<= 1.2x)",
                )
            )

        if args.small_only:
            _print(rows)
            return
        print(f"generating a {args.mb:.0f} MB compact document …", flush=True)
        document = make_document(int(args.mb * 1_000_000 * 1.9))
        path = os.path.join(folder, "big.json")
        text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
        del document
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        size = len(text.encode("utf-8"))
        del text
        baseline, keep_times, changed = [], [], 0
        for _ in range(args.runs):
            baseline.append(time_load_and_write(path, os.path.join(folder, "out.json")))
            elapsed, changed = time_keep_update(path)
            keep_times.append(elapsed)
        rows.append(
            (
                f"one-value update, {size / 1e6:.1f} MB compact (lockcore, fsync)",
                f"{statistics.median(keep_times):.2f} s, {changed} bytes changed",
                f"{statistics.median(baseline):.2f} s json.load + json.dump + fsync",
                f"{statistics.median(keep_times) / statistics.median(baseline):.2f}x (<= 2x)",
            )
        )
        if not args.no_app:
            opened, save, stalls = time_app_save(path, args.runs)
            rows.append(
                (
                    f"one-value save in the app, {size / 1e6:.1f} MB",
                    f"{save:.2f} s (open {opened:.2f} s)",
                    f"{statistics.median(baseline):.2f} s json.load + json.dump + fsync",
                    f"{save / statistics.median(baseline):.2f}x",
                )
            )
            rows.append(("longest GUI stall while saving", *_stalls(stalls)))
            opened, save, stalls = time_app_save(path, args.runs, theirs=True)
            rows.append(
                (
                    "  the same, file changed by another process (merged)",
                    f"{save:.2f} s",
                    f"{statistics.median(baseline):.2f} s json.load + json.dump + fsync",
                    f"{save / statistics.median(baseline):.2f}x",
                )
            )
            rows.append(("  longest GUI stall while merging", *_stalls(stalls)))
            opened, save, stalls = time_app_save(path, args.runs, replace=True)
            rows.append(
                (
                    "  the same value changed by another process: Replace the whole file",
                    f"{save:.2f} s",
                    f"{statistics.median(baseline):.2f} s json.load + json.dump + fsync",
                    f"{save / statistics.median(baseline):.2f}x",
                )
            )
            rows.append(("  longest GUI stall while replacing", *_stalls(stalls)))

    _print(rows)


def _stalls(stalls: list[float]) -> tuple[str, str, str]:
    """The longest of the saves' stalls, their median, and each (they vary a lot with load)."""
    each = ", ".join(f"{stall * 1000:.0f}" for stall in stalls)
    return (
        f"{max(stalls) * 1000:.0f} ms (median {statistics.median(stalls) * 1000:.0f} ms)",
        f"each save: {each} ms",
        "(< 100 ms)",
    )


def _print(rows: list[tuple[str, str, str, str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared: ratios, not absolute times)")


if __name__ == "__main__":
    main()
