"""lockcore's pause of the cyclic garbage collector: one for the process, ending with the last."""

from __future__ import annotations

import gc
import threading

import pytest

import lockcore


@pytest.fixture(autouse=True)
def _collector_enabled():
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_pauses_that_end_out_of_order_in_two_threads_keep_the_collector_paused() -> None:
    inside, leave = threading.Event(), threading.Event()

    def other_thread() -> None:
        with lockcore.collector_paused():
            inside.set()
            leave.wait(10)

    with lockcore.collector_paused():
        thread = threading.Thread(target=other_thread)
        thread.start()
        assert inside.wait(10)
    assert not gc.isenabled(), "the other thread's pause is still on"
    leave.set()
    thread.join(10)
    assert gc.isenabled()
