"""The lean inotify reader of one folder (the watching child's) parses a read with less per
event than the general parse; it must read every read exactly as the general parse does."""

from __future__ import annotations

import struct

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
