"""What asking lockcore costs: store-file names and the JSON verdict, each beside its baseline.

Run: python benchmarks/bench_classify.py [--stores 10000] [--rounds 30]

1. Listing. ``listing.list_folder`` (one ``scandir``; each name classified by
   ``lockcore.classify_store_file``) against the same pass spelling the names itself, as the
   app did before it asked lockcore (its suffix tests and leftover regex, copied below). A
   folder of ``--stores`` stores, 3 % of them with a lock file and 1 % with a quarantined copy.
2. Verdict. ``lockcore.classify_json`` against ``json.loads`` of the same bytes: a small store
   (the table checks every one), and a 20 MB document.

Best of ``--rounds`` alternating runs; the ratio is the figure to watch.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from inspector.display import printable_path
from inspector.services.listing import Listing, list_folder
from lockcore import classify_json


def best_seconds(
    measured: Callable[[], object], baseline: Callable[[], object], rounds: int
) -> tuple[float, float]:
    """Best times of ``measured`` and ``baseline``, run alternately: on a shared, loaded machine
    the least disturbed run of each is the one to compare, and alternating exposes both to the
    same drift."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for run, into in ((measured, times[0]), (baseline, times[1])):
            started = time.perf_counter()
            run()
            into.append(time.perf_counter() - started)
    return min(times[0]), min(times[1])


_LEFTOVER_RE = re.compile(r"^(?P<store>.+\.json)\.(?:tmp|(?:lock\.)?[^./]+\.tmp|corrupt-.+)$")


def own_spelling_listing(folder: str) -> Listing:
    """The baseline: ``list_folder`` as it was when the app spelled lockcore's names itself."""
    listing = Listing({}, set(), set(), {}, {})
    with os.scandir(folder) as iterator:
        for item in iterator:
            name = item.name
            if name.endswith(".json"):
                if item.is_dir(follow_symlinks=False):
                    continue
                listing.has_data.add(item.path)
                listing.names[item.path] = printable_path(name)
            elif name.endswith(".json.lock"):
                store = item.path[: -len(".lock")]
                listing.has_lock.add(store)
                with contextlib.suppress(OSError):
                    st = item.stat(follow_symlinks=False)
                    listing.lock_stamps[store] = (st.st_ino, st.st_size, st.st_mtime_ns)
                listing.names.setdefault(store, printable_path(name[: -len(".lock")]))
            elif ".json." in name and (match := _LEFTOVER_RE.match(name)):
                store = os.path.join(folder, match["store"])
                listing.leftovers.setdefault(store, []).append(item.path)
                listing.names.setdefault(store, printable_path(match["store"]))
    return listing


def make_folder(folder: str, stores: int) -> None:
    for number in range(stores):
        path = os.path.join(folder, f"store{number:06d}.json")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write('{"n": 1}')
        if number % 33 == 0:
            with open(path + ".lock", "w", encoding="ascii") as handle:
                handle.write("1\n")
        if number % 100 == 0:
            with open(path + ".corrupt-20260101T000000-abcdef", "wb") as handle:
                handle.write(b"{")


def row(name: str, measured: float, baseline: float, unit: str = "ms") -> str:
    scale = 1e3 if unit == "ms" else 1e6
    return (
        f"{name:<44} {measured * scale:9.2f} {unit}   baseline {baseline * scale:9.2f} {unit}"
        f"   ratio {measured / baseline:5.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        make_folder(folder, args.stores)
        # With its dict of names and set of data files made, as the baseline makes them (a
        # first listing of the window never asks for them: list_folder makes them when asked).
        listing, bare = best_seconds(
            lambda: list_folder(folder).names, lambda: own_spelling_listing(folder), args.rounds
        )
        print(row(f"list_folder, {args.stores:,} stores", listing, bare))

    small = json.dumps({"theme": "dark", "n": list(range(20)), "name": "settings"}).encode()
    count = 10_000
    verdicts, loads = best_seconds(
        lambda: [classify_json(small) for _ in range(count)],
        lambda: [json.loads(small) for _ in range(count)],
        args.rounds // 3,
    )
    print(row("classify_json, small store (per call)", verdicts / count, loads / count, "us"))

    big = json.dumps([{"id": n, "name": f"item {n}", "tags": ["a", "b"]} for n in range(400_000)])
    raw = big.encode()
    verdict, parse = best_seconds(lambda: classify_json(raw), lambda: json.loads(raw), 5)
    print(row(f"classify_json, {len(raw) / 2**20:.0f} MB document", verdict, parse))


if __name__ == "__main__":
    main()
