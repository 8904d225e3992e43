"""Holds rebuilt from the lock event stream, per store, for the timeline (plain Python).

A hold begins with ``taken`` and ends with ``released`` or ``broken``; a ``stale`` in between
marks when its holder was found dead, a ``written`` what it wrote (the data file's size before
and after). A release the stream saw without its ``taken`` (a hold too short to see, or one
held when watching began) becomes a hold ending then, as long as its measured duration.

Holds of a store never overlap and come in time order, so each lane is a list sorted by start
(and by end): the timeline finds what falls in the time it shows by bisection, never by
walking every hold. Each store keeps its last :data:`MAX_HOLDS_PER_STORE` holds.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from lockcore import EventKind, LockEvent

__all__ = ["MAX_HOLDS_PER_STORE", "Hold", "HoldLane", "LockHolds"]

#: How many holds each store keeps (the oldest go first, a tenth at a time).
MAX_HOLDS_PER_STORE = 100_000


@dataclass(slots=True)
class Hold:
    """One hold of a store's lock; ``end`` is None while it lasts."""

    start: float
    end: float | None = None
    pid: int | None = None
    process: str | None = None
    host: str | None = None
    #: when its holder was found dead (the stale period runs from there to its end)
    stale_since: float | None = None
    broken: bool = False
    by_us: bool = False
    #: the data file's size when the hold began (as last seen) and after its last write
    size_before: int | None = None
    size_after: int | None = None

    @property
    def wrote(self) -> bool:
        return self.size_after is not None

    def end_or(self, now: float) -> float:
        return now if self.end is None else self.end


class HoldLane:
    """One store's holds, oldest first, with their starts for bisection."""

    def __init__(self, store: str) -> None:
        self.store = store
        self.holds: list[Hold] = []
        self.starts: list[float] = []
        self.size: int | None = None  # the data file's last known size

    def __len__(self) -> int:
        return len(self.holds)

    @property
    def open_hold(self) -> Hold | None:
        if self.holds and self.holds[-1].end is None:
            return self.holds[-1]
        return None

    def first_ending_after(self, moment: float) -> int:
        """The index of the first hold that ends after ``moment`` (or is still held)."""
        # Holds do not overlap: the one before the first start after ``moment`` is the only
        # earlier-starting one that can still last past it.
        index = bisect.bisect_right(self.starts, moment)
        if index > 0:
            previous = self.holds[index - 1]
            if previous.end is None or previous.end > moment:
                return index - 1
        return index

    def first_starting_at_or_after(self, moment: float, low: int = 0) -> int:
        return bisect.bisect_left(self.starts, moment, lo=low)

    def measured_from(self, hold: Hold, start: float) -> None:
        """The last hold began at ``start`` as its holder recorded it (earlier than the
        watcher saw it), though not before the hold before it ended."""
        if len(self.holds) > 1:
            previous_end = self.holds[-2].end
            if previous_end is not None:
                start = max(start, previous_end)
        if start < hold.start:
            hold.start = start
            self.starts[-1] = start

    def append(self, hold: Hold) -> None:
        # A hold measured back from its release may seem to begin before the last one ended:
        # holds of one lock cannot overlap, so it began when that one ended.
        if self.holds:
            last = self.holds[-1]
            floor = last.start if last.end is None else last.end
            hold.start = max(hold.start, floor)
        self.holds.append(hold)
        self.starts.append(hold.start)
        if len(self.holds) > MAX_HOLDS_PER_STORE:
            self.drop_oldest()

    def drop_oldest(self) -> None:
        """Drop the oldest tenth of the holds kept."""
        drop = MAX_HOLDS_PER_STORE // 10
        del self.holds[:drop]
        del self.starts[:drop]


class LockHolds:
    """Every store's lane, fed with events in the order they happened."""

    def __init__(self) -> None:
        self.lanes: dict[str, HoldLane] = {}
        self.first_time: float | None = None

    def clear(self) -> None:
        self.lanes.clear()
        self.first_time = None

    def add(self, events: Iterable[LockEvent]) -> None:  # noqa: PLR0912 - one branch per kind
        # The timeline's share of a storm's thousands of events a second: one plain loop, the
        # lane's last hold and the event's facts in locals, a new hold appended in line (a
        # method call per event cost more than the rest of the work; a storm's events are
        # nearly all holds too short to see, a new hold every other event).
        lanes = self.lanes
        first_time = self.first_time
        for event in events:
            moment = event.time
            if first_time is None:
                first_time = self.first_time = moment
            lane = lanes.get(event.store)
            if lane is None:
                lane = lanes[event.store] = HoldLane(event.store)
            kind = event.event
            lane_holds = lane.holds
            last = lane_holds[-1] if lane_holds else None
            held = last if last is not None and last.end is None else None
            if kind is _TAKEN:
                if held is not None:  # its end was never seen: it ended when this one began
                    held.end = moment
                # Holds of one lock cannot overlap (see HoldLane.append): not before the last
                # one's end (``moment`` itself, for the hold just ended above).
                floor = last.end if last is not None else None
                start = moment if floor is None or floor <= moment else floor
                lane_holds.append(
                    Hold(
                        start,
                        None,
                        event.pid,
                        event.process,
                        event.host,
                        None,
                        False,
                        False,
                        lane.size,
                    )
                )
                lane.starts.append(start)
                if len(lane_holds) > MAX_HOLDS_PER_STORE:
                    lane.drop_oldest()
            elif kind is _RELEASED or kind is _BROKEN:
                length = event.duration_s
                if held is None:
                    held = Hold(
                        moment - (length or 0.0),
                        None,
                        event.pid,
                        event.process,
                        event.host,
                        size_before=lane.size,
                    )
                    lane.append(held)
                held.end = moment if moment > held.start else held.start
                if length is not None:
                    lane.measured_from(held, moment - length)
                held.broken = kind is _BROKEN
                held.by_us = event.by_us
                if held.pid is None:
                    held.pid, held.process, held.host = event.pid, event.process, event.host
            elif kind is _WRITTEN or kind is _CREATED:
                if held is not None:
                    held.size_after = event.size
                lane.size = event.size
            elif kind is _STALE:
                if held is not None and held.stale_since is None:
                    held.stale_since = moment
            elif kind is _REMOVED:
                lane.size = None


_TAKEN, _RELEASED, _BROKEN = EventKind.TAKEN, EventKind.RELEASED, EventKind.BROKEN
_WRITTEN, _CREATED, _STALE = EventKind.WRITTEN, EventKind.CREATED, EventKind.STALE
_REMOVED = EventKind.REMOVED
