"""Per-store contention figures from the lock event stream (plain Python: no Qt, no I/O).

For each store: how many holds ended in the last minute, the hold time's median, 99th
percentile and maximum, the last holder, and the longest time one of our own saves waited for
the lock. Hold times are those the stream measured (``released`` and ``broken`` events with a
``duration_s``); holds too short for the stream to see their holder count as holds but have no
duration. Percentiles are over the last :data:`HOLD_SAMPLE_LIMIT` measured holds (nearest-rank),
the maximum over the whole session.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lockcore import EventKind, LockEvent

__all__ = ["HOLD_SAMPLE_LIMIT", "RATE_WINDOW", "LockFigures", "StoreFigures", "percentile"]

#: How many of a store's latest hold times the percentiles are taken over.
HOLD_SAMPLE_LIMIT = 10_000
#: "Holds per minute" counts the holds that ended in this many seconds before now.
RATE_WINDOW = 60.0

_TAKEN, _RELEASED, _BROKEN, _STALE = (
    EventKind.TAKEN,
    EventKind.RELEASED,
    EventKind.BROKEN,
    EventKind.STALE,
)


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of ``ordered`` (sorted ascending, not empty): the smallest
    value with at least ``fraction`` of the values at or below it."""
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class StoreFigures:
    """What the events said about one store's lock so far."""

    holds_per_minute: int = 0
    hold_p50: float | None = None
    hold_p99: float | None = None
    hold_max: float | None = None
    #: the latest event that named a holder (its ``pid``, ``process``, ``host``)
    last_holder: LockEvent | None = None
    #: the longest one of our saves waited for this store's lock (seconds)
    longest_wait: float | None = None


@dataclass
class _Tally:
    ends: collections.deque[float] = field(default_factory=collections.deque)
    durations: collections.deque[float] = field(
        default_factory=lambda: collections.deque(maxlen=HOLD_SAMPLE_LIMIT)
    )
    hold_max: float | None = None
    last_holder: LockEvent | None = None
    longest_wait: float | None = None
    ordered: list[float] | None = None  # durations sorted, until the next one arrives


class LockFigures:
    """Accumulates events (in the order they happened) into :class:`StoreFigures`."""

    def __init__(self) -> None:
        self._tallies: dict[str, _Tally] = {}

    def add(self, events: Iterable[LockEvent]) -> set[str]:
        """Count ``events``; returns the stores whose figures changed."""
        # A storm's thousands of events a second pass here on the GUI thread: one plain loop,
        # no call per event.
        changed: set[str] = set()
        tallies = self._tallies
        for event in events:
            store = event.store
            tally = tallies.get(store)
            if tally is None:  # (not setdefault: it would build a tally for every event)
                tally = tallies[store] = _Tally()
            changed.add(store)
            kind = event.event
            if kind is _RELEASED or kind is _BROKEN:
                moment = event.time
                ends = tally.ends
                ends.append(moment)
                cutoff = moment - RATE_WINDOW
                while ends and ends[0] <= cutoff:
                    ends.popleft()
                duration = event.duration_s
                if duration is not None:
                    tally.durations.append(duration)
                    tally.ordered = None
                    if tally.hold_max is None or duration > tally.hold_max:
                        tally.hold_max = duration
            elif kind is not _TAKEN and kind is not _STALE:
                continue
            if event.pid is not None:
                tally.last_holder = event
        return changed

    def record_wait(self, store: str, seconds: float) -> bool:
        """One of our saves waited ``seconds`` for ``store``'s lock; whether that is a new
        longest wait."""
        tally = self._tallies.setdefault(store, _Tally())
        if tally.longest_wait is not None and seconds <= tally.longest_wait:
            return False
        tally.longest_wait = seconds
        return True

    def figures(self, store: str, now: float) -> StoreFigures:
        """``store``'s figures at time ``now`` (epoch seconds)."""
        tally = self._tallies.get(store)
        if tally is None:
            return StoreFigures()
        since = now - RATE_WINDOW
        per_minute = sum(1 for end in tally.ends if since < end <= now)
        p50 = p99 = None
        if tally.durations:
            if tally.ordered is None:
                tally.ordered = sorted(tally.durations)
            p50 = percentile(tally.ordered, 0.5)
            p99 = percentile(tally.ordered, 0.99)
        return StoreFigures(
            holds_per_minute=per_minute,
            hold_p50=p50,
            hold_p99=p99,
            hold_max=tally.hold_max,
            last_holder=tally.last_holder,
            longest_wait=tally.longest_wait,
        )

    def clear(self) -> None:
        self._tallies.clear()
