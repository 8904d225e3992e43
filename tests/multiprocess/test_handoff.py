"""The hand-off from a releasing holder to a waiting process (issue 9, §6): what lies between.

A lockcore waiter keeps its next lock file ready while it waits (unnamed, kernel-locked, its
inode made before the wait) and, once woken by the release, writes the content and links it
at once: the inotify watch is tidied by the next wait, not on the way to the lock. These tests
watch real processes through ``strace`` and read the real lock files they leave.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from _lockimpls import load_impl
from _procs import Worker, wait_until, wait_until_in_syscall

from lockcore import _acquire, _holder, _lock_content

StartWorker = Callable[..., Worker]
WAIT_SYSCALLS = ("poll", "ppoll")


def lock_path_of(data_path: Path) -> Path:
    return data_path.with_name(data_path.name + ".lock")


def _calls_of(log: Path, pid: str) -> list[str]:
    """The system calls one thread made, in order, each as ``name(args) = result``."""
    calls = []
    for line in log.read_text().splitlines():
        thread, _, call = line.partition(" ")
        if thread == pid and not call.startswith(("+++", "---")):
            calls.append(call.strip())
    return calls


def test_a_woken_waiter_links_its_ready_lock_file_before_anything_else(
    data_path: Path, tmp_path: Path, workers: StartWorker
) -> None:
    lock_path = str(lock_path_of(data_path))
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    log = tmp_path / "strace.log"
    waiter = workers("lockcore", "serve", data_path, prefix=["strace", "-f", "-qq", "-o", str(log)])
    waiter.send("acquire 10")
    waiter.expect("waiting")
    wait_until_in_syscall(waiter.pid, WAIT_SYSCALLS, timeout=10)
    holder.send("release")
    holder.expect("released")
    waiter.expect("held")
    waiter.send("exit")
    waiter.finish()

    # The thread that took the lock: its successful link of the lock file into place.
    taker = next(
        line.split()[0]
        for line in log.read_text().splitlines()
        if "linkat(" in line and f'"{lock_path}"' in line and line.rstrip().endswith("= 0")
    )
    calls = _calls_of(log, taker)
    linked = max(i for i, call in enumerate(calls) if call.startswith("linkat(") and "= 0" in call)
    woken = max(i for i, call in enumerate(calls[:linked]) if call.startswith(("poll(", "ppoll(")))
    between = [re.match(r"\w+", call).group() for call in calls[woken + 1 : linked]]  # type: ignore[union-attr]
    # What is left: the content written (and a random token for it, on some systems).
    assert set(between) <= {"pwrite64", "getrandom", "ftruncate"}, calls[woken : linked + 1]


def _after_each_unlink(calls: list[str], lock_path: str) -> list[str]:
    """The name of the call that follows each unlink of ``lock_path`` (its releases)."""
    unlinks = [
        i for i, call in enumerate(calls) if call.startswith("unlink(") and f'"{lock_path}"' in call
    ]
    return [re.match(r"\w+", calls[i + 1]).group() for i in unlinks]  # type: ignore[union-attr]


def test_a_release_gives_the_processor_to_the_waiter_it_wakes_only_when_the_lock_is_contended(
    data_path: Path, tmp_path: Path, workers: StartWorker
) -> None:
    # The unlink wakes the waiter, which the scheduler then queues behind the releasing
    # process on its processor until that one sleeps: a third of a hand-off on a loaded
    # 2-core machine. A process whose acquisition of the lock waited lately yields right after
    # the unlink; one that never waited for it does not (an uncontended update makes no call
    # for it).
    lock_path = str(lock_path_of(data_path))
    log = tmp_path / "strace.log"
    process = workers(
        "lockcore", "serve", data_path, prefix=["strace", "-f", "-qq", "-o", str(log)]
    )
    other = workers("lockcore", "serve", data_path)
    process.hold()  # free: taken without waiting
    process.send("release")
    process.expect("released")
    other.hold()
    process.send("acquire 10")
    process.expect("waiting")
    wait_until_in_syscall(process.pid, WAIT_SYSCALLS, timeout=10)
    other.send("release")
    other.expect("released")
    process.expect("held")  # taken after a wait
    process.send("release")
    process.expect("released")
    process.hold()  # free again, but the lock was contended a moment ago
    process.send("release")
    process.expect("released")
    process.send("exit")
    process.finish()

    after = _after_each_unlink(_calls_of(log, str(process.pid)), lock_path)
    assert len(after) == 3, after
    assert after[0] != "sched_yield", after  # never contended yet
    assert after[1:] == ["sched_yield", "sched_yield"], after


def test_a_lock_taken_after_a_long_wait_is_stamped_when_taken(
    data_path: Path, workers: StartWorker
) -> None:
    # The ready lock file was made when the wait began. Legacy processes judge a lock's age by
    # its mtime (older than 60 s: broken) and judges read its "created" line: both must say
    # when the lock was taken, not when the wait began.
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    waiter = workers("lockcore", "serve", data_path)
    waiter.send("acquire 30")
    waiter.expect("waiting")
    wait_until_in_syscall(waiter.pid, WAIT_SYSCALLS, timeout=10)
    time.sleep(1.5)  # the workload: a long wait, whose length is what is tested
    released_wall = time.time()
    holder.send("release")
    holder.expect("released")
    waiter.expect("held")

    lock_path = lock_path_of(data_path)
    parsed = _lock_content.parse_lock_content(lock_path.read_bytes())
    assert parsed.pid == waiter.pid
    assert parsed.created is not None
    assert parsed.created >= released_wall - 0.05, released_wall - parsed.created
    # The kernel stamps mtime from a clock that lags by up to a tick.
    assert lock_path.stat().st_mtime >= released_wall - 0.05
    assert _lock_content.parse_lock_content(lock_path.read_bytes()).kernel_lock


def test_a_release_seen_while_judging_is_not_taken_for_a_death(
    data_path: Path,
    workers: StartWorker,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The holder lets go after we opened its lock file and before we tried its kernel lock:
    # we find the kernel lock free, as a dead holder's would be, but the file already
    # unlinked. That is a release: no dead writer's files to look for, no warning.
    lockcore = load_impl("lockcore")
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    orphan = data_path.with_name(data_path.name + ".0123abcd.tmp")
    orphan.write_text("{}")
    real_judge = _acquire.judge
    released = threading.Event()

    def judge_after_the_release(*args: object, **kwargs: object) -> _holder.Verdict:
        if not released.is_set():
            holder.send("release")
            holder.expect("released")
            released.set()
        return real_judge(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_acquire, "judge", judge_after_the_release)
    with (
        caplog.at_level(logging.WARNING, logger="lockcore"),
        lockcore.FileLock(str(data_path), timeout=5),
    ):
        pass

    assert released.is_set()
    assert orphan.exists(), "a release was taken for a dead holder and its directory swept"
    assert not caplog.records


@pytest.mark.slow
def test_a_legacy_writer_gets_its_turns_between_hammering_lockcore_writers(
    data_path: Path, workers: StartWorker
) -> None:
    # The reviewed module polls an O_EXCL create every 50 ms. Faster lockcore hand-offs leave
    # it shorter free windows; it must still make progress, within its own timeout, while two
    # lockcore writers update without a pause.
    lockcore = load_impl("lockcore")
    lockcore.locked_write_json(str(data_path), {"count": 0})
    hammer_seconds = 8.0
    hammers = [
        workers(
            "lockcore", "hammer", data_path, "--duration", str(hammer_seconds), "--timeout", "30"
        )
        for _ in range(2)
    ]
    legacy = workers(
        "legacy", "increment", data_path, "--repeat", "5", "--timeout", "10", "--barrier"
    )
    for hammer in hammers:
        hammer.send("go")
    hammering_since = time.monotonic()
    wait_until(
        lambda: lockcore.locked_read_json(str(data_path))["count"] >= 20, 10, "the hammers ran"
    )
    legacy.send("go")

    outcome = legacy.expect("done", "error", timeout=30)
    assert outcome[0] == "done", outcome
    legacy_ended = float(outcome[3])
    assert legacy_ended < hammering_since + hammer_seconds, (
        "legacy only ran once the hammers stopped"
    )
    counts = [int(hammer.expect("done", timeout=40)[1]) for hammer in hammers]
    assert json.loads(data_path.read_text())["count"] == sum(counts) + 5
