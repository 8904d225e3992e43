"""A big batch of lock events reaches the GUI thread in slices, one or a few per turn of its event
loop, all of them and in order; what was delivered is out of the garbage collector's walks."""

from __future__ import annotations

import gc
import pickle
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer

from inspector.models.lock_events import LockEventTableModel
from inspector.services import lock_event_process
from inspector.services.event_history import EventHistory
from inspector.services.lock_event_process import MESSAGE_EVENTS, read_messages
from inspector.services.lock_events import LockEventService
from lockcore import EventKind, LockEvent

DEADLINE_MS = 20_000
#: A history this long is restored as one batch when the app starts watching its folder.
RESTORED = 5000


def _written(store: str, count: int) -> list[LockEvent]:
    start = time.time() - count
    return [LockEvent(start + n, EventKind.WRITTEN, store, pid=7, size=n) for n in range(count)]


def test_the_child_sends_a_big_batch_in_messages_of_a_bounded_size_in_order() -> None:
    events = _written("/s/a.json", 3 * MESSAGE_EVENTS + 7)
    wire = bytearray()

    class Out:
        def write(self, data: bytes) -> None:
            wire.extend(data)

        def flush(self) -> None:
            pass

    sender = lock_event_process._Sender(Out(), None)
    sender.flush()  # the batch interval starts now: the events below wait for one batch
    for event in events:
        sender.add(event)
    sender.flush()
    messages: list[tuple[Any, ...]] = []
    read_messages(wire, messages.append)
    assert all(kind == "events" for kind, _ in messages)
    assert [len(batch) for _, batch in messages] == [MESSAGE_EVENTS] * 3 + [7]
    assert [event for _, batch in messages for event in batch] == events


def test_a_restored_history_reaches_the_gui_across_several_turns_all_in_order(
    qtbot: Any, qtmodeltester: Any, tmp_path: Path
) -> None:
    folder, data_dir = tmp_path / "stores", tmp_path / "data"
    folder.mkdir()
    store = str(folder / "settings.json")
    history = EventHistory(str(folder), data_dir)
    kept = _written(store, RESTORED)
    history.append(kept)
    history.close()

    service = LockEventService(history_root=str(data_dir))
    model = LockEventTableModel(service)
    turns = [0]
    ticker = QTimer()  # fires once per turn of the event loop
    ticker.setInterval(0)
    ticker.timeout.connect(lambda: turns.__setitem__(0, turns[0] + 1))
    arrivals: list[tuple[int, list[LockEvent]]] = []
    service.events_arrived.connect(lambda events: arrivals.append((turns[0], list(events))))
    ticker.start()
    try:
        service.watch(str(folder), recursive=False)
        qtbot.waitUntil(lambda: len(service.log) == RESTORED, timeout=DEADLINE_MS)
    finally:
        ticker.stop()
        service.shutdown()
    arrived = [event for _, events in arrivals for event in events]
    assert [(e.event, e.store, e.size) for e in arrived] == [
        (e.event, e.store, e.size) for e in kept
    ]
    assert max(len(events) for _, events in arrivals) <= MESSAGE_EVENTS
    # Other work of the event loop ran between the first slice and the last.
    assert arrivals[-1][0] > arrivals[0][0]
    qtbot.waitUntil(lambda: model.rowCount() == RESTORED, timeout=DEADLINE_MS)
    qtmodeltester.check(model)


def test_delivered_events_are_not_walked_by_the_garbage_collector(
    qtbot: Any, tmp_path: Path
) -> None:
    folder, data_dir = tmp_path / "stores", tmp_path / "data"
    folder.mkdir()
    history = EventHistory(str(folder), data_dir)
    history.append(_written(str(folder / "a.json"), 500))
    history.close()
    gc.collect()  # whatever an earlier test handed back to the collector is walked now
    service = LockEventService(history_root=str(data_dir))
    try:
        service.watch(str(folder), recursive=False)
        qtbot.waitUntil(lambda: len(service.log) == 500, timeout=DEADLINE_MS)
        walked = {id(thing) for thing in gc.get_objects()}
        assert not any(id(event) in walked for event in service.log.events())
    finally:
        service.shutdown()


class _Messages:
    """Stands in for the stream's child: messages of events waiting to be taken."""

    def __init__(self, messages: list[list[LockEvent]]) -> None:
        self.messages = messages
        self.failure = ""
        self.folder = "/s"

    @property
    def has_events(self) -> bool:
        return bool(self.messages)

    def take_message(self) -> list[LockEvent]:
        return self.messages.pop(0)

    def read_now(self) -> None:
        pass

    def stop(self) -> None:
        pass


def test_the_figures_change_is_told_once_for_all_the_slices_handed_on_together() -> None:
    """Whoever shows the figures recomputes them (sorting the store's hold times) each time it
    is told: once for what one turn hands on, not once per slice."""
    service = LockEventService()
    stores = ("/s/a.json", "/s/b.json")
    slices = [_written(stores[n % 2], MESSAGE_EVENTS) for n in range(5)]
    service._stream = _Messages(slices)  # type: ignore[assignment]
    told: list[set[str]] = []
    service.figures_changed.connect(lambda changed: told.append(set(changed)))
    arrived: list[int] = []
    service.events_arrived.connect(lambda events: arrived.append(len(events)))
    service.flush()
    assert arrived == [MESSAGE_EVENTS] * 5
    assert told == [set(stores)]
    service.shutdown()


class _Encoded(_Messages):
    """Messages kept encoded, decoded as they are taken, as the stream does."""

    def __init__(self, messages: list[list[LockEvent]]) -> None:
        super().__init__([])
        self.encoded = [pickle.dumps(message) for message in messages]

    @property
    def has_events(self) -> bool:
        return bool(self.encoded)

    def take_message(self) -> list[LockEvent]:
        return pickle.loads(self.encoded.pop(0))  # type: ignore[no-any-return]


def test_no_young_collection_runs_while_slices_are_handed_on() -> None:
    """What a turn hands on is walked once, when it is frozen (one collection of the young
    generations, and at most one more as the collector comes back), not by the collector's
    own collections every 700 new objects meanwhile."""
    service = LockEventService()
    service._stream = _Encoded(  # type: ignore[assignment]
        [_written(f"/s/{n}.json", MESSAGE_EVENTS) for n in range(10)]
    )
    kept: list[LockEvent] = []
    service.events_arrived.connect(kept.extend)  # keeps them alive, as the timeline does
    collections: list[int] = []

    def on_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.collect()
    gc.callbacks.append(on_collection)
    try:
        service.flush()
    finally:
        gc.callbacks.remove(on_collection)
    assert len(kept) == 10 * MESSAGE_EVENTS
    assert collections.count(1) == 1
    assert collections.count(0) <= 1
    service.shutdown()
