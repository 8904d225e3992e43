"""Legacy and lockcore processes sharing one store: the on-disk protocol is compatible.

Programs still running the reviewed ``file_lock.py`` and programs running lockcore must exclude
each other through the same ``X.json.lock``, and lockcore must judge legacy (bare-PID) locks
correctly: a dead legacy holder is taken over at once, a live one is never broken (that one is
``test_live_bare_pid_holder_never_broken_by_age`` in ``test_defects_locking.py``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from _lockimpls import load_impl
from _procs import (
    RENAME_SYSCALLS,
    Worker,
    strace_delay_prefix,
    wait_until_in_syscall,
)

StartWorker = Callable[..., Worker]


def lock_path_of(data_path: Path) -> Path:
    return data_path.with_name(data_path.name + ".lock")


@pytest.mark.slow
def test_legacy_and_lockcore_writers_lose_no_update(data_path: Path, workers: StartWorker) -> None:
    # 2 legacy + 2 lockcore processes x 200 increments on one counter. A long timeout: legacy
    # waiters poll every 50 ms and may wait a while behind faster lockcore writers.
    per_process = 200
    options = ("--repeat", str(per_process), "--timeout", "60", "--barrier")
    writers = [
        workers(impl, "increment", data_path, *options)
        for impl in ("legacy", "lockcore", "legacy", "lockcore")
    ]
    for writer in writers:
        writer.send("go")
    runs = []
    for writer in writers:
        _, _, began, ended = writer.expect("done", timeout=90)
        runs.append((float(began), float(ended)))
        assert writer.finish() == 0, writer.stderr_tail()

    assert json.loads(data_path.read_text()) == {"count": 4 * per_process}
    assert max(began for began, _ in runs) < min(ended for _, ended in runs), (
        f"the writers did not all run at once: {runs}"
    )
    assert not lock_path_of(data_path).exists()


def test_lockcore_breaks_a_killed_legacy_holders_lock_at_once(
    data_path: Path, workers: StartWorker
) -> None:
    lockcore = load_impl("lockcore")
    holder = workers("legacy", "serve", data_path)
    holder.hold()
    holder.kill()

    started = time.monotonic()
    result = lockcore.locked_update_json(str(data_path), lambda _: {"count": 1}, timeout=0.6)

    assert result == {"count": 1}
    assert time.monotonic() - started < 0.5


def test_legacy_waits_for_a_lockcore_holder(data_path: Path, workers: StartWorker) -> None:
    legacy = load_impl("legacy")
    holder = workers("lockcore", "serve", data_path)
    holder.hold()

    with pytest.raises(legacy.FileLockError):
        legacy.locked_write_json(str(data_path), {"count": 1}, timeout=0.2)

    holder.send("release")
    holder.expect("released")
    legacy.locked_write_json(str(data_path), {"count": 1}, timeout=0.5)
    assert json.loads(data_path.read_text()) == {"count": 1}


def test_lockcore_reads_what_a_legacy_writer_wrote_and_back(data_path: Path) -> None:
    legacy, lockcore = load_impl("legacy"), load_impl("lockcore")
    document = {"name": "Zoë", "items": [1, 2, {"ü": None}]}
    legacy.locked_write_json(str(data_path), document)
    assert lockcore.locked_read_json(str(data_path)) == document
    lockcore.locked_write_json(str(data_path), {**document, "by": "lockcore"})
    assert legacy.locked_read_json(str(data_path)) == {**document, "by": "lockcore"}


def test_lockcore_waits_while_a_legacy_lock_is_being_created(data_path: Path) -> None:
    # Legacy writes its PID only after creating the file: an empty fresh lock is not stale.
    lockcore = load_impl("lockcore")
    lock_path_of(data_path).touch()
    with pytest.raises(lockcore.LockTimeout):
        lockcore.locked_write_json(str(data_path), {"count": 1}, timeout=0.2)
    assert lock_path_of(data_path).exists()


def test_lockcore_read_waits_out_a_legacy_writers_missing_file_window(
    data_path: Path, tmp_path: Path, workers: StartWorker
) -> None:
    # A legacy writer unlinks X.json, then renames X.json.tmp over it, holding its lock. strace
    # stalls it between the two for 1 s: a reader that skipped the lock would see no file and
    # return the default; lockcore's read takes the lock, waits, and sees the new data.
    lockcore = load_impl("lockcore")
    load_impl("legacy").locked_write_json(str(data_path), {"count": 41})
    prefix = strace_delay_prefix(None, RENAME_SYSCALLS, 1.0, tmp_path / "strace.log")
    writer = workers("legacy", "update-once", data_path, prefix=prefix)
    wait_until_in_syscall(writer.pid, RENAME_SYSCALLS, timeout=10)
    assert not data_path.exists(), "the legacy writer should be inside its window"

    result = lockcore.locked_read_json(str(data_path), default=lambda: {"count": 0}, timeout=10)

    assert result == {"count": 42}
    writer.expect("committed")
