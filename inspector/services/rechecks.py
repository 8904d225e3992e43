"""The periodic re-check's queue: which stores it looks at again, and a slice of it at a time.
The scan worker (:mod:`.scan_worker`) runs the slices from its own timer; no Qt here.

A re-check goes a time slice at a time, so that a burst of events never waits behind the
hundreds of locks of a big folder (each look asks the process table). The pass of
``everything`` (a safety net) looks at each store whole; the others are for holders that die
without a file changing, and look at the lock alone unless it changed (a change to the document
or the store's files is an event): half the work of a whole look, on the thread that shares the
interpreter with the GUI thread (issue 11 §6).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from inspector.services.scanner import inspect_store_lock
from inspector.services.store_entry import StoreEntry, death_makes_an_event

__all__ = ["RECHECK_SLICE", "RecheckQueue"]

#: A slice of the re-check looks at stores for at most this long (seconds).
RECHECK_SLICE = 0.01

Look = TypeVar("Look")


def _lock_changed(entry: StoreEntry) -> bool:
    """Whether the store's lock, inspected again, differs from what ``entry`` shows of it."""
    lock, lock_error = inspect_store_lock(entry.path)
    return not entry.shows_lock(lock, lock_error)


class RecheckQueue:
    """The stores a re-check is still to look at, each whole or at its lock first, in the
    order they were queued."""

    def __init__(self) -> None:
        self._queue: dict[str, bool] = {}  # store -> whether to look at it whole

    def __bool__(self) -> bool:
        return bool(self._queue)

    def clear(self) -> None:
        self._queue.clear()

    def add(self, entries: Iterable[StoreEntry], *, everything: bool) -> None:
        """Queue the stores of ``entries`` with a lock (or a lock that could not be read):
        all of them whole with ``everything``, else those whose holder's death makes no event,
        lock first."""
        queue = self._queue
        for entry in entries:
            if (entry.lock is not None or entry.lock_error) and (
                everything or not death_makes_an_event(entry.lock)
            ):
                queue[entry.path] = everything or queue.get(entry.path, False)

    def take_slice(
        self,
        entries: dict[str, StoreEntry],
        look: Callable[[str], Look],
        seconds: float = RECHECK_SLICE,
    ) -> list[Look]:
        """``look`` at the queued stores that need it for about ``seconds`` (those gone from
        ``entries`` or whose lock alone was to be looked at and did not change are only taken
        off the queue); what it gave, in order."""
        queue = self._queue
        deadline = time.monotonic() + seconds
        looks: list[Look] = []
        while queue and time.monotonic() < deadline:
            path, whole = next(iter(queue.items()))
            del queue[path]
            entry = entries.get(path)
            if entry is None or not (whole or _lock_changed(entry)):
                continue
            looks.append(look(path))
        return looks
