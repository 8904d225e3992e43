"""lockcore beside the floors of the same work, measured interleaved (issue 9 §6): hand-offs
sample by sample, uncontended updates in short batches, the 4-process think-time runs
beside their ceiling; and the ``--uncontended-only`` report."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import resource
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from typing import Any, Literal, overload

from lockcore_contenders import OWN_STORES, Contender, _increment
from lockcore_workers import _contended_loop


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


# --- beside the floors, interleaved (issue 9, §6) -----------------------------------------------


def _interleaved_handoffs(
    names: tuple[str, ...], directory: str, samples: int, hold: float
) -> dict[str, list[float]]:
    """Hand-off latencies of each contender, sample by sample in turn, between two processes.

    Step k hands the lock of contender ``schedule[k]`` from one worker to the other; the order
    of the contenders rotates every turn, and the holder alternates, so that whatever the
    machine does meanwhile falls on all of them alike.
    """
    schedule = [
        names[(turn + offset) % len(names)]
        for turn in range(samples)
        for offset in range(len(names))
    ]
    paths = {}
    for name in names:
        paths[name] = os.path.join(directory, f"interleaved-{name}.json")
        with open(paths[name], "w", encoding="utf-8") as file:
            json.dump({"count": 0}, file)
    context = mp.get_context("spawn")
    left, right = context.Pipe()
    outs = [context.Pipe(duplex=False) for _ in range(2)]
    workers = [
        context.Process(target=_handoff_steps, args=(paths, schedule, hold, me, pipe, outs[me][1]))
        for me, pipe in enumerate((left, right))
    ]
    for worker in workers:
        worker.start()
    results = [outs[0][0].recv(), outs[1][0].recv()]
    for worker in workers:
        worker.join()
    latencies: dict[str, list[float]] = {name: [] for name in names}
    for step, name in enumerate(schedule):
        holder, taker = step % 2, (step + 1) % 2
        latencies[name].append(results[taker][1][step] - results[holder][0][step])
    return latencies


def _handoff_steps(
    paths: dict[str, str],
    schedule: list[str],
    hold: float,
    me: int,
    peer: Connection,
    out: Connection,
) -> None:
    locks = {name: Contender(name).lock(path) for name, path in paths.items()}
    releases = [0.0] * len(schedule)
    acquires = [0.0] * len(schedule)
    for step, name in enumerate(schedule):
        lock = locks[name]
        if step % 2 == me:
            lock.acquire()
            peer.send("holding")
            peer.recv()  # the other one is about to block in acquire()
            time.sleep(hold)  # it is now waiting
            releases[step] = time.perf_counter()
            lock.release()
            peer.recv()  # it has taken the lock and given it back
        else:
            peer.recv()
            peer.send("waiting")
            lock.acquire()
            acquires[step] = time.perf_counter()
            lock.release()
            peer.send("done")
    out.send((releases, acquires))


#: The contenders of the uncontended runs, in their interleaving order.
UNCONTENDED = (
    "lockcore",
    "floor",
    "lockcore-calls",
    "lockcore-durable",
    "floor-durable",
    "legacy",
)


@overload
def _interleaved_uncontended(
    names: tuple[str, ...],
    directory: str,
    repeats: int,
    batch_seconds: float,
    *,
    cpu: Literal[False] = False,
) -> dict[str, list[float]]: ...


@overload
def _interleaved_uncontended(
    names: tuple[str, ...],
    directory: str,
    repeats: int,
    batch_seconds: float,
    *,
    cpu: Literal[True],
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, list[float]]]: ...


def _interleaved_uncontended(
    names: tuple[str, ...], directory: str, repeats: int, batch_seconds: float, *, cpu: bool = False
) -> Any:
    """Seconds per uncontended update of each contender, in short batches taken in turn;
    with ``cpu``, also the user and the system CPU seconds per update of each batch."""
    contenders = {name: Contender(name) for name in names}
    paths = {}
    for name in names:
        paths[name] = os.path.join(directory, f"alone-{name}.json")
        with open(paths[name], "w", encoding="utf-8") as file:
            json.dump({"count": 0}, file)
    per_update: dict[str, list[float]] = {name: [] for name in names}
    user_per_update: dict[str, list[float]] = {name: [] for name in names}
    system_per_update: dict[str, list[float]] = {name: [] for name in names}
    for turn in range(repeats):
        for offset in range(len(names)):
            name = names[(turn + offset) % len(names)]
            contender, path = contenders[name], paths[name]
            count = 0
            usage_before = resource.getrusage(resource.RUSAGE_SELF)
            began = time.perf_counter()
            end = began + batch_seconds
            while True:
                contender.update(path, _increment)
                count += 1
                now = time.perf_counter()
                if now >= end:
                    break
            per_update[name].append((now - began) / count)
            usage = resource.getrusage(resource.RUSAGE_SELF)
            user_per_update[name].append((usage.ru_utime - usage_before.ru_utime) / count)
            system_per_update[name].append((usage.ru_stime - usage_before.ru_stime) / count)
    return (per_update, user_per_update, system_per_update) if cpu else per_update


def _paired_ratios(top: list[float], bottom: list[float]) -> list[float]:
    return [a / b for a, b in zip(top, bottom, strict=True) if b]


def _ratio_with_spread(ratios: list[float]) -> str:
    """The median of paired ratios, with their interquartile range: how far to trust it."""
    if len(ratios) < 4:
        return f"{_median(ratios):.2f}x"
    low, _, high = statistics.quantiles(ratios, n=4)
    return f"{_median(ratios):.2f}x ({low:.2f}-{high:.2f})"


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _measure_floors(directory: str, *, quick: bool) -> dict[str, Any]:
    """Every issue 9 §6 figure, each beside its floor, measured interleaved."""
    figures: dict[str, Any] = {"load_before": os.getloadavg()}
    print("measuring hand-offs beside their floors ...", file=sys.stderr)
    handoffs = _interleaved_handoffs(
        ("lockcore", "lockcore-calls", "floor", "flock-wait", "flock"),
        directory,
        60 if quick else 300,
        hold=0.01,
    )
    figures["handoffs"] = handoffs
    print("measuring uncontended updates beside their floors ...", file=sys.stderr)
    figures["alone"] = _interleaved_uncontended(
        UNCONTENDED,
        directory,
        repeats=5 if quick else 15,
        batch_seconds=0.15 if quick else 0.25,
    )
    print("measuring 4 processes thinking, beside a perfect lock ...", file=sys.stderr)
    think_rates: dict[str, list[float]] = {"lockcore": [], OWN_STORES: []}
    seconds = 1.5 if quick else 3.0
    for turn in range(2 if quick else 4):
        for name in ("lockcore", OWN_STORES) if turn % 2 == 0 else (OWN_STORES, "lockcore"):
            path = os.path.join(directory, f"think-{name}-{turn}.json")
            with open(path, "w", encoding="utf-8") as file:
                json.dump({"count": 0}, file)
            rate, _, _ = _contended_loop(name, path, 4, seconds, THINK)
            think_rates[name].append(rate)
    figures["think"] = think_rates
    figures["load_after"] = os.getloadavg()
    return figures


#: The think time of the 4-process runs: 1 ms of computation between updates.
THINK = 0.001


def _print_floors(figures: dict[str, Any]) -> None:
    handoffs = figures["handoffs"]
    alone = figures["alone"]
    think = figures["think"]
    p50 = {name: _percentile(values, 0.5) for name, values in handoffs.items()}
    p99 = {name: _percentile(values, 0.99) for name, values in handoffs.items()}
    update = {name: _median(values) for name, values in alone.items()}
    fast_ratios = _paired_ratios(alone["lockcore"], alone["floor"])
    durable_ratios = _paired_ratios(alone["lockcore-durable"], alone["floor-durable"])
    legacy_ratios = _paired_ratios(alone["lockcore"], alone["legacy"])
    measured_ratio = _median(_paired_ratios(think["lockcore"], think[OWN_STORES]))
    # What 4 processes can reach on this machine with a perfect lock: each update needs the
    # think time plus the critical section on a core, and the critical sections one at a time.
    cores = min(4, os.cpu_count() or 1)
    section = update["lockcore"]
    ceiling = min(cores / (THINK + section), 1 / section)
    think_rate = _median(think["lockcore"])
    samples = len(handoffs["lockcore"])
    rows = [
        (
            "hand-off p50",
            _ms(p50["lockcore"]),
            f"{_ms(p50['floor'])} (O_EXCL+inotify), {_ms(p50['flock-wait'])} (O_EXCL+flock "
            f"wait), {_ms(p50['flock'])} (flock)",
            f"{p50['lockcore'] / p50['floor']:.2f}x",
            "<= 0.25 ms",
        ),
        (
            "  its system calls alone",
            _ms(p50["lockcore-calls"]),
            f"{_ms(p50['floor'])} (O_EXCL+inotify)",
            f"{p50['lockcore-calls'] / p50['floor']:.2f}x",
            "-",
        ),
        (
            "hand-off p99",
            _ms(p99["lockcore"]),
            f"{_ms(p99['floor'])} (O_EXCL+inotify), {_ms(p99['flock-wait'])} (O_EXCL+flock "
            f"wait), {_ms(p99['flock'])} (flock)",
            f"{p99['lockcore'] / p99['floor']:.2f}x",
            "-",
        ),
        (
            "uncontended update",
            _ms(update["lockcore"]),
            f"{_ms(update['floor'])} (bare syscalls)",
            _ratio_with_spread(fast_ratios),
            "<= 1.3x",
        ),
        (
            "  its system calls alone",
            _ms(update["lockcore-calls"]),
            f"{_ms(update['floor'])} (bare syscalls)",
            _ratio_with_spread(_paired_ratios(alone["lockcore-calls"], alone["floor"])),
            "-",
        ),
        (
            "  beside legacy",
            _ms(update["lockcore"]),
            f"{_ms(update['legacy'])} (legacy, no fsync)",
            _ratio_with_spread(legacy_ratios),
            "-",
        ),
        (
            "uncontended update, durable",
            _ms(update["lockcore-durable"]),
            f"{_ms(update['floor-durable'])} (with 2 fsyncs)",
            _ratio_with_spread(durable_ratios),
            "<= 1.15x",
        ),
        (
            "4 procs, 1 ms think: updates",
            f"{think_rate:,.0f}/s",
            f"{ceiling:,.0f}/s (ceiling: {cores} free cores, nobody waits)",
            f"{think_rate / ceiling:.2f}",
            ">= 0.9",
        ),
        (
            "  the same, on this machine as loaded",
            f"{think_rate:,.0f}/s",
            f"{_median(think[OWN_STORES]):,.0f}/s (same work, a store each)",
            f"{measured_ratio:.2f}",
            ">= 0.9",
        ),
    ]
    header = ("", "lockcore", "floor", "ratio", "target")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    before, after = figures["load_before"], figures["load_after"]
    print()
    print(
        f"Beside the floors (issue 9 §6): {samples} interleaved hand-offs each, "
        f"{len(alone['lockcore'])} batches of uncontended updates each, "
        f"{len(think['lockcore'])} think-time runs each; load average "
        f"{before[0]:.1f} before, {after[0]:.1f} after"
    )
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    print(
        f"Ceiling = min({cores} cores / (1 ms think + {_ms(section)} update), 1 / update): "
        "what 4 processes reach with a perfect lock\nwhen every core is free for them. Other "
        "work on the machine takes cores too, so the next row measures that ceiling as the\n"
        "machine is now: the same 4 processes, same work, each on a store of its own, "
        "alternating with lockcore's runs.\nUncontended ratios are medians of ratios taken batch "
        "by batch, with their interquartile range in brackets."
    )


def _new_file_cost(directory: str, files: int = 200) -> float:
    """Median seconds to create (and close) a new file in ``directory``, each unlinked after.

    Every update of every contender makes two new inodes. On an ext4 without a journal (this
    development VM's root filesystem), making one skips, one buffer-cache lookup each, every
    inode of its block group freed in the last 60 s (360 s while its inode-table block is
    dirty): after a few seconds of updates in one folder that is hundreds of microseconds per
    file, for every contender alike (measured: 165-215 us of system time per update, 20 us a
    minute later). Printed beside the figures so that such a run is recognised; drop the
    caches (``sync; echo 3 > /proc/sys/vm/drop_caches``) and wait a minute before measuring.
    """
    times = []
    path = os.path.join(directory, "new-file-probe")
    for _ in range(files):
        began = time.perf_counter()
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        times.append(time.perf_counter() - began)
        os.unlink(path)
    return _median(times)


#: The floor's system CPU per uncontended update (without fsync) on an ext4 whose inode
#: allocation is not in the way: 15-20 us on this VM. Far above it, the run measured the kernel.
FLOOR_SYSTEM_CPU_SANE = 60e-6


def _print_uncontended(
    *, quick: bool, rounds: int | None = None, within: str | None = None
) -> None:
    """The uncontended rows of the floors' table alone, with the user and system CPU time per
    update (what lies between an update and its floor beyond the disk's waits).

    ``within``: where the stores are made (a temporary folder in it), e.g. on another
    filesystem than ``TMPDIR``'s.
    """
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-lockcore-alone-", dir=within) as directory:
        new_file_before = _new_file_cost(directory)
        alone, user, system = _interleaved_uncontended(
            UNCONTENDED,
            directory,
            repeats=rounds or (5 if quick else 15),
            batch_seconds=0.25,
            cpu=True,
        )
        new_file_after = _new_file_cost(directory)
    load_after = os.getloadavg()
    print(
        f"Uncontended updates, {len(alone['lockcore'])} interleaved batches each; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after; a new file in their folder "
        f"took {new_file_before * 1e6:.0f} us before, {new_file_after * 1e6:.0f} us after "
        "(see _new_file_cost: over ~20 us, the filesystem's inode allocation weighs on every "
        "figure)"
    )
    for name in UNCONTENDED:
        print(
            f"  {name:<17} {_median(alone[name]) * 1e6:7.1f} us/update, "
            f"user CPU {_median(user[name]) * 1e6:5.1f} us/update, "
            f"system CPU {_median(system[name]) * 1e6:5.1f} us/update"
        )
    pairs = (
        ("uncontended update / floor (<= 1.3x)", "lockcore", "floor"),
        ("uncontended update / legacy", "lockcore", "legacy"),
        ("durable update / durable floor (<= 1.15x)", "lockcore-durable", "floor-durable"),
        ("lockcore's calls alone / floor", "lockcore-calls", "floor"),
        ("uncontended update / its calls alone", "lockcore", "lockcore-calls"),
    )
    for label, top, bottom in pairs:
        print(f"  {label:<42} {_ratio_with_spread(_paired_ratios(alone[top], alone[bottom]))}")
    if _median(system["floor"]) > FLOOR_SYSTEM_CPU_SANE:
        # perf: 70 % of such an update's samples in ext4's recently_deleted (find_get_block):
        # on an ext4 without a journal, making an inode skips every inode of its group freed in
        # the last 60 s, and every update makes two and frees two -- the run's own churn.
        print(
            f"  NOT TRUSTWORTHY: the floor spent {_median(system['floor']) * 1e6:.0f} us of "
            f"system CPU per update (~15-20 us when the filesystem's inode allocation is not "
            "in the way): every contender's figure is mostly the kernel's, and every ratio is "
            "squeezed towards 1. Measure on an ext4 with a journal (--directory) or after "
            "'sync; echo 3 > /proc/sys/vm/drop_caches' and a minute without file churn."
        )
