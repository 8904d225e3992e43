"""Whole-text operations a piece at a time (so that no C call holds the GIL long) give exactly
what the one-call operation gives, wherever the pieces are cut."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lockcore import _pieces

# Texts made of what matters at a cut: multi-byte characters, commas, digits, colons, quotes.
_TEXTS = st.text(alphabet=st.sampled_from('ab,:" 0123456789eE-é€😀\n'), max_size=80)
_PIECE = st.integers(1, 9)


@settings(max_examples=300)
@given(text=_TEXTS, piece=_PIECE, start=st.integers(0, 3))
def test_decoding_in_pieces_is_decoding_at_once(text: str, piece: int, start: int) -> None:
    data = b"\xef\xbb\xbf"[:start] + text.encode()
    assert _pieces.decode_utf8(data, start, piece=piece) == text


@settings(max_examples=300)
@given(data=st.binary(max_size=40), piece=_PIECE, start=st.integers(0, 3))
# A character, then four continuation bytes that the cut falls among: backing over three of
# them split the character (found by Hypothesis).
@example(data=b"\xc2\x80\x80\x80\x80", piece=4, start=0)
def test_bytes_that_are_not_utf8_fail_where_a_whole_decode_fails(
    data: bytes, piece: int, start: int
) -> None:
    start = min(start, len(data))
    try:
        expected: str | int = data[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        expected = start + error.start  # where it fails, counted in ``data``
    try:
        got: str | int = _pieces.decode_utf8(data, start, piece=piece)
    except UnicodeDecodeError as error:
        got = error.start
    assert got == expected


@settings(max_examples=300)
@given(text=_TEXTS, piece=_PIECE)
def test_encoding_in_pieces_is_encoding_at_once(text: str, piece: int) -> None:
    assert _pieces.encode_utf8(text, piece=piece) == text.encode()


def test_a_lone_surrogate_fails_to_encode_in_pieces_too() -> None:
    with pytest.raises(UnicodeEncodeError):
        _pieces.encode_utf8("é" * 10 + "\ud800", piece=3)


@settings(max_examples=300)
@given(text=_TEXTS, piece=_PIECE, needle=st.sampled_from(['":', ":", "é€", "00", "NaN", "e-1"]))
def test_searching_in_pieces_finds_what_a_whole_search_finds(
    text: str, piece: int, needle: str
) -> None:
    assert _pieces.contains(text, needle, piece=piece) == (needle in text)
    assert _pieces.count(text, needle, piece=piece) == text.count(needle)


_PATTERNS = [
    re.compile(r"[0-9][eE][-+]?[0-9]{3}"),  # what the classifier looks for
    re.compile(r"[1-9][0-9]{3}"),
    re.compile(r'"(?:[\t\r\n]| [ \t\r\n])[ \t\r\n]*:'),
]


@settings(max_examples=300)
@given(text=_TEXTS, piece=_PIECE, pattern=st.sampled_from(_PATTERNS))
def test_a_pattern_without_commas_is_found_in_pieces(
    text: str, piece: int, pattern: re.Pattern[str]
) -> None:
    assert _pieces.search(pattern, text, piece=piece) == (pattern.search(text) is not None)


@given(piece=_PIECE)
def test_pieces_cover_the_text_and_end_after_commas(piece: int) -> None:
    text = json.dumps({"a": [1, 2, 3], "b": "x,y", "c": {"d": None}})
    cuts = list(_pieces.pieces(text, piece=piece))
    assert [start for start, _ in cuts] == [0] + [
        end for end, _ in zip([end for _, end in cuts[:-1]], cuts[1:], strict=True)
    ]
    assert cuts[-1][1] == len(text)
    assert all(text[end - 1] == "," for _, end in cuts[:-1])
