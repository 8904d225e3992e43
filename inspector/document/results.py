"""What a read of a store found: plain data, shared by the loader, the pane and its widgets.

No I/O and no Qt here, so that a widget or the tree model can name a document's kind or the
``NO_DOCUMENT`` sentinel without importing the module that reads files.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Final

from inspector.display import printable_name
from lockcore import DuplicateKey


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
    NOT_UTF8 = "not UTF-8"  # UTF-16/32 text, Latin-1 or binary: shown read-only, as read
    TOO_COMPLEX = "valid JSON, too large/deep to edit here"  # Python will not build it: read-only
    TOO_LARGE = "too large"  # over the size limit; raw, read-only
    UNREADABLE = "unreadable"  # permission denied, a directory, an I/O error

    @property
    def repairable(self) -> bool:
        """Whether the raw view may be edited into valid JSON and saved (with quarantine).

        Not for NOT_UTF8: its text as shown is not its bytes (U+FFFD stands for what did not
        decode), so saving it would destroy them; converting it is an explicit action."""
        return self is DocumentKind.CORRUPT


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
    #: (a valid text too long to edit as text: the raw view shows it read-only, long lines cut);
    #: None: not looked for (the raw view looks when it shows the text)
    long_lines: bool | None = None
    #: the document indented for the raw view, when the file holds it as compact JSON on lines
    #: too long to show (saving still writes it compact, as the file has it)
    display_text: str | None = None
    #: whether some value is secret under the file's own rule (revealed or not); None: not
    #: known yet (big documents are checked after they are shown, see check_secrets)
    secrets: bool | None = False
    #: where the store's name points when it is a symbolic link (saving replaces the link)
    link_target: str | None = None
    #: the codec of ``text`` (lockcore's JSONCheck.encoding): "utf-8", "utf-16-le", ..., or ""
    #: for bytes that are not Unicode text that could be recognised
    encoding: str = "utf-8"
    #: whether the file begins with a byte order mark
    bom: bool = False
    #: why a VALID document is non-standard JSON (lockcore's words: NaN, numbers a double
    #: cannot hold, duplicate keys), "" when it is standard
    non_standard: str = ""
    #: why a NOT_UTF8 file's text is not UTF-8 (lockcore's words: "UTF-16 text (LE, …)",
    #: "not UTF-8 text: byte 0xe9 at …"), "" otherwise; the pane words its note around it
    not_utf8: str = ""
    #: why a CORRUPT or TOO_COMPLEX file is not shown as a tree (lockcore's words), and for
    #: TOO_LARGE the size limit it is over: the pane words its note from these (see
    #: inspector.document.wording), ``message`` says the same in English for logs
    problem: str = ""
    size_limit: int = 0
    #: why an UNREADABLE file could not be read: "not_regular" (``problem`` says what it is,
    #: e.g. "a named pipe"), "permission", or "os_error" (``problem`` is the system's words)
    unreadable_because: str = ""
    #: keys that occur more than once in one object, where and with every occurrence's value
    #: (lockcore.find_duplicate_keys); Python, and so the tree, holds only the last one
    duplicate_keys: tuple[DuplicateKey, ...] = ()
    #: (place, text) of each number the file spells otherwise than Python writes it ("1.50",
    #: "1E22", "1e999"; lockcore.number_spellings), for the tree to show the file's spelling;
    #: None: not known yet (a big text is searched after it is shown)
    number_spellings: tuple[tuple[tuple[str | int, ...], str], ...] | None = ()

    @property
    def name(self) -> str:
        """The file's name, safe to show."""
        return printable_name(self.path)
