"""Parsing a store's bytes or text for the pane: pure functions, no I/O, no Qt.

The verdict on the bytes is lockcore's (:func:`lockcore.classify_json`), the one the store table
shows too, so that the table and the pane never disagree about a file; this module turns it into
what the pane shows and edits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Final

from inspector.collector import collector_paused
from inspector.display import printable_name
from inspector.document.results import NO_DOCUMENT, DocumentKind, LoadedDocument, ParseError
from inspector.document.secrets import SecretPolicy, has_secrets, is_secret_file, is_secret_key
from inspector.document.text import LONG_LINE_CHARS, has_long_line
from inspector.document.yielding_json import loads_yielding
from lockcore import (
    JSONCheck,
    JSONKind,
    classify_json,
    find_duplicate_keys,
    number_spellings,
)

DEFAULT_SIZE_LIMIT: Final = 64 * 1024 * 1024
"""Files larger than this open as read-only raw text (no tree, no editing).

A 20 MB document opens in the tree in well under a second; past 64 MB the parsed document alone
would take over a gigabyte of memory.
"""

YIELDING_PARSE_CHARS: Final = 256 * 1024
"""Texts longer than this are parsed so that other threads (the GUI) keep running meanwhile."""

INLINE_SECRETS_CHECK_CHARS: Final = 1024 * 1024
INLINE_SPELLINGS_CHARS: Final = 1024 * 1024
"""Texts up to this size are searched for numbers spelt otherwise than Python writes them
(``1.50``) as they load; a bigger one after it is shown (the search walks the containers on
the way to each such number in Python: ~2.5 s for 10 MB with a respelt number in every
record, benchmarks/bench_spellings.py), see ``DocumentService.load``."""
"""Up to this size a load says whether the document has secrets; past it, a second step does."""

RAW_EDIT_LIMIT: Final = 1024 * 1024
"""Documents longer than this (bytes) are shown read-only as the file's text: edit the tree."""

_KEY: Final = re.compile(r'"((?:[^"\\\n]|\\.)*)"\s*:')


def parse_text(text: str) -> Any:
    """``json.loads(text)``; long texts are parsed so that other threads keep running (see
    :mod:`yielding_json`)."""
    if len(text) <= YIELDING_PARSE_CHARS:
        return json.loads(text)
    # Parsing makes a million containers; frozen afterwards, the collector never walks the
    # document (see inspector.collector).
    with collector_paused(freeze=True):
        return loads_yielding(text)


def parse_json_text(text: str) -> tuple[Any, ParseError | None]:
    """``(document, None)`` for valid JSON, else ``(NO_DOCUMENT, where and why it failed)``."""
    check = classify_json(text, parse=parse_text)
    if check.kind.parsed:
        return check.document, None
    return NO_DOCUMENT, _parse_error(check)


def _parse_error(check: JSONCheck) -> ParseError:
    return ParseError(check.problem, check.line or 1, check.column or 1, check.offset or 0)


def detect_indent(text: str) -> int | None:
    """The indentation the file uses (``None`` for compact one-line JSON).

    Looks at the first lines only: splitting a 20 MB text into lines would cost a fifth of
    parsing it.
    """
    start = text.find("\n")
    for _ in range(1000):
        if start < 0:
            break
        end = text.find("\n", start + 1)
        line = text[start + 1 : end if end >= 0 else len(text)]
        stripped = line.lstrip(" ")
        if stripped and len(stripped) != len(line):
            return len(line) - len(stripped)
        if line.startswith("\t"):
            break
        start = end
    return None if "\n" not in text.strip() else 2


def check_secrets(
    document: Any, path: str, *, superseded: Callable[[], bool] | None = None
) -> bool:
    """Whether some value of ``document`` (read from ``path``) is secret, revealed or not;
    ``superseded`` stops a long walk early (see :func:`has_secrets`)."""
    policy = SecretPolicy(secret_file=is_secret_file(path))
    return has_secrets(document, policy, superseded=superseded)


def text_has_secret_keys(text: str, piece: int = 128 * 1024, overlap: int = 512) -> bool:
    """Whether a JSON text (maybe cut short) has a key that names a secret.

    Searched a piece at a time (overlapping, so that a key across two pieces is still seen):
    one regular-expression search over megabytes would hold the GIL for tens of milliseconds.
    """
    keys: set[str] = set()
    for start in range(0, max(len(text), 1), piece):
        keys.update(_KEY.findall(text, start, start + piece + overlap))
    return any(is_secret_key(key) for key in keys)


def classify_bytes(path: str, raw: bytes, mtime: float | None = None) -> LoadedDocument:
    """What the bytes read from ``path`` are, as lockcore and the store table judge them."""
    name = printable_name(path)
    check = classify_json(raw, parse=parse_text)
    text = check.text
    if check.kind.parsed:
        return _valid(path, raw, check, mtime)
    error = _parse_error(check) if check.line is not None else None
    if check.kind is JSONKind.INVALID:
        kind = DocumentKind.CORRUPT
        message = f"{name} is not valid JSON ({_parse_error(check).describe()})."
    elif check.kind is JSONKind.TOO_LARGE_OR_DEEP:
        kind = DocumentKind.TOO_COMPLEX
        message = (
            f"{name} is {DocumentKind.TOO_COMPLEX.value}: {check.problem} (line {check.line}, "
            f"column {check.column}). Shown read-only."
        )
    else:  # UTF-16/32, Latin-1, binary: shown as read, never edited as if it were UTF-8
        kind = DocumentKind.NOT_UTF8
        message = f"{name} is {check.reason}."
    return LoadedDocument(
        path,
        kind,
        raw=raw,
        text=text,
        size=len(raw),
        mtime=mtime,
        error=error,
        message=message,
        long_lines=has_long_line(text),
        encoding=check.encoding,
        bom=check.bom,
        not_utf8=check.reason if kind is DocumentKind.NOT_UTF8 else "",
        problem=check.problem if kind is not DocumentKind.NOT_UTF8 else "",
    )


def indented_display_text(raw: bytes, text: str, document: Any, indent: int | None) -> str | None:
    """The text the raw view shows for a compact document with long lines that can still be
    edited as text: the document indented (saved compact again); None when the file's own text
    is shown."""
    if indent is None and LONG_LINE_CHARS < len(raw) <= RAW_EDIT_LIMIT and has_long_line(text):
        return json.dumps(document, indent=2, ensure_ascii=False)
    return None


def _valid(path: str, raw: bytes, check: JSONCheck, mtime: float | None) -> LoadedDocument:
    text, document = check.text, check.document
    secrets = check_secrets(document, path) if len(text) <= INLINE_SECRETS_CHECK_CHARS else None
    indent = detect_indent(text)
    display_text = indented_display_text(raw, text, document, indent)
    # Looked for here, on the loader's thread: a text that long is shown read-only with its
    # long lines cut, and looking (a split of 20 MB) took ~90 ms of the GUI thread.
    long_lines = has_long_line(text) if len(raw) > RAW_EDIT_LIMIT else None
    return LoadedDocument(
        path,
        DocumentKind.VALID,
        raw=raw,
        text=text,
        document=document,
        size=len(raw),
        mtime=mtime,
        indent=indent,
        secrets=secrets,
        display_text=display_text,
        long_lines=long_lines,
        bom=check.bom,
        non_standard=check.reason if check.kind is JSONKind.NON_STANDARD else "",
        # Walks the text in Python: only when the verdict found repeated keys.
        duplicate_keys=tuple(find_duplicate_keys(raw)) if check.duplicate_keys else (),
        number_spellings=(
            tuple(number_spellings(text).items()) if len(text) <= INLINE_SPELLINGS_CHARS else None
        ),
    )
