"""The signal dispatcher stands in front of exactly the Python handlers a program has when it
takes a lock, and gives each back at the release -- also when the program changes its handlers
between two locks (the dispatcher reuses its last look at them while they are unchanged:
issue 9 §6)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from lockcore import FileLock, locked_update_json


@pytest.fixture
def sigusr2_restored() -> Iterator[None]:
    before = signal.getsignal(signal.SIGUSR2)
    try:
        yield
    finally:
        signal.signal(signal.SIGUSR2, before)


def test_handlers_changed_between_locks_are_dispatched_then_given_back(
    tmp_path: Path, sigusr2_restored: None
) -> None:
    store = tmp_path / "store.json"
    received: list[str] = []

    def first(_signum: int, _frame: FrameType | None) -> None:
        received.append("first")

    def second(_signum: int, _frame: FrameType | None) -> None:
        received.append("second")

    steps: list[tuple[object, str | None]] = [
        (signal.SIG_DFL, None),
        (first, "first"),
        (first, "first"),
        (second, "second"),
        (signal.SIG_IGN, None),
        (second, "second"),
    ]
    for handler, name in steps:
        signal.signal(signal.SIGUSR2, handler)
        with FileLock(store):
            in_front = signal.getsignal(signal.SIGUSR2)
            # A Python handler has the dispatcher in front of it; the default action and
            # "ignored" run no Python code and are left as they are.
            assert (in_front is handler) == (name is None)
            if name is not None:
                os.kill(os.getpid(), signal.SIGUSR2)  # outside lockcore's steps: runs at once
        assert signal.getsignal(signal.SIGUSR2) is handler
        if name is not None:
            assert received.pop() == name
        assert received == []

    # And through an update, whose steps hold a signal back until they are done.
    signal.signal(signal.SIGUSR2, first)
    locked_update_json(store, lambda document: {**document, "n": 1}, durable=False)
    assert signal.getsignal(signal.SIGUSR2) is first


@pytest.mark.parametrize("durable", [False, True], ids=["fast", "durable"])
def test_ctrl_c_in_the_updater_interrupts_it_at_once_and_writes_nothing(
    tmp_path: Path, durable: bool
) -> None:
    # The update is one critical step from the lock to the directory sync, all but its wait
    # and its updater: the program's own code is interrupted where it is, as before (not held
    # back until the write is done), and the lock is given back (issue 9 §6).
    store = tmp_path / "store.json"
    store.write_text('{"n": 0}', encoding="utf-8")
    ran_on: list[str] = []

    def updater(document: dict[str, int]) -> dict[str, int]:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100):
            pass  # a back jump: CPython runs the handler here
        ran_on.append("after the signal")
        return {"n": 1}

    with pytest.raises(KeyboardInterrupt):
        locked_update_json(store, updater, durable=durable)
    assert ran_on == []
    assert store.read_text(encoding="utf-8") == '{"n": 0}'
    assert sorted(os.listdir(tmp_path)) == ["store.json"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with FileLock(store, timeout=0):
        pass


def test_ctrl_c_held_back_while_the_store_is_read_runs_before_the_updater(
    tmp_path: Path,
) -> None:
    # A signal that lands in the update's critical steps is held back for those steps only:
    # one that struck while the store was read (here: while its default was made) runs before
    # the updater -- not after it and the write, however long the updater takes.
    store = tmp_path / "store.json"
    ran: list[str] = []

    def default() -> dict[str, int]:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100):
            pass  # a back jump: CPython would run the handler here
        return {}

    def updater(document: dict[str, int]) -> dict[str, int]:
        ran.append("updater")
        return {"n": 1}

    with pytest.raises(KeyboardInterrupt):
        locked_update_json(store, updater, default=default, durable=False)
    assert ran == []
    assert not store.exists()
    assert sorted(os.listdir(tmp_path)) == []
    with FileLock(store, timeout=0):
        pass
