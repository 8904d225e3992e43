"""The document pass after a big folder's listing, as the scan worker runs it: every listed
document read and judged, a time slice at a time, first row first. No Qt here: the worker
(:mod:`.scan_worker`) owns one, runs its slices from a timer and hands its results on.

While a pass lasts the cyclic garbage collector is paused (from the listing before it): each time
it ran again between two slices it walked every row made so far, none of them in a reference
cycle (16 ms of a 120 ms pass over 10,000 documents). The rows are frozen before it comes back.
"""

from __future__ import annotations

import collections
import contextlib
import time
from collections.abc import Iterable

from inspector.collector import collector_paused, freeze_survivors
from inspector.services.scanner import check_document
from inspector.services.store_entry import Stamp, StoreEntry, StoreHealth

__all__ = ["DocumentPass"]


class DocumentPass:
    """One pass at a time over the documents of the worker's last full scan."""

    def __init__(self) -> None:
        #: The stores whose document is still to be checked here, first row first.
        self.queue: collections.deque[str] = collections.deque()
        #: The rows checked and not handed on yet.
        self.results: list[StoreEntry] = []
        #: When results were last handed on (monotonic).
        self.handed_on = 0.0
        self._pause: contextlib.AbstractContextManager[None] | None = None

    def pause_collector(self) -> None:
        """A full scan begins: the collector is paused until its pass ends (see the module)."""
        if self._pause is None:
            pause = collector_paused()
            pause.__enter__()
            self._pause = pause

    def begin(self, paths: Iterable[str]) -> None:
        """Check the documents of ``paths``, in that order. The first results too are handed on
        once BATCH_INTERVAL has passed (or the pass is over), not after the first slice: taking
        them in and repainting the rows they complete cost the GUI thread ~20 ms of the
        interpreter in the middle of a pass that, over 10,000 documents, is over in ~100 ms."""
        self.queue.extend(paths)
        self.handed_on = time.monotonic()

    def check(
        self,
        entries: dict[str, StoreEntry],
        looked_at: dict[str, float],
        health_cache: dict[str, tuple[Stamp, StoreHealth, str]],
        seconds: float,
    ) -> list[str]:
        """One slice of about ``seconds``: documents of the queue checked, each row completed in
        ``entries`` (and kept in :attr:`results`); the stores found gone (removed from
        ``entries``)."""
        results = self.results
        gone: list[str] = []
        queue = self.queue
        clock = time.monotonic
        pending = StoreHealth.PENDING
        deadline = clock() + seconds
        while queue:
            now = clock()
            if now >= deadline:
                break
            path = queue.popleft()
            entry = entries.get(path)
            if entry is None:
                continue
            looked_at[path] = now
            checked = check_document(entry, health_cache)
            if checked is entry:
                continue
            if checked is None:
                del entries[path]
                health_cache.pop(path, None)
                gone.append(path)
            elif entry.health is pending or not checked.same_as(entry):
                # (A listed row, pending, is completed whatever its document holds.)
                entries[path] = checked
                results.append(checked)
        return gone

    def end(self) -> None:
        """The pass is over (or abandoned: a new scan begins, the worker's thread finishes): the
        collector runs again."""
        self.queue.clear()
        self.results = []
        pause, self._pause = self._pause, None
        if pause is not None:
            # Frozen while still paused, not collected first: the collector coming back would
            # otherwise walk every row the pass made (they hold no cycles) before they are out
            # of its reach -- 5 to 20 ms at 10,000 rows, as the GUI takes the last of them in.
            freeze_survivors()
            pause.__exit__(None, None, None)
