"""Locks on disk for the tests of judging and breaking them (test_inspect, test_inspect_again,
test_break): a store's lock path, a folder's exact state, ``inspect_lock`` that must leave it
so, a genuine lockcore lock whose holder was SIGKILLed, and its lines forged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from _procs import Worker

from lockcore import LockInfo, inspect_lock

StartWorker = Callable[..., Worker]
OTHER_HOST = "elsewhere.invalid"


def lock_path_of(data_path: Path) -> Path:
    return data_path.with_name(data_path.name + ".lock")


def directory_state(directory: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every entry's inode, mtime and bytes: inspecting must leave this exactly as it was."""
    return {
        entry.name: (entry.stat().st_ino, entry.stat().st_mtime_ns, entry.read_bytes())
        for entry in sorted(directory.iterdir())
    }


def inspect_read_only(data_path: Path, **kwargs: float) -> LockInfo:
    before = directory_state(data_path.parent)
    info = inspect_lock(data_path, **kwargs)
    assert directory_state(data_path.parent) == before, "inspect_lock changed the directory"
    return info


def killed_lockcore_lock(data_path: Path, workers: StartWorker) -> bytes:
    """A genuine lockcore lock file whose holder has been SIGKILLed; returns its bytes."""
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    holder.kill()
    return lock_path_of(data_path).read_bytes()


def rewrite_lock_lines(data_path: Path, replacements: dict[str, str]) -> None:
    """Replace whole ``key value`` lines of a lockcore lock file (forging what another wrote)."""
    lock_path = lock_path_of(data_path)
    lines = lock_path.read_text().split("\n")
    for index, line in enumerate(lines):
        key = line.split(" ", 1)[0]
        if key in replacements:
            lines[index] = f"{key} {replacements[key]}"
    lock_path.write_text("\n".join(lines))
