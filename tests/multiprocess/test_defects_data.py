"""Issue 2, defects 5-9, 12 and 13: what happens to the data file, proven on real files.

Legacy cases are ``xfail(strict=True)``: the reviewed code has the defect and the test sees it.
Crash windows are made deterministic with ``strace -e inject=...:delay_enter`` (the child is
held *inside* the syscall) and closed with a real ``SIGKILL``; durability is checked by tracing
the real ``fsync``/``rename`` calls with ``strace -y``, which names the file behind every fd.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import re
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _lockimpls import load_impl
from _procs import (
    RENAME_SYSCALLS,
    Worker,
    back_date,
    dead_pid,
    impls_where_legacy_fails,
    strace_delay_prefix,
    wait_until,
    wait_until_in_syscall,
)

StartWorker = Callable[..., Worker]
NOBODY = 65534


def increment(data: dict[str, int]) -> dict[str, int]:
    return {**data, "count": data.get("count", 0) + 1}


def count_default() -> dict[str, int]:
    return {"count": 0}


def lock_path_of(data_path: Path) -> Path:
    return data_path.with_name(data_path.name + ".lock")


# --- Defect 5: unlink then rename: a crash in between loses the data file -----------------------


@pytest.mark.parametrize(
    "impl_name", impls_where_legacy_fails("legacy unlinks X.json before renaming X.json.tmp")
)
def test_crash_between_unlink_and_rename_keeps_data(
    impl_name: str, data_path: Path, tmp_path: Path, workers: StartWorker
) -> None:
    impl = load_impl(impl_name)
    impl.locked_write_json(str(data_path), {"count": 41})
    # Stall the writer's first rename (the one onto X.json; nothing else renames) for 30 s.
    prefix = strace_delay_prefix(None, RENAME_SYSCALLS, 30, tmp_path / "strace.log")
    writer = workers(impl_name, "update-once", data_path, "--timeout", "5", prefix=prefix)
    wait_until_in_syscall(writer.pid, RENAME_SYSCALLS, timeout=10)
    writer.kill()  # dies with the new bytes written but not yet renamed into place

    # The dead writer's lock is left behind; back-date it so legacy can break it too.
    if lock_path_of(data_path).exists():
        back_date(lock_path_of(data_path), 120)
    result = impl.locked_update_json(str(data_path), increment, default=count_default, timeout=0.3)

    assert result == {"count": 42}, "the crash lost the data file; the update started over"


def test_writer_killed_at_random_moments_never_corrupts_data(
    data_path: Path, workers: StartWorker
) -> None:
    # lockcore only: legacy's window is microseconds wide, so random kills would rarely hit it
    # (the strace test above hits it every time). Here: whatever instant the kill lands, the
    # file is complete and valid, and the dead writer's lock is taken over -- at once, or, when
    # the kill lands in the microseconds between creating the lock file and writing the holder
    # into it, after EMPTY_LOCK_GRACE (an empty lock file could be a live legacy creator's).
    impl = load_impl("lockcore")
    impl.locked_write_json(str(data_path), {"count": 0})
    rng = random.Random(5)
    last_count = 0
    for _ in range(8):
        writer = workers(
            "lockcore", "increment", data_path, "--repeat", "1000000", "--timeout", "30"
        )
        wait_until(
            lambda floor=last_count: json.loads(data_path.read_bytes())["count"] > floor + 2,
            timeout=30,
            what="the writer made progress",
        )
        time.sleep(rng.uniform(0, 0.004))  # workload: kill at a random instant, not a sync
        writer.kill()
        count = json.loads(data_path.read_bytes())["count"]  # always present, always valid
        assert count >= last_count
        last_count = count
    final = impl.locked_update_json(str(data_path), increment, timeout=10)
    assert final["count"] == last_count + 1


# --- Defect 6: no fsync -------------------------------------------------------------------------


def traced_write(
    impl_name: str, data_path: Path, log: Path, workers: StartWorker, *options: str
) -> list[str]:
    """Run one locked_write_json under strace; return the fsync/rename trace lines."""
    prefix = [
        "strace",
        "-f",
        "-qq",
        "-y",
        "-s",
        "4096",
        "-o",
        str(log),
        "-e",
        "trace=fsync,fdatasync,rename,renameat,renameat2,sync,syncfs",
    ]
    writer = workers(impl_name, "write", data_path, *options, prefix=prefix)
    writer.expect("committed")
    assert writer.finish() == 0
    return log.read_text().splitlines()


def fd_path(line: str) -> str | None:
    """``fsync(3</dir/file>) = 0`` -> ``/dir/file``."""
    match = re.search(r"\(\d+<(.*?)>\)", line)
    return match.group(1) if match else None


@pytest.mark.parametrize("impl_name", impls_where_legacy_fails("legacy never fsyncs"))
def test_durable_write_fsyncs_file_then_renames_then_fsyncs_directory(
    impl_name: str, data_path: Path, tmp_path: Path, workers: StartWorker
) -> None:
    # We cannot pull the power; we prove the order of the real syscalls instead: the new
    # bytes are on disk before the rename, and the rename is on disk before the call returns.
    data_path.write_text('{"count": 0}')  # an existing file: the replace case
    lines = traced_write(impl_name, data_path, tmp_path / "strace.log", workers)

    renames = [
        i
        for i, line in enumerate(lines)
        if line.split(None, 1)[1].startswith(("rename", "renameat", "renameat2"))
        and f'"{data_path}"' in line
    ]
    assert renames, f"no rename onto the data file: {lines}"
    rename_at = renames[-1]
    temp_name = re.findall(r'"([^"]+)"', lines[rename_at])[0]
    syncs = {
        i: fd_path(line)
        for i, line in enumerate(lines)
        if re.search(r"\b(fsync|fdatasync)\(", line)
    }
    assert any(i < rename_at and path == temp_name for i, path in syncs.items()), (
        f"temp file {temp_name} not fsynced before the rename: {lines}"
    )
    assert any(i > rename_at and path == str(data_path.parent) for i, path in syncs.items()), (
        f"directory not fsynced after the rename: {lines}"
    )


def test_durable_false_skips_fsync(data_path: Path, tmp_path: Path, workers: StartWorker) -> None:
    data_path.write_text('{"count": 0}')
    lines = traced_write("lockcore", data_path, tmp_path / "strace.log", workers, "--no-durable")
    synced = [fd_path(line) for line in lines if re.search(r"\b(fsync|fdatasync)\(", line)]
    touching_data = [p for p in synced if p and p.startswith(str(data_path.parent))]
    assert touching_data == []
    assert json.loads(data_path.read_text()) == {"count": 1}


# --- Defect 7: corrupt JSON silently replaced ---------------------------------------------------

CORRUPT = b'{"count": 7,, "secret": "not lost"'


def surviving_copies(data_path: Path) -> list[bytes]:
    """The bytes of the data file and of anything quarantined beside it."""
    candidates = [data_path, *data_path.parent.glob(data_path.name + ".corrupt-*")]
    return [p.read_bytes() for p in candidates if p.is_file()]


@pytest.mark.parametrize(
    "impl_name", impls_where_legacy_fails("legacy updates an unparseable file from the default")
)
def test_corrupt_json_bytes_survive_update(impl_name: str, data_path: Path) -> None:
    impl = load_impl(impl_name)
    data_path.write_bytes(CORRUPT)

    # Raising a clear error and leaving the file alone is one allowed answer.
    with contextlib.suppress(impl.FileLockError):
        impl.locked_update_json(str(data_path), increment, default=count_default)

    assert CORRUPT in surviving_copies(data_path)


def test_corrupt_json_read_returns_default_but_logs_and_keeps_bytes(
    data_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    impl = load_impl("lockcore")
    data_path.write_bytes(CORRUPT)
    with caplog.at_level(logging.WARNING):
        assert impl.locked_read_json(str(data_path), default=count_default) == {"count": 0}
    assert data_path.read_bytes() == CORRUPT
    assert any(record.levelno >= logging.WARNING for record in caplog.records)


# --- Defect 8: symlink planted at the temp path -------------------------------------------------


@pytest.mark.parametrize(
    "impl_name", impls_where_legacy_fails("legacy opens X.json.tmp with open(..., 'w')")
)
@pytest.mark.parametrize("operation", ["write", "update"])
def test_symlink_planted_at_temp_path_is_not_followed(
    impl_name: str, operation: str, data_path: Path, tmp_path: Path
) -> None:
    impl = load_impl(impl_name)
    impl.locked_write_json(str(data_path), {"count": 1})
    victim = tmp_path / "victim.conf"
    victim.write_bytes(b"precious")
    Path(str(data_path) + ".tmp").symlink_to(victim)  # an attacker's plant

    if operation == "write":
        impl.locked_write_json(str(data_path), {"count": 2})
    else:
        impl.locked_update_json(str(data_path), increment)

    assert victim.read_bytes() == b"precious"
    assert not data_path.is_symlink()
    assert json.loads(data_path.read_text()) == {"count": 2}


@pytest.mark.parametrize("impl_name", ["legacy", "lockcore"])
def test_symlink_planted_at_lock_path_is_not_followed(
    impl_name: str, data_path: Path, tmp_path: Path
) -> None:
    # Both pass (O_EXCL never follows a link); a guard that lockcore keeps it so.
    impl = load_impl(impl_name)
    victim = tmp_path / "victim.conf"
    victim.write_bytes(b"precious")
    lock_path_of(data_path).symlink_to(victim)

    with pytest.raises(impl.FileLockError):
        impl.locked_write_json(str(data_path), {"count": 1}, timeout=0.2)

    assert victim.read_bytes() == b"precious"


def test_dangling_symlink_at_lock_path_creates_nothing(data_path: Path, tmp_path: Path) -> None:
    # lockcore only: legacy spins forever here (stat() of a dangling link fails, which it takes
    # for "the lock was just removed").
    impl = load_impl("lockcore")
    target = tmp_path / "would-be-created"
    lock_path_of(data_path).symlink_to(target)
    with contextlib.suppress(impl.FileLockError):
        impl.locked_write_json(str(data_path), {"count": 1}, timeout=0.2)
    assert not target.exists()


# --- Defect 9: permissions and owner lost -------------------------------------------------------


@pytest.fixture
def umask_022() -> Any:
    old = os.umask(0o022)  # the common default, under which a new file becomes 0644
    yield
    os.umask(old)


@pytest.mark.parametrize(
    "impl_name", impls_where_legacy_fails("legacy's replacement gets umask permissions")
)
@pytest.mark.usefixtures("umask_022")
def test_file_mode_is_kept(impl_name: str, data_path: Path) -> None:
    impl = load_impl(impl_name)
    impl.locked_write_json(str(data_path), {"token": "s3cret"})
    data_path.chmod(0o600)

    impl.locked_update_json(str(data_path), lambda data: {**data, "token": "n3w"})
    impl.locked_write_json(str(data_path), {"token": "n3wer"})

    assert stat.S_IMODE(data_path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "impl_name", impls_where_legacy_fails("legacy's replacement belongs to whoever wrote it")
)
def test_file_owner_is_kept(impl_name: str, data_path: Path) -> None:
    # We run as root, so chown is permitted: the file belongs to "nobody" and must stay so.
    impl = load_impl(impl_name)
    impl.locked_write_json(str(data_path), {"count": 1})
    os.chown(data_path, NOBODY, NOBODY)

    impl.locked_update_json(str(data_path), increment)

    st = data_path.stat()
    assert (st.st_uid, st.st_gid) == (NOBODY, NOBODY)


# --- Defect 12: a legacy writer's crash leftover X.json.tmp -----------------------------------


def plant_legacy_leftover(data_path: Path, lock_state: str) -> None:
    """The disk after a legacy writer died between unlink(X.json) and rename(X.json.tmp)."""
    Path(str(data_path) + ".tmp").write_text('{"count": 41}')
    if lock_state == "stale":
        lock_path = lock_path_of(data_path)
        lock_path.write_text(str(dead_pid()))
        back_date(lock_path, 120)  # old enough for legacy to break too


@pytest.mark.parametrize(
    "impl_name", impls_where_legacy_fails("legacy ignores X.json.tmp and starts from the default")
)
@pytest.mark.parametrize("lock_state", ["free", "stale"])
def test_legacy_tmp_leftover_is_recovered(
    impl_name: str, lock_state: str, data_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    impl = load_impl(impl_name)
    plant_legacy_leftover(data_path, lock_state)

    with caplog.at_level(logging.WARNING):
        result = impl.locked_update_json(
            str(data_path), increment, default=count_default, timeout=0.2
        )

    assert result == {"count": 42}
    assert json.loads(data_path.read_text()) == {"count": 42}
    assert any(record.levelno >= logging.WARNING for record in caplog.records), "not logged"


@pytest.mark.parametrize(
    "impl_name", impls_where_legacy_fails("legacy reads the default when X.json is missing")
)
def test_legacy_tmp_leftover_is_recovered_by_read(impl_name: str, data_path: Path) -> None:
    impl = load_impl(impl_name)
    plant_legacy_leftover(data_path, "free")
    assert impl.locked_read_json(str(data_path), default=count_default) == {"count": 41}


def test_invalid_tmp_leftover_is_not_recovered(data_path: Path) -> None:
    impl = load_impl("lockcore")
    Path(str(data_path) + ".tmp").write_bytes(b'{"count": 4')  # the writer died mid-write
    result = impl.locked_update_json(str(data_path), increment, default=count_default)
    assert result == {"count": 1}


def test_tmp_leftover_is_ignored_when_data_file_exists(data_path: Path) -> None:
    impl = load_impl("lockcore")
    impl.locked_write_json(str(data_path), {"count": 5})
    Path(str(data_path) + ".tmp").write_text('{"count": 41}')
    assert impl.locked_update_json(str(data_path), increment) == {"count": 6}


# --- Defect 13: load-then-save is the lost-update pattern ----------------------------------------


@pytest.mark.parametrize("impl_name", ["legacy", "lockcore"])
def test_separate_read_and_write_calls_lose_updates(
    impl_name: str, data_path: Path, workers: StartWorker
) -> None:
    # A demonstration, passing for both: the review's "safe" _load_data()/_save_data() pattern
    # loses an update under any lock implementation; only a transaction prevents it.
    impl = load_impl(impl_name)
    impl.locked_write_json(str(data_path), {"count": 0})
    slow = workers(impl_name, "read-then-write", data_path, "--pause")
    slow.expect("read")
    impl.locked_update_json(str(data_path), increment)  # another process's update, completed
    slow.send("go")
    slow.expect("committed")

    assert json.loads(data_path.read_text()) == {"count": 1}, "two increments, one survives"


@pytest.mark.parametrize(
    "impl_name", impls_where_legacy_fails("legacy has no transaction; load-then-save loses one")
)
def test_edit_json_transaction_blocks_other_writers(
    impl_name: str, data_path: Path, workers: StartWorker
) -> None:
    impl = load_impl(impl_name)
    impl.locked_write_json(str(data_path), {"count": 0})
    transaction = workers(impl_name, "transaction", data_path, "--pause")
    transaction.expect("read")
    try:
        impl.locked_update_json(str(data_path), increment, timeout=0.2)
        other_committed = True
    except impl.FileLockError:
        other_committed = False  # the transaction holds the lock: correct
    transaction.send("go")
    transaction.expect("committed")

    expected = 1 + int(other_committed)
    assert json.loads(data_path.read_text()) == {"count": expected}, "an update was lost"


def test_edit_json_transaction_has_no_lost_updates(data_path: Path, workers: StartWorker) -> None:
    impl = load_impl("lockcore")
    impl.locked_write_json(str(data_path), {"count": 0})
    writers = [workers("lockcore", "transaction", data_path, "--repeat", "40") for _ in range(3)]
    for writer in writers:
        assert writer.finish(timeout=60) == 0, writer.stderr_tail()
    assert json.loads(data_path.read_text()) == {"count": 120}
