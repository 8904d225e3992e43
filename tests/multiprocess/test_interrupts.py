"""Ctrl+C at any moment never breaks the lock (issue 9, §1).

A ``KeyboardInterrupt`` raised by a signal handler can strike between any two steps of taking or
giving back a lock. After any single interrupt the process must hold nothing it does not know
about (no lock file, no kernel lock, no descriptor, no temp file), must be able to take the lock
again, and other processes must be kept out exactly while it holds it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import lockcore

CHILD = Path(__file__).resolve().with_name("_interrupt_child.py")


def start_child(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_event(child: subprocess.Popen[str], expected: str) -> str:
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line.startswith(expected):
        child.kill()
        _out, err = child.communicate(timeout=10)
        raise AssertionError(f"child said {line!r}, expected {expected!r}; stderr: {err[-3000:]}")
    return line[len(expected) :].strip()


def finish(child: subprocess.Popen[str]) -> None:
    _out, err = child.communicate("exit\n", timeout=30)
    assert child.returncode == 0, err


@pytest.mark.slow
def test_a_signal_at_every_point_of_an_update_leaves_nothing_behind(tmp_path: Path) -> None:
    store = tmp_path / "store.json"
    child = start_child("points", str(store))
    report = json.loads(read_event(child, "done"))
    finish(child)
    assert report["points"] > 100  # every point where CPython runs a handler, in one update
    assert report["failures"] == []
    # Every interrupt surfaced as KeyboardInterrupt: held back, never swallowed. (A point of
    # the first update may not come again: a cache filled, a shorter path taken.)
    assert report["interrupted"] == report["reached"] > 100


#: Where the storm's "leaked descriptor of a deleted lock file" came from: a signal at the entry
#: of the deliver_pending() that ends open_lock (a critical step nested in acquire) was let
#: through, so the KeyboardInterrupt lost the descriptor open_lock had just opened on the
#: other process's lock file -- deleted once that process let go.
NESTED_DELIVERY_IN_THE_WAY = "deliver_pending < run_critical < _lock_in_the_way"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("scenario", "chosen_point"),
    [
        # acquire(timeout=0) judging a live holder's lock, then the LockTimeout inspecting it
        ("held", NESTED_DELIVERY_IN_THE_WAY),
        # an update breaking a dead holder's lock in its way
        ("stale", NESTED_DELIVERY_IN_THE_WAY),
        # inspect_lock of a live holder's lock, from code that is no critical step: a signal
        # held back while open_lock ran was delivered as it returned, before inspect_lock's try
        # (inspect_lock opens the lock file itself now: a signal in its own body, between the
        # open and the try that closes the descriptor, is held back)
        ("inspect", "inspect_lock < run_critical < operation"),
        # inspect_lock, then break_stale_lock of what it saw (a dead holder's lock)
        ("break", "deliver_pending < run_critical < break_stale_lock"),
        # locked_write_json(keep_versions=2), whose with block is no critical step: a signal
        # held back while the version was written was delivered before the replace
        ("versions", "deliver_pending < run_critical < version_kept"),
        # locked_replace_bytes(quarantine=True) over a damaged file (no critical step either):
        # a signal held back while the copy was made was delivered before the replace (at
        # this point, which was quarantine's own end then: "... < locked_replace_bytes")
        ("repair", "deliver_pending < run_critical < _quarantine_and_replace"),
        # acquisition() with hooks, and locked_update_json, timing out (timeout=0) while a live
        # holder keeps the lock: a signal held back while the lock was tried was never run
        # (acquire() leaves it to its protected caller, whose entry raised without running it)
        ("acquisition", "install < acquire < __enter__"),
        ("timeout", "keep_installed < locked_update_json < <lambda>"),
        # an update with durable=False: the files exchanged, the dispatcher gone at the release
        ("plain", "exchange < write_atomic < run_critical"),
        # an update that starts the keep-alive thread (and waits for it to start) anew
        ("keepalive", "start < register_held < _create_at_once"),
    ],
)
def test_a_signal_at_every_point_of_other_lock_calls_leaves_nothing_behind(
    tmp_path: Path, scenario: str, chosen_point: str
) -> None:
    store = tmp_path / "store.json"
    child = start_child("points", str(store), scenario)
    report = json.loads(read_event(child, "done"))
    finish(child)
    # Enough points that the tracer is known to have walked the operation; inspect_lock of a
    # live holder's lock is leaner than the others (issue 11 §6: looked at again, the lock
    # described before is checked by one flock; its full judgement and description are run
    # by "break", a dead holder's lock).
    least = 30 if scenario == "inspect" else 100
    assert report["points"] > least
    assert report["failures"] == []
    assert report["interrupted"] == report["reached"] > least
    assert any(point.endswith(chosen_point) for point in report["reached_at"]), report["reached_at"]


@pytest.mark.slow
def test_sigint_storm_keeps_mutual_exclusion_and_leaves_nothing_behind(tmp_path: Path) -> None:
    store = tmp_path / "store.json"
    seconds = 3.0
    children = [start_child("storm", str(store), str(seconds)) for _ in range(2)]
    for child in children:
        read_event(child, "started")
    deadline = time.monotonic() + seconds
    sent = 0
    while time.monotonic() < deadline:
        for child in children:
            if child.poll() is None:
                os.kill(child.pid, signal.SIGINT)
                sent += 1
        time.sleep(random.uniform(0.001, 0.02))
    reports = [json.loads(read_event(child, "done")) for child in children]
    try:
        # Both children are alive and idle: neither may keep the lock, or any kernel lock.
        assert lockcore.locked_update_json(store, lambda d: d, timeout=2)["n"] >= 0
        assert sorted(os.listdir(tmp_path)) == ["store.json"]
    finally:
        for child in children:
            finish(child)
    for report in reports:
        assert report["errors"] == [], reports
        assert report["overlaps"] == 0, reports
        assert report["leaked"] == [], reports
        assert report["problems"] == [], reports
    interrupted = sum(report["interrupted"] for report in reports)
    committed = sum(report["ok"] for report in reports)
    assert interrupted > 20, f"only {interrupted} of {sent} signals interrupted an update"
    # An update interrupted after its commit counts as interrupted, yet it is in the file.
    assert committed <= json.loads(store.read_text())["n"] <= committed + interrupted
