"""lockcore against the reviewed legacy module and a careful filelock-based peer, in one run.

Run: python benchmarks/bench_lockcore.py [--quick] [--floors-only] [--uncontended-only] [--syscalls]

Then, beside the floors of the same work (issue 9, §6), measured interleaved so that a machine
loaded by other work weighs on every contender alike: hand-offs alternate lockcore, the bare
protocol and a kernel flock sample by sample between the same two processes; uncontended
updates alternate short batches; the 4-process think-time runs alternate lockcore with the same
work under a perfect lock. Figures are medians; ratios are taken within one run.

Every figure comes from real processes contending for real lock files in one temporary
directory. Like is compared with like: lockcore without fsync against legacy (which never
fsyncs), lockcore durable against the peer (filelock + temp file + fsync + os.replace).
Cross-process timestamps use time.perf_counter(), which is CLOCK_MONOTONIC on Linux and so
comparable between processes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from lockcore_contenders import IMPLEMENTATIONS  # noqa: E402 - after the paths above
from lockcore_counts import _print_bytecodes, _print_syscalls, _syscall_child  # noqa: E402
from lockcore_floors import (  # noqa: E402
    THINK,
    _measure_floors,
    _ms,
    _percentile,
    _print_floors,
    _print_uncontended,
)
from lockcore_inspect_bench import _print_inspect  # noqa: E402
from lockcore_workers import _contended_loop, _handoff_pair, _recovery, _uncontended  # noqa: E402

# --- the report --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, noisier figures")
    parser.add_argument(
        "--floors-only",
        action="store_true",
        help="only lockcore beside its floors (issue 9 §6), not the legacy/peer table",
    )
    parser.add_argument(
        "--uncontended-only",
        action="store_true",
        help="only uncontended updates beside their floors and legacy (about 20 s)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        help="--uncontended-only: batches of each contender (15; more for a tighter interval)",
    )
    parser.add_argument(
        "--directory",
        help="--uncontended-only: make the stores in a temporary folder in this one (another "
        "filesystem than TMPDIR's, e.g. an ext4 with a journal)",
    )
    parser.add_argument(
        "--syscalls",
        action="store_true",
        help="only count the system calls of one uncontended update (needs strace)",
    )
    parser.add_argument(
        "--bytecodes",
        action="store_true",
        help="only count the Python bytecodes of one uncontended update (a few seconds)",
    )
    parser.add_argument(
        "--inspect",
        action="store_true",
        help="only inspect_lock per lock beside the minimal liveness check (300 live holders' "
        "locks, both formats; about 10 s)",
    )
    parser.add_argument("--inspect-profile", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--syscall-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.syscall_child:
        name, updates, directory = args.syscall_child
        _syscall_child(name, int(updates), directory)
        return
    if args.syscalls:
        _print_syscalls(200)
        return
    if args.bytecodes:
        _print_bytecodes(200)
        return
    if args.uncontended_only:
        _print_uncontended(quick=args.quick, rounds=args.rounds, within=args.directory)
        return
    if args.inspect or args.inspect_profile:
        _print_inspect(quick=args.quick, profile=args.inspect_profile)
        return
    seconds = 2.0 if args.quick else 4.0
    rounds = 60 if args.quick else 200
    rows: dict[str, dict[str, Any]] = {name: {} for name in IMPLEMENTATIONS}

    with tempfile.TemporaryDirectory(prefix="bench-lockcore-") as directory:

        def fresh(label: str) -> str:
            path = os.path.join(directory, f"{label}.json")
            with open(path, "w", encoding="utf-8") as file:
                json.dump({"count": 0}, file)
            return path

        for name in () if args.floors_only else IMPLEMENTATIONS:
            print(f"measuring {name} ...", file=sys.stderr)
            row = rows[name]
            latencies = _handoff_pair(name, fresh(f"{name}-handoff"), rounds, hold=0.02)
            row["handoff_p50"] = _percentile(latencies, 0.5)
            row["handoff_p99"] = _percentile(latencies, 0.99)
            row["handoff_max"] = max(latencies)
            rate, longest, _ = _contended_loop(name, fresh(f"{name}-think"), 4, seconds, THINK)
            row["think_rate"], row["think_longest"] = rate, longest
            rate, longest, counts = _contended_loop(name, fresh(f"{name}-hammer"), 4, seconds, 0)
            row["hammer_rate"], row["hammer_longest"] = rate, longest
            row["hammer_share"] = min(counts) / max(counts) if max(counts) else 0.0
            timeout = 2.0 if name == "legacy" else 30.0
            row["recovery"] = _recovery(name, fresh(f"{name}-recovery"), timeout)
            row["uncontended"] = _uncontended(name, fresh(f"{name}-alone"), seconds / 2)
        floors = _measure_floors(directory, quick=args.quick)

    if not args.floors_only:
        _print_table(rows)
    _print_floors(floors)


def _print_table(rows: dict[str, dict[str, Any]]) -> None:
    legacy, peer = rows["legacy"], rows["peer"]
    fast, durable = rows["lockcore"], rows["lockcore-durable"]

    def fmt(value: Any, kind: str) -> str:
        if isinstance(value, str):
            return value
        if kind == "ms":
            return _ms(value)
        if kind == "rate":
            return f"{value:,.0f}/s"
        if kind == "share":
            return f"{value:.2f}"
        return str(value)

    metrics = [
        ("hand-off p50", "handoff_p50", "ms"),
        ("hand-off p99", "handoff_p99", "ms"),
        ("hand-off max", "handoff_max", "ms"),
        ("4 procs, 1 ms think: updates", "think_rate", "rate"),
        ("4 procs, 1 ms think: longest wait", "think_longest", "ms"),
        ("4 procs hammering: updates", "hammer_rate", "rate"),
        ("4 procs hammering: longest wait", "hammer_longest", "ms"),
        ("4 procs hammering: min/max share", "hammer_share", "share"),
        ("dead-holder recovery", "recovery", "ms"),
        ("uncontended updates", "uncontended", "rate"),
    ]
    header = ["", "legacy", "peer (filelock)", "lockcore", "lockcore durable"]
    table = [header]
    for label, key, kind in metrics:
        table.append([label, *(fmt(rows[n][key], kind) for n in IMPLEMENTATIONS)])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print()
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in table[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")

    def ratio(a: Any, b: Any) -> str:
        if isinstance(a, str) or isinstance(b, str) or not b:
            return "n/a"
        return f"{a / b:.2f}"

    recovery = fast["recovery"]
    checks = [
        (
            "hand-off p50, lockcore / legacy",
            ratio(fast["handoff_p50"], legacy["handoff_p50"]),
            "<= 0.10",
        ),
        ("hand-off p99, lockcore", _ms(fast["handoff_p99"]), "<= 5 ms"),
        (
            "think-time throughput, lockcore / legacy",
            ratio(fast["think_rate"], legacy["think_rate"]),
            "- (see the ceiling below)",
        ),
        (
            "think-time throughput, durable / peer",
            ratio(durable["think_rate"], peer["think_rate"]),
            ">= 1.5",
        ),
        ("hammering longest wait, lockcore", _ms(fast["hammer_longest"]), "bounded"),
        ("dead-holder recovery, lockcore", fmt(recovery, "ms"), "< 500 ms"),
        (
            "uncontended, lockcore / legacy (no fsync)",
            ratio(fast["uncontended"], legacy["uncontended"]),
            ">= 0.8",
        ),
        (
            "uncontended, durable / peer (fsync)",
            ratio(durable["uncontended"], peer["uncontended"]),
            "-",
        ),
    ]
    print()
    print("Ratios and targets (issue 2):")
    for label, value, target in checks:
        print(f"  {label:<44} {value:>10}   target {target}")


if __name__ == "__main__":
    main()
