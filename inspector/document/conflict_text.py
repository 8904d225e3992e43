"""Both versions of a conflicting save as text, and where each conflicting entry is in it:
what the conflict dialog shows side by side. No widgets here: the save's worker builds these
texts, and services import the worker (the dialog marks the lines)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from inspector.document.merge import ABSENT
from inspector.document.raw_text import shown_text
from inspector.document.results import NO_DOCUMENT
from inspector.document.secrets import SecretPolicy, mask_document
from inspector.document.text import decode_utf8_sig
from inspector.schema.text_positions import locate_paths

SIDE_BY_SIDE_LIMIT: Final = 1_000
"""Most entries a version may have to be shown whole: laying out and highlighting the text takes
about 40-70 µs a line on the GUI thread (300,000 entries froze the dialog for 12 s)."""


def entry_count_exceeds(document: Any, limit: int) -> bool:
    """Whether ``document`` has more than ``limit`` values (stops counting there)."""
    pending = [document]
    count = 0
    while pending:
        value = pending.pop()
        count += 1
        if count > limit:
            return True
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def pretty_text(document: Any, policy: SecretPolicy) -> str:
    if document is NO_DOCUMENT or document is ABSENT:
        return "(no valid JSON on disk)"
    return json.dumps(mask_document(document, policy), indent=2, ensure_ascii=False)


def line_numbers(document: Any) -> dict[tuple[str | int, ...], int]:
    """The line (from 0) where each path starts in ``json.dumps(document, indent=2)``."""
    lines: dict[tuple[str | int, ...], int] = {}

    def walk(value: Any, path: tuple[str | int, ...], line: int) -> int:
        """Record ``value`` starting at ``line``; return the number of lines after its first."""
        lines[path] = line
        if isinstance(value, dict) and value:
            members: list[tuple[str | int, Any]] = list(value.items())
        elif isinstance(value, list) and value:
            members = list(enumerate(value))
        else:
            return 0
        extra = 0
        for step, member in members:
            extra += 1 + walk(member, (*path, step), line + extra + 1)
        return extra + 1  # the closing bracket

    if document is not NO_DOCUMENT and document is not ABSENT:
        walk(document, (), 0)
    return lines


def nearest_line(
    lines: dict[tuple[str | int, ...], int], path: tuple[str | int, ...]
) -> int | None:
    """The line of ``path``, or of the nearest entry above it that the document has.

    Conflict paths count array positions in the base, which a side may have shifted."""
    for length in range(len(path), -1, -1):
        if path[:length] in lines:
            return lines[path[:length]]
    return None


def lines_of(
    lines: dict[tuple[str | int, ...], int], paths: list[tuple[str | int, ...]]
) -> list[int]:
    found = (nearest_line(lines, path) for path in paths)
    return sorted({line for line in found if line is not None})


@dataclass(frozen=True)
class SideTexts:
    """Both versions of a conflicting save as the person knows them -- mine the text they
    have, theirs the file's bytes -- each as the Raw tab shows it (BOM left out, LF line
    breaks, U+2028 / U+2029 escaped), and where each conflicting entry starts in it (as a
    ``QTextCursor`` counts). Built on the save's worker thread: the dialog only shows them."""

    mine: str
    theirs: str
    mine_marks: tuple[int, ...]
    theirs_marks: tuple[int, ...]


def side_texts(
    mine_raw: bytes | None, theirs_raw: bytes | None, paths: Iterable[tuple[str | int, ...]]
) -> SideTexts | None:
    """The texts of ``mine_raw`` and ``theirs_raw`` with the entries at ``paths`` (or the
    nearest entry above each that a side has) located; None when either is missing or not
    UTF-8 (the dialog then shows the documents)."""
    mine, theirs = _file_text(mine_raw), _file_text(theirs_raw)
    if mine is None or theirs is None:
        return None
    wanted = list(paths)
    prefixes = {path[:length] for path in wanted for length in range(len(path) + 1)}
    marks = []
    for text in (mine, theirs):
        found = locate_paths(text, prefixes)
        nearest = (_nearest(found, path) for path in wanted)
        starts = {found[entry][0] for entry in nearest if entry is not None}
        marks.append(tuple(sorted(starts)))
    return SideTexts(mine, theirs, marks[0], marks[1])


def _file_text(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    try:
        return shown_text(decode_utf8_sig(raw))
    except UnicodeDecodeError:
        return None


def _nearest(
    found: dict[tuple[str | int, ...], tuple[int, int]], path: tuple[str | int, ...]
) -> tuple[str | int, ...] | None:
    for length in range(len(path), -1, -1):
        if path[:length] in found:
            return path[:length]
    return None
