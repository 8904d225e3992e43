"""What finding a file's number spellings costs (issue 10: the tree shows ``1.50``, not ``1.5``).

Run: ``python benchmarks/bench_spellings.py [--mb 20] [--runs 3]``. For a small hand-written
store and a compact document of ``--mb`` MB (numbers as Python writes them, then with every
``score`` spelt with a trailing zero), prints the median time of ``lockcore.number_spellings``
beside ``json.loads`` of the same text (the parse every load does anyway), their ratio, and the
longest time another thread waited for the GIL while the search ran (the GUI thread waits so
while a worker searches a big file after showing it; target: under 100 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_documents import make_document

from lockcore import number_spellings

SMALL_STORE = (
    '{\n    "theme": "dark",\n    "ratio": 1.50,\n    "limit": 1E6,\n    "ports": [80, 443],\n'
    '    "sync": {"enabled": true, "interval": 30.0, "backoff": 2.50}\n}\n'
)


def median_seconds(work: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def longest_gil_wait(work: Callable[[], Any]) -> float:
    """The longest gap between two 1 ms sleeps of another thread while ``work`` runs."""
    done = threading.Event()
    longest = [0.0]

    def probe() -> None:
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            longest[0] = max(longest[0], now - last)
            last = now

    thread = threading.Thread(target=probe)
    thread.start()
    try:
        work()
    finally:
        done.set()
        thread.join()
    return longest[0]


def report(label: str, text: str, runs: int) -> None:
    found = len(number_spellings(text))
    search = median_seconds(lambda: number_spellings(text), runs)
    parse = median_seconds(lambda: json.loads(text), runs)
    stall = longest_gil_wait(lambda: number_spellings(text))
    print(
        f"{label}: {len(text) / 1e6:.2f} MB, {found:,} spelt otherwise; number_spellings "
        f"{search * 1000:.1f} ms, json.loads {parse * 1000:.1f} ms (ratio {search / parse:.2f}); "
        f"longest GIL wait {stall * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.1f}")
    report("small store", SMALL_STORE, max(args.runs, 200))
    text = json.dumps(make_document(int(args.mb * 1e6)), separators=(",", ":"))
    report("compact, Python's spellings", text, args.runs)
    respelt = re.sub(r'("score":\d+\.\d+)', r"\g<1>0", text)
    report("compact, every score with a trailing 0", respelt, args.runs)


if __name__ == "__main__":
    main()
