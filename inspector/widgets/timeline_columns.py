"""Which pixel columns a lane of the lock timeline paints: the time range on screen
(:class:`TimelineFrame`) and a lane's runs of columns in it (:func:`lane_columns`).

Apart from the widget because it is the paint's inner loop and a pure computation -- plain
arithmetic and bisection over a lane's holds, no Qt -- so what it promises (each hold on show is
drawn, runs never overlap, a storm costs a run per column at most) is checked on its own.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from inspector.services.lock_holds import HoldLane


@dataclass(frozen=True)
class TimelineFrame:
    """The time range on screen and where it is drawn."""

    start: float
    end: float
    left: int
    width: int

    def x(self, moment: float) -> float:
        return self.left + (moment - self.start) / (self.end - self.start) * self.width

    def moment(self, x: float) -> float:
        return self.start + (x - self.left) / self.width * (self.end - self.start)


def lane_columns(
    lane: HoldLane, frame: TimelineFrame, now: float
) -> tuple[list[tuple[int, int, int | None]], list[tuple[int, int]]]:
    """What one lane shows in ``frame``: runs of pixel columns ``(left, right, pid)`` (right
    exclusive, left to right, never overlapping), each drawn in the colour of the hold that
    begins it, and the stale periods' columns ``(left, right)``.

    Paint costs what the screen shows, not what happened: a run is at least one column wide,
    and the holds starting within the columns it covers are skipped by bisection (a storm's
    hundreds of holds per column make one run); a hold that began under a run and lasts past
    it is drawn on from there. The loop is the paint's inner loop: plain arithmetic on locals.
    """
    holds, starts = lane.holds, lane.starts
    count = len(holds)
    runs: list[tuple[int, int, int | None]] = []
    stale: list[tuple[int, int]] = []
    origin, first_column = frame.start, frame.left
    last_column = frame.left + frame.width
    last_left = last_column - 1
    scale = frame.width / (frame.end - frame.start)
    seconds_per_column = 1.0 / scale
    frame_end = frame.end
    add_run, find = runs.append, bisect.bisect_left
    floor_column = first_column  # the first column no run covers yet
    index = lane.first_ending_after(origin)
    while index < count:
        hold = holds[index]
        start = hold.start
        if start > frame_end:
            break
        # Its first column (int() is floor here: a negative x is below floor_column anyway);
        # a hold that begins at the frame's very end still gets the last column.
        x = first_column + (start - origin) * scale
        left = int(x) if x < last_left else last_left
        if left < floor_column:
            left = floor_column
            if left >= last_column:
                break
        end = hold.end
        if end is None:
            end = now
        right = round(first_column + (end - origin) * scale)
        if right <= left:
            right = left + 1
        elif right > last_column:
            right = last_column
        add_run((left, right, hold.pid))
        if hold.stale_since is not None:
            stale_at = math.floor(first_column + (hold.stale_since - origin) * scale)
            stale_left = min(max(stale_at, left), right - 1)
            stale.append((stale_left, right))
        floor_column = right
        # The first hold starting at or after the next free column; the one before it began
        # under this run and may last past it: then it comes first, drawn from that column.
        boundary = origin + (right - first_column) * seconds_per_column
        following = find(starts, boundary, index + 1)
        before = following - 1
        if before > index:
            previous = holds[before]
            if previous.end is None or previous.end > boundary:
                following = before
        index = following
    return runs, stale
