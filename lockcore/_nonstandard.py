"""What makes valid JSON non-standard, found cheaply: the literals NaN, Infinity and -Infinity,
numbers a double cannot hold (1e999, 1e-999) and keys repeated in one object. A watchful parse
notices the last two through hooks that raise; only then is the text parsed a second time to
name them (see :func:`lockcore._classify.classify_json`)."""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from typing import Any, Final

from lockcore import _pieces
from lockcore._json_pieces import loads_in_pieces


@dataclass(slots=True)
class _Findings:
    literals: tuple[str, ...] = ()
    out_of_range: tuple[str, ...] = ()
    too_large: bool = False
    too_small: bool = False
    duplicate_keys: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.literals or self.out_of_range or self.duplicate_keys)

    def describe(self) -> str:
        parts = []
        if self.literals:
            parts.append(f"{', '.join(self.literals)} (not JSON; other programs reject it)")
        if self.out_of_range:
            sizes = " or ".join(
                word
                for word, found in (("large", self.too_large), ("small", self.too_small))
                if found
            )
            read_as = " or ".join(
                word
                for word, found in (("±Infinity", self.too_large), ("0.0", self.too_small))
                if found
            )
            shown = ", ".join(_shorten(literal) for literal in self.out_of_range[:3])
            more = ", ..." if len(self.out_of_range) > 3 else ""
            parts.append(
                f"numbers too {sizes} for a double ({shown}{more}: Python reads them as {read_as})"
            )
        if self.duplicate_keys:
            keys = ", ".join(json.dumps(key, ensure_ascii=False) for key in self.duplicate_keys[:3])
            more = ", ..." if len(self.duplicate_keys) > 3 else ""
            word = "key" if len(self.duplicate_keys) == 1 else "keys"
            parts.append(f"duplicate {word} {keys}{more} (Python programs read only the last one)")
        return "; ".join(parts)


def _shorten(literal: str) -> str:
    return literal if len(literal) <= 24 else f"{literal[:10]}…{literal[-10:]}"


_ZERO_RUN: Final = "0" * 300


_PAUSE_COLLECTOR_CHARS: Final = 64 * 1024
_HAND_OVER_EVERY: Final = 1024


class _CloserLookNeededError(Exception):
    """A hook of :data:`_WATCHFUL` saw a duplicate key or a float out of a double's range."""


def _pairs_or_alarm(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    built = dict(pairs)
    if len(built) != len(pairs):
        raise _CloserLookNeededError
    return built


def _float_or_alarm(literal: str) -> float:
    value = float(literal)
    if value in (math.inf, -math.inf) or (value == 0.0 and _mantissa_is_nonzero(literal)):
        raise _CloserLookNeededError
    return value


def _mantissa_is_nonzero(literal: str) -> bool:
    """Whether a float literal that reads as 0.0 spelt a nonzero number (``1e-999``)."""
    return _NONZERO_DIGIT.search(literal.partition("e")[0].partition("E")[0]) is not None


# json.loads with two stateless hooks that only raise: one Python call per object and per
# float literal (integers, strings and the rest stay in C). Measured with
# benchmarks/bench_classify.py; a walk of the parsed document instead cost 1.5-2x a parse.
_WATCHFUL: Final = json.JSONDecoder(object_pairs_hook=_pairs_or_alarm, parse_float=_float_or_alarm)


def _non_standard_findings(text: str, document: Any) -> _Findings:
    """What of ``document`` JSON or a double cannot carry faithfully, for a document another
    ``parse`` than json.loads read (no hooks in it).

    Cheap first: the document's containers are walked with C-speed steps per container
    (``set(map(type, ...))``, ``in``), and only when that walk finds a sign -- a non-finite or
    zero float, fewer entries than the text has colons -- is the text parsed a second time
    with hooks that see each number's literal and each object's keys.
    """
    colons = _pieces.count(text, ":")  # every key is followed by one: an upper bound of the keys
    if type(document) is dict and colons == len(document):
        # A flat object whose text has no colon but its keys' (the common settings store):
        # no duplicates; only its own values can be out of range.
        kinds = set(map(type, document.values()))
        entries = colons
        if list in kinds:
            entries, infinite, zero = _walk_containers(document)
        else:
            values = document.values()
            infinite = float in kinds and (math.inf in values or -math.inf in values)
            zero = float in kinds and 0.0 in values
    else:
        entries, infinite, zero = _walk_containers(document)
    literals = _non_standard_literals(text, document) if _has_literal(text) else ()
    maybe_overflow = infinite and (not literals or _exponent_or_run(text))
    maybe_underflow = zero and _exponent_or_run(text)
    maybe_duplicates = entries < colons and _fewer_entries_than_keys(text, entries)
    if not (maybe_overflow or maybe_underflow or maybe_duplicates):
        return _Findings(literals)
    findings = _second_parse(text, in_pieces=len(text) > _PAUSE_COLLECTOR_CHARS)
    findings.literals = literals
    return findings


def _has_literal(text: str) -> bool:
    # "-Infinity" contains "Infinity"
    return _pieces.contains(text, "NaN") or _pieces.contains(text, "Infinity")


def _exponent_or_run(text: str) -> bool:
    """Whether ``text`` may spell a number out of a double's range: an exponent of 3 digits
    or more, or a run of 300 digits."""
    return (
        _pieces.search(_BIG_EXPONENT, text)
        or _pieces.contains(text, _ZERO_RUN)
        or _pieces.search(_DIGIT_RUN, text)
    )


_BIG_EXPONENT: Final = re.compile(r"[0-9][eE][-+]?[0-9]{3}")
_DIGIT_RUN: Final = re.compile(r"[1-9][0-9]{299}")


def _fewer_entries_than_keys(text: str, entries: int) -> bool:
    """Whether the text may hold more keys than the document has entries (a duplicate).

    The text has more colons than entries: tell keys' colons from those in strings by the
    usual spellings (``"key":``, ``"key" :``); any other spacing is checked by the parse.
    """
    keys = _pieces.count(text, '":') + _pieces.count(text, '" :')
    return keys != entries or _pieces.search(_ODD_KEY_SPACING, text)


_ODD_KEY_SPACING: Final = re.compile(r'"(?:[\t\r\n]| [ \t\r\n])[ \t\r\n]*:')


def _walk_containers(document: Any) -> tuple[int, bool, bool]:
    """(entries of all objects, whether a float is ±inf, whether one may be 0.0).

    Without recursion, and with one C-speed look per container at the types it holds, so
    that a document of scalars costs a few steps whatever its size.
    """
    entries, infinite, zero = 0, False, False
    pending = [document]
    walked = 0
    while pending:
        value = pending.pop()
        walked += 1
        if walked % _HAND_OVER_EVERY == 0:
            time.sleep(0)  # hand the GIL over for sure (a GUI thread may wait for it)
        if type(value) is dict:
            entries += len(value)
            items: Any = value.values()
        elif type(value) is list:
            items = value
        else:
            if type(value) is float:
                infinite = infinite or math.isinf(value)
                zero = zero or value == 0.0
            continue
        kinds = set(map(type, items))
        if float in kinds:
            infinite = infinite or math.inf in items or -math.inf in items
            zero = zero or 0.0 in items  # also True for 0 and False: only a hint
        if dict in kinds or list in kinds:
            pending += [item for item in items if type(item) is dict or type(item) is list]
    return entries, infinite, zero


def _second_parse(text: str, *, in_pieces: bool = False) -> _Findings:
    """Parse again, seeing each float's literal and each object's keys: which literals leave a
    double's range and which keys occur twice in one object (``in_pieces``: letting other
    threads run meanwhile, see :func:`loads_in_pieces`)."""
    large: dict[str, None] = {}
    small: dict[str, None] = {}
    duplicates: dict[str, None] = {}

    def parse_float(literal: str) -> float:
        value = float(literal)
        if math.isinf(value):
            large[literal] = None
        elif value == 0.0 and _mantissa_is_nonzero(literal):
            small[literal] = None
        return value

    def object_from_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        built = dict(pairs)
        if len(built) != len(pairs):
            seen: set[str] = set()
            for key, _value in pairs:
                if key in seen:
                    duplicates[key] = None
                seen.add(key)
        return built

    decoder = json.JSONDecoder(parse_float=parse_float, object_pairs_hook=object_from_pairs)
    try:
        if in_pieces:
            loads_in_pieces(text, decoder)
        else:
            decoder.decode(text)
    except (ValueError, RecursionError):  # parsed once already: not expected, never fatal
        return _Findings()
    return _Findings(
        out_of_range=(*large, *small),
        too_large=bool(large),
        too_small=bool(small),
        duplicate_keys=tuple(duplicates),
    )


_NONZERO_DIGIT: Final = re.compile("[1-9]")


def _non_standard_literals(text: str, document: Any) -> tuple[str, ...]:
    """The non-finite numbers in ``document``, as JSON's neighbours spell them ("NaN", ...).

    Walked without recursion, in Python, so that a big document does not hold the GIL for a
    second parse.
    """
    found: dict[str, None] = {}
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, float):
            if value != value:  # noqa: PLR0124 - NaN is the one value unequal to itself
                found["NaN"] = None
            elif value in (math.inf, -math.inf):
                found["Infinity" if value > 0 else "-Infinity"] = None
        elif isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    found_literals = [literal for literal in ("NaN", "Infinity", "-Infinity") if literal in found]
    # An infinity read from 1e999 is not the literal: keep a literal only if the text has it.
    return tuple(
        literal for literal in found_literals if _pieces.contains(text, literal.lstrip("-"))
    )
