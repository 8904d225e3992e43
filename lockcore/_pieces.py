"""Whole-text operations done a piece at a time, so that no single C call holds the GIL long.

Python switches threads only between bytecodes: one ``bytes.decode`` or ``re.search`` over a
50 MB text is one C call of 50-500 ms during which no other thread of the program runs (an
application's GUI thread waits for it while a worker saves; measured with
``benchmarks/bench_fidelity.py``). Each function here does what its one-call counterpart does,
with the same result, in pieces of :data:`PIECE` characters (a few milliseconds each); a text
no longer than that is handled in one call, as before.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import Final

PIECE: Final = 2 * 1024 * 1024
"""Bytes or characters one C call handles (a decode of this much takes ~2 ms)."""


def decode_utf8(data: bytes, start: int = 0, *, piece: int = PIECE) -> str:
    """``data[start:].decode("utf-8")``; a UnicodeDecodeError's offsets count in ``data``."""
    end = len(data)
    if end - start <= piece:
        try:
            return codecs.utf_8_decode(memoryview(data)[start:], "strict", True)[0]
        except UnicodeDecodeError as error:
            raise _moved(error, data, start) from None
    view = memoryview(data)
    pieces: list[str] = []
    position = start
    while position < end:
        cut = _character_start(data, min(position + piece, end), position, end)
        try:
            pieces.append(codecs.utf_8_decode(view[position:cut], "strict", True)[0])
        except UnicodeDecodeError as error:
            raise _moved(error, data, position) from None
        position = cut
    return "".join(pieces)


def _character_start(data: bytes, cut: int, start: int, end: int) -> int:
    """A cut near ``cut`` (after ``start``) that splits no character: back over continuation
    bytes (a character has three at most; more are invalid anyway, and the decode says so
    where a whole decode would), or forward when the piece is shorter than the character."""
    for step in (-1, 1):
        moved = cut
        for _ in range(3):
            if moved >= end or not 0x80 <= data[moved] < 0xC0:
                break
            moved += step
        else:
            if step < 0 and moved >= 0 and 0x80 <= data[moved] < 0xC0:
                # Four continuation bytes in a row: no character spans the cut (one has three
                # at most), and the cut ends no piece in an unfinished one, so each piece
                # fails where a whole decode does. Backing further would split the character
                # the run follows, failing there as "unexpected end of data".
                return cut
        if moved > start:
            return moved
    return end


def _moved(error: UnicodeDecodeError, data: bytes, offset: int) -> UnicodeDecodeError:
    return UnicodeDecodeError("utf-8", data, offset + error.start, offset + error.end, error.reason)


def encode_utf8(text: str, *, piece: int = PIECE) -> bytes:
    """``text.encode("utf-8")`` (lone surrogates raise UnicodeEncodeError, as there)."""
    if len(text) <= piece:
        return text.encode("utf-8")
    # Pieces, also of an ASCII text (copied, not encoded): bytes.join lets go of the GIL while
    # it copies them, one encode of the whole text would hold it throughout.
    return b"".join(
        text[position : position + piece].encode("utf-8") for position in range(0, len(text), piece)
    )


def pieces(text: str, *, piece: int = PIECE) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of consecutive pieces of ``text`` of about ``piece`` characters, each
    ending just after a comma (or at the end of the text).

    No number, literal, key or whitespace run of JSON spans a comma, so what the functions
    below look for never crosses from one piece into the next. (A comma is also in strings;
    a cut there is just as safe.)
    """
    position, length = 0, len(text)
    while position < length:
        comma = text.find(",", position + piece) if position + piece < length else -1
        end = length if comma < 0 else comma + 1
        yield position, end
        position = end


def contains(text: str, needle: str, *, piece: int = PIECE) -> bool:
    """``needle in text``, for a ``needle`` without a comma."""
    if len(text) <= piece:
        return needle in text
    return any(text.find(needle, start, end) >= 0 for start, end in pieces(text, piece=piece))


def count(text: str, sub: str, *, piece: int = PIECE) -> int:
    """``text.count(sub)``, for a ``sub`` without a comma."""
    if len(text) <= piece:
        return text.count(sub)
    return sum(text.count(sub, start, end) for start, end in pieces(text, piece=piece))


def search(pattern: re.Pattern[str], text: str, *, piece: int = PIECE) -> bool:
    """Whether ``pattern`` matches ``text`` anywhere (``pattern.search(text) is not None``),
    for a pattern none of whose matches holds a comma."""
    if len(text) <= piece:
        return pattern.search(text) is not None
    return any(
        pattern.search(text, start, end) is not None for start, end in pieces(text, piece=piece)
    )
