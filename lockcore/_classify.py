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

This module tells the kinds apart; what makes valid JSON non-standard is found by
``_nonstandard.py``, and whether a text Python refused is JSON all the same by
``_json_syntax.py``.
"""

from __future__ import annotations

import codecs
import enum
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from lockcore import _pieces
from lockcore._collector import collector_paused
from lockcore._json_pieces import loads_in_pieces
from lockcore._json_syntax import _longest_integer, _validate
from lockcore._nonstandard import (
    _PAUSE_COLLECTOR_CHARS,
    _WATCHFUL,
    _CloserLookNeededError,
    _Findings,
    _has_literal,
    _non_standard_findings,
    _non_standard_literals,
    _second_parse,
)

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
    if parse is json.loads:
        plain = _plain_check(data)
        if plain is not None:
            return plain
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
    try:
        text = _pieces.decode_utf8(data, len(codecs.BOM_UTF8) if has_bom else 0)
    except UnicodeDecodeError as error:
        return _not_utf8(data, error.start)
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


#: JSON's whitespace, all of it (what json.loads skips around a document).
_JSON_SPACE: Final = " \t\n\r"
#: The watchful decoder's C scanner itself (set by JSONDecoder.__init__; typeshed omits it).
_scan_watchfully: Final[Callable[[str, int], tuple[Any, int]]] = _WATCHFUL.scan_once  # type: ignore[attr-defined]


def _plain_check(data: bytes | str) -> JSONCheck | None:
    """The verdict on most stores -- a short object or array in UTF-8, without a byte order
    mark, plainly valid (:func:`_plainly_valid`) -- or None: then the full classification
    says what ``data`` is. Such bytes are neither wide text nor marked, so the full path
    would come to the decoded text's verdict too."""
    if isinstance(data, str):
        text = data
    elif data[:1] in _BYTE_OPENERS and len(data) < _PAUSE_COLLECTOR_CHARS:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    else:
        return None
    document = _plainly_valid(text)
    return None if document is _NOT_PLAIN else JSONCheck(JSONKind.VALID, document, text)


def _plainly_valid(text: str) -> Any:
    """The document of a short text that is plainly valid JSON -- an object or array, parsed
    whole by the watchful hooks without an alarm, and without the letters of ``NaN`` or
    ``Infinity`` -- else :data:`_NOT_PLAIN`: then the full classification says what it is.

    What the full path concludes for such a text too, without its steps (a parse through
    ``JSONDecoder.decode`` and its two whitespace matches, the literal search in pieces): a
    small store's classification took 2.6 µs, 1.7 of them json.loads; now 1.5 (issue 11 §6).
    Whatever does not fit (leading whitespace, a scalar, an error) is parsed again by the full
    path, so a refusal's reason and place stay its own.
    """
    if text[:1] not in _OPENERS or len(text) >= _PAUSE_COLLECTOR_CHARS:
        return _NOT_PLAIN
    try:
        document, end = _scan_watchfully(text, 0)
    except (_CloserLookNeededError, StopIteration, ValueError, RecursionError):
        return _NOT_PLAIN
    if end != len(text) and text[end:].strip(_JSON_SPACE):
        return _NOT_PLAIN
    if "NaN" in text or "Infinity" in text:
        return _NOT_PLAIN
    return document


_OPENERS: Final = frozenset("{[")
_BYTE_OPENERS: Final = frozenset((b"{", b"["))
#: :func:`_plainly_valid`'s "no" (None is a document).
_NOT_PLAIN: Final = object()


def _classify_text(text: str, parse: Parse, *, encoding: str, bom: bool) -> JSONCheck:
    # lockcore's own parses are watched by hooks (cheap) instead of searched afterwards (a
    # walk of the document and regular expressions over the text cost twice the parse).
    in_pieces = parse is loads_in_pieces
    watched = parse is json.loads or in_pieces
    try:
        if watched:
            try:
                if in_pieces:
                    document = loads_in_pieces(text, _WATCHFUL)
                elif len(text) < _PAUSE_COLLECTOR_CHARS:
                    document = _WATCHFUL.decode(text)
                else:
                    # The hooks' pair lists add garbage-collector passes to the millions of
                    # containers a big text makes; a parse makes no cycles to collect.
                    with collector_paused():
                        document = _WATCHFUL.decode(text)
                suspect = False
            except _CloserLookNeededError:
                document, suspect = parse(text), True
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
        findings = _second_parse(text, in_pieces=in_pieces) if suspect else _Findings()
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
