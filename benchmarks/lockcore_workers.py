"""The worker processes of ``bench_lockcore.py``'s first table (hand-offs, contended loops,
dead-holder recovery, uncontended rate): module-level, so that the spawn start method can
import them."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import time
from multiprocessing.connection import Connection

from lockcore_contenders import OWN_STORES, Contender, _increment

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


def _loop_worker(name: str, path: str, seconds: float, think: float, pipe: Connection) -> None:
    contender = Contender(name)
    waits: list[float] = []
    pipe.send("ready")  # interpreter started, contender imported
    start_at = pipe.recv()
    while time.perf_counter() < start_at:
        time.sleep(0.0005)
    end = start_at + seconds
    while time.perf_counter() < end:
        began = time.perf_counter()
        contender.update(path, _increment)
        waits.append(time.perf_counter() - began)
        if think:
            _work(think)
    pipe.send(waits)


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
    pipes = [context.Pipe() for _ in range(processes)]
    workers = [
        context.Process(target=_loop_worker, args=(name, path, seconds, think, theirs))
        for _, theirs in pipes
    ]
    for worker in workers:
        worker.start()
    for ours, _ in pipes:
        ours.recv()  # every interpreter has started: all begin together
    start_at = time.perf_counter() + 0.05
    for ours, _ in pipes:
        ours.send(start_at)
    results = [ours.recv() for ours, _ in pipes]
    for worker in workers:
        worker.join()
    counts = [len(waits) for waits in results]
    with open(path, encoding="utf-8") as file:
        final = json.load(file)["count"]
    if final != sum(counts) and name != OWN_STORES:
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
