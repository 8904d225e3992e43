"""Helpers for showing a document's text: sizes in words, and lines too long to lay out."""

from __future__ import annotations

import codecs
import dataclasses
from collections.abc import Callable
from typing import Final

from inspector.document.results import ParseError

LONG_LINE_CHARS: Final = 10_000
"""A text line longer than this is laid out slowly by Qt's text view (a 1 MB line: seconds).
Compact JSON that can be edited as text is shown indented instead; read-only text is shown
with such lines shortened."""


def describe_size(size: int) -> str:
    """``"812 bytes"``, ``"4.2 KiB"``, ``"20.0 MiB"``: the table's units, in a sentence."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


DECODE_PIECE: Final = 2 * 1024 * 1024


def decode_utf8_sig(raw: bytes, piece: int = DECODE_PIECE) -> str:
    """``raw.decode("utf-8-sig")`` a piece at a time: one decode of 50 MB is one C call that
    holds the GIL (the GUI thread waits) for 50-100 ms; pieces of 2 MB take a millisecond or two.
    """
    if len(raw) <= piece:
        return raw.decode("utf-8-sig")
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    view = memoryview(raw)
    pieces = [decoder.decode(view[start : start + piece]) for start in range(0, len(raw), piece)]
    pieces.append(decoder.decode(b"", final=True))
    return "".join(pieces)


def has_long_line(text: str) -> bool:
    """Whether some line of ``text`` is longer than :data:`LONG_LINE_CHARS`."""
    return len(text) > LONG_LINE_CHARS and max(map(len, text.split("\n"))) > LONG_LINE_CHARS


CutMark = Callable[[int, bool], str]
"""Words for characters left out of a shortened line: ``(count, earlier)`` -> the mark."""


def english_cut_mark(count: int, earlier: bool) -> str:
    """``"(1,234 more characters)"``, ``"(1 earlier character)"``: the English marks (the raw
    view passes translated ones, see inspector.document.wording.cut_mark)."""
    which = "earlier" if earlier else "more"
    return f"({count:,} {which} character{'s' if count != 1 else ''})"


def shorten_long_lines(
    text: str, error: ParseError | None = None, cut_mark: CutMark = english_cut_mark
) -> tuple[str, int, ParseError | None]:
    """``text`` with every line longer than :data:`LONG_LINE_CHARS` cut to that many characters
    (saying, in ``cut_mark``'s words, how many are left out), for showing read-only text
    quickly; the line of ``error`` keeps the part around it. Returns the text, how many lines
    were cut, and where ``error`` is in the text returned."""
    if not has_long_line(text):
        return text, 0, error
    lines = text.split("\n")
    cut = 0
    for number, line in enumerate(lines):
        if len(line) <= LONG_LINE_CHARS:
            continue
        cut += 1
        start = 0
        if error is not None and error.line == number + 1:
            start = max(
                0, min(error.column - 1 - LONG_LINE_CHARS // 2, len(line) - LONG_LINE_CHARS)
            )
        end = start + LONG_LINE_CHARS
        before = f"{cut_mark(start, True)} … " if start else ""
        after = f" … {cut_mark(len(line) - end, False)}" if end < len(line) else ""
        lines[number] = before + line[start:end] + after
        if error is not None and error.line == number + 1:
            column = len(before) + error.column - start
            error = dataclasses.replace(error, column=column)
    return "\n".join(lines), cut, error
