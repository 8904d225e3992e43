"""JSON syntax highlighting for the raw view (keys, strings, numbers, literals, punctuation)."""

from __future__ import annotations

import re
from typing import Final

from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)

_TOKEN: Final = re.compile(
    r"""
    (?P<string>"(?:[^"\\]|\\.)*"?)(?P<colon>\s*:)?
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<literal>\btrue\b|\bfalse\b|\bnull\b)
    | (?P<punct>[{}\[\],:])
    """,
    re.VERBOSE,
)

# (light, dark) colours; the tree model's value colours use the same families.
_COLOURS: Final = {
    "key": ("#9a3412", "#f0a070"),
    "string": ("#0a7a3d", "#8bd49c"),
    "number": ("#1f5fbf", "#79b8ff"),
    "literal": ("#8a3ab9", "#d2a8ff"),
    "punct": ("#6b7280", "#8b949e"),
}


class JsonHighlighter(QSyntaxHighlighter):
    """Colours JSON tokens line by line; strings spanning lines are not valid JSON anyway."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._formats = self._build_formats()

    @staticmethod
    def _build_formats() -> dict[str, QTextCharFormat]:
        dark = QGuiApplication.palette().base().color().lightness() < 128
        formats: dict[str, QTextCharFormat] = {}
        for name, (light_colour, dark_colour) in _COLOURS.items():
            text_format = QTextCharFormat()
            text_format.setForeground(QColor(dark_colour if dark else light_colour))
            if name == "key":
                text_format.setFontWeight(QFont.Weight.DemiBold)
            formats[name] = text_format
        return formats

    def highlightBlock(self, text: str) -> None:
        for match in _TOKEN.finditer(text):
            if match.group("string") is not None:
                kind = "key" if match.group("colon") else "string"
                self.setFormat(
                    match.start("string"), len(match.group("string")), self._formats[kind]
                )
            else:
                kind = match.lastgroup or "punct"
                self.setFormat(match.start(), match.end() - match.start(), self._formats[kind])
