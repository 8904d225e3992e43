"""The three-way merge of a save against another process's changes, beside ``json.loads``.

Run: ``python benchmarks/bench_merge.py [--items 200000]``. Builds a document with an array of
``--items`` records and an array of as many equal numbers (the worst case for a sequence diff),
makes "mine" (one record changed, one number inserted) and "theirs" (another record changed, a
record appended, a number changed), and prints the median of five merges beside the median
``json.loads`` of the same document's text (the parse every save of it pays anyway), and their
ratio. The merge runs on the save's worker thread, under the lock, only when the file changed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from inspector.document.merge import three_way_merge


def median_seconds(action: Callable[[], object], rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    count = parser.parse_args().items
    base = {
        "records": [{"id": i, "name": f"user{i}", "active": i % 2 == 0} for i in range(count)],
        "samples": [0] * count,
    }
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    mine["records"][10]["active"] = None
    mine["samples"].insert(5, 1)
    theirs["records"][count * 3 // 4]["name"] = "renamed"
    theirs["records"].append({"id": -1})
    theirs["samples"][-3] = 7
    text = json.dumps(base)

    result = three_way_merge(base, mine, theirs)
    assert result.clean, result.conflicts
    merge = median_seconds(lambda: three_way_merge(base, mine, theirs))
    parse = median_seconds(lambda: json.loads(text))
    print(f"document: {len(text) / 1e6:.1f} MB, 2 arrays of {count} items")
    print(f"json.loads (baseline)  {parse * 1000:8.0f} ms")
    print(f"three_way_merge        {merge * 1000:8.0f} ms   ratio {merge / parse:.1f}x")


if __name__ == "__main__":
    main()
