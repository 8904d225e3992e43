"""Parse JSON on a worker thread without holding the GIL for the whole document (no Qt).

``json.loads`` is one C call: it never lets another thread run, so while a worker parses a 20 MB
document the GUI thread cannot run a single Python slot and the window freezes for the whole
parse (about 0.4 s here). This parser walks the big containers of the document in Python and
hands every small value to the C scanner that ``json.loads`` itself uses; the interpreter can
switch threads between two values, so the longest pause is the parse of one small value.

Which containers are big is found out cheaply: the first member of a container (and any member
after a big sibling) is first parsed from a slice of :data:`PROBE_CHARS` characters; if it does
not fit, it is big and is walked in Python too. Members after a small sibling are parsed in one
call, on the bet that siblings are alike (records of an array, entries of a map); a single huge
value right after small siblings is parsed in one call, and so is a single huge string.

The result is exactly what ``json.loads`` returns (same scanner, same key order, last duplicate
key wins). On any error it defers to ``json.loads``, so that errors read exactly as before.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any, Final

PROBE_CHARS: Final = 64 * 1024
"""A value longer than this is walked member by member (parsing this much takes ~1 ms)."""

_HAND_OVER_EVERY: Final = 1024
"""Members between two ``time.sleep(0)``: the interpreter's own switching (every 5 ms) proved
not enough to let the GUI thread in under load; sleeping hands the GIL over for sure."""

_WHITESPACE: Final = re.compile(r"[ \t\n\r]*")
_DECODER: Final = json.JSONDecoder()
_scan_once: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]  # the C scanner, undeclared in typeshed
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]  # C, undeclared in typeshed


class _NotJsonError(ValueError):
    """The text is not JSON here; ``json.loads`` says precisely why."""


def loads_yielding(text: str) -> Any:
    """``json.loads(text)``, letting other threads run while it parses.

    Raises what ``json.loads`` raises (``json.JSONDecodeError``, ``RecursionError``).
    """
    try:
        position = _skip(text, 0)
        value, position = _value(text, position, big=True)
    except (_NotJsonError, StopIteration, json.JSONDecodeError, IndexError, RecursionError):
        return json.loads(text)  # the same verdict, worded as json.loads words it
    if _skip(text, position) != len(text):
        return json.loads(text)  # extra data after the value: json.loads says where
    return value


def _skip(text: str, position: int) -> int:
    return _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]  # "[ \t\n\r]*" matches anywhere


def _value(text: str, position: int, *, big: bool) -> tuple[Any, int]:
    """The value at ``position`` and where it ends; ``big``: it may well be big (probe it)."""
    opening = text[position : position + 1]
    if opening not in ("{", "["):
        return _scan_once(text, position)
    if big:
        try:
            value, length = _scan_once(text[position : position + PROBE_CHARS], 0)
        except (StopIteration, json.JSONDecodeError):
            pass  # does not fit in the probe (or is not JSON): walk it
        else:
            return value, position + length
        if opening == "{":
            return _object(text, position + 1)
        return _array(text, position + 1)
    return _scan_once(text, position)


def _object(text: str, position: int) -> tuple[dict[str, Any], int]:
    result: dict[str, Any] = {}
    position = _skip(text, position)
    if text[position : position + 1] == "}":
        return result, position + 1
    big = True  # the first member is probed
    while True:
        if text[position : position + 1] != '"':
            raise _NotJsonError
        key, position = _scanstring(text, position + 1)
        position = _skip(text, position)
        if text[position : position + 1] != ":":
            raise _NotJsonError
        start = _skip(text, position + 1)
        value, position = _value(text, start, big=big)
        big = position - start >= PROBE_CHARS
        result[key] = value
        if len(result) % _HAND_OVER_EVERY == 0:
            time.sleep(0)
        position = _skip(text, position)
        delimiter = text[position : position + 1]
        if delimiter == "}":
            return result, position + 1
        if delimiter != ",":
            raise _NotJsonError
        position = _skip(text, position + 1)


def _array(text: str, position: int) -> tuple[list[Any], int]:
    result: list[Any] = []
    position = _skip(text, position)
    if text[position : position + 1] == "]":
        return result, position + 1
    big = True
    while True:
        start = position
        value, position = _value(text, start, big=big)
        big = position - start >= PROBE_CHARS
        result.append(value)
        if len(result) % _HAND_OVER_EVERY == 0:
            time.sleep(0)
        position = _skip(text, position)
        delimiter = text[position : position + 1]
        if delimiter == "]":
            return result, position + 1
        if delimiter != ",":
            raise _NotJsonError
        position = _skip(text, position + 1)
