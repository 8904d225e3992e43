"""The hooks programs need around a lock: cancel and progress while waiting, missing folders,
the quarantine path, explicit recovery, and errors that cross process boundaries.

The lock is held by a real child process (``_procs.Worker``); nothing is mocked.
"""

from __future__ import annotations

import itertools
import json
import os
import pickle
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
    LockCancelled,
    LockChangedError,
    LockInfo,
    LockLostError,
    LockState,
    LockTimeout,
    NonFiniteNumberError,
    NotDurableError,
    UnsupportedPlatformError,
    edit_json,
    inspect_lock,
    locked_read_json,
    locked_update_json,
    locked_write_json,
    recover_interrupted_write,
)

StartWorker = Callable[..., Worker]


def test_cancel_check_stops_the_wait_and_names_the_holder(
    data_path: Path, workers: StartWorker
) -> None:
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    locked_write_json_before = data_path.exists()
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(LockCancelled) as caught:
        locked_update_json(
            data_path, lambda d: {**d, "n": 1}, timeout=-1, cancel_check=cancel.is_set
        )
    assert time.monotonic() - started < 5, "cancel was not noticed"
    error = caught.value
    assert isinstance(error, LockTimeout)
    assert isinstance(error, FileLockError)
    assert isinstance(error, TimeoutError)
    assert error.path == str(data_path)
    assert error.holder is not None
    assert error.holder.pid == holder.pid
    assert data_path.exists() == locked_write_json_before  # nothing was written
    holder.send("release")
    holder.expect("released")


def test_cancel_check_works_while_another_thread_of_this_process_holds_the_lock(
    data_path: Path,
) -> None:
    lock = FileLock(data_path)
    lock.acquire()
    outcome: list[BaseException] = []
    cancel = threading.Event()

    def wait() -> None:
        try:
            with edit_json(data_path, timeout=-1, cancel_check=cancel.is_set):
                pass
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=wait)
    thread.start()
    cancel.set()
    thread.join(5)
    lock.release()
    assert not thread.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], LockCancelled)


def test_hooks_never_hold_up_the_release_of_a_thread_holding_the_lock(data_path: Path) -> None:
    lock = FileLock(data_path)
    lock.acquire()
    asked, released = threading.Event(), threading.Event()
    seen_released: list[bool] = []

    def on_wait(_info: LockInfo | None, _waited: float) -> None:
        if not seen_released:
            asked.set()
            seen_released.append(released.wait(5))

    def wait_then_release() -> None:
        waiter = FileLock(data_path)
        waiter.acquire(timeout=10, on_wait=on_wait)
        waiter.release()

    thread = threading.Thread(target=wait_then_release)
    thread.start()
    assert asked.wait(5)
    lock.release()  # while the waiter's on_wait runs: it must not need the waiter to finish
    released.set()
    thread.join(10)
    assert seen_released == [True]


def test_on_wait_reports_the_holder_and_the_time_waited_throttled(
    data_path: Path, workers: StartWorker
) -> None:
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    reports: list[tuple[LockInfo | None, float]] = []
    with pytest.raises(LockTimeout):
        FileLock(data_path).acquire(
            timeout=1.0, on_wait=lambda info, waited: reports.append((info, waited))
        )
    holder.send("release")
    holder.expect("released")
    # when the wait begins, then about every 0.25 s: a handful, not one per wake-up
    assert 2 <= len(reports) <= 6, reports
    infos = [info for info, _ in reports]
    assert all(info is not None and info.pid == holder.pid for info in infos)
    assert all(info is not None and info.state is LockState.HELD_ALIVE for info in infos)
    waited = [seconds for _, seconds in reports]
    assert waited == sorted(waited)
    assert waited[0] < 0.2
    assert all(b - a >= 0.2 for a, b in itertools.pairwise(waited))


def test_hooks_are_not_called_when_the_lock_is_free(data_path: Path) -> None:
    calls: list[object] = []
    # acquisition(), not acquire() as the with's expression: that takes the lock twice (acquire,
    # then __enter__) and the block's end gives back one, leaving it held after the test.
    with FileLock(data_path).acquisition(
        cancel_check=lambda: calls.append("cancel") or True,
        on_wait=lambda info, _waited: calls.append(info),
    ) as lock:
        assert lock.is_locked
    assert not lock.is_locked
    assert calls == []


def test_an_exception_from_on_wait_ends_the_wait_holding_nothing(
    data_path: Path, workers: StartWorker
) -> None:
    holder = workers("lockcore", "serve", data_path)
    holder.hold()

    class Stop(Exception):
        pass

    def stop(info: LockInfo | None, waited: float) -> None:
        raise Stop

    lock = FileLock(data_path)
    with pytest.raises(Stop):
        lock.acquire(timeout=-1, on_wait=stop)
    assert not lock.is_locked
    holder.send("release")
    holder.expect("released")
    with lock:  # the in-process slot was given back
        assert lock.is_locked


# --- create_parents ------------------------------------------------------------------------


def test_create_parents_false_refuses_a_missing_folder_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "gone" / "store.json"
    calls = [
        lambda: locked_update_json(path, lambda d: d, create_parents=False),
        lambda: locked_write_json(path, {}, create_parents=False),
        lambda: locked_read_json(path, create_parents=False),
        lambda: FileLock(path, create_parents=False).acquire(),
    ]
    for call in calls:
        with pytest.raises(FileNotFoundError) as caught:
            call()
        assert caught.value.filename == str(tmp_path / "gone")
        assert "does not exist" in str(caught.value)
        assert not (tmp_path / "gone").exists()
    with edit_json(tmp_path / "here.json", create_parents=False) as document:
        document["fine"] = True  # an existing folder is used as it is
    assert json.loads((tmp_path / "here.json").read_text()) == {"fine": True}


# --- quarantine path -----------------------------------------------------------------------


def test_on_quarantine_receives_the_copy_with_the_original_bytes(data_path: Path) -> None:
    data_path.write_bytes(b'{"kept": tru')
    told: list[str] = []
    result = locked_update_json(
        data_path,
        lambda d: {**d, "fresh": 1},
        on_corrupt="quarantine",
        on_quarantine=told.append,
    )
    assert result == {"fresh": 1}  # the return value is unchanged: the written document
    assert len(told) == 1
    assert os.path.dirname(told[0]) == str(data_path.parent)
    assert Path(told[0]).read_bytes() == b'{"kept": tru'
    with edit_json(data_path, on_corrupt="quarantine", on_quarantine=told.append):
        pass
    assert len(told) == 1  # a valid file is not quarantined


# --- recovering an interrupted legacy write --------------------------------------------------


def test_recover_interrupted_write_puts_the_legacy_temp_file_in_place(data_path: Path) -> None:
    temp = Path(str(data_path) + ".tmp")
    temp.write_text('{"newest": true}')
    assert recover_interrupted_write(data_path) is True
    assert json.loads(data_path.read_text()) == {"newest": True}
    assert not temp.exists()
    assert recover_interrupted_write(data_path) is False  # nothing left to recover


def test_recover_leaves_an_existing_data_file_and_a_bad_temp_file_alone(data_path: Path) -> None:
    temp = Path(str(data_path) + ".tmp")
    assert recover_interrupted_write(data_path) is False  # neither exists
    temp.write_text("{half")
    with pytest.raises(CorruptJSONError) as caught:
        recover_interrupted_write(data_path)
    assert caught.value.path == str(temp)
    assert temp.read_text() == "{half"
    assert not data_path.exists()
    data_path.write_text("[1]")
    temp.write_text("[2]")
    assert recover_interrupted_write(data_path) is False
    assert data_path.read_text() == "[1]"
    assert temp.read_text() == "[2]"


def test_recover_waits_with_the_same_hooks(data_path: Path, workers: StartWorker) -> None:
    Path(str(data_path) + ".tmp").write_text("{}")
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    heard: list[float] = []
    with pytest.raises(LockCancelled):
        recover_interrupted_write(
            data_path,
            timeout=-1,
            on_wait=lambda _info, waited: heard.append(waited),
            cancel_check=lambda: len(heard) >= 2,
        )
    assert not data_path.exists()  # nothing recovered while cancelled
    holder.send("release")
    holder.expect("released")


def test_recover_never_creates_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        recover_interrupted_write(tmp_path / "gone" / "store.json")
    assert not (tmp_path / "gone").exists()


# --- errors across process boundaries --------------------------------------------------------


def _every_error(tmp_path: Path) -> list[FileLockError]:
    path = str(tmp_path / "s.json")
    holder = inspect_lock(path)
    return [
        FileLockError("base", path),
        LockTimeout("late", path, holder=holder),
        LockCancelled("stopped", path, holder=holder),
        LockLostError("lost", path),
        HolderAliveError("alive", path, holder),
        LockChangedError("changed", path, None),
        CorruptJSONError("bad", path, lineno=3, colno=9),
        UnsupportedPlatformError("no O_NOFOLLOW", path),
        NotDurableError("committed, not synced", path),
        NonFiniteNumberError("NaN", path, ("a", 0)),
        NotDurableError("written, not synced", path),
        DuplicateKeyChangedError("changed", path, location=("a", 0), key="theme"),
        FileChangedError("holds other bytes", path),
    ]


def test_every_error_survives_pickling(tmp_path: Path) -> None:
    exported = {
        value
        for value in vars(lockcore).values()
        if isinstance(value, type) and issubclass(value, FileLockError)
    }
    assert {type(error) for error in _every_error(tmp_path)} == exported  # none left out
    for error in _every_error(tmp_path):
        copy: Any = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert copy.args == error.args
        assert vars(copy) == vars(error)
        assert copy.path == error.path


def test_a_raised_error_crosses_a_process_pool(data_path: Path) -> None:
    from concurrent.futures import ProcessPoolExecutor

    data_path.write_bytes(b"{oops")
    with ProcessPoolExecutor(1) as pool:
        future = pool.submit(locked_read_json, data_path, None, 5.0, on_corrupt="raise")
        with pytest.raises(CorruptJSONError) as caught:
            future.result(timeout=30)
    assert caught.value.path == str(data_path)
    assert caught.value.lineno == 1
