"""What the document pane's header says about the shown store (a pure decision, no drawing)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from inspector.display import printable_name, printable_path
from inspector.document.loader import DocumentKind, LoadedDocument, describe_size
from inspector.document.secrets import is_secret_file


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
        return HeaderContent("No store selected")
    facts = []
    if loaded is not None:
        if loaded.kind is not DocumentKind.MISSING:
            facts.append(describe_size(loaded.size))
        facts.append(loaded.kind.value)
    # The folder last: a narrow pane clips the line at its end, and the tooltip has the path.
    facts.append(printable_path(os.path.dirname(path)))
    badges: list[tuple[str, str]] = []
    if dirty:
        badges.append(("unsaved", "#d97706"))
    if is_secret_file(path):
        badges.append(("secret file", "#8a3ab9"))
    if read_only or (loaded is not None and loaded.kind is DocumentKind.TOO_LARGE):
        badges.append(("read-only", "#6b7280"))
    if loaded is not None and loaded.kind.repairable and not has_document:
        badges.append(("corrupt", "#dc2626"))
    return HeaderContent(
        printable_name(path) + (" •" if dirty else ""),
        "  ·  ".join(facts),
        printable_path(path),
        tuple(badges),
    )
