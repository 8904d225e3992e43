"""A store's bytes and its document, both ways, with no file touched: what lockcore accepts as a
store's JSON (:func:`parse_text`), the bytes a new document is written as (:func:`serialize`),
and the bytes an update leaves (:func:`render`, public as :func:`json_update_bytes`).

Apart from ``_json.py``'s locked reads, writes and updates because the app asks the same
questions without a lock (what a save will write, shown before it writes) and other lockcore
modules (``_replace``, ``_duplicates``) refuse what is not JSON the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any, Literal

from lockcore import _json_pieces, _json_write, _jsonedit
from lockcore._classify import classify_json
from lockcore._errors import CorruptJSONError, NonFiniteNumberError

KeepFormat = Literal["keep"]
#: Bigger files are parsed a member at a time (see parse_text).
PARSE_IN_PIECES_OVER = 1024 * 1024
#: Smaller objects are parsed by json.loads alone, and classified only when it refuses them.
PARSE_AT_ONCE_UNDER = 4096
NEW_FILE_INDENT = 2
#: The scanner json.loads runs (its default decoder's), and what it lets follow a document.
_scan_once: Any = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_JSON_WHITESPACE = " \t\n\r"


def parse(path: str, raw: bytes) -> Any:
    """The document in ``raw``, or CorruptJSONError saying what the bytes are instead."""
    return parse_text(path, raw)[0]


def parse_text(path: str, raw: bytes) -> tuple[Any, str]:
    """(the document in ``raw``, ``raw`` decoded without its BOM), or CorruptJSONError saying
    what the bytes are instead.

    Non-standard JSON (NaN, Infinity) is returned, as Python's json module and the reviewed
    module accept it. Valid JSON this Python cannot parse (an integer longer than
    ``sys.get_int_max_str_digits``, nesting deeper than the recursion limit), UTF-16 text and
    other bytes that are not UTF-8 are refused like invalid JSON: never overwritten unasked.
    """
    if len(raw) <= PARSE_AT_ONCE_UNDER and raw[:1] == b"{":
        # A small object parsed by json.loads is what the classification below would give
        # (its findings -- NaN, repeated keys -- do not change the document, and nobody reads
        # them here); only what json.loads refuses needs it, to say why. Half of a small
        # store's parse was the classification (issue 9 §6).
        try:
            text = raw.decode("utf-8")
            # json.loads(text) without its three Python wrappers (~100 bytecodes): the same C
            # scanner, then only JSON whitespace may follow.
            document, end = _scan_once(text, 0)
            if end == len(text) or not text[end:].strip(_JSON_WHITESPACE):
                return document, text
        except (UnicodeDecodeError, ValueError, RecursionError, StopIteration):
            pass
    # A big file is parsed a member at a time, so that other threads of the program (a GUI)
    # are not held up for the whole parse (json.loads holds the GIL: ~1 s at 50 MB).
    big = len(raw) > PARSE_IN_PIECES_OVER
    check = classify_json(raw, parse=_json_pieces.loads_in_pieces if big else json.loads)
    if not check.kind.parsed:
        raise CorruptJSONError(
            f"{path} is {check.reason}", path, lineno=check.line, colno=check.column
        )
    return check.document, check.text


def serialize(path: str, data: Any, indent: int | None, *, allow_nan: bool = False) -> bytes:
    try:
        return _json_write.serialize(data, indent, allow_nan=allow_nan)
    except _json_write.NonFiniteValueError as error:
        raise non_finite_error(path, error) from error


def non_finite_error(path: str, error: _json_write.NonFiniteValueError) -> NonFiniteNumberError:
    return NonFiniteNumberError(f"not written to {path}: {error}", path, location=error.location)


def json_update_bytes(
    original: bytes | None,
    document: Any,
    indent: int | KeepFormat | None = "keep",
    *,
    path: str | os.PathLike[str] = "<document>",
) -> bytes:
    """The bytes ``locked_update_json`` writes when the file holds ``original`` (None: no
    file) and the updater returns ``document``: ``original`` itself when nothing changes.

    Pure (no file is touched), for showing what a save will write before it does. Bytes that
    are not valid JSON are replaced as a quarantined file is (indent 2). Raises
    NonFiniteNumberError (its ``.path`` is ``path``) as the update would.
    """
    path = os.fspath(path)
    editable, text = None, None
    if original is not None:
        with contextlib.suppress(CorruptJSONError):
            text = parse_text(path, original)[1]
            editable = original
    return render(path, editable, document, indent, text=text)


def render(
    path: str,
    editable: bytes | None,
    document: Any,
    indent: int | KeepFormat | None,
    *,
    text: str | None = None,
) -> bytes:
    """The bytes the file is to hold: ``editable`` (the file's valid JSON, None when missing
    or corrupt) edited in place when ``indent`` is "keep", or the whole document anew.
    ``text``: ``editable`` decoded, when a parse has it (not decoded again)."""
    if editable is None:
        return serialize(path, document, NEW_FILE_INDENT if indent == "keep" else indent)
    try:
        if indent == "keep":
            return _jsonedit.apply_edit(editable, document, text)
        try:
            return _json_write.serialize(document, indent)
        except _json_write.NonFiniteValueError:
            # Refused only when the NaN/Infinity is new: one the file already has is kept.
            _jsonedit.apply_edit(editable, document, text)
            return _json_write.serialize(document, indent, allow_nan=True)
    except _json_write.NonFiniteValueError as error:
        raise non_finite_error(path, error) from error
