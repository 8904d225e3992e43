"""The words and figures the app shows: ages, sizes, paths on one readable line, health."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from inspector.display import is_printable_ascii, printable_path
from inspector.presentation import HEALTH_WORDS, format_age, format_size
from inspector.services.store_directory import StoreHealth


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, ""),
        (0.4, "0s"),
        (59, "59s"),
        (61, "1m 01s"),
        (3600, "1h 00m"),
        (50 * 3600, "2d 2h"),
    ],
)
def test_format_age(seconds, text):
    assert format_age(seconds) == text


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/s/plain.json", "/s/plain.json"),
        ("/s/new\nline.json", "/s/new\\nline.json"),
        ("/s/tab\tand\x1b[31mred.json", "/s/tab\\tand\\x1b[31mred.json"),
        ("/s/caf\udce9.json", "/s/caf\ufffd.json"),  # the byte 0xe9, not UTF-8
        ("/s/d\u00e9j\u00e0 vu.json", "/s/d\u00e9j\u00e0 vu.json"),
        ("/s/c1\x85.json", "/s/c1\\x85.json"),
    ],
)
def test_printable_path_keeps_a_name_on_one_readable_line(path, shown):
    assert printable_path(path) == shown


@given(
    st.text(alphabet=st.characters(codec="utf-8"))
    | st.text(alphabet=st.characters(max_codepoint=0x7F))
)
@example("")
@example("store-1.json\x7fstore-2.json")
@example("store-1.json\x1fstore-2.json")
@example("store-1.json\x80")
@example("caf\xe9.json")
def test_is_printable_ascii_says_what_isascii_and_isprintable_say(text: str) -> None:
    # (ASCII above all: a folder's names joined, where one control character among them is what
    # the check must find)
    assert is_printable_ascii(text) == (text.isascii() and text.isprintable())


def test_format_size():
    assert format_size(None) == ""
    assert format_size(812) == "812 B"
    assert format_size(5 * 1024 * 1024) == "5.0 MiB"


def test_every_health_has_its_words_and_they_are_the_enums() -> None:
    assert {health: HEALTH_WORDS[health] for health in StoreHealth} == {
        health: health.value for health in StoreHealth
    }
