"""The lean inotify source on its own: the names it reports, the subfolders it watches as they
come and go, its pauses in a storm, and what it does after the kernel's queue overflowed."""

from __future__ import annotations

import os
import shutil
import struct
import threading
import time

import pytest
from _watch_support import Collector
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.services.inotify import LeanInotifySource


def test_lean_observer_reports_names_and_ends_with_its_folder(tmp_path):
    folder = tmp_path / "watched"
    folder.mkdir()
    seen = Collector()
    observer = LeanInotifySource()
    observer.start(str(folder), seen, recursive=False)
    try:
        (folder / "a.json").write_text("{}")
        assert seen.wait_for(folder / "a.json")
        assert not seen.failures
        shutil.rmtree(folder)
        observer.join(5)
        assert not observer.is_alive(), "the watch ended with its folder"
    finally:
        observer.stop()
        observer.join(5)


def test_a_reader_pauses_between_reads_in_a_storm_as_long_as_it_was_made_to(tmp_path, monkeypatch):
    # The watching child's reader takes nothing from the window's interpreter: it pauses less
    # in a storm than the window's own, which holds back the storm's last changes (issue 11 §6).
    from inspector.services import inotify
    from inspector.services.watch_process import CHILD_STORM_GATHER_SECONDS

    assert CHILD_STORM_GATHER_SECONDS < inotify.STORM_GATHER_SECONDS
    pauses: list[float] = []
    real_sleep = time.sleep
    two_pauses = threading.Event()

    def sleep(seconds: float) -> None:
        if threading.current_thread().name != "inotify":
            real_sleep(seconds)
            return
        pauses.append(seconds)
        if len(pauses) == 1:
            (tmp_path / "b.json").write_text("{}")  # events wait after this pause: a storm
        if len(pauses) == 2:
            two_pauses.set()
        real_sleep(0.001)

    monkeypatch.setattr(inotify.time, "sleep", sleep)

    seen = Collector()
    observer = LeanInotifySource(storm_gather=CHILD_STORM_GATHER_SECONDS)
    observer.start(str(tmp_path), seen, recursive=False)
    try:
        (tmp_path / "a.json").write_text("{}")
        assert two_pauses.wait(5)
        assert pauses[:2] == [inotify.GATHER_SECONDS, CHILD_STORM_GATHER_SECONDS]
        assert not seen.failures
    finally:
        observer.stop()
        observer.join(5)


_NAME_CHOICES = ["a.json", "a.json.lock", "#3056407", "b.json", "sub", "é.json", "a" * 40]


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(
        st.tuples(
            st.sampled_from([1, 2, 9]),  # 9: a watch descriptor no longer known
            st.sampled_from([0x8, 0x100, 0x40, 0x80, 0x200]),
            st.sampled_from([*_NAME_CHOICES, ""]),
        ),
        max_size=60,
    )
)
def test_a_read_of_events_names_each_path_once_in_the_order_first_seen(events):
    # A storm repeats a few names thousands of times: each name is made a path once per read.
    dirs = {1: "/watched", 2: "/watched/sub"}
    buffer = b""
    for wd, mask, name in events:
        raw = name.encode()
        length = (len(raw) + 1 + 15) // 16 * 16 if raw else 0
        buffer += struct.pack("iIII", wd, mask, 0, length) + raw.ljust(length, b"\0")
    source = LeanInotifySource()
    source._dirs = dict(dirs)
    batch = source._parse(buffer, 1)
    expected = [os.path.join(dirs[wd], name) for wd, _mask, name in events if name and wd in dirs]
    assert batch.paths == list(dict.fromkeys(expected))
    assert (batch.lost, batch.ended, batch.came) == (False, False, [])


def test_lean_observer_refuses_a_missing_folder(tmp_path):
    source = LeanInotifySource()
    with pytest.raises(FileNotFoundError):
        source.start(str(tmp_path / "nope"), Collector(), recursive=False)


def test_lean_observer_watches_subfolders_as_they_come_and_go(tmp_path):
    folder = tmp_path / "watched"
    (folder / "old" / "deeper").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    seen = Collector()
    observer = LeanInotifySource()
    observer.start(str(folder), seen, recursive=True)
    try:
        # Folders there at the start are watched once the observer says so.
        assert seen.watching.wait(5)
        (folder / "old" / "deeper" / "a.json").write_text("{}")
        assert seen.wait_for(folder / "old" / "deeper" / "a.json")
        # A tree made later: its top is reported, and what is written below it then is seen.
        (folder / "new" / "b" / "c").mkdir(parents=True)
        assert seen.wait_for(folder / "new")
        (folder / "new" / "b" / "c" / "x.json").write_text("{}")
        assert seen.wait_for(folder / "new" / "b" / "c" / "x.json")
        # Moved out: no longer watched. Moved in: watched where it is now.
        (folder / "old").rename(outside / "old")
        assert seen.wait_for(folder / "old")
        (outside / "inside").mkdir()
        (outside / "inside").rename(folder / "inside")
        assert seen.wait_for(folder / "inside")
        (outside / "old" / "deeper" / "gone.json").write_text("{}")
        (folder / "inside" / "y.json").write_text("{}")
        assert seen.wait_for(folder / "inside" / "y.json")
        assert not any("gone.json" in path for path in seen.paths)
        # A subfolder removed is just a change; the folder itself going ends the watch.
        shutil.rmtree(folder / "new")
        assert seen.wait_for(folder / "new" / "b")  # its own removal, seen from its parent
        assert observer.is_alive()
        shutil.rmtree(folder)
        observer.join(5)
        assert not observer.is_alive()
    finally:
        observer.stop()
        observer.join(5)


def test_subfolders_are_watched_on_the_observers_thread_not_in_start(tmp_path, held_walk):
    folder = tmp_path / "watched"
    (folder / "a" / "b").mkdir(parents=True)
    seen = Collector()
    observer = held_walk()
    observer.start(
        str(folder), seen, recursive=True
    )  # returns while the walk is held (ten thousand folders take 0.2 s)
    try:
        assert observer.walking.wait(5)
        assert not seen.watching.is_set()
        observer.release.set()
        assert seen.watching.wait(5)
        (folder / "a" / "b" / "deep.json").write_text("{}")
        assert seen.wait_for(folder / "a" / "b" / "deep.json")
        assert not seen.failures
    finally:
        observer.release.set()
        observer.stop()
        observer.join(5)


def test_stopping_during_the_first_walk_ends_it_without_reporting(tmp_path, held_walk):
    (tmp_path / "a" / "b").mkdir(parents=True)
    seen = Collector()
    observer = held_walk()
    observer.start(str(tmp_path), seen, recursive=True)
    try:
        assert observer.walking.wait(5)
        observer.stop()  # the window closes while a deep tree is being walked
        observer.release.set()
        observer.join(5)
        assert not observer.is_alive()
        assert not seen.watching.is_set()
    finally:
        observer.release.set()
        observer.stop()
        observer.join(5)


class HeldReader(LeanInotifySource):
    """The lean source whose first hand-on waits for ``release``: meanwhile nothing reads the
    kernel's queue, so what happens then is what a reader too slow for a storm meets."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()
        self.release = threading.Event()

    def _hand_on(self, *args, **kwargs):
        if not self.holding.is_set():
            self.holding.set()
            assert self.release.wait(10), "the test never released the reader"
        return super()._hand_on(*args, **kwargs)


class LossCollector(Collector):
    def __init__(self) -> None:
        super().__init__()
        self.lost = threading.Event()

    def on_events_lost(self):
        self.lost.set()


def test_after_an_overflow_subfolders_made_meanwhile_are_watched(tmp_path, inotify_overflow):
    folder = tmp_path / "watched"
    folder.mkdir()
    seen = LossCollector()
    source = HeldReader()
    with inotify_overflow.small_queue(16):
        assert not source.start(str(folder), seen, recursive=True)
    try:
        assert seen.watching.wait(5)
        (folder / "first.json").write_text("{}")
        assert source.holding.wait(5)  # the reader is held with the first batch
        for number in range(40):  # 80 events for a queue of 16: the kernel drops the rest
            (folder / f"f{number}.txt").write_text("")
        (folder / "made-meanwhile").mkdir()  # its creation is among the events dropped
        source.release.set()
        assert seen.lost.wait(5)
        (folder / "made-meanwhile" / "inside.json").write_text("{}")
        assert seen.wait_for(folder / "made-meanwhile" / "inside.json")
    finally:
        source.release.set()
        source.stop()
        source.join(5)
