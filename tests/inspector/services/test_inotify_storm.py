"""The lean inotify reader in a storm: one folder (the watching child's) is parsed with less per
event than the general parse, yet read exactly as the general parse reads it; a full read is
followed by another before the reader pauses."""

from __future__ import annotations

import struct
import threading
import time
from typing import Any

from _watch_support import Collector
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.services.inotify import LeanInotifySource

_NAME_CHOICES = ["a.json", "a.json.lock", "#3056407", "b.json", "sub", "é.json", "a" * 40]


@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(
        st.tuples(
            st.sampled_from([1, 1, 1, 9, -1]),  # 9: a watch no longer known; -1: the queue's
            st.sampled_from([0x8, 0x100, 0x40, 0x80, 0x200, 0x400, 0x800, 0x2000, 0x8000, 0x4000]),
            st.sampled_from([*_NAME_CHOICES, ""]),
        ),
        max_size=60,
    ),
    folder=st.sampled_from(["/watched", "/watched/", "/"]),
)
def test_one_folder_is_read_as_the_general_parse_reads_it(events, folder):
    """A reader of one folder (the watching child's) parses with less per event: it reads
    each read exactly as the general parse does -- the paths, the queue's overflow, the folder
    itself gone."""
    buffer = b""
    for wd, mask, name in events:
        raw = name.encode()
        length = (len(raw) + 1 + 15) // 16 * 16 if raw else 0
        buffer += struct.pack("iIII", wd, mask, 0, length) + raw.ljust(length, b"\0")
    one = LeanInotifySource()
    one._dirs = {1: folder}
    general = LeanInotifySource()  # a second watch, no event of it: the general parse
    general._dirs = {1: folder, 2: "/elsewhere"}
    got, expected = one._parse(buffer, 1), general._parse(buffer, 1)
    assert (got.paths, got.lost, got.ended, got.came) == (
        expected.paths,
        expected.lost,
        expected.ended,
        expected.came,
    )


def test_with_subfolders_a_folder_made_is_still_followed_when_only_one_is_watched():
    # One folder watched, but with subfolders: a subfolder made must be watched (the general
    # parse), not read past as the one-folder parse would.
    raw = b"sub".ljust(16, b"\0")
    buffer = struct.pack("iIII", 1, 0x100 | 0x40000000, 0, len(raw)) + raw
    source = LeanInotifySource()
    source._dirs = {1: "/watched"}
    source._recursive = True
    batch = source._parse(buffer, 1)
    assert batch.came == ["/watched/sub"]
    assert batch.paths == ["/watched/sub"]


def test_a_full_read_is_followed_by_another_read_not_a_pause(tmp_path, monkeypatch):
    """A reader that waited for a CPU in a storm finds more in the kernel's queue than one
    read takes: it reads on before pausing, since the queue overflows at 16,384 events and each
    overflow costs a look at every file of the folder (issue 11 section 6)."""
    from inspector.services import inotify

    log: list[tuple[str, int | float]] = []
    real_sleep = time.sleep
    first_read = threading.Event()
    go_on = threading.Event()

    def sleep(seconds: float) -> None:
        if threading.current_thread().name == "inotify":
            log.append(("pause", seconds))
        real_sleep(seconds)

    monkeypatch.setattr(inotify.time, "sleep", sleep)

    class Reader(LeanInotifySource):
        def _parse(self, data: bytes, root: int) -> Any:
            log.append(("read", len(data)))
            if len(log) == 1:
                first_read.set()
                go_on.wait(10)  # the queue fills meanwhile
            return super()._parse(data, root)

    seen = Collector()
    reader = Reader()
    reader.start(str(tmp_path), seen, recursive=False)
    try:
        (tmp_path / "first.txt").write_text("")
        assert first_read.wait(5)
        # 5,000 files made: 10,000 events of 32 bytes, more than one read of 256 KiB takes
        # and less than the kernel's queue holds.
        names = [tmp_path / f"f{number:05d}.txt" for number in range(5000)]
        for name in names:
            name.touch()
        go_on.set()
        assert seen.wait_for(*names, timeout=10)
        assert not seen.failures
    finally:
        reader.stop()
        reader.join(5)
    reads = [(index, size) for index, (kind, size) in enumerate(log) if kind == "read"]
    full = [index for index, size in reads if size > inotify._BUFFER - inotify._LONGEST_EVENT]
    assert full, log[:6]
    for index in full:
        assert log[index + 1][0] == "read", log[: index + 2]
