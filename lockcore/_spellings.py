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

from lockcore._collector import collector_paused
from lockcore._json_pieces import _SCAN
from lockcore._jsonedit import _BIG, BOM, _Container, _Editor

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
    # The scans build objects that make no cycles: collections they would set off walk every
    # object the program has, with the GIL held (most of a second at 10 MB).
    with collector_paused():
        try:
            return _search(text)
        except (StopIteration, ValueError, IndexError, RecursionError):
            return {}  # not valid JSON after all


def _search(text: str) -> dict[tuple[str | int, ...], str]:
    finder = _Finder(text)
    try:
        return _search_with(text, finder)
    finally:
        finder.release()


def _search_with(text: str, finder: _Finder) -> dict[tuple[str | int, ...], str]:
    found: dict[tuple[str | int, ...], str] = {}
    last_token = -1
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


class _Spans:
    """Where each member of one container is, without the member values a scan parsed (held
    for every container on the way, those would add up to the whole document)."""

    __slots__ = ("ends", "keys", "last", "nested", "starts")

    def __init__(self, container: _Container) -> None:
        members = container.members
        self.starts = [member.value_start for member in members]
        self.ends = [member.end for member in members]
        self.keys = [member.key for member in members]
        #: the scans of members too big for one C call, by position
        self.nested = {
            index: member.nested
            for index, member in enumerate(members)
            if member.value is _BIG and member.nested is not None
        }
        #: where each key occurs last (the occurrence json.loads keeps)
        self.last = {key: index for index, key in enumerate(self.keys)}
        # Freed one member at a time: dropping the container would free every value it
        # parsed in one cascade, holding the GIL meanwhile (~0.1 s at 10 MB).
        for member in members:
            member.value = None


class _Finder:
    """Walks down from the top to the value starting at an offset; containers scanned once."""

    def __init__(self, text: str) -> None:
        self.editor = _Editor(text)
        self.top = self.editor.skip(0)
        self.scanned: dict[int, _Spans] = {}

    def number_at(self, start: int) -> tuple[tuple[str | int, ...], str] | None:
        text = self.editor.text
        path: list[str | int] = []
        position = self.top
        nested: _Container | None = None
        while position != start:
            if text[position] not in "{[":
                return None  # inside a string or other scalar: not a value's start
            spans = self._scan(position, nested)
            index = bisect_right(spans.starts, start) - 1
            if index < 0 or start >= spans.ends[index]:
                return None  # in a key, or between members
            key = spans.keys[index]
            if key is None:
                path.append(index)
            elif spans.last[key] != index:
                return None  # in an earlier occurrence of a repeated key
            else:
                path.append(key)
            position = spans.starts[index]
            nested = spans.nested.get(index)
        value, end = _SCAN(text, start)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        spelling = text[start:end]
        if spelling == json.dumps(value):
            return None
        return tuple(path), spelling

    def release(self) -> None:
        """Free the values big members' scans parsed a member at a time (see _Spans)."""
        pending = [
            container for spans in self.scanned.values() for container in spans.nested.values()
        ]
        while pending:
            for member in pending.pop().members:
                if member.nested is not None:
                    pending.append(member.nested)
                member.value = None
        self.scanned.clear()

    def _scan(self, open_at: int, nested: _Container | None) -> _Spans:
        spans = self.scanned.get(open_at)
        if spans is None:
            spans = _Spans(nested if nested is not None else self.editor.scan(open_at))
            self.scanned[open_at] = spans
        return spans
