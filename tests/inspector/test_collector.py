"""Pausing the cyclic garbage collector: nested, from several threads, state restored."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

import lockcore
from inspector.collector import collector_paused, freeze_survivors, release_frozen


@pytest.fixture(autouse=True)
def _collector_enabled():
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()
    if not was_enabled:
        gc.disable()


def test_pauses_nest_across_threads():
    inside = threading.Event()
    leave = threading.Event()

    def other_thread() -> None:
        with collector_paused():
            inside.set()
            leave.wait(10)

    with collector_paused():
        assert not gc.isenabled()
        thread = threading.Thread(target=other_thread)
        thread.start()
        assert inside.wait(10)
    assert not gc.isenabled(), "the other thread's pause is still on"
    leave.set()
    thread.join(10)
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_freeze_moves_what_is_alive_out_of_the_collectors_reach():
    gc.unfreeze()
    with collector_paused(freeze=True):
        document = [{"value": n} for n in range(1000)]
    assert gc.get_freeze_count() >= len(document)
    with collector_paused():
        pass
    assert gc.isenabled()


def test_the_collector_runs_again_after_an_error():
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_what_was_frozen_is_handed_back_to_the_collector():
    gc.unfreeze()
    with collector_paused(freeze=True):
        pass
    assert gc.get_freeze_count() > 0
    with collector_paused():
        release_frozen()  # not while a pause is on: a freeze may follow it
        assert gc.get_freeze_count() > 0
    release_frozen()
    assert gc.get_freeze_count() == 0


def _paused_in_another_thread(pause) -> tuple[threading.Event, threading.Event, threading.Thread]:
    inside, leave = threading.Event(), threading.Event()

    def other_thread() -> None:
        with pause():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other_thread)
    thread.start()
    assert inside.wait(10)
    return inside, leave, thread


@pytest.mark.parametrize("first", ["app", "lockcore"])
def test_the_apps_pause_and_lockcores_are_one_whichever_ends_first(first: str) -> None:
    # lockcore pauses the collector while it edits a big document on a save worker; the app's
    # pause on the GUI thread ended in the middle of it and turned the collector back on, and
    # its full collections over the 50 MB document stalled the GUI 0.3-0.5 s during a save.
    pauses = {"app": collector_paused, "lockcore": lockcore.collector_paused}
    second = "lockcore" if first == "app" else "app"
    with pauses[first]():
        _inside, leave, thread = _paused_in_another_thread(pauses[second])
    assert not gc.isenabled(), f"{first}'s pause ended in the middle of {second}'s"
    leave.set()
    thread.join(10)
    assert gc.isenabled()


class _Node:
    """Holds a reference to itself: only the collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_survivors_frozen_are_out_of_the_collectors_reach_until_released() -> None:
    gc.collect()  # what an earlier test released is walked: survivors can be frozen
    node = _Node()
    alive = weakref.ref(node)
    freeze_survivors()  # (the lock event stream, after delivering events)
    del node
    gc.collect()
    assert alive() is not None, "frozen: the collector does not walk it"
    release_frozen()
    gc.collect()
    assert alive() is None


def test_what_was_released_is_walked_once_before_survivors_are_frozen_again() -> None:
    gc.collect()  # what an earlier test released is walked: survivors can be frozen
    node = _Node()
    alive = weakref.ref(node)
    freeze_survivors()
    del node
    release_frozen()  # (a document closed)
    freeze_survivors()  # events keep arriving before the collector's next full walk
    assert alive() is not None
    gc.collect()
    assert alive() is None, "freezing it again would have kept its garbage forever"
    kept = _Node()
    freeze_survivors()  # after that walk, survivors are frozen again
    assert not any(thing is kept for thing in gc.get_objects())
