"""The window's document pass on its own, beside the floor's loop over the same documents.

Run: ``python benchmarks/bench_document_pass.py [--stores 10000] [--rounds 9]`` (offscreen).

``bench_inspector.py`` measures "every document checked" as a person sees it (a window opening a
folder, until the last document's health is in the table), beside a floor that reads and parses
every document. That figure also holds the listing, the GUI thread's painting and whatever else
takes a CPU meanwhile. This script measures the part that is the check itself: the scan worker's
document pass (:meth:`_ScanWorker._on_health_timer_timeout`, slice after slice, as it runs after
a listing: open, fstat, read, classify, the row completed, its result kept) over ``--stores``
small stores, against the floor's own loop over the same files (``open``, ``read``,
``json.loads``). CPU time of this thread (``time.thread_time``), so that other work on the machine
moves the figures less than wall time would; the two alternate, and the minimum and median of
``--rounds`` are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PySide6.QtCore import QCoreApplication

from inspector.services.listing import list_folder
from inspector.services.scan_worker import _ScanWorker
from inspector.services.scanner import entries_from_listing
from inspector.services.store_entry import StoreEntry


def make_folder(stores: int) -> str:
    """A folder of ``stores`` small stores, as bench_inspector makes them."""
    folder = tempfile.mkdtemp(prefix="bench-document-pass-")
    for number in range(stores):
        document = {"id": number, "name": f"store {number}", "tags": ["a", "b"], "n": number}
        with open(os.path.join(folder, f"store-{number:05d}.json"), "w", encoding="utf-8") as out:
            json.dump(document, out)
    return folder


def floor_loop(paths: list[str]) -> float:
    """The floor's reading and parsing of every document (thread CPU seconds)."""
    started = time.thread_time()
    for path in paths:
        with open(path, "rb") as handle:
            json.loads(handle.read())
    return time.thread_time() - started


def document_pass(worker: _ScanWorker, listed: dict[str, StoreEntry], paths: list[str]) -> float:
    """The worker's pass over the listed (pending) rows, every slice (thread CPU seconds)."""
    worker._entries = dict(listed)
    worker._health_cache = {}
    worker._looked_at = {}
    worker._pass.end()
    worker._pass.begin(paths)  # (no helper: the worker's own pass is measured)
    started = time.thread_time()
    while worker._pass.queue:
        worker._on_health_timer_timeout()
    elapsed = time.thread_time() - started
    checked = worker._entries
    assert all(checked[path].data_stamp is not None for path in paths), "a row left pending"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    app = QCoreApplication([])
    folder = make_folder(args.stores)
    try:
        listing = list_folder(folder)
        paths = listing.ordered()
        listed = {
            path: entry
            for path, entry in entries_from_listing(
                paths, listing, {}, defer_document=True, known={}
            )
            if entry is not None
        }
        worker = _ScanWorker()
        floors: list[float] = []
        passes: list[float] = []
        for _ in range(args.rounds):
            floors.append(floor_loop(paths))
            passes.append(document_pass(worker, listed, paths))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    load = os.getloadavg()[0]
    print(
        f"Python {sys.version.split()[0]}, {args.stores:,} stores, {args.rounds} rounds, "
        f"load average {load:.1f} (thread CPU time; other work still moves it)"
    )
    per = 1e6 / args.stores
    for name, values in (("document pass", passes), ("floor: open, read, json.loads", floors)):
        print(
            f"{name:32s} min {min(values) * 1000:8.1f} ms ({min(values) * per:5.2f} µs a "
            f"document), median {statistics.median(values) * 1000:8.1f} ms"
        )
    print(
        f"document pass / floor: {min(passes) / min(floors):.2f}x (min), "
        f"{statistics.median(passes) / statistics.median(floors):.2f}x (median)"
    )
    del app


if __name__ == "__main__":
    main()
