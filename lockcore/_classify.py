"""What a data file's bytes are: the one JSON classifier of lockcore and of programs around it.

lockcore reads and writes JSON as UTF-8 (a UTF-8 byte order mark is accepted). Everything else
a store can hold is told apart, in plain words, by :func:`classify_json`, a pure function:

* valid JSON -- and *non-standard* JSON, which Python reads but not faithfully, or JSON does
  not allow: the literals ``NaN``, ``Infinity`` and ``-Infinity`` (JavaScript, Go and jq reject
  them), numbers a double cannot hold (``1e999`` is read as infinity, ``1e-999`` as 0.0), and a
  key that occurs twice in one object (Python keeps only the last);
* UTF-8 text that is not JSON, with the line and column where it stops being JSON;
* valid JSON that this Python cannot turn into objects: an integer of more digits than
  ``sys.get_int_max_str_digits()``, nesting deeper than the recursion limit;
* UTF-16 or UTF-32 text (what Windows PowerShell 5 writes), found by its byte order mark or by
  the NUL bytes of ASCII characters, and other bytes that are not UTF-8 (Latin-1, binary).

Programs that show a store (a table of stores, an editor) classify with this function too, so
that they and lockcore never disagree about a file.
"""

from __future__ import annotations

import codecs
import enum
import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from lockcore._jsonedit import _gc_paused

Parse = Callable[[str], Any]
"""A drop-in for ``json.loads`` on a text: the same result and the same errors (for example one
that lets other threads run while it parses a big document)."""

_WIDE_FIRST_BYTES: Final = frozenset((b"\xff", b"\xfe", b"\0"))
_JSON_STARTS: Final = frozenset('{["-0123456789tfnNI')

# Byte order marks, longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class JSONKind(enum.Enum):
    """The verdict on a data file's bytes."""

    VALID = "valid JSON"
    NON_STANDARD = "non-standard JSON"  # parsed, but JSON or a double cannot carry it all
    INVALID = "invalid JSON"  # UTF-8 text, not JSON
    TOO_LARGE_OR_DEEP = "valid JSON, too large or deep for Python"
    OTHER_UNICODE = "UTF-16 or UTF-32 text"  # not UTF-8: lockcore does not read it
    NOT_UTF8 = "not UTF-8"  # Latin-1, binary, ...

    @property
    def parsed(self) -> bool:
        """Whether the document was parsed (``JSONCheck.document`` holds it)."""
        return self in (JSONKind.VALID, JSONKind.NON_STANDARD)


# Not frozen: a frozen dataclass pays object.__setattr__ per field, which doubled the cost of
# classifying a small document. Treat it as a snapshot all the same.
@dataclass(slots=True)
class JSONCheck:
    """What :func:`classify_json` found."""

    kind: JSONKind
    #: the parsed document when ``kind.parsed``, else None
    document: Any = None
    #: the text: exact for UTF-8 (without its byte order mark), decoded from UTF-16/32, and with
    #: U+FFFD for bytes that are not UTF-8 (for showing only: never write it back)
    text: str = ""
    #: the codec of the text: "utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", or
    #: "" when the bytes are not Unicode text that could be recognised
    encoding: str = "utf-8"
    #: whether the bytes begin with a byte order mark
    bom: bool = False
    #: plain words, without the file's name: why it is not valid JSON, or "valid JSON"
    reason: str = "valid JSON"
    #: the problem alone, without where it is: the parser's own words ("Expecting ','
    #: delimiter"), "byte 0xe9 is not UTF-8 text", what is too large; "" when there is none
    problem: str = ""
    #: where the problem is (counted from 1; ``offset`` from 0 in the bytes or text classified)
    line: int | None = None
    column: int | None = None
    offset: int | None = None
    #: the non-standard literals found ("NaN", "Infinity", "-Infinity")
    non_standard: tuple[str, ...] = ()
    #: number literals a double cannot hold, as spelt ("1e999", "-1e999", "1e-999"): Python
    #: reads them as ±Infinity or 0.0
    out_of_range: tuple[str, ...] = ()
    #: keys that occur more than once in one object (Python keeps the last occurrence)
    duplicate_keys: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """A few words for a table cell: "valid JSON", "UTF-16 text", "not UTF-8", ..."""
        if self.kind is JSONKind.OTHER_UNICODE:
            return f"{self.encoding[:6].upper()} text"
        return str(self.kind.value)


def classify_json(data: bytes | str, *, parse: Parse = json.loads) -> JSONCheck:
    """Classify a data file's bytes (or a text already decoded) without touching any file.

    Never raises for anything ``data`` holds. ``parse`` replaces ``json.loads`` for the parse
    itself (see :data:`Parse`).
    """
    if isinstance(data, str):
        return _classify_text(data, parse, encoding="utf-8", bom=False)
    if data[:1] in _WIDE_FIRST_BYTES or data[1:2] == b"\0":  # cheap test for the common case
        for bom, encoding in _BOMS:
            if data.startswith(bom) and _starts_like_json(data[len(bom) :], encoding):
                return _other_unicode(data[len(bom) :], encoding, bom=True)
        wide = _wide_encoding(data)
        if wide is not None:
            return _other_unicode(data, wide, bom=False)
    has_bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if has_bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return _not_utf8(data, len(data) - len(body) + error.start)
    return _classify_text(text, parse, encoding="utf-8", bom=has_bom)


def _wide_encoding(data: bytes) -> str | None:
    """UTF-16/32 without a byte order mark, by the NUL bytes around the first character.

    A JSON text begins with an ASCII character (RFC 4627 §3 detects the encoding the same way);
    in UTF-8 it has no NUL byte there.
    """
    head = data[:4]
    if len(head) < 2 or 0 not in head[:2]:
        return None
    if len(head) == 4 and head[:3] == b"\0\0\0" and head[3]:
        encoding = "utf-32-be"
    elif len(head) == 4 and head[0] and head[1:] == b"\0\0\0":
        encoding = "utf-32-le"
    elif head[0] == 0 and head[1]:
        encoding = "utf-16-be"
    elif head[0] and head[1] == 0:
        encoding = "utf-16-le"
    else:
        return None
    return encoding if _starts_like_json(data, encoding) else None


def _starts_like_json(data: bytes, encoding: str) -> bool:
    # Binary data may begin with a NUL or a byte order mark too: only text that starts like
    # JSON is called UTF-16 or UTF-32.
    start = data[:256].decode(encoding, errors="replace").lstrip(" \t\r\n")
    return bool(start) and start[0] in _JSON_STARTS


def _other_unicode(body: bytes, encoding: str, *, bom: bool) -> JSONCheck:
    text = body.decode(encoding, errors="replace")
    how = "with" if bom else "without"
    name = encoding[:6].upper()
    return JSONCheck(
        JSONKind.OTHER_UNICODE,
        text=text,
        encoding=encoding,
        bom=bom,
        reason=(
            f"{name} text ({encoding[-2:].upper()}, {how} a byte order mark), not UTF-8: "
            "JSON stores are read and written as UTF-8"
        ),
    )


def _not_utf8(data: bytes, offset: int) -> JSONCheck:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return JSONCheck(
        JSONKind.NOT_UTF8,
        text=data.decode("utf-8", errors="replace"),
        encoding="",
        bom=data.startswith(codecs.BOM_UTF8),
        reason=(
            f"not UTF-8 text: byte 0x{data[offset]:02x} at line {line}, column {column} "
            "(Latin-1, another code page, or binary data)"
        ),
        problem=f"byte 0x{data[offset]:02x} is not UTF-8 text",
        line=line,
        column=column,
        offset=offset,
    )


def _classify_text(text: str, parse: Parse, *, encoding: str, bom: bool) -> JSONCheck:
    watched = parse is json.loads
    try:
        if watched:
            try:
                if len(text) < _PAUSE_COLLECTOR_CHARS:
                    document = _WATCHFUL.decode(text)
                else:
                    # The hooks' pair lists add garbage-collector passes to the millions of
                    # containers a big text makes; a parse makes no cycles to collect.
                    with _gc_paused():
                        document = _WATCHFUL.decode(text)
                suspect = False
            except _CloserLookNeededError:
                document, suspect = json.loads(text), True
        else:
            document = parse(text)
    except json.JSONDecodeError as error:
        return _invalid(text, encoding, bom, error.msg, error.pos)
    except (RecursionError, ValueError) as error:
        # Too deep for the parser's recursion, or an integer longer than this Python converts
        # (sys.get_int_max_str_digits): maybe valid JSON all the same.
        return _beyond_python(text, encoding, bom, error)
    findings: _Findings | None = None
    if not watched:
        findings = _non_standard_findings(text, document)
    elif suspect or _has_literal(text):  # else nothing to look for: the common case, kept short
        findings = _second_parse(text) if suspect else _Findings()
        findings.literals = _non_standard_literals(text, document) if _has_literal(text) else ()
    if findings:
        return JSONCheck(
            JSONKind.NON_STANDARD,
            document,
            text,
            encoding,
            bom,
            reason=f"non-standard JSON: {findings.describe()}",
            problem=findings.describe(),
            non_standard=findings.literals,
            out_of_range=findings.out_of_range,
            duplicate_keys=findings.duplicate_keys,
        )
    return JSONCheck(JSONKind.VALID, document, text, encoding, bom)


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
    colons = text.count(":")  # every key is followed by one: an upper bound of the keys
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
    findings = _second_parse(text)
    findings.literals = literals
    return findings


def _has_literal(text: str) -> bool:
    return "NaN" in text or "Infinity" in text  # "-Infinity" contains "Infinity"


def _exponent_or_run(text: str) -> bool:
    """Whether ``text`` may spell a number out of a double's range: an exponent of 3 digits
    or more, or a run of 300 digits."""
    return (
        _BIG_EXPONENT.search(text) is not None
        or _ZERO_RUN in text
        or _DIGIT_RUN.search(text) is not None
    )


_BIG_EXPONENT: Final = re.compile(r"[0-9][eE][-+]?[0-9]{3}")
_DIGIT_RUN: Final = re.compile(r"[1-9][0-9]{299}")


def _fewer_entries_than_keys(text: str, entries: int) -> bool:
    """Whether the text may hold more keys than the document has entries (a duplicate).

    The text has more colons than entries: tell keys' colons from those in strings by the
    usual spellings (``"key":``, ``"key" :``); any other spacing is checked by the parse.
    """
    keys = text.count('":') + text.count('" :')
    return keys != entries or _ODD_KEY_SPACING.search(text) is not None


_ODD_KEY_SPACING: Final = re.compile(r'"(?:[\t\r\n]| [ \t\r\n])[ \t\r\n]*:')


def _walk_containers(document: Any) -> tuple[int, bool, bool]:
    """(entries of all objects, whether a float is ±inf, whether one may be 0.0).

    Without recursion, and with one C-speed look per container at the types it holds, so
    that a document of scalars costs a few steps whatever its size.
    """
    entries, infinite, zero = 0, False, False
    pending = [document]
    while pending:
        value = pending.pop()
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


def _second_parse(text: str) -> _Findings:
    """Parse again, seeing each float's literal and each object's keys: which literals leave a
    double's range and which keys occur twice in one object."""
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
    return tuple(literal for literal in found_literals if literal.lstrip("-") in text)


def _invalid(text: str, encoding: str, bom: bool, message: str, offset: int) -> JSONCheck:
    line, column = _line_and_column(text, offset)
    return JSONCheck(
        JSONKind.INVALID,
        text=text,
        encoding=encoding,
        bom=bom,
        reason=f"not valid JSON: {message} at line {line}, column {column}",
        problem=message,
        line=line,
        column=column,
        offset=offset,
    )


def _line_and_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _beyond_python(text: str, encoding: str, bom: bool, error: Exception) -> JSONCheck:
    """Python refused a text: say whether it is valid JSON all the same, and what is too big."""
    verdict = _validate(text)
    if isinstance(verdict, tuple):
        message, offset = verdict
        return _invalid(text, encoding, bom, message, offset)
    limit = sys.get_int_max_str_digits()
    longest = _longest_integer(text, limit)
    if longest is not None:
        offset, digits = longest
        line, column = _line_and_column(text, offset)
        what = f"an integer of {digits:,} digits (Python parses at most {limit:,})"
    elif isinstance(error, RecursionError):
        offset = verdict.deepest_at
        line, column = _line_and_column(text, offset)
        what = f"nesting {verdict.depth:,} levels deep (more than Python's recursion allows)"
    else:
        offset, line, column = 0, 1, 1
        what = str(error)
    return JSONCheck(
        JSONKind.TOO_LARGE_OR_DEEP,
        text=text,
        encoding=encoding,
        bom=bom,
        reason=f"valid JSON, but too large or deep for Python: {what} at line {line}, "
        f"column {column}",
        problem=what,
        line=line,
        column=column,
        offset=offset,
    )


def _longest_integer(text: str, limit: int) -> tuple[int, int] | None:
    """Where the first integer Python refuses starts, and its digits; None if none is."""
    if not limit:
        return None
    found = re.search(rf"(?<![\d.eE+-])-?\d{{{limit + 1},}}", text)
    if found is None:
        return None
    digits = found.end() - found.start() - (text[found.start()] == "-")
    return found.start(), digits


@dataclass(frozen=True)
class _Depth:
    depth: int
    deepest_at: int


_WHITESPACE: Final = re.compile(r"[ \t\n\r]*")
_scanstring: Final = json.decoder.scanstring  # type: ignore[attr-defined]  # C, undeclared
_NUMBER: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LITERAL: Final = re.compile(r"true|false|null|NaN|-?Infinity")


def _validate(text: str) -> _Depth | tuple[str, int]:  # noqa: PLR0911, PLR0912 - a grammar
    """Check JSON syntax without building values or recursing: how deep it goes, or
    ``(message, offset)`` where it stops being JSON. Used only when Python refused the text."""
    stack: list[str] = []  # "{" or "["
    deepest, deepest_at = 0, 0
    position = _WHITESPACE.match(text, 0).end()  # type: ignore[union-attr]
    expect_value = True
    while True:
        if expect_value:
            char = text[position : position + 1]
            if char in ("{", "["):
                stack.append(char)
                if len(stack) > deepest:
                    deepest, deepest_at = len(stack), position
                position = _WHITESPACE.match(text, position + 1).end()  # type: ignore[union-attr]
                closing = "}" if char == "{" else "]"
                if text[position : position + 1] == closing:
                    stack.pop()
                    position += 1
                    expect_value = False
                elif char == "{":
                    after_key = _key(text, position)
                    if isinstance(after_key, tuple):
                        return after_key
                    position = after_key
                continue
            if char == '"':
                after_string = _string_end(text, position)
                if isinstance(after_string, tuple):
                    return after_string
                position = after_string
            else:
                match = _NUMBER.match(text, position) or _LITERAL.match(text, position)
                if match is None:
                    return "Expecting value", position
                position = match.end()
            expect_value = False
            continue
        position = _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
        if not stack:
            if position != len(text):
                return "Extra data", position
            return _Depth(deepest, deepest_at)
        char = text[position : position + 1]
        if char == ",":
            position = _WHITESPACE.match(text, position + 1).end()  # type: ignore[union-attr]
            if stack[-1] == "{":
                after_key = _key(text, position)
                if isinstance(after_key, tuple):
                    return after_key
                position = after_key
            expect_value = True
        elif char == ("}" if stack[-1] == "{" else "]"):
            stack.pop()
            position += 1
        else:
            return "Expecting ',' delimiter", position


def _key(text: str, position: int) -> int | tuple[str, int]:
    """Where the value after ``"key" :`` begins, or ``(message, offset)`` of what is wrong."""
    if text[position : position + 1] != '"':
        return "Expecting property name enclosed in double quotes", position
    after_string = _string_end(text, position)
    if isinstance(after_string, tuple):
        return after_string
    position = _WHITESPACE.match(text, after_string).end()  # type: ignore[union-attr]
    if text[position : position + 1] != ":":
        return "Expecting ':' delimiter", position
    return _WHITESPACE.match(text, position + 1).end()  # type: ignore[union-attr]


def _string_end(text: str, position: int) -> int | tuple[str, int]:
    """Where the string starting at ``position`` (its quote) ends, or where and why it breaks:
    json's own string scanner, so that its words and places are json.loads's."""
    try:
        return int(_scanstring(text, position + 1, True)[1])
    except json.JSONDecodeError as error:
        return error.msg, error.pos
