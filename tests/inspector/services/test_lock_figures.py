"""Per-store figures from lock events: properties over generated event sequences."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from inspector.services.lock_figures import RATE_WINDOW, LockFigures, percentile
from lockcore import EventKind, LockEvent

STORES = ("/f/a.json", "/f/b.json")

_kinds = st.sampled_from(list(EventKind))
_durations = st.one_of(st.none(), st.floats(min_value=0, max_value=600, allow_nan=False))


@st.composite
def event_sequences(draw: st.DrawFn) -> list[LockEvent]:
    """Events in the order they happened (times never go back)."""
    steps = draw(st.lists(st.floats(min_value=0, max_value=30, allow_nan=False), max_size=60))
    events = []
    now = 1_000_000.0
    for step in steps:
        now += step
        events.append(
            LockEvent(
                now,
                draw(_kinds),
                draw(st.sampled_from(STORES)),
                pid=draw(st.one_of(st.none(), st.integers(1, 99))),
                duration_s=draw(_durations),
            )
        )
    return events


def _hold_times(events: list[LockEvent], store: str) -> list[float]:
    return [
        e.duration_s
        for e in events
        if e.store == store
        and e.event in (EventKind.RELEASED, EventKind.BROKEN)
        and e.duration_s is not None
    ]


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1))
def test_percentile_is_the_nearest_rank(values: list[float]) -> None:
    ordered = sorted(values)
    for fraction in (0.5, 0.99, 1.0):
        chosen = percentile(ordered, fraction)
        at_or_below = sum(1 for value in ordered if value <= chosen)
        assert at_or_below >= fraction * len(ordered)
        # No smaller value of the list would do.
        smaller = [value for value in ordered if value < chosen]
        assert len(smaller) < fraction * len(ordered)


@given(event_sequences())
def test_figures_describe_the_holds(events: list[LockEvent]) -> None:
    figures = LockFigures()
    figures.add(events)
    now = events[-1].time if events else 0.0
    for store in STORES:
        result = figures.figures(store, now)
        holds = _hold_times(events, store)
        if holds:
            assert result.hold_max == max(holds)
            assert result.hold_p50 is not None
            assert result.hold_p99 is not None
            assert min(holds) <= result.hold_p50 <= result.hold_p99 <= result.hold_max
        else:
            assert result.hold_p50 is result.hold_p99 is result.hold_max is None
        ends = [
            e
            for e in events
            if e.store == store
            and e.event in (EventKind.RELEASED, EventKind.BROKEN)
            and now - RATE_WINDOW < e.time <= now
        ]
        assert result.holds_per_minute == len(ends)
        named = [
            e
            for e in events
            if e.store == store
            and e.pid is not None
            and e.event in (EventKind.TAKEN, EventKind.RELEASED, EventKind.BROKEN, EventKind.STALE)
        ]
        assert result.last_holder == (named[-1] if named else None)


@given(event_sequences(), st.lists(st.integers(0, 60), max_size=5))
def test_batches_add_up_to_the_whole(events: list[LockEvent], cuts: list[int]) -> None:
    whole, batched = LockFigures(), LockFigures()
    whole.add(events)
    start = 0
    for cut in sorted(cuts):
        batched.add(events[start:cut])
        start = max(start, cut)
    batched.add(events[start:])
    now = events[-1].time if events else 0.0
    for store in STORES:
        assert whole.figures(store, now) == batched.figures(store, now)


@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1))
def test_the_longest_wait_is_kept(waits: list[float]) -> None:
    figures = LockFigures()
    for wait in waits:
        figures.record_wait(STORES[0], wait)
    assert figures.figures(STORES[0], 0.0).longest_wait == max(waits)
    assert figures.figures(STORES[1], 0.0).longest_wait is None
