"""What the document pane's header says about the shown store (a pure decision, no drawing)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from inspector.colours import ERROR_TEXT, NEUTRAL_TEXT, SECRET_TEXT, WARNING_TEXT, TextColour
from inspector.display import printable_name, printable_path
from inspector.document.results import DocumentKind, LoadedDocument
from inspector.document.secrets import is_secret_file
from inspector.document.wording import size_words
from inspector.translation import QT_TRANSLATE_NOOP

#: How the header names what was found (the enum's values are the same English).
_KIND_WORDS = {
    DocumentKind.VALID: QT_TRANSLATE_NOOP("DocumentHeader", "valid JSON"),
    DocumentKind.MISSING: QT_TRANSLATE_NOOP("DocumentHeader", "missing"),
    DocumentKind.CORRUPT: QT_TRANSLATE_NOOP("DocumentHeader", "corrupt"),
    DocumentKind.NOT_UTF8: QT_TRANSLATE_NOOP("DocumentHeader", "not UTF-8"),
    DocumentKind.TOO_COMPLEX: QT_TRANSLATE_NOOP(
        "DocumentHeader", "valid JSON, too large/deep to edit here"
    ),
    DocumentKind.TOO_LARGE: QT_TRANSLATE_NOOP("DocumentHeader", "too large"),
    DocumentKind.UNREADABLE: QT_TRANSLATE_NOOP("DocumentHeader", "unreadable"),
}

#: Not UTF-8, but Unicode all the same: named as the store table names it.
_ENCODING_WORDS = {
    "UTF-16": QT_TRANSLATE_NOOP("DocumentHeader", "UTF-16 text"),
    "UTF-32": QT_TRANSLATE_NOOP("DocumentHeader", "UTF-32 text"),
}
_READ_ONLY_KINDS = (DocumentKind.TOO_LARGE, DocumentKind.TOO_COMPLEX, DocumentKind.NOT_UTF8)


def _tr(text: str) -> str:
    return QCoreApplication.translate("DocumentHeader", text)


def _badge(text: str, colour: TextColour) -> tuple[str, str]:
    """A badge in the shade of ``colour`` readable on the palette in force."""
    return _tr(text), colour.for_palette().name()


@dataclass(frozen=True)
class HeaderContent:
    title: str
    details: str = ""
    tooltip: str = ""
    badges: tuple[tuple[str, str], ...] = ()  # (text, colour)


def header_content(
    path: str | None,
    loaded: LoadedDocument | None,
    *,
    dirty: bool,
    has_document: bool,
    read_only: bool = False,
) -> HeaderContent:
    """File name (• when edited), size · kind · folder, and badges."""
    if path is None:
        return HeaderContent(_tr(QT_TRANSLATE_NOOP("DocumentHeader", "No store selected")))
    facts = []
    if loaded is not None:
        if loaded.kind is not DocumentKind.MISSING:
            facts.append(size_words(loaded.size))
        words = _KIND_WORDS.get(loaded.kind, loaded.kind.value)
        if loaded.non_standard:  # as the store table says it
            words = QT_TRANSLATE_NOOP("DocumentHeader", "non-standard JSON")
        if loaded.kind is DocumentKind.NOT_UTF8:
            words = _ENCODING_WORDS.get(loaded.encoding[:6].upper(), words)
        facts.append(_tr(words))
    # The folder last: a narrow pane clips the line at its end, and the tooltip has the path.
    facts.append(printable_path(os.path.dirname(path)))
    badges: list[tuple[str, str]] = []
    if dirty:
        badges.append(_badge(QT_TRANSLATE_NOOP("DocumentHeader", "unsaved"), WARNING_TEXT))
    if is_secret_file(path):
        badges.append(_badge(QT_TRANSLATE_NOOP("DocumentHeader", "secret file"), SECRET_TEXT))
    if read_only or (loaded is not None and loaded.kind in _READ_ONLY_KINDS):
        badges.append(_badge(QT_TRANSLATE_NOOP("DocumentHeader", "read-only"), NEUTRAL_TEXT))
    if loaded is not None and loaded.kind.repairable and not has_document:
        badges.append(_badge(QT_TRANSLATE_NOOP("DocumentHeader", "corrupt"), ERROR_TEXT))
    return HeaderContent(
        printable_name(path) + (" •" if dirty else ""),
        "  ·  ".join(facts),
        printable_path(path),
        tuple(badges),
    )
