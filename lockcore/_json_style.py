"""How a JSON file writes what the format-keeping editor (``_jsonedit.py``) adds to it: one
line or several, its line ending, its indentation unit, its separators, and whether it spells
everything non-ASCII as ``\\uXXXX`` -- learnt from the file's own text."""

from __future__ import annotations

import re
from dataclasses import dataclass

_INDENT = re.compile(r"[ \t]*")
_STYLE_CHARS = 64 * 1024  # the file's style is learnt from its start (never a scan of all of it)


@dataclass
class _Style:
    """How the file writes what we add: learnt from the file, first sighting wins."""

    multiline: bool
    newline: str
    unit: str  # one level of indentation
    key_separator: str | None = None
    item_separator: str | None = None
    ensure_ascii: bool = False

    @classmethod
    def detect(cls, text: str) -> _Style:
        first = text.find("\n", 0, _STYLE_CHARS)
        # One line (perhaps with a final newline): compact style.
        if first < 0 or not text[first : first + _STYLE_CHARS].strip():
            return cls(multiline=False, newline="\n", unit="  ", ensure_ascii=_ascii_only(text))
        newline = "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
        start = first + 1
        unit = text[start : _INDENT.match(text, start).end()]  # type: ignore[union-attr]
        return cls(multiline=True, newline=newline, unit=unit, ensure_ascii=_ascii_only(text))

    def key_sep(self) -> str:
        if self.key_separator is not None:
            return self.key_separator
        return ":" if self.item_separator == "," else ": "

    def item_sep(self) -> str:
        if self.item_separator is not None:
            return self.item_separator
        return "," if self.key_separator == ":" else ", "


def _ascii_only(text: str) -> bool:
    """Escape what we add when the file spells everything non-ASCII as ``\\uXXXX``."""
    return text.isascii() and text.find("\\u", 0, _STYLE_CHARS) >= 0
