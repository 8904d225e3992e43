"""Memory of the raw view of a big document, and what is given back when another store opens.

Run: python benchmarks/bench_raw_memory.py [--mib 28.6]

Offscreen. Writes an indented JSON document of about ``--mib`` MiB (issue 10 saw 28.6 MiB) and a
small one, opens the big one in a document pane, shows its Raw tab until the text is all in,
then opens the small store. Prints this process's RSS: before opening, at its peak while the
big document is shown (sampled every 20 ms), and after switching to the small store (once
the event loop has settled). The baseline is the RSS before opening; the figures that matter
are the growth at the peak and what is still held after switching away.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import psutil
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from inspector.document import DocumentPane
from inspector.document.pane.pane_state import RAW_TAB

MIB = 1024 * 1024


def make_document(mib: float) -> dict[str, object]:
    record = {"name": "server-00000", "host": "10.0.0.1", "ports": [80, 443], "tags": ["a", "b"]}
    size = len(json.dumps(record, indent=2)) + 12
    return {f"k{i:07d}": dict(record, name=f"server-{i:05d}") for i in range(int(mib * MIB / size))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=float, default=28.6)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([])
    folder = tempfile.mkdtemp(prefix="bench-raw-")
    big, small = os.path.join(folder, "big.json"), os.path.join(folder, "small.json")
    with open(big, "w", encoding="utf-8") as handle:
        json.dump(make_document(args.mib), handle, indent=2)
    with open(small, "w", encoding="utf-8") as handle:
        json.dump({"theme": "dark"}, handle)
    process = psutil.Process()
    peak = 0

    def sample() -> None:
        nonlocal peak
        peak = max(peak, process.memory_info().rss)

    sampler = QTimer()
    sampler.setInterval(20)
    sampler.timeout.connect(sample)
    sampler.start()

    def spin_until(done: object, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:  # type: ignore[operator]
            loop = QEventLoop()
            QTimer.singleShot(20, loop.quit)
            loop.exec()

    pane = DocumentPane(size_limit=256 * MIB)
    pane.resize(900, 700)
    pane.show()
    spin_until(lambda: False, 0.5)
    before = process.memory_info().rss
    peak = before
    pane.open_store(big)
    spin_until(lambda: pane.loaded is not None)
    pane.tabs.setCurrentIndex(RAW_TAB)
    spin_until(lambda: not pane.raw_editor.is_loading)
    spin_until(lambda: False, 1.0)
    shown = process.memory_info().rss
    pane.open_store(small)
    spin_until(lambda: pane.loaded is not None and pane.loaded.path == small)
    spin_until(lambda: False, 2.0)
    after = process.memory_info().rss
    print(f"document: {os.path.getsize(big) / MIB:.1f} MiB (indented JSON)")
    print(f"RSS before opening     {before / MIB:8.0f} MiB  (baseline)")
    print(f"RSS peak, raw shown    {peak / MIB:8.0f} MiB  (+{(peak - before) / MIB:.0f} MiB)")
    print(f"RSS while raw shown    {shown / MIB:8.0f} MiB  (+{(shown - before) / MIB:.0f} MiB)")
    print(f"RSS after switching    {after / MIB:8.0f} MiB  (+{(after - before) / MIB:.0f} MiB)")
    pane.shutdown()
    del app


if __name__ == "__main__":
    main()
