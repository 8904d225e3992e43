"""Parsing big JSON texts a piece at a time with the stdlib's C scanner, so that no single C call
holds the GIL for long: :func:`loads_in_pieces`, and the probe-then-walk steps the format-keeping
editor (``_jsonedit.py``) scans containers with. :data:`PROBE_CHARS` decides what is parsed in
one call (tests lower it through this module)."""

from __future__ import annotations

import json
import json.decoder
import json.encoder
import json.scanner
import re
import time
from collections.abc import Callable
from typing import Any

from lockcore._collector import collector_paused

# The C scanner behind json.loads: one value from an offset -> (value, end offset). typeshed
# types make_scanner as the class it is in pure Python and omits scanstring.
_SCAN: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    json.JSONDecoder()  # type: ignore[arg-type]
)
_SCAN_STRING: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_WHITESPACE = re.compile(r"[ \t\n\r]*")


PROBE_CHARS = 64 * 1024
"""A container longer than this is walked member by member, never parsed in one C call."""
_HAND_OVER_EVERY = 1024
"""Members between two ``time.sleep(0)``, which hands the GIL to other threads for sure."""


def loads_in_pieces(text: str, decoder: json.JSONDecoder | None = None) -> Any:
    """``json.loads(text)`` (or ``decoder.decode(text)``), letting other threads run while it
    parses a big text.

    The C scanner parses one member at a time; containers too big for one probe are walked
    member by member, and the GIL is handed over every 1,024 members, so no single call holds
    it for long (an application's GUI thread waits for it while a worker saves). The result is
    what ``json.loads`` returns (same scanner; for a duplicate key the last value, at the first
    key's place); on anything unexpected it defers to ``json.loads``, whose error is then raised.
    A ``decoder``'s hooks (``parse_float``, ``object_pairs_hook``, ...) are called as its own
    ``decode`` calls them, also for the big objects walked here; what they raise is raised.
    """
    scan: _Scan = _SCAN
    pairs_hook: _PairsHook = dict
    if decoder is not None:
        scan = json.scanner.make_scanner(decoder)  # type: ignore[arg-type]
        if decoder.object_pairs_hook is not None:
            pairs_hook = decoder.object_pairs_hook
    try:
        with collector_paused():
            position = _skip(text, 0)
            value, position = _piece(text, position, scan, pairs_hook, PROBE_CHARS)
        if _skip(text, position) == len(text):
            return value
    except (StopIteration, ValueError, IndexError, RecursionError):
        pass
    return json.loads(text) if decoder is None else decoder.decode(text)


def _skip(text: str, position: int) -> int:
    return _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]


_Scan = Callable[[str, int], tuple[Any, int]]
_PairsHook = Callable[[list[tuple[str, Any]]], Any]  # dict, or a decoder's hook


def _piece(
    text: str, position: int, scan: _Scan, pairs_hook: _PairsHook, limit: int
) -> tuple[Any, int]:
    opening = text[position]
    if opening not in "{[":
        return scan(text, position)
    probed = _probe(scan, text, position, limit)
    if probed is None:  # too big for a probe: walk it
        return _walk(text, position + 1, scan, pairs_hook, is_object=opening == "{")
    return probed


def _probe(scan: _Scan, text: str, position: int, limit: int) -> tuple[Any, int] | None:
    """(the object or array at ``position``, where it ends), parsed in one C call if it is no
    longer than PROBE_CHARS, else None.

    Tried on a slice of ``limit`` characters first (about twice its previous sibling: siblings
    tend to be alike, and copying a slice costs little next to parsing it), then on one of
    PROBE_CHARS. Parsing from the text itself would parse a value of any size in one call.
    """
    for size in (limit, PROBE_CHARS) if limit < PROBE_CHARS else (PROBE_CHARS,):
        try:
            value, length = scan(text[position : position + size], 0)
        except (StopIteration, ValueError):  # it does not end in the slice
            continue
        return value, position + length
    return None


def _next_limit(sibling_length: int) -> int:
    """The first probe's size for a member after a sibling of ``sibling_length``."""
    return min(PROBE_CHARS, 2 * sibling_length + 256)


def _walk(
    text: str, position: int, scan: _Scan, pairs_hook: _PairsHook, *, is_object: bool
) -> tuple[Any, int]:
    """The object or array whose first member (or closer) is at or after ``position``."""
    closer = "}" if is_object else "]"
    # An object is built as a dict at once, or for a decoder's own hook from its (key, value)
    # pairs, as the scanner does.
    members: Any = {} if is_object and pairs_hook is dict else []
    add_pair = members.__setitem__ if isinstance(members, dict) else None
    position = _skip(text, position)
    if text[position] == closer:
        return (pairs_hook(members) if is_object and add_pair is None else members), position + 1
    limit, count = PROBE_CHARS, 0
    while True:
        if is_object:
            if text[position] != '"':
                raise ValueError("not JSON")
            key, position = _SCAN_STRING(text, position + 1)
            position = _skip(text, position)
            if text[position] != ":":
                raise ValueError("not JSON")
            position = _skip(text, position + 1)
        start = position
        value, position = _piece(text, start, scan, pairs_hook, limit)
        limit = _next_limit(position - start)
        if add_pair is not None:
            add_pair(key, value)
        else:
            members.append((key, value) if is_object else value)
        count += 1
        if count % _HAND_OVER_EVERY == 0:
            time.sleep(0)
        position = _skip(text, position)
        if text[position] == closer:
            if is_object and add_pair is None:
                return pairs_hook(members), position + 1
            return members, position + 1
        if text[position] != ",":
            raise ValueError("not JSON")
        position = _skip(text, position + 1)
