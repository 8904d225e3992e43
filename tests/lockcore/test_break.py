"""``break_stale_lock`` on real locks: a dead holder's lock removed, and refused -- nothing
removed -- when the lock changed or vanished since it was judged, or its holder is alive or
cannot be checked; ``force`` removes a live holder's lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from _locks_on_disk import (
    OTHER_HOST,
    StartWorker,
    killed_lockcore_lock,
    lock_path_of,
    rewrite_lock_lines,
)
from _procs import dead_pid, lock_holder_pid

from lockcore import HolderAliveError, LockChangedError, break_stale_lock, inspect_lock


def test_break_removes_the_dead_holders_lock(data_path: Path, workers: StartWorker) -> None:
    killed_lockcore_lock(data_path, workers)
    break_stale_lock(data_path, inspect_lock(data_path))
    assert not lock_path_of(data_path).exists()


def test_break_refuses_a_lock_that_changed(data_path: Path, workers: StartWorker) -> None:
    killed_lockcore_lock(data_path, workers)
    judged = inspect_lock(data_path)
    successor = workers("lockcore", "serve", data_path)
    successor.hold()  # takes over the dead lock: a new lock now stands at the same path

    with pytest.raises(LockChangedError) as caught:
        break_stale_lock(data_path, judged)

    assert caught.value.path == str(data_path)
    assert lock_holder_pid(lock_path_of(data_path)) == successor.pid
    if caught.value.current is not None:
        assert caught.value.current.pid == successor.pid


def test_break_refuses_a_lock_that_vanished(data_path: Path) -> None:
    lock_path_of(data_path).write_text(str(dead_pid()))
    judged = inspect_lock(data_path)
    lock_path_of(data_path).unlink()
    with pytest.raises(LockChangedError):
        break_stale_lock(data_path, judged)
    assert not lock_path_of(data_path).exists()


def test_break_refuses_a_live_holder(data_path: Path, workers: StartWorker) -> None:
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    content = lock_path_of(data_path).read_bytes()
    with pytest.raises(HolderAliveError) as caught:
        break_stale_lock(data_path, inspect_lock(data_path))
    assert caught.value.holder.pid == holder.pid
    assert lock_path_of(data_path).read_bytes() == content


@pytest.mark.usefixtures("on_network_filesystem")
def test_break_refuses_an_unverifiable_holder(data_path: Path, workers: StartWorker) -> None:
    killed_lockcore_lock(data_path, workers)
    rewrite_lock_lines(data_path, {"host": OTHER_HOST})
    with pytest.raises(HolderAliveError):
        break_stale_lock(data_path, inspect_lock(data_path))
    assert lock_path_of(data_path).exists()


def test_break_with_force_removes_a_live_holders_lock(
    data_path: Path, workers: StartWorker
) -> None:
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    break_stale_lock(data_path, inspect_lock(data_path), force=True)
    assert not lock_path_of(data_path).exists()
    # The holder learns it lost the lock when it next relies on it; its release is harmless.
    holder.send("release")
    holder.expect("released", "error")
    assert not lock_path_of(data_path).exists()
