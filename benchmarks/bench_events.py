"""Resolution of the lock event stream (``lockcore watch``): how short a hold is still reported.

A child process takes and releases one store's lock ``HOLDS`` times for each hold length (busy
waiting inside the lock, a pause between holds); ``watch_lock_events`` runs in this process.
For each length it prints how many holds were reported as taken + released at all, how many
with their holder's PID, and how far the reported durations are from the real ones.

    python benchmarks/bench_events.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lockcore import EventKind, LockEvent, watch_lock_events  # noqa: E402

HOLDS = 200
LENGTHS_MS = (0.0, 0.1, 0.5, 1.0, 2.0, 5.0)

CHILD = """
import sys, time, lockcore
path, holds, length = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) / 1000
for _ in range(holds):
    with lockcore.FileLock(path):
        end = time.monotonic() + length
        while time.monotonic() < end:
            pass
    end = time.monotonic() + 0.002
    while time.monotonic() < end:
        pass
"""


def measure(folder: str, length_ms: float) -> tuple[int, int, list[float]]:
    store = os.path.join(folder, f"hold-{length_ms}.json")
    events: list[LockEvent] = []
    ready = threading.Event()
    stop = threading.Event()

    def watch() -> None:
        for event in watch_lock_events(
            folder, should_stop=stop.is_set, on_ready=ready.set, poll_interval=0.05
        ):
            if event.store == store:
                events.append(event)

    thread = threading.Thread(target=watch)
    thread.start()
    ready.wait(10)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-c", CHILD, store, str(HOLDS), str(length_ms)], env=env, check=True
    )
    while sum(e.event is EventKind.RELEASED for e in events) < HOLDS:
        if not thread.is_alive():
            break
        stop.wait(0.05)
        if len(events) >= 2 * HOLDS:
            break
    stop.set()
    thread.join()
    released = [e for e in events if e.event is EventKind.RELEASED]
    with_pid = [e for e in released if e.pid is not None]
    errors = [e.duration_s * 1000 - length_ms for e in with_pid if e.duration_s is not None]
    return len(released), len(with_pid), errors


def main() -> None:
    print(f"{HOLDS} holds per length, inotify (Linux), one writer process")
    print(f"{'hold':>8}  {'reported':>9}  {'with PID':>9}  {'duration error p50 / max':>26}")
    with tempfile.TemporaryDirectory() as folder:
        for length in LENGTHS_MS:
            reported, with_pid, errors = measure(folder, length)
            spread = (
                f"{statistics.median(errors):+.2f} / {max(errors, key=abs):+.2f} ms"
                if errors
                else "-"
            )
            print(
                f"{length:>6.1f}ms  {reported:>4}/{HOLDS:<4}  "
                f"{with_pid:>4}/{HOLDS:<4}  {spread:>26}"
            )


if __name__ == "__main__":
    main()
