"""lockcore's public API, as /tmp/api_contract.md and issue 2 state it (one process, real files).

Contention comes from real child processes (``_procs.Worker``); nothing is mocked.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _procs import Worker

import lockcore
from lockcore import (
    CorruptJSONError,
    DuplicateKeyChangedError,
    FileChangedError,
    FileLock,
    FileLockError,
    HolderAliveError,
    LockChangedError,
    LockLostError,
    LockState,
    LockTimeout,
    edit_json,
    lock_path_for,
    locked_read_json,
    locked_update_json,
    locked_write_json,
)

StartWorker = Callable[..., Worker]
CORRUPT = b'{"count": 7,, "secret": "not lost"'

CONTRACT_NAMES = {
    "FileLock",
    "FileLockError",
    "LockTimeout",
    "LockLostError",
    "HolderAliveError",
    "LockChangedError",
    "CorruptJSONError",
    "LockInfo",
    "LockState",
    "LockFormat",
    "LockIdentity",
    "inspect_lock",
    "break_stale_lock",
    "locked_read_json",
    "locked_write_json",
    "locked_update_json",
    "edit_json",
    "lock_path_for",
}


def snapshot(path: Path) -> tuple[int, int, bytes]:
    """Inode, mtime and bytes: equal snapshots mean nothing was written or replaced."""
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, path.read_bytes()


def test_public_names_are_the_contract() -> None:
    assert set(lockcore.__all__) >= CONTRACT_NAMES
    for name in lockcore.__all__:
        assert hasattr(lockcore, name)


@pytest.mark.parametrize(
    ("error", "builtin"),
    [
        (LockTimeout, TimeoutError),
        (LockLostError, RuntimeError),
        (HolderAliveError, PermissionError),
        (LockChangedError, FileExistsError),
        (CorruptJSONError, ValueError),
        (DuplicateKeyChangedError, LookupError),
        (FileChangedError, RuntimeError),
    ],
)
def test_errors_subclass_the_base_and_their_builtin(error: type, builtin: type) -> None:
    assert issubclass(error, FileLockError)
    assert issubclass(error, builtin)


def test_lock_path_for(tmp_path: Path) -> None:
    assert lock_path_for(tmp_path / "x.json") == str(tmp_path / "x.json") + ".lock"
    assert lock_path_for(str(tmp_path / "x.json")) == str(tmp_path / "x.json") + ".lock"


# --- defaults, parents, formatting ---------------------------------------------------------------


def test_read_of_missing_file_returns_default(data_path: Path) -> None:
    assert locked_read_json(data_path, default={"a": 1}) == {"a": 1}
    assert locked_read_json(data_path, default=lambda: [1, 2]) == [1, 2]
    assert locked_read_json(data_path) == {}  # the reviewed module's default=None
    assert not data_path.exists()


def test_callable_default_gives_a_fresh_value_each_time(data_path: Path) -> None:
    first = locked_read_json(data_path, default=dict)
    first["mutated"] = True
    assert locked_read_json(data_path, default=dict) == {}


def test_update_starts_from_default_and_creates_parent_dirs(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "store.json"
    result = locked_update_json(path, lambda d: {**d, "n": d["n"] + 1}, default=lambda: {"n": 0})
    assert result == {"n": 1}
    assert json.loads(path.read_text()) == {"n": 1}


def test_write_and_filelock_create_parent_dirs(tmp_path: Path) -> None:
    locked_write_json(tmp_path / "w" / "store.json", [1])
    assert json.loads((tmp_path / "w" / "store.json").read_text()) == [1]
    with FileLock(tmp_path / "l" / "store.json"):
        assert (tmp_path / "l" / "store.json.lock").exists()


@pytest.mark.parametrize("indent", [2, 4])
def test_json_is_written_with_indent_and_without_ascii_escapes(
    data_path: Path, indent: int
) -> None:
    document = {"name": "Zoë", "tags": ["ü"]}
    locked_write_json(data_path, document, indent=indent)
    text = data_path.read_bytes().decode("utf-8")
    assert text.rstrip("\n") == json.dumps(document, indent=indent, ensure_ascii=False)
    locked_update_json(data_path, lambda d: {**d, "n": 1}, indent=indent)
    assert f'\n{" " * indent}"n": 1' in data_path.read_text(encoding="utf-8")


# --- FileLock --------------------------------------------------------------------------------


def test_filelock_attributes_and_context_manager(data_path: Path) -> None:
    lock = FileLock(data_path)
    assert lock.path == str(data_path)
    assert lock.lock_path == str(data_path) + ".lock"
    assert not lock.is_locked
    with lock as entered:
        assert entered is lock
        assert lock.is_locked
        first_line = Path(lock.lock_path).read_bytes().split(b"\n")[0]
        assert first_line == str(os.getpid()).encode()
    assert not lock.is_locked
    assert not Path(lock.lock_path).exists()


def test_acquire_returns_the_lock_and_release_twice_is_harmless(data_path: Path) -> None:
    lock = FileLock(data_path)
    assert lock.acquire() is lock
    lock.release()
    lock.release()
    assert not Path(lock.lock_path).exists()


def test_reentrant_lock_is_released_by_the_outermost_release(data_path: Path) -> None:
    outer, inner = FileLock(data_path, timeout=0.2), FileLock(data_path, timeout=0.2)
    outer.acquire()
    inner.acquire()
    inner.release()
    assert Path(outer.lock_path).exists(), "an inner release dropped the outer hold"
    outer.release()
    assert not Path(outer.lock_path).exists()


def test_other_threads_wait_for_the_holder(data_path: Path) -> None:
    order: list[str] = []
    holding = threading.Event()
    lock = FileLock(data_path)
    lock.acquire()

    def waiter() -> None:
        holding.wait(5)
        with FileLock(data_path, timeout=5):
            order.append("waiter")

    thread = threading.Thread(target=waiter)
    thread.start()
    holding.set()
    thread.join(0.2)  # it must still be waiting: we hold the lock
    order.append("holder")
    lock.release()
    thread.join(5)
    assert order == ["holder", "waiter"]


# --- timeouts --------------------------------------------------------------------------------


def test_timeout_zero_makes_exactly_one_attempt(data_path: Path, workers: StartWorker) -> None:
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    started = time.monotonic()
    with pytest.raises(LockTimeout):
        FileLock(data_path, timeout=0).acquire()
    with pytest.raises(LockTimeout):
        FileLock(data_path, timeout=10).acquire(timeout=0)
    assert time.monotonic() - started < 0.2


def test_timeout_none_means_the_instance_default(data_path: Path, workers: StartWorker) -> None:
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    started = time.monotonic()
    with pytest.raises(LockTimeout):
        FileLock(data_path, timeout=0.3).acquire(timeout=None)
    assert 0.25 <= time.monotonic() - started < 2.0


def test_negative_timeout_waits_until_the_lock_is_free(
    data_path: Path, workers: StartWorker
) -> None:
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    acquired = threading.Event()

    def wait_forever() -> None:
        with FileLock(data_path, timeout=-1):
            acquired.set()

    thread = threading.Thread(target=wait_forever)
    thread.start()
    assert not acquired.wait(0.4), "a negative timeout gave up or ignored the holder"
    assert thread.is_alive(), "a negative timeout gave up"
    holder.send("release")
    holder.expect("released")
    thread.join(5)
    assert acquired.is_set()


def test_lock_timeout_carries_path_and_holder(data_path: Path, workers: StartWorker) -> None:
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    with pytest.raises(LockTimeout) as caught:
        locked_update_json(data_path, lambda d: d, timeout=0.1)
    assert caught.value.path == str(data_path)
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.holder is not None
    assert caught.value.holder.pid == holder.pid
    assert caught.value.holder.state is LockState.HELD_ALIVE


# --- transactions and updaters ---------------------------------------------------------------


def test_edit_json_writes_on_clean_exit(data_path: Path) -> None:
    with edit_json(data_path, default=lambda: {"count": 0}) as doc:
        doc["count"] += 1
    with edit_json(data_path) as doc:
        doc["count"] += 1
    assert json.loads(data_path.read_text()) == {"count": 2}
    assert not Path(lock_path_for(data_path)).exists()


def test_edit_json_writes_nothing_on_exception(data_path: Path) -> None:
    locked_write_json(data_path, {"count": 1})
    before = snapshot(data_path)

    class Abort(Exception):
        pass

    def change_then_fail() -> None:
        with edit_json(data_path) as doc:
            doc["count"] = 99
            raise Abort

    with pytest.raises(Abort):
        change_then_fail()

    assert snapshot(data_path) == before
    assert not Path(lock_path_for(data_path)).exists()


def test_updater_returning_none_raises_and_writes_nothing(data_path: Path) -> None:
    locked_write_json(data_path, {"count": 1})
    before = snapshot(data_path)

    def forgets_to_return(data: dict[str, Any]) -> None:
        data["count"] = 2

    with pytest.raises(TypeError):
        locked_update_json(data_path, forgets_to_return)  # type: ignore[arg-type]
    assert snapshot(data_path) == before


def test_updater_exception_propagates_and_writes_nothing(data_path: Path) -> None:
    locked_write_json(data_path, {"count": 1})
    before = snapshot(data_path)

    def fails(data: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        locked_update_json(data_path, fails)
    assert snapshot(data_path) == before
    assert not Path(lock_path_for(data_path)).exists()


def test_unchanged_result_is_not_written(data_path: Path) -> None:
    locked_write_json(data_path, {"count": 1, "name": "Zoë"})
    before = snapshot(data_path)
    assert locked_update_json(data_path, lambda d: d) == {"count": 1, "name": "Zoë"}
    assert snapshot(data_path) == before


def test_non_durable_writes_still_replace_atomically(data_path: Path) -> None:
    locked_write_json(data_path, {"count": 1}, durable=False)
    locked_update_json(data_path, lambda d: {"count": d["count"] + 1}, durable=False)
    assert json.loads(data_path.read_text()) == {"count": 2}


# --- corrupt files ---------------------------------------------------------------------------


def test_update_of_corrupt_file_raises_and_leaves_the_bytes(data_path: Path) -> None:
    data_path.write_bytes(CORRUPT)
    with pytest.raises(CorruptJSONError) as caught:
        locked_update_json(data_path, lambda _: {"count": 0}, default=dict)
    assert caught.value.path == str(data_path)
    assert (caught.value.lineno, caught.value.colno) == (1, 13)
    assert data_path.read_bytes() == CORRUPT
    assert not Path(lock_path_for(data_path)).exists()


def test_edit_json_of_corrupt_file_raises_and_leaves_the_bytes(data_path: Path) -> None:
    data_path.write_bytes(CORRUPT)
    with pytest.raises(CorruptJSONError), edit_json(data_path, default=dict) as doc:
        doc["count"] = 0
    assert data_path.read_bytes() == CORRUPT


def test_quarantine_keeps_a_copy_then_updates_from_default(data_path: Path) -> None:
    data_path.write_bytes(CORRUPT)
    received: list[Any] = []

    def updater(data: dict[str, int]) -> dict[str, int]:
        received.append(dict(data))
        return {"count": 1}

    result = locked_update_json(
        data_path, updater, default=lambda: {"count": 0}, on_corrupt="quarantine"
    )

    assert received == [{"count": 0}]
    assert result == {"count": 1}
    assert json.loads(data_path.read_text()) == {"count": 1}
    copies = list(data_path.parent.glob("store.json.corrupt-*"))
    assert [copy.read_bytes() for copy in copies] == [CORRUPT]


def test_read_of_corrupt_file_can_raise(data_path: Path) -> None:
    data_path.write_bytes(CORRUPT)
    with pytest.raises(CorruptJSONError):
        locked_read_json(data_path, on_corrupt="raise")
    assert locked_read_json(data_path, default=list) == []
    assert data_path.read_bytes() == CORRUPT


def test_updates_of_relative_paths_follow_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An update reuses the FileLock of an absolute path (issue 9 §6); a relative one names
    # another store, with another in-process slot, once the working folder changes.
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    monkeypatch.chdir(first)
    locked_update_json(
        "store.json", lambda d: {**d, "n": 1}, default=dict, timeout=0, durable=False
    )
    held = threading.Event()
    done = threading.Event()

    def hold_first() -> None:
        with FileLock(first / "store.json"):
            held.set()
            done.wait(10)

    holder = threading.Thread(target=hold_first)
    holder.start()
    try:
        assert held.wait(10)
        monkeypatch.chdir(second)
        # Another thread holds first/store.json: second/store.json is free at once.
        locked_update_json(
            "store.json", lambda d: {**d, "n": 2}, default=dict, timeout=0, durable=False
        )
    finally:
        done.set()
        holder.join()
    assert json.loads((first / "store.json").read_text()) == {"n": 1}
    assert json.loads((second / "store.json").read_text()) == {"n": 2}
