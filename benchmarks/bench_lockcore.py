"""lockcore against the reviewed legacy module and a careful filelock-based peer, in one run.

Run: python benchmarks/bench_lockcore.py [--quick]

Every figure comes from real processes contending for real lock files in one temporary
directory. Like is compared with like: lockcore without fsync against legacy (which never
fsyncs), lockcore durable against the peer (filelock + temp file + fsync + os.replace).
Cross-process timestamps use time.perf_counter(), which is CLOCK_MONOTONIC on Linux and so
comparable between processes.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

IMPLEMENTATIONS = ("legacy", "peer", "lockcore", "lockcore-durable")
#: What the same work costs with nothing but the system calls it needs (issue 9, §6):
#: "floor" is lockcore's own protocol stripped bare (O_EXCL lock file, inotify wait, read, temp
#: file, rename); "floor-durable" adds the two fsyncs; "flock" is a kernel flock hand-off, the
#: fastest wake-up the kernel offers (it cannot recover from nothing, and legacy cannot see it).
FLOORS = ("floor", "floor-durable", "flock")


# --- the contenders, behind one small interface ---------------------------------------------


class Contender:
    """acquire/release a lock on a data file, and a locked read-modify-write of it."""

    def __init__(self, name: str) -> None:
        self.name = name
        if name in FLOORS:
            durable = name == "floor-durable"
            self._lock = _FlockFloor if name == "flock" else _ExclusiveFloor
            self._update = lambda path, fn: _floor_update(path, fn, self._lock, durable=durable)
        elif name == "legacy":
            from tests import legacy_file_lock as legacy

            self._lock = legacy.FileLock
            self._update = lambda path, fn: legacy.locked_update_json(path, fn, default=dict)
        elif name == "peer":
            self._lock = _peer_lock
            self._update = _peer_update
        else:
            import lockcore

            durable = name == "lockcore-durable"
            self._lock = lockcore.FileLock
            self._update = lambda path, fn: lockcore.locked_update_json(
                path, fn, default=dict, durable=durable
            )

    def lock(self, path: str, timeout: float = 30.0) -> Any:
        return self._lock(path, timeout)

    def update(self, path: str, fn: Callable[[Any], Any]) -> Any:
        return self._update(path, fn)


def _peer_lock(path: str, timeout: float) -> Any:
    import filelock

    return filelock.FileLock(path + ".lock", timeout=timeout)


def _peer_update(path: str, fn: Callable[[Any], Any]) -> Any:
    """What a careful engineer writes with filelock: lock, read, temp file, fsync, replace."""
    import filelock

    with filelock.FileLock(path + ".lock", timeout=30):
        try:
            with open(path, encoding="utf-8") as file:
                data = json.load(file)
        except FileNotFoundError:
            data = {}
        data = fn(data)
        fd, temp_path = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2, ensure_ascii=False)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_path, path)
        return data


class _ExclusiveFloor:
    """The bare protocol: O_EXCL lock file with the PID in it; a waiter sleeps on inotify."""

    def __init__(self, path: str, _timeout: float = 30.0) -> None:
        self.lock_path = path + ".lock"
        self.fd = -1

    def acquire(self) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        while True:
            try:
                self.fd = os.open(self.lock_path, flags, 0o644)
            except FileExistsError:
                _wait_for_change(self.lock_path)
                continue
            os.write(self.fd, b"%d\n" % os.getpid())
            return

    def release(self) -> None:
        os.unlink(self.lock_path)
        os.close(self.fd)


class _FlockFloor:
    """A blocking kernel flock on a file that stays: the kernel wakes the next waiter itself."""

    def __init__(self, path: str, _timeout: float = 30.0) -> None:
        self.fd = os.open(path + ".flock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)

    def acquire(self) -> None:
        import fcntl

        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def release(self) -> None:
        import fcntl

        fcntl.flock(self.fd, fcntl.LOCK_UN)


_inotify: list[Any] = []  # [libc, inotify descriptor], made once per process


def _wait_for_change(path: str) -> None:
    import ctypes
    import select

    if not _inotify:
        libc = ctypes.CDLL(None, use_errno=True)
        _inotify.extend([libc, libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)])
    libc, fd = _inotify
    watch = libc.inotify_add_watch(fd, os.fsencode(path), 0x400 | 0x8 | 0x4 | 0x2)
    if watch < 0:
        return
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    poller.poll(50)
    libc.inotify_rm_watch(fd, watch)
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


def _floor_update(path: str, fn: Callable[[Any], Any], lock_type: Any, *, durable: bool) -> Any:
    lock = lock_type(path)
    lock.acquire()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            data = json.loads(os.read(fd, os.fstat(fd).st_size + 1))
        finally:
            os.close(fd)
        raw = json.dumps(fn(data), indent=2).encode()
        temp = f"{path}.{os.getpid()}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            os.write(fd, raw)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp, path)
    finally:
        lock.release()
    if durable:
        directory = os.open(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return data


def _increment(data: Any) -> Any:
    data["count"] = data.get("count", 0) + 1
    return data


# --- workers (module-level so that the spawn start method can import them) -------------------


def _handoff_pair(name: str, path: str, rounds: int, hold: float) -> list[float]:
    """Latency from a release to the blocked waiter in another process holding the lock."""
    context = mp.get_context("spawn")
    left, right = context.Pipe()
    out_a, in_a = context.Pipe(duplex=False)
    out_b, in_b = context.Pipe(duplex=False)
    workers = [
        context.Process(target=_pingpong, args=(name, path, rounds, hold, 0, left, in_a)),
        context.Process(target=_pingpong, args=(name, path, rounds, hold, 1, right, in_b)),
    ]
    for worker in workers:
        worker.start()
    results = [out_a.recv(), out_b.recv()]
    for worker in workers:
        worker.join()
    # Round r is held by worker r % 2; its hand-off is to round r + 1, held by the other one.
    releases = {0: results[0][0], 1: results[1][0]}
    acquires = {0: results[0][1], 1: results[1][1]}
    latencies = []
    for round_number in range(rounds - 1):
        holder, taker = round_number % 2, (round_number + 1) % 2
        released = releases[holder][round_number // 2]
        taken = acquires[taker][(round_number + 1) // 2]
        latencies.append(taken - released)
    return latencies


def _pingpong(
    name: str, path: str, rounds: int, hold: float, me: int, peer: Connection, out: Connection
) -> None:
    """Rounds alternate: the holder holds while the other waits in acquire(), then releases."""
    contender = Contender(name)
    lock = contender.lock(path)
    releases: list[float] = []
    acquires: list[float] = []
    for round_number in range(rounds):
        if round_number % 2 == me:
            lock.acquire()  # from round 1 on, blocked until the previous holder releases
            acquires.append(time.perf_counter())
            peer.send("holding")
            peer.recv()  # the other one is about to block in acquire()
            time.sleep(hold)  # it is now waiting, with its backoff grown as in real use
            releases.append(time.perf_counter())
            lock.release()
        else:
            peer.recv()  # the other one holds the lock
            peer.send("waiting")
    out.send((releases, acquires))


def _loop_worker(
    name: str, path: str, seconds: float, think: float, start_at: float, out: Connection
) -> None:
    contender = Contender(name)
    waits: list[float] = []
    while time.perf_counter() < start_at:
        time.sleep(0.0005)
    end = start_at + seconds
    while time.perf_counter() < end:
        began = time.perf_counter()
        contender.update(path, _increment)
        waits.append(time.perf_counter() - began)
        if think:
            _work(think)
    out.send(waits)


def _work(seconds: float) -> None:
    """Other work between updates: computation, which competes for the CPU like real work."""
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        pass


def _contended_loop(
    name: str, path: str, processes: int, seconds: float, think: float
) -> tuple[float, float, list[int]]:
    """(updates per second, longest single update incl. waiting, updates per process)."""
    context = mp.get_context("spawn")
    pipes = [context.Pipe(duplex=False) for _ in range(processes)]
    start_at = time.perf_counter() + 1.5  # after every interpreter has started
    workers = [
        context.Process(target=_loop_worker, args=(name, path, seconds, think, start_at, w))
        for _, w in pipes
    ]
    for worker in workers:
        worker.start()
    results = [r.recv() for r, _ in pipes]
    for worker in workers:
        worker.join()
    counts = [len(waits) for waits in results]
    with open(path, encoding="utf-8") as file:
        final = json.load(file)["count"]
    if final != sum(counts):
        print(f"  !! {name}: {sum(counts)} updates made, counter says {final} (lost updates)")
    longest = max(max(waits) for waits in results if waits)
    return sum(counts) / seconds, longest, counts


def _holder_then_die(name: str, path: str, ready: Connection) -> None:
    lock = Contender(name).lock(path)
    lock.acquire()
    ready.send("held")
    time.sleep(3600)


def _waiter(name: str, path: str, timeout: float, ready: Connection, out: Connection) -> None:
    lock = Contender(name).lock(path, timeout)
    ready.send("waiting")
    try:
        lock.acquire()
    except Exception as error:  # any failure to recover is the result
        out.send(("failed", type(error).__name__, time.perf_counter()))
        return
    out.send(("acquired", "", time.perf_counter()))
    lock.release()


def _recovery(name: str, path: str, timeout: float) -> float | str:
    """Time from SIGKILL of the holder to a waiting process holding the lock."""
    context = mp.get_context("spawn")
    holder_ready, holder_signal = context.Pipe(duplex=False)
    holder = context.Process(target=_holder_then_die, args=(name, path, holder_signal))
    holder.start()
    holder_ready.recv()
    waiter_ready, waiter_signal = context.Pipe(duplex=False)
    result, result_in = context.Pipe(duplex=False)
    waiter = context.Process(target=_waiter, args=(name, path, timeout, waiter_signal, result_in))
    waiter.start()
    waiter_ready.recv()
    time.sleep(0.2)  # the waiter is in its wait loop
    killed_at = time.perf_counter()
    os.kill(holder.pid, signal.SIGKILL)
    holder.join()
    outcome, error, at = result.recv()
    waiter.join()
    if outcome == "failed":
        return f"never ({error} after {at - killed_at:.1f} s)"
    return at - killed_at


def _uncontended(name: str, path: str, seconds: float) -> float:
    contender = Contender(name)
    count = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        contender.update(path, _increment)
        count += 1
    return count / seconds


# --- the report --------------------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, noisier figures")
    args = parser.parse_args()
    seconds = 2.0 if args.quick else 4.0
    rounds = 60 if args.quick else 200
    rows: dict[str, dict[str, Any]] = {name: {} for name in IMPLEMENTATIONS + FLOORS}

    with tempfile.TemporaryDirectory(prefix="bench-lockcore-") as directory:

        def fresh(label: str) -> str:
            path = os.path.join(directory, f"{label}.json")
            with open(path, "w", encoding="utf-8") as file:
                json.dump({"count": 0}, file)
            return path

        for name in IMPLEMENTATIONS + FLOORS:
            print(f"measuring {name} ...", file=sys.stderr)
            row = rows[name]
            latencies = _handoff_pair(name, fresh(f"{name}-handoff"), rounds, hold=0.02)
            row["handoff_p50"] = _percentile(latencies, 0.5)
            row["handoff_p99"] = _percentile(latencies, 0.99)
            row["handoff_max"] = max(latencies)
            rate, longest, _ = _contended_loop(name, fresh(f"{name}-think"), 4, seconds, 0.001)
            row["think_rate"], row["think_longest"] = rate, longest
            rate, longest, counts = _contended_loop(name, fresh(f"{name}-hammer"), 4, seconds, 0)
            row["hammer_rate"], row["hammer_longest"] = rate, longest
            row["hammer_share"] = min(counts) / max(counts) if max(counts) else 0.0
            timeout = 2.0 if name == "legacy" else 30.0
            if name in FLOORS:
                row["recovery"] = "-"  # a bare O_EXCL lock of a dead holder stays for ever
            else:
                row["recovery"] = _recovery(name, fresh(f"{name}-recovery"), timeout)
            row["uncontended"] = _uncontended(name, fresh(f"{name}-alone"), seconds / 2)

    _print_table(rows)


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
    header = [
        "",
        "legacy",
        "peer (filelock)",
        "lockcore",
        "lockcore durable",
        "floor",
        "floor durable",
        "flock",
    ]
    table = [header]
    for label, key, kind in metrics:
        table.append([label, *(fmt(rows[n][key], kind) for n in IMPLEMENTATIONS + FLOORS)])
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
            ">= 3",
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
    floor, floor_durable, flock = rows["floor"], rows["floor-durable"], rows["flock"]
    # Four processes thinking 1 ms between updates on this many cores can reach at most
    # cores / (think + one update alone) updates per second, whatever the lock does.
    cores = min(4, os.cpu_count() or 1)
    ceiling = cores / (0.001 + 1 / fast["uncontended"])
    floor_checks = [
        ("hand-off p50, lockcore", _ms(fast["handoff_p50"]), "<= 0.25 ms"),
        ("hand-off p50, O_EXCL+inotify floor", _ms(floor["handoff_p50"]), "-"),
        ("hand-off p50, flock floor", _ms(flock["handoff_p50"]), "-"),
        (
            "uncontended time, lockcore / floor",
            ratio(floor["uncontended"], fast["uncontended"]),
            "<= 1.3",
        ),
        (
            "uncontended time, durable / floor durable",
            ratio(floor_durable["uncontended"], durable["uncontended"]),
            "<= 1.15",
        ),
        (
            "think-time rate, lockcore / machine ceiling",
            ratio(fast["think_rate"], ceiling),
            ">= 0.9",
        ),
    ]
    print()
    print(f"Beside the floors (issue 9; machine ceiling {ceiling:,.0f}/s on {cores} cores):")
    for label, value, target in floor_checks:
        print(f"  {label:<44} {value:>10}   target {target}")


if __name__ == "__main__":
    main()
