"""Lock events for the tests of the holds and the timeline: one by hand (:func:`lock_event`) or
a Hypothesis strategy of whole sequences (:func:`event_sequences`). Importable from every test
folder under tests/inspector (pytest puts this folder, its conftest's, on ``sys.path``)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from lockcore import EventKind, LockEvent

STORE = "/f/a.json"


def lock_event(moment: float, kind: EventKind, **facts: Any) -> LockEvent:
    return LockEvent(moment, kind, facts.pop("store", STORE), **facts)


_kinds = st.sampled_from(list(EventKind))


@st.composite
def event_sequences(draw: st.DrawFn) -> list[LockEvent]:
    steps = draw(st.lists(st.floats(min_value=0, max_value=5, allow_nan=False), max_size=80))
    moment = 1000.0
    events = []
    for step in steps:
        moment += step
        events.append(
            lock_event(
                moment,
                draw(_kinds),
                pid=draw(st.one_of(st.none(), st.integers(1, 5))),
                duration_s=draw(st.one_of(st.none(), st.floats(0, 10, allow_nan=False))),
                size=draw(st.one_of(st.none(), st.integers(0, 100))),
            )
        )
    return events
