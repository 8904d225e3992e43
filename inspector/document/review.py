"""Review changes: the exact text diff between the file on disk and what a save will write.

:func:`review_save` is pure apart from reading the file (it runs on a worker): it reads the bytes
on disk at that moment, decides what the save would write as the save does (the edit, or the edit
merged onto another process's changes), asks lockcore for the very bytes
(``json_update_bytes``, the function ``locked_update_json`` writes with) and diffs the texts.
No Qt here: :mod:`inspector.document.review_dialog` shows the result.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Final

from inspector.display import printable_name
from inspector.document.json_values import json_equal
from inspector.document.merge import Side, three_way_merge
from inspector.document.parsing import parse_text
from inspector.document.results import NO_DOCUMENT
from lockcore import FileLockError, classify_json, json_update_bytes

LONG_LINE_CHARS: Final = 10_000
"""Texts with longer lines (compact JSON) are shown as the changed span with some context."""
CONTEXT_CHARS: Final = 300
SHOWN_CHARS: Final = 20_000
_BLOCK: Final = 64 * 1024


@dataclass(frozen=True)
class SaveReview:
    """What a save of ``path`` would write now, as a unified diff against the file on disk."""

    path: str
    diff: str  # "" when the save would write nothing new
    note: str = ""  # a merge, a conflict, or why there is no diff

    @property
    def unchanged(self) -> bool:
        return not self.diff and not self.note


def review_save(  # noqa: PLR0911 - one return per way a save ends
    path: str,
    base: Any,
    edited: Any,
    typed: bytes | None = None,
    typed_over: bytes | None = None,
) -> SaveReview:
    """Read ``path`` and diff it against what saving ``edited`` (edited from ``base``) writes.

    ``typed``: the raw text as typed over the file's bytes ``typed_over``, which the save
    writes as they are while the file still holds ``typed_over``."""
    name = printable_name(path)
    try:
        with open(path, "rb") as handle:
            on_disk: bytes | None = handle.read()
    except FileNotFoundError:
        on_disk = None
    except OSError as error:
        return SaveReview(path, "", f"Cannot read {name}: {error.strerror or error}.")
    typed_note = ""
    if typed is not None:
        if on_disk is not None and on_disk == typed_over:
            if typed == on_disk:
                return SaveReview(path, "", "")
            return SaveReview(path, text_diff(name, _text(on_disk), _text(typed)))
        if json_equal(edited, base):
            return SaveReview(
                path,
                "",
                "The file changed on disk since you edited its text, and your edit changes "
                "only its formatting: saving will refuse to write it (nothing of theirs is "
                "lost). Revert to see their version.",
            )
        typed_note = (
            "The file changed on disk since you edited its text: your formatting cannot be "
            "kept; only the values you changed are saved. "
        )
    target, note = _what_the_save_writes(on_disk, base, edited)
    note = (typed_note + note).strip()
    if target is NO_DOCUMENT:
        return SaveReview(path, "", note)
    try:
        written = json_update_bytes(on_disk, target, path=path)
    except (FileLockError, ValueError, TypeError) as error:
        return SaveReview(path, "", f"The save would fail: {error}")
    if written is on_disk:
        return SaveReview(path, "", note)
    old_text = _text(on_disk or b"")
    new_text = _text(written)
    return SaveReview(path, text_diff(name, old_text, new_text), note)


def _what_the_save_writes(on_disk: bytes | None, base: Any, edited: Any) -> tuple[Any, str]:
    """(the document the save's updater would return, a note), as the save decides it."""
    if on_disk is None:
        return edited, "The file does not exist (any more): saving creates it."
    # Parsed (and decoded) a piece at a time, as a load is: json.loads of a big file is one
    # C call that holds the GIL, and the GUI thread waits for it.
    check = classify_json(on_disk, parse=parse_text)
    if not check.kind.parsed:
        return edited, "The file on disk is not valid JSON: saving replaces it (a copy is kept)."
    theirs = check.document
    if base is NO_DOCUMENT or json_equal(theirs, base):
        return edited, ""
    result = three_way_merge(base, edited, theirs)
    if not result.clean:
        # What saving writes if the person keeps their own version of every conflicting entry
        # (the save asks first): the diff shows their changes, and the note names the entries.
        mine = {conflict.key: Side.MINE for conflict in result.conflicts}
        count = len(result.conflicts)
        shown = ", ".join(conflict.path_text for conflict in result.conflicts[:5])
        more = f" and {count - 5} more" if count > 5 else ""
        return three_way_merge(base, edited, theirs, mine).merged, (
            f"The file changed on disk since you opened it, and {count} of your changes "
            f"conflict{'s' if count == 1 else ''} with that ({shown}{more}): saving will ask "
            "what to keep. Shown: what saving writes if you keep yours."
        )
    return result.merged, "The file changed on disk: your changes are merged onto that."


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def text_diff(name: str, old: str, new: str) -> str:
    """A unified diff of two texts; with lines too long to show, the changed span instead."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    if max(map(len, old_lines + new_lines), default=0) <= LONG_LINE_CHARS:
        lines = difflib.unified_diff(
            old_lines, new_lines, f"{name} (on disk)", f"{name} (after saving)"
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    start = _common_prefix(old, new)
    end = _common_suffix(old, new, start)
    before = max(0, start - CONTEXT_CHARS)

    def span(text: str, stop: int) -> str:
        shown = text[before : stop + CONTEXT_CHARS]
        if len(shown) > SHOWN_CHARS:
            shown = shown[:SHOWN_CHARS] + f"… ({len(shown) - SHOWN_CHARS:,} more characters)"
        return shown.replace("\n", "⏎")

    return (
        f"--- {name} (on disk)\n+++ {name} (after saving)\n"
        f"@@ characters {before + 1:,} onwards (long lines: the changed span) @@\n"
        f"-{span(old, len(old) - end)}\n+{span(new, len(new) - end)}\n"
    )


def _common_prefix(a: str, b: str) -> int:
    """Length of the common start, compared a block at a time (C speed for megabytes)."""
    limit = min(len(a), len(b))
    position = 0
    while position < limit and a[position : position + _BLOCK] == b[position : position + _BLOCK]:
        position += _BLOCK
    position = min(position, limit)
    while position < limit and a[position] == b[position]:
        position += 1
    return position


def _common_suffix(a: str, b: str, prefix: int) -> int:
    """Length of the common end that does not overlap the common start."""
    limit = min(len(a), len(b)) - prefix
    length = 0
    while length < limit and a[len(a) - length - 1] == b[len(b) - length - 1]:
        length += 1
        if length % _BLOCK == 0:  # long equal tails: compare blocks from here on
            while length + _BLOCK <= limit and (
                a[len(a) - length - _BLOCK : len(a) - length]
                == b[len(b) - length - _BLOCK : len(b) - length]
            ):
                length += _BLOCK
    return length
