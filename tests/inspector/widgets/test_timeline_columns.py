"""The pixel columns a lane of the lock timeline paints, for any events and any frame."""

from __future__ import annotations

import itertools
import math

from _hold_events import event_sequences
from hypothesis import given
from hypothesis import strategies as st

from inspector.services.lock_holds import LockHolds
from inspector.widgets.timeline_columns import TimelineFrame, lane_columns
from lockcore import LockEvent


@given(event_sequences(), st.floats(min_value=1.0, max_value=400.0), st.integers(1, 900))
def test_a_lane_s_runs_cover_each_hold_on_show_in_order_without_overlap(
    events: list[LockEvent], span: float, width: int
) -> None:
    holds = LockHolds()
    holds.add(events)
    now = events[-1].time if events else 1000.0
    frame = TimelineFrame(now - span, now, 140, width)
    for lane in holds.lanes.values():
        runs, stale = lane_columns(lane, frame, now)
        for left, right, _pid in runs:
            assert frame.left <= left < right <= frame.left + frame.width
        for (_l, right, _p), (next_left, _r, _q) in itertools.pairwise(runs):
            assert right <= next_left
        covered = set()
        for left, right, _pid in runs:
            covered.update(range(left, right))
        for hold in lane.holds:
            end = hold.end_or(now)
            if end <= frame.start or hold.start > frame.end:
                continue
            # Some column from the hold's first to its last (within a pixel) is drawn.
            first = max(math.floor(frame.x(hold.start)), frame.left)
            last = min(max(round(frame.x(end)), first + 1), frame.left + frame.width)
            assert covered.intersection(range(first - 1, last + 1)), (hold, runs)
        for left, right in stale:
            assert set(range(left, right)) <= covered
