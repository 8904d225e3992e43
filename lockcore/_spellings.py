"""Where a JSON text spells a number otherwise than Python writes it (``1.50``, ``1E22``,
``1e999``, ``-0``): what an editor shows so that a person sees the file's own spelling.

``json.loads`` keeps a number's value, not its text: ``1.50`` becomes ``1.5``, ``1E22``
``1e+22``, ``1e999`` ``inf`` (written back as ``Infinity``). The format-keeping save keeps the
text of every number it does not change; an editor that shows ``1.5`` for a file's ``1.50``
shows something the file does not hold. This finds those numbers and their place.

How, cheaply: a regular expression (one C pass over the text) finds the few places that can be
such a spelling (an exponent, a fraction ending in 0, ``-0``, ``0.0000…``, 16 or more
digits), a piece of text at a time; only those are looked at, by walking down from the top to
the value that holds each (the containers on the way are scanned member by member, as a
format-keeping edit does, and each once). A text without any costs the one pass. A place
inside a string, a key, or an earlier occurrence of a repeated key is not a number of the
document and is left out.
"""

from __future__ import annotations

import json
import re
import time
from bisect import bisect_right
from collections.abc import Iterator

from lockcore._jsonedit import _BIG, _SCAN, BOM, _Container, _Editor

#: Where a number Python could write otherwise is (a superset: each is checked). repr() writes
#: the shortest text that reads back the same double: without an exponent from 1e-4 up to 1e16,
#: without trailing zeros; json writes -0 as 0. So a number is written otherwise only with an
#: exponent, a fraction ending in 0 (but X.0), 16 or more digits, a value under 1e-4 (0.0000…),
#: or as -0. Anchored on literal characters ("." mostly): the C search skips the rest fast, and
#: the canonical fractions most data holds ("12.5") are never looked at in Python.
_SIXTEEN_DIGITS = "|".join(rf"(?<=\d{{{k}}}\.)\d{{{16 - k}}}" for k in range(1, 16))
#: One pattern per first character, each beginning with that literal character: the C search
#: then skips to it fast (an alternation of several would test every character of the text).
_CANDIDATES = (
    re.compile(rf"\.(?:\d+0(?!\d)|\d{{16}}|(?<=\d{{16}}\.)|{_SIXTEEN_DIGITS}|(?<=(?<!\d)0\.)0000)"),
    re.compile(r"e[-+]?\d"),
    re.compile(r"E[-+]?\d"),
    re.compile(r"-0(?![\d.eE])"),
)
_TOKEN = re.compile(r"[-+.\deE]*")
_NUMBER_CHARS = frozenset("-+.0123456789eE")
_PIECE = 1024 * 1024
_OVERLAP = 32  # longer than any candidate with what it looks behind at (17 digits and a ".")
MAX_SPELLINGS = 100_000
"""At most this many places are reported (an editor shows far fewer at a time)."""


def number_spellings(original: bytes | str) -> dict[tuple[str | int, ...], str]:
    """{place in the document: the number's text} for every number of ``original`` (valid JSON,
    UTF-8 bytes or text) whose text is not what ``json.dumps`` writes for its value.

    The place is the number's path as ``json.loads`` reads the document (keys and indexes,
    ``()`` for a number that is the whole document). Numbers inside an earlier occurrence of a
    repeated key are not in the document and are left out. At most MAX_SPELLINGS places; {}
    for a text that is not valid JSON.
    """
    if isinstance(original, bytes):
        text = original[len(BOM) if original.startswith(BOM) else 0 :].decode("utf-8")
    else:
        text = original
    finder = _Finder(text)
    found: dict[tuple[str | int, ...], str] = {}
    last_token = -1
    try:
        for candidate in _candidates(text):
            start = candidate
            while start > 0 and text[start - 1] in _NUMBER_CHARS:
                start -= 1
            if start <= last_token:
                continue  # another match in the same token
            last_token = start
            if not _respelt(text[start : _TOKEN.match(text, start).end()]):  # type: ignore[union-attr]
                continue  # also what is not a number at all (a version "1.2.3" in a string)
            place = finder.number_at(start)
            if place is not None:
                found[place[0]] = place[1]
                if len(found) >= MAX_SPELLINGS:
                    break
    except (StopIteration, ValueError, IndexError, RecursionError):
        return {}  # not valid JSON after all
    return found


def _candidates(text: str) -> Iterator[int]:
    """Where the candidates' matches begin, in order, searched a piece at a time: one C search
    over a big text would hold the GIL throughout (an application's GUI thread waits for it).
    Pieces overlap by a few characters so that no candidate is cut in two (one found twice is
    skipped by the caller)."""
    for position in range(0, len(text), _PIECE):
        if position:
            time.sleep(0)  # hand the GIL over for sure
        first, end = max(position - _OVERLAP, 0), position + _PIECE
        starts = [
            match.start() for pattern in _CANDIDATES for match in pattern.finditer(text, first, end)
        ]
        starts.sort()
        yield from starts


def _respelt(spelling: str) -> bool:
    """Whether ``spelling``, if it is a number, is written otherwise by ``json.dumps``."""
    if spelling == "-0":
        return True
    try:
        return repr(float(spelling)) != spelling
    except ValueError:
        return False


class _Finder:
    """Walks down from the top to the value starting at an offset; containers scanned once."""

    def __init__(self, text: str) -> None:
        self.editor = _Editor(text)
        self.top = self.editor.skip(0)
        self.scanned: dict[int, tuple[_Container, list[int]]] = {}

    def number_at(  # noqa: PLR0911 - one answer per way a place is not a number's
        self, start: int
    ) -> tuple[tuple[str | int, ...], str] | None:
        text = self.editor.text
        path: list[str | int] = []
        position = self.top
        nested: _Container | None = None
        while position != start:
            if text[position] not in "{[":
                return None  # inside a string or other scalar: not a value's start
            container, starts = self._scan(position, nested)
            index = bisect_right(starts, start) - 1
            if index < 0:
                return None
            member = container.members[index]
            if not member.value_start <= start < member.end:
                return None  # in a key, or between members
            if member.key is None:
                path.append(index)
            else:
                if self._shadowed(container, index):
                    return None  # an earlier occurrence of a repeated key
                path.append(member.key)
            position = member.value_start
            nested = member.nested if member.value is _BIG else None
        value, end = _SCAN(text, start)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        spelling = text[start:end]
        if spelling == json.dumps(value):
            return None
        return tuple(path), spelling

    def _scan(self, open_at: int, nested: _Container | None) -> tuple[_Container, list[int]]:
        scanned = self.scanned.get(open_at)
        if scanned is None:
            container = nested if nested is not None else self.editor.scan(open_at)
            scanned = (container, [member.value_start for member in container.members])
            self.scanned[open_at] = scanned
        return scanned

    def _shadowed(self, container: _Container, index: int) -> bool:
        key = container.members[index].key
        return any(member.key == key for member in container.members[index + 1 :])
