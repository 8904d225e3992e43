"""The lock timeline: the painted lanes over a real writer storm, the whole session, a click on
a lane in the window."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from _hold_events import lock_event
from PySide6.QtCore import QPoint
from PySide6.QtGui import QPalette

from inspector.services.lock_events import LockEventService
from inspector.widgets.hold_appearance import hold_tooltip, holder_colour
from inspector.widgets.lock_timeline import LockTimeline
from lockcore import EventKind

DEADLINE_MS = 10_000


def _writer(store: Path, updates: int, *, held_ms: float = 0.0) -> list[str]:
    """A writer of ``updates`` updates, each holding the lock ``held_ms`` longer than the
    update takes."""
    code = (
        "import lockcore, sys, time\n"
        "def update(d):\n"
        f"    time.sleep({held_ms / 1000})\n"
        "    return {'n': d['n'] + 1}\n"
        f"for _ in range({updates}):\n"
        "    lockcore.locked_update_json(sys.argv[1], update, durable=False)\n"
    )
    return [sys.executable, "-c", code, str(store)]


# One update that holds the lock until told to go on: it says "held" once it has the lock, and
# writes and releases after a line on its stdin.
_HOLD_UNTIL_TOLD = """
import lockcore, sys
def update(document):
    print("held", flush=True)
    sys.stdin.readline()
    return {"n": document["n"] + 1}
lockcore.locked_update_json(sys.argv[1], update, durable=False)
"""


def test_a_storm_is_drawn_in_a_bar_per_pixel_at_most_and_a_bar_tells_its_hold(
    qtbot: Any, tmp_path: Path
) -> None:
    service = LockEventService()
    timeline = LockTimeline(service)
    qtbot.addWidget(timeline)
    timeline.resize(800, 200)
    timeline.show()
    stores = [tmp_path / "a.json", tmp_path / "b.json"]
    for store in stores:
        store.write_text('{"n": 0}')
    with qtbot.waitSignal(service.watching, timeout=DEADLINE_MS):
        service.watch(str(tmp_path), recursive=False)
    # One writer per store holds its lock 5 ms an update, long enough for the stream to read
    # its holder (bare updates, well under a millisecond, mostly end before it can: they are
    # reported without a PID, and a busy machine may show none with one).
    writers = [
        subprocess.Popen(_writer(store, 200, held_ms=held_ms))
        for store in stores
        for held_ms in (0.0, 5.0)
    ]
    for writer in writers:
        assert writer.wait(60) == 0

    def all_ended() -> bool:
        # Events come in batches: the last release may follow the batch with the 400th hold.
        lanes = [timeline.holds.lanes.get(str(store)) for store in stores]
        return all(
            lane is not None and len(lane) >= 400 and lane.holds[-1].end is not None
            for lane in lanes
        )

    qtbot.waitUntil(all_ended, timeout=DEADLINE_MS)
    canvas = timeline.canvas
    canvas.grab()  # paints it now
    frame = canvas.frame()
    # 800 holds in two lanes, drawn as at most one bar per pixel column per lane.
    assert 0 < canvas.last_paint_bars <= 2 * (frame.width + 1)
    # The whole session fits: the newest hold with a known holder is under the pointer.
    timeline.set_span(timeline.span_box.count() - 1)
    lane = timeline.holds.lanes[str(stores[0])]
    # Whether the stream saw any storm hold's holder and write depends on when it got the CPU:
    # starved, each of its looks finds several holds gone and credits the write to one too
    # short to see. One last hold kept until the stream has read its holder has both.
    last = subprocess.Popen(
        [sys.executable, "-c", _HOLD_UNTIL_TOLD, str(stores[0])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert last.stdout is not None
    assert last.stdin is not None
    assert last.stdout.readline() == "held\n"
    qtbot.waitUntil(
        lambda: lane.holds[-1].pid == last.pid and lane.holds[-1].end is None, timeout=DEADLINE_MS
    )
    last.stdin.write("\n")
    last.stdin.close()
    assert last.wait(60) == 0
    last.stdout.close()
    qtbot.waitUntil(lambda: lane.holds[-1].end is not None, timeout=DEADLINE_MS)
    # The newest hold whose holder and write were seen (a hold shorter than the stream can see
    # has neither: its write may be reported after its release).
    hold = next(
        hold
        for hold in reversed(lane.holds)
        if hold.pid is not None and hold.size_after is not None
    )
    assert hold.pid in {*(writer.pid for writer in writers), last.pid}
    frame = canvas.frame()
    x = round(frame.x(hold.start))
    found = canvas.hold_at(QPoint(x, canvas.lane_rect(0).center().y()))
    assert found is not None
    assert found[0] is lane
    pixel = (frame.end - frame.start) / frame.width
    assert found[1].start - pixel <= frame.moment(x) <= found[1].end_or(frame.end) + pixel
    assert f"(PID {hold.pid})" in hold_tooltip(hold, frame.end)
    assert "bytes" in hold_tooltip(hold, frame.end)
    service.shutdown()


def test_the_whole_session_is_one_bar_per_pixel_however_many_holds(qtbot: Any) -> None:
    service = LockEventService()
    now = 10_000.0
    timeline = LockTimeline(service, clock=lambda: now)
    qtbot.addWidget(timeline)
    timeline.resize(600, 160)
    timeline.show()
    events = []
    for number in range(50_000):
        start = 10_000.0 - 50_000 * 0.002 + number * 0.002
        events.append(lock_event(start, EventKind.TAKEN, pid=number % 4 + 1))
        events.append(lock_event(start + 0.001, EventKind.RELEASED, duration_s=0.001))
    timeline.holds.add(events)
    timeline.set_span(timeline.span_box.count() - 1)
    timeline.canvas.grab()  # paints it now
    assert 0 < timeline.canvas.last_paint_bars <= timeline.canvas.frame().width + 1


def test_clicking_a_lane_in_the_window_selects_its_store(
    qtbot: Any, main_window: Any, store_folder: str
) -> None:
    from PySide6.QtCore import Qt

    dock = main_window.lock_events_dock
    dock.toggleViewAction().trigger()
    dock.tabs.setCurrentWidget(dock.timeline)
    events = main_window.services.lock_events
    qtbot.waitUntil(lambda: events.is_watching, timeout=DEADLINE_MS)
    store = str(Path(store_folder) / "projects.json")

    def written() -> bool:
        Path(store).write_text('{"projects": [1]}')
        events.flush()
        return store in dock.timeline.holds.lanes

    qtbot.waitUntil(written, timeout=DEADLINE_MS)
    canvas = dock.timeline.canvas
    index = [lane.store for lane in canvas.lanes()].index(store)
    qtbot.waitExposed(canvas)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.lane_rect(index).center())
    assert main_window.selected_entry() is not None
    assert main_window.selected_entry().path == store
    assert canvas.selected_store == store


def test_a_long_hold_beginning_in_a_short_one_s_column_is_drawn_to_its_end(qtbot: Any) -> None:
    """Holds starting in a column a bar already covers are skipped, but one that lasts past
    that bar is drawn on from the next column (it was skipped whole: a blank lane)."""
    service = LockEventService()
    now = 1060.0
    timeline = LockTimeline(service, clock=lambda: now)
    qtbot.addWidget(timeline)
    timeline.resize(700, 160)
    timeline.show()
    timeline.holds.add(
        [
            lock_event(1010.0, EventKind.TAKEN, pid=1),
            lock_event(1010.001, EventKind.RELEASED, pid=1, duration_s=0.001),
            lock_event(1010.002, EventKind.TAKEN, pid=2),
            lock_event(1040.0, EventKind.RELEASED, pid=2, duration_s=29.998),
        ]
    )
    canvas = timeline.canvas
    image = canvas.grab().toImage()
    frame = canvas.frame()
    y = canvas.lane_rect(0).center().y()
    view_base = canvas.palette().color(QPalette.ColorRole.Base)
    long_colour = holder_colour(2, view_base)
    ratio = image.devicePixelRatio()
    for moment in (1011.0, 1025.0, 1039.5):
        x = round(frame.x(moment) * ratio)
        assert image.pixelColor(x, round(y * ratio)).rgb() == long_colour.rgb(), moment
    after = round(frame.x(1050.0) * ratio)
    assert image.pixelColor(after, round(y * ratio)).rgb() != long_colour.rgb()
