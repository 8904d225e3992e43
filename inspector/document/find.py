"""Find in a JSON document, and paths typed by a person (no Qt): pure functions a worker runs.

:func:`find_in_document` walks a JSON value (as ``json.loads`` gives it) and lists the paths of
the entries whose key or scalar value contains the text; :func:`find_in_text` lists where the
text occurs in the raw text. :func:`parse_path` reads a JSON Pointer (``/server/ports/2``), a
JSONPath (``$.server.ports[2]``) or what "Copy path" gives (``server.ports[2]``), and
:func:`resolve_path` checks it against a document.
"""

from __future__ import annotations

import enum
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from inspector.collector import collector_paused
from inspector.document.json_values import format_scalar
from inspector.document.nodes import JsonKey
from inspector.document.secrets import SecretPolicy, is_secret_key

MATCH_LIMIT: Final = 100_000
"""At most this many matches are listed (a one-letter search of 20 MB matches millions)."""

_HAND_OVER_EVERY: Final = 1024
"""Entries walked (or members of one array or object put on the walk's stack) between two
``time.sleep(0)``, where the worker hands the GIL to the GUI thread: ~4 ms of a loaded core
(4096 ran 17-19 ms, and putting a 25,000-item array's members on the stack in one go ~10 ms;
``benchmarks/bench_find.py`` measures the longest run between two)."""


class FindScope(enum.Enum):
    """What a search looks at."""

    KEYS_AND_VALUES = "keys and values"
    KEYS = "keys"
    VALUES = "values"


@dataclass(frozen=True)
class FindQuery:
    """What to look for. An empty ``text`` finds nothing."""

    text: str
    scope: FindScope = FindScope.KEYS_AND_VALUES
    case_sensitive: bool = False

    def matcher(self) -> Callable[[str], bool]:
        """A test for one key or value text."""
        if self.case_sensitive:
            needle = self.text
            return lambda text: needle in text
        folded = self.text.casefold()
        return lambda text: folded in text.casefold()


@dataclass(frozen=True)
class FindResult:
    """The paths that matched, in document order; ``truncated`` when :data:`MATCH_LIMIT` hit."""

    query: FindQuery
    paths: tuple[tuple[JsonKey, ...], ...]
    truncated: bool = False


class FindCancelledError(Exception):
    """The search was cancelled (a newer one replaced it)."""


def find_in_document(
    document: Any,
    query: FindQuery,
    *,
    policy: SecretPolicy | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    limit: int = MATCH_LIMIT,
) -> FindResult:
    """Every entry of ``document`` whose key or value (as the tree shows it) contains the text.

    A value ``policy`` masks (under a secret key, or anything below the root of a secret file,
    until revealed) is not searched: a match would tell what the mask hides. Raises
    :class:`FindCancelledError` once ``cancelled()`` is true (checked every few thousand
    entries).
    """
    # The walk makes millions of short-lived tuples, none in a cycle: each would otherwise set
    # off a collection of the oldest generation (walking the whole 20 MB document with the
    # interpreter lock held, measured at 300-500 ms of frozen window).
    with collector_paused():
        return _find_in_document(document, query, policy, cancelled, limit)


def _find_in_document(
    document: Any,
    query: FindQuery,
    policy: SecretPolicy | None,
    cancelled: Callable[[], bool],
    limit: int,
) -> FindResult:
    if not query.text:
        return FindResult(query, ())
    matches = query.matcher()
    look_at_keys = query.scope is not FindScope.VALUES
    look_at_values = query.scope is not FindScope.KEYS
    hiding = policy is not None and not policy.revealed
    secret_file = hiding and policy is not None and policy.secret_file
    found: list[tuple[JsonKey, ...]] = []
    # (value, path, key, masked) — an explicit stack: documents nest deeper than recursion goes.
    stack: list[tuple[Any, tuple[JsonKey, ...], str | None, bool]] = [(document, (), None, False)]
    walked = 0
    while stack:
        value, path, key, masked = stack.pop()
        walked += 1
        if walked % _HAND_OVER_EVERY == 0:
            if cancelled():
                raise FindCancelledError
            time.sleep(0)  # let the GUI thread take the GIL now
        hit = look_at_keys and key is not None and matches(key)
        if isinstance(value, dict):
            members = list(value.items())
            for first, last in _slices_backwards(len(members)):
                stack.extend(
                    (
                        member,
                        (*path, name),
                        name,
                        masked or secret_file or (hiding and is_secret_key(name)),
                    )
                    for name, member in reversed(members[first:last])
                )
        elif isinstance(value, list):
            for first, last in _slices_backwards(len(value)):
                stack.extend(
                    (value[position], (*path, position), None, masked or secret_file)
                    for position in range(last - 1, first - 1, -1)
                )
        elif look_at_values and not hit and not masked:
            hit = matches(format_scalar(value))
        if hit:
            found.append(path)
            if len(found) >= limit:
                return FindResult(query, tuple(found), truncated=True)
    return FindResult(query, tuple(found))


def _slices_backwards(length: int) -> Iterator[tuple[int, int]]:
    """``(first, last)`` slices of ``range(length)``, the last slice first, handing the GIL
    over between two: a long array's members go on the walk's stack a slice at a time."""
    last = length
    while last > 0:
        first = max(last - _HAND_OVER_EVERY, 0)
        yield first, last
        last = first
        if last:
            time.sleep(0)  # let the GUI thread take the GIL now


@dataclass(frozen=True)
class TextMatch:
    """One occurrence in the raw text: ``start``/``end`` count UTF-16 units, as Qt's do."""

    start: int
    end: int


def find_in_text(
    text: str, query: FindQuery, *, limit: int = MATCH_LIMIT
) -> tuple[tuple[TextMatch, ...], bool]:
    """Where the text occurs in ``text`` (keys and values alike), and whether the list was cut.

    Positions are in UTF-16 code units, which is what a ``QTextCursor`` counts: a character
    beyond the Basic Multilingual Plane is one Python character but two Qt ones, and a CR LF
    two Python characters but one Qt line break. Every step
    (the scan and the counting) goes a chunk at a time, handing the interpreter lock over in
    between: a worker searching 20 MB must not hold it for more than a few milliseconds.
    """
    if not query.text:
        return (), False
    flags = 0 if query.case_sensitive else re.IGNORECASE
    pattern = re.compile(re.escape(query.text), flags)
    positions = _Utf16Positions(text)
    found: list[TextMatch] = []
    for start, end in _spans(pattern, text):
        found.append(TextMatch(positions.at(start), positions.at(end)))
        if len(found) >= limit:
            return tuple(found), True
    return tuple(found), False


_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")


class _Utf16Positions:
    """Converts indexes into a Python string to the positions a ``QTextDocument`` holding it
    has, counting a chunk at a time; indexes must be asked for in increasing order.

    A character beyond the BMP is two UTF-16 units; a CR LF is one line break (one position).
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._astral = not text.isascii()  # O(1): CPython knows it
        self._crlf = "\r" in text  # one memchr-fast scan: a few ms for 20 MB
        self._index = 0  # counted up to here
        self._shift = 0  # UTF-16 units minus characters (astral ones, CR LF pairs) before it

    def at(self, index: int) -> int:
        if not (self._astral or self._crlf):
            return index
        text = self._text
        while self._index < index:
            start, end = self._index, min(self._index + _TEXT_CHUNK, index)
            if self._astral:
                self._shift += len(_ASTRAL.findall(text, start, end))
            if self._crlf:  # the pairs whose LF is in [start, end): each LF is no position
                self._shift -= text.count("\r\n", max(start - 1, 0), end)
            self._index = end
            if end < index:
                time.sleep(0)  # let the GUI thread take the GIL now
        return index + self._shift


_TEXT_CHUNK: Final = 256 * 1024
"""Characters a regular expression scans in one go: ``re`` holds the interpreter lock for a
whole scan (a 20 MB one froze the window for 700 ms)."""


def _spans(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    """``pattern.finditer(text)``'s spans, scanned a chunk at a time (matches never overlap)."""
    position = 0
    overlap = max(len(pattern.pattern), 1)  # an escaped needle is at least as long as it
    while position < len(text):
        chunk_end = min(position + _TEXT_CHUNK, len(text))
        scan_end = min(chunk_end + overlap, len(text))
        next_position = chunk_end
        for match in pattern.finditer(text, position, scan_end):
            if match.start() >= chunk_end:
                break  # the next chunk finds it
            yield match.span()
            next_position = max(next_position, match.end())
        position = next_position
        time.sleep(0)  # let the GUI thread take the GIL now


# -- paths a person types ------------------------------------------------------------------------
class PathSyntaxError(ValueError):
    """The text is not a path this module reads."""


_DOTTED_STEP: Final = re.compile(
    r"\.?([^.\[\]]+)"  # .name (or a first name without the dot)
    r"|\[\s*(-?\d+)\s*\]"  # [2], [-1]
    r"|\[\s*(\"(?:[^\"\\]|\\.)*\")\s*\]"  # ["a key"], as JSON
    r"|\[\s*'((?:[^'\\]|\\.)*)'\s*\]"  # ['a key'], as JSONPath writes it
)


def parse_path(text: str) -> tuple[JsonKey, ...]:
    """The steps of a path: a JSON Pointer (``/a/0/b``, RFC 6901 with ``~0``/``~1``), a JSONPath
    (``$.a[0].b``, ``$['a b']``) or the tree's own form (``a[0].b``, ``["a b"]``, ``(root)``).

    JSON Pointer steps stay strings (``"0"``): whether one is an index depends on the document,
    which :func:`resolve_path` decides.
    """
    stripped = text  # not stripped: a key may begin or end with a space
    if stripped in ("", "(root)", "$", "#"):
        return ()
    if stripped.startswith("#/"):  # a URI fragment, as schemas write pointers
        stripped = stripped[1:]
    if stripped.startswith("/"):
        return tuple(part.replace("~1", "/").replace("~0", "~") for part in stripped[1:].split("/"))
    if stripped.startswith("$"):
        stripped = stripped[1:]
    steps: list[JsonKey] = []
    position = 0
    while position < len(stripped):
        match = _DOTTED_STEP.match(stripped, position)
        if match is None or match.end() == position:
            raise PathSyntaxError(f"cannot read the path at {stripped[position:]!r}")
        name, index, quoted, single = match.groups()
        if name is not None:
            steps.append(name)
        elif index is not None:
            steps.append(int(index))
        elif quoted is not None:
            steps.append(json.loads(quoted))
        else:
            steps.append(single.replace("\\'", "'").replace("\\\\", "\\"))
        position = match.end()
    return tuple(steps)


def resolve_path(document: Any, steps: tuple[JsonKey, ...]) -> tuple[JsonKey, ...]:
    """``steps`` as they apply to ``document`` (indexes as ints, keys as strings); raises
    ``LookupError`` naming the first step that is not there."""
    resolved: list[JsonKey] = []
    value = document
    for step in steps:
        if isinstance(value, list):
            try:
                index = int(step)
            except ValueError:
                raise LookupError(f"{step!r} is not an index of the array") from None
            if index < 0:
                index += len(value)  # JSONPath's [-1] is the last item
            if not 0 <= index < len(value):
                raise LookupError(f"the array has no item {step}")
            resolved.append(index)
            value = value[index]
        elif isinstance(value, dict):
            key = str(step)
            if key not in value:
                raise LookupError(f"no key {key!r}")
            resolved.append(key)
            value = value[key]
        else:
            raise LookupError(f"{step!r}: a {type(value).__name__} has no members")  # noqa: TRY004 - a path that is not there, like a missing key
    return tuple(resolved)


def json_pointer(path: tuple[JsonKey, ...]) -> str:
    """The RFC 6901 JSON Pointer of a path (``""`` for the root)."""
    return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in path)
