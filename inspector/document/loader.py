"""Reading a JSON store for display (blocking; the save service runs it on a worker thread).

The file's bytes are read directly, without the lock: a reader sees either the old or the new
contents because lockcore replaces files atomically, and a corrupt file must still be shown as
text (``lockcore.locked_read_json`` would only report it). Nothing here writes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import json
import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Final

from inspector.collector import collector_paused
from inspector.display import printable_name
from inspector.document.secrets import SecretPolicy, has_secrets, is_secret_file, is_secret_key
from inspector.document.yielding_json import loads_yielding
from inspector.regular_file import NotARegularFileError, open_regular

DEFAULT_SIZE_LIMIT: Final = 64 * 1024 * 1024
"""Files larger than this open as read-only raw text (no tree, no editing).

A 20 MB document opens in the tree in well under a second; past 64 MB the parsed document alone
would take over a gigabyte of memory.
"""

RAW_DISPLAY_LIMIT: Final = 4 * 1024 * 1024
"""At most this many bytes of a huge file are read and shown."""

YIELDING_PARSE_CHARS: Final = 256 * 1024
"""Texts longer than this are parsed so that other threads (the GUI) keep running meanwhile."""

INLINE_SECRETS_CHECK_CHARS: Final = 1024 * 1024
"""Up to this size a load says whether the document has secrets; past it, a second step does."""

RAW_EDIT_LIMIT: Final = 1024 * 1024
"""Documents longer than this (bytes) are shown read-only as the file's text: edit the tree."""

LONG_LINE_CHARS: Final = 10_000
"""A text line longer than this is laid out slowly by Qt's text view (a 1 MB line: seconds).
Compact JSON that can be edited as text is shown indented instead; read-only text is shown
with such lines shortened."""

_KEY: Final = re.compile(r'"((?:[^"\\\n]|\\.)*)"\s*:')


class _NoDocument:
    """The parsed document of a file that has none (missing, corrupt, too large)."""

    _instance: _NoDocument | None = None

    def __new__(cls) -> _NoDocument:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_DOCUMENT"

    def __reduce__(self) -> str:
        return "NO_DOCUMENT"


NO_DOCUMENT: Final = _NoDocument()


class DocumentKind(enum.Enum):
    """What was found at the path."""

    VALID = "valid JSON"
    MISSING = "missing"
    CORRUPT = "corrupt"  # bytes are text but not JSON
    NOT_UTF8 = "not UTF-8"  # bytes are not text; shown with replacement characters
    TOO_LARGE = "too large"  # over the size limit; raw, read-only
    UNREADABLE = "unreadable"  # permission denied, a directory, an I/O error

    @property
    def repairable(self) -> bool:
        """Whether the raw view may be edited into valid JSON and saved (with quarantine)."""
        return self in (DocumentKind.CORRUPT, DocumentKind.NOT_UTF8)


@dataclass(frozen=True)
class ParseError:
    """Where a text stops being JSON; ``line`` and ``column`` count from 1."""

    message: str
    line: int
    column: int
    offset: int

    def describe(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class LoadedDocument:
    """One read of a store: its bytes, its text and, when valid, its parsed document."""

    path: str
    kind: DocumentKind
    raw: bytes = b""
    text: str = ""
    document: Any = NO_DOCUMENT
    size: int = 0
    mtime: float | None = None
    error: ParseError | None = None
    message: str = ""  # plain words for anything that is not VALID
    indent: int | None = 2  # the file's own indentation, kept when saving
    truncated: bool = False
    #: a text that does not parse has a line too long to edit here (see LONG_LINE_CHARS)
    long_lines: bool = False
    #: the document indented for the raw view, when the file holds it as compact JSON on lines
    #: too long to show (saving still writes it compact, as the file has it)
    display_text: str | None = None
    #: whether some value is secret under the file's own rule (revealed or not); None: not
    #: known yet (big documents are checked after they are shown, see check_secrets)
    secrets: bool | None = False
    #: where the store's name points when it is a symbolic link (saving replaces the link)
    link_target: str | None = None

    @property
    def name(self) -> str:
        """The file's name, safe to show."""
        return printable_name(self.path)


def parse_json_text(text: str) -> tuple[Any, ParseError | None]:
    """``(document, None)`` for valid JSON, else ``(NO_DOCUMENT, where it failed)``.

    Long texts are parsed so that other threads keep running (see :mod:`yielding_json`).
    """
    try:
        if len(text) <= YIELDING_PARSE_CHARS:
            return json.loads(text), None
        # Parsing makes a million containers; frozen afterwards, the collector never walks
        # the document (see inspector.collector).
        with collector_paused(freeze=True):
            return loads_yielding(text), None
    except json.JSONDecodeError as exc:
        return NO_DOCUMENT, ParseError(exc.msg, exc.lineno, exc.colno, exc.pos)
    except RecursionError:
        return NO_DOCUMENT, ParseError("nested too deeply", 1, 1, 0)
    except ValueError as exc:
        return NO_DOCUMENT, _too_long_integer(text, exc)


def _too_long_integer(text: str, error: ValueError) -> ParseError:
    """Where the integer is that Python refused to convert (``sys.get_int_max_str_digits``):
    valid JSON, but lockcore refuses it as it refuses invalid JSON."""
    limit = sys.get_int_max_str_digits()
    found = re.search(rf"\d{{{limit + 1},}}", text) if limit else None
    if found is None:
        return ParseError(str(error), 1, 1, 0)
    offset = found.start()
    line_start = text.rfind("\n", 0, offset) + 1
    return ParseError(
        f"an integer of {found.end() - offset} digits, more than Python parses ({limit})",
        text.count("\n", 0, offset) + 1,
        offset - line_start + 1,
        offset,
    )


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


def check_secrets(document: Any, path: str) -> bool:
    """Whether some value of ``document`` (read from ``path``) is secret, revealed or not."""
    return has_secrets(document, SecretPolicy(secret_file=is_secret_file(path)))


def _text_has_secret_keys(text: str, piece: int = 128 * 1024, overlap: int = 512) -> bool:
    """Whether a JSON text (maybe cut short) has a key that names a secret.

    Searched a piece at a time (overlapping, so that a key across two pieces is still seen):
    one regular-expression search over megabytes would hold the GIL for tens of milliseconds.
    """
    keys: set[str] = set()
    for start in range(0, max(len(text), 1), piece):
        keys.update(_KEY.findall(text, start, start + piece + overlap))
    return any(is_secret_key(key) for key in keys)


def describe_size(size: int) -> str:
    """``"812 bytes"``, ``"4.2 KiB"``, ``"20.0 MiB"``: the table's units, in a sentence."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def load_document(path: str, size_limit: int = DEFAULT_SIZE_LIMIT) -> LoadedDocument:
    """Read and classify the store at ``path``; never raises for anything the file contains."""
    name = printable_name(path)
    try:
        with open_regular(path) as handle:
            stat = os.fstat(handle.fileno())
            if stat.st_size > size_limit:
                raw = handle.read(RAW_DISPLAY_LIMIT)
                return _too_large(path, raw, stat.st_size, stat.st_mtime, size_limit)
            raw = handle.readall()
    except FileNotFoundError:
        return LoadedDocument(
            path, DocumentKind.MISSING, message=f"{name} does not exist (any more)."
        )
    except NotARegularFileError as exc:
        message = f"{name} is {exc.kind}, not a file: there is nothing to show."
        return LoadedDocument(path, DocumentKind.UNREADABLE, message=message)
    except PermissionError:
        return LoadedDocument(
            path, DocumentKind.UNREADABLE, message=f"Permission denied: cannot read {name}."
        )
    except OSError as exc:
        return LoadedDocument(
            path,
            DocumentKind.UNREADABLE,
            message=f"Cannot read {name}: {exc.strerror or exc}.",
        )
    loaded = classify_bytes(path, raw, stat.st_mtime)
    with contextlib.suppress(OSError):  # not a link (EINVAL), or gone since
        loaded = dataclasses.replace(loaded, link_target=os.readlink(path))
    return loaded


def classify_bytes(path: str, raw: bytes, mtime: float | None = None) -> LoadedDocument:
    """Decode and parse bytes already read from ``path``."""
    name = printable_name(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8", errors="replace")
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        error = ParseError(
            f"byte 0x{raw[exc.start]:02x} is not UTF-8 text", line, column, exc.start
        )
        return LoadedDocument(
            path,
            DocumentKind.NOT_UTF8,
            raw=raw,
            text=text,
            size=len(raw),
            mtime=mtime,
            error=error,
            message=f"{name} is not valid UTF-8 text ({error.describe()}).",
            long_lines=has_long_line(text),
        )
    document, parse_error = parse_json_text(text)
    if parse_error is not None:
        return LoadedDocument(
            path,
            DocumentKind.CORRUPT,
            raw=raw,
            text=text,
            size=len(raw),
            mtime=mtime,
            error=parse_error,
            message=f"{name} is not valid JSON ({parse_error.describe()}).",
            long_lines=has_long_line(text),
        )
    secrets = check_secrets(document, path) if len(text) <= INLINE_SECRETS_CHECK_CHARS else None
    indent = detect_indent(text)
    display_text = None
    if indent is None and LONG_LINE_CHARS < len(raw) <= RAW_EDIT_LIMIT and has_long_line(text):
        display_text = json.dumps(document, indent=2, ensure_ascii=False)
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
    )


def has_long_line(text: str) -> bool:
    """Whether some line of ``text`` is longer than :data:`LONG_LINE_CHARS`."""
    return len(text) > LONG_LINE_CHARS and max(map(len, text.split("\n"))) > LONG_LINE_CHARS


def _characters(count: int, which: str) -> str:
    return f"{count:,} {which} character{'s' if count != 1 else ''}"


def shorten_long_lines(
    text: str, error: ParseError | None = None
) -> tuple[str, int, ParseError | None]:
    """``text`` with every line longer than :data:`LONG_LINE_CHARS` cut to that many characters
    (saying how many are left out), for showing read-only text quickly; the line of ``error``
    keeps the part around it. Returns the text, how many lines were cut, and where ``error``
    is in the text returned."""
    if not has_long_line(text):
        return text, 0, error
    lines = text.split("\n")
    cut = 0
    for number, line in enumerate(lines):
        if len(line) <= LONG_LINE_CHARS:
            continue
        cut += 1
        start = 0
        if error is not None and error.line == number + 1:
            start = max(
                0, min(error.column - 1 - LONG_LINE_CHARS // 2, len(line) - LONG_LINE_CHARS)
            )
        end = start + LONG_LINE_CHARS
        before = f"({_characters(start, 'earlier')}) … " if start else ""
        after = f" … ({_characters(len(line) - end, 'more')})" if end < len(line) else ""
        lines[number] = before + line[start:end] + after
        if error is not None and error.line == number + 1:
            column = len(before) + error.column - start
            error = dataclasses.replace(error, column=column)
    return "\n".join(lines), cut, error


def _too_large(path: str, raw: bytes, size: int, mtime: float, size_limit: int) -> LoadedDocument:
    truncated = len(raw) < size
    shown = f" The first {describe_size(len(raw))} are shown." if truncated else ""
    text = raw.decode("utf-8", errors="replace")
    return LoadedDocument(
        path,
        DocumentKind.TOO_LARGE,
        raw=raw,
        text=text,
        size=size,
        mtime=mtime,
        truncated=truncated,
        secrets=is_secret_file(path) or _text_has_secret_keys(text),
        message=(
            f"{printable_name(path)} is {describe_size(size)}, over the "
            f"{describe_size(size_limit)} limit for editing: shown read-only as raw text.{shown}"
        ),
    )
