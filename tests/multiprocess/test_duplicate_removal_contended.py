"""Removing one occurrence of a repeated key while other processes update the store: the removal
waits for the lock, works on the bytes as they are then, keeps the others' updates, and refuses
(writing nothing) when they changed the occurrences it was asked to remove."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _procs import Worker

from lockcore import (
    DuplicateKeyChangedError,
    FileChangedError,
    LockInfo,
    find_duplicate_keys,
    locked_remove_duplicate_key,
    locked_replace_bytes,
)

StartWorker = Callable[..., Worker]


def _remove_while_held(
    data_path: Path, workers: StartWorker, occurrence: int
) -> tuple[list[Any], Worker]:
    """Another process holds the lock inside its update (``count`` += 1) while we ask to
    remove an occurrence seen before its write; it then writes and lets go."""
    duplicate = find_duplicate_keys(data_path.read_bytes())[0]
    other = workers("lockcore", "update-once", data_path, "--pause")
    other.expect("in-updater")
    waiting = threading.Event()
    outcome: list[Any] = []

    def on_wait(_holder: LockInfo | None, _waited: float) -> None:
        waiting.set()

    def remove() -> None:
        try:
            outcome.append(
                locked_remove_duplicate_key(
                    data_path, duplicate, occurrence, timeout=15, on_wait=on_wait
                )
            )
        except Exception as error:  # the test's thread reports it to the test
            outcome.append(error)

    remover = threading.Thread(target=remove)
    remover.start()
    assert waiting.wait(15), "the removal did not wait for the other process's lock"
    other.send("go")
    other.expect("committed")
    remover.join(15)
    assert not remover.is_alive()
    return outcome, other


def test_the_other_process_update_is_kept_and_the_occurrence_goes(
    data_path: Path, workers: StartWorker
) -> None:
    data_path.write_bytes(b'{\n  "theme": "dark",\n  "count": 0,\n  "theme": "light"\n}\n')

    outcome, _other = _remove_while_held(data_path, workers, 0)

    assert outcome == [b'{\n  "count": 1,\n  "theme": "light"\n}\n']
    assert data_path.read_bytes() == outcome[0]


def test_nothing_is_removed_when_the_other_process_changed_the_occurrences(
    data_path: Path, workers: StartWorker
) -> None:
    # The other process increments the key that repeats: the last occurrence, 5 -> 6.
    data_path.write_bytes(b'{"count": 1, "theme": "dark", "count": 5}')

    outcome, _other = _remove_while_held(data_path, workers, 0)

    assert len(outcome) == 1
    assert isinstance(outcome[0], DuplicateKeyChangedError)
    assert data_path.read_bytes() == b'{"count": 1, "theme": "dark", "count": 6}'


def test_a_legacy_reader_sees_the_removal(data_path: Path, workers: StartWorker) -> None:
    data_path.write_bytes(b'{"count": 1, "count": 2}')
    locked_remove_duplicate_key(data_path, find_duplicate_keys(data_path.read_bytes())[0], 1)
    reader = workers("legacy", "read", data_path, "--timeout", "5")
    assert reader.expect("read", "error") == ["read", '{"count":', "1}"]


def test_replacing_bytes_waits_and_writes_nothing_over_the_other_process_update(
    data_path: Path, workers: StartWorker
) -> None:
    """The bytes a person typed are written only over the bytes they started from: another
    process that updated the store meanwhile (holding the lock while we ask) keeps its update."""
    started_from = b'{\n  "count": 0,\n  "ratio": 1.5\n}\n'
    data_path.write_bytes(started_from)
    other = workers("lockcore", "update-once", data_path, "--pause")
    other.expect("in-updater")
    waiting = threading.Event()
    outcome: list[Any] = []

    def on_wait(_holder: LockInfo | None, _waited: float) -> None:
        waiting.set()

    def replace() -> None:
        try:
            outcome.append(
                locked_replace_bytes(
                    data_path,
                    b'{\n    "count": 0,\n    "ratio": 1.50\n}\n',
                    expected=started_from,
                    timeout=15,
                    on_wait=on_wait,
                )
            )
        except Exception as error:  # the test's thread reports it to the test
            outcome.append(error)

    replacer = threading.Thread(target=replace)
    replacer.start()
    assert waiting.wait(15), "the replace did not wait for the other process's lock"
    other.send("go")
    other.expect("committed")
    replacer.join(15)
    assert not replacer.is_alive()

    assert len(outcome) == 1
    assert isinstance(outcome[0], FileChangedError)
    assert data_path.read_bytes() == b'{\n  "count": 1,\n  "ratio": 1.5\n}\n'
    # Over the bytes as they are now, the write goes through.
    now = data_path.read_bytes()
    locked_replace_bytes(data_path, now.replace(b"1.5", b"1.50"), expected=now)
    assert data_path.read_bytes() == b'{\n  "count": 1,\n  "ratio": 1.50\n}\n'
