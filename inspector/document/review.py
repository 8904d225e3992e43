"""Review changes: the exact text diff between the file on disk and what a save will write.

:func:`review_save` is pure apart from reading the file (it runs on a worker): it reads the bytes
on disk at that moment, decides what the save would write as the save does (the edit, or the edit
merged onto another process's changes), asks lockcore for the very bytes
(``json_update_bytes``, the function ``locked_update_json`` writes with) and diffs the texts.
No Qt here: :mod:`inspector.document.review_dialog` shows the result.
"""

from __future__ import annotations

import collections
import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Final

from inspector.display import printable_name
from inspector.document.json_values import json_equal
from inspector.document.merge import Side, three_way_merge
from inspector.document.parsing import parse_text
from inspector.document.raw_text import shown_text
from inspector.document.results import NO_DOCUMENT
from inspector.document.save_types import SaveRequest, TypedMerge
from inspector.document.save_worker import typed_merge_outcome
from lockcore import FileLockError, classify_json, json_update_bytes

LONG_LINE_CHARS: Final = 10_000
"""Texts with longer lines (compact JSON) are shown as the changed span with some context."""
CONTEXT_CHARS: Final = 300
SHOWN_CHARS: Final = 20_000
_BLOCK: Final = 64 * 1024

#: How a line ending is shown where it is marked (see :class:`DiffMarks`).
ENDING_MARKS: Final = {"\r\n": "␍␊", "\n": "␊", "\r": "␍"}
#: Raw U+2028 / U+2029 shown so in a diff whose lines also hold their escapes as written.
RAW_SEPARATOR_MARKS: Final = {"\u2028": "⟨U+2028⟩", "\u2029": "⟨U+2029⟩"}
#: How a byte order mark (U+FEFF at the start of the file) is shown where one is added or
#: dropped: as a character it is invisible, and the diff showed two lines that look alike.
BOM_MARK: Final = "⟨BOM⟩"
_BOM: Final = "\ufeff"
_LINE: Final = re.compile("[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_SEPARATOR: Final = re.compile("[\u2028\u2029]")
_SEPARATOR_ESCAPE: Final = re.compile(r"\\u202[89]", re.IGNORECASE)
NO_FINAL_NEWLINE: Final = "\\ No newline at end of file\n"


@dataclass(frozen=True)
class DiffMarks:
    """What the diff's text marks, for the legend beside it.

    A diff shows each line of the file as one line, whatever its ending (CR LF, LF, or a lone
    CR, all line breaks as in the Raw tab): an ending other than ``usual_ending`` is marked
    at the line's end (:data:`ENDING_MARKS`), so a change of only a line ending shows. A raw
    U+2028 / U+2029 in a string is shown as its escape, as the Raw tab shows it
    (``separators`` "escaped"), or, where the diff also has such escapes written as escapes,
    as :data:`RAW_SEPARATOR_MARKS` ("marked"), so the two never look alike. A byte order mark
    added or dropped at the start is shown as :data:`BOM_MARK` (``bom``); one both sides have
    is no change, and is not marked, as a usual line ending is not."""

    usual_ending: str | None = None  # None: every line break is marked (a changed span)
    endings: tuple[str, ...] = ()  # the endings marked, of ENDING_MARKS' keys
    separators: str = ""  # "", "escaped" or "marked"
    bom: bool = False  # a byte order mark added or dropped is marked

    @property
    def any(self) -> bool:
        return bool(self.endings or self.separators or self.bom)


@dataclass(frozen=True)
class SaveReview:
    """What a save of ``path`` would write now, as a unified diff against the file on disk."""

    path: str
    diff: str  # "" when the save would write nothing new
    note: str = ""  # a merge, a conflict, or why there is no diff
    marks: DiffMarks = field(default_factory=DiffMarks)  # what the diff's text marks

    @property
    def unchanged(self) -> bool:
        return not self.diff and not self.note


def review_save(  # noqa: PLR0911 - one return per way a save ends
    path: str,
    base: Any,
    edited: Any,
    typed: bytes | None = None,
    typed_over: bytes | None = None,
    *,
    repair: bool = False,
) -> SaveReview:
    """Read ``path`` and diff it against what saving ``edited`` (edited from ``base``) writes.

    ``typed``: the raw text as typed over the file's bytes ``typed_over``, which the save
    writes as they are while the file still holds ``typed_over``. ``repair``: the shown file
    is damaged (the save then replaces damaged bytes on disk, keeping a copy; otherwise it
    refuses to write over them)."""
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
            diff, marks = marked_diff(name, _text(on_disk), _text(typed))
            return SaveReview(path, diff, marks=marks)
        # As the save decides it: a text of values only, each as a save writes it, is
        # merged whole, with nothing of it to note.
        outcome = typed_merge_outcome(
            SaveRequest(path, base, edited, base_raw=typed_over, typed=typed)
        )
        if outcome is TypedMerge.REFUSED:
            return SaveReview(
                path,
                "",
                "The file changed on disk since you edited its text, and your edit changes "
                "only its formatting: saving will refuse to write it (nothing of theirs is "
                "lost). Revert to see their version.",
            )
        if outcome is TypedMerge.FORMATTING_DROPPED:
            typed_note = (
                "The file changed on disk since you edited its text: your formatting cannot "
                "be kept; only the values you changed are saved. "
            )
    target, note = _what_the_save_writes(on_disk, base, edited, repair=repair)
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
    diff, marks = marked_diff(name, old_text, new_text)
    return SaveReview(path, diff, note, marks)


def _what_the_save_writes(
    on_disk: bytes | None, base: Any, edited: Any, *, repair: bool
) -> tuple[Any, str]:
    """(the document the save's updater would return, a note), as the save decides it
    (NO_DOCUMENT: it writes nothing)."""
    if on_disk is None:
        return edited, "The file does not exist (any more): saving creates it."
    # Parsed (and decoded) a piece at a time, as a load is: json.loads of a big file is one
    # C call that holds the GIL, and the GUI thread waits for it.
    check = classify_json(on_disk, parse=parse_text)
    if not check.kind.parsed:
        if not repair:  # the save's update raises CorruptJSONError: nothing is written
            return NO_DOCUMENT, (
                "The file on disk is no longer valid JSON (another program may have damaged "
                "it): saving will refuse to write over it, and nothing is written. Reload to "
                "repair it in the raw view."
            )
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
    """A unified diff of two texts; with lines too long to show, the changed span instead
    (see :func:`marked_diff`)."""
    return marked_diff(name, old, new)[0]


def marked_diff(
    name: str, old: str, new: str, labels: tuple[str, str] = ("on disk", "after saving")
) -> tuple[str, DiffMarks]:
    """A unified diff of two texts, and what its text marks (see :class:`DiffMarks`); with
    lines too long to show, the changed span instead.

    Lines are the file's: split at CR LF, LF and lone CR only (as the Raw tab shows them),
    not at U+2028 / U+2029 or the other characters ``str.splitlines`` breaks at (``labels``:
    the two texts' names in the headers). Byte order
    marks at the start are shown as :data:`BOM_MARK` where the texts start with a different
    number of them (one added or dropped)."""
    marks_at_start = _leading_boms(old), _leading_boms(new)
    bom = marks_at_start[0] != marks_at_start[1]
    if bom:
        old, new = (
            BOM_MARK * count + text[count:]
            for text, count in zip((old, new), marks_at_start, strict=True)
        )
    old_lines = _LINE.findall(old)
    new_lines = _LINE.findall(new)
    if max(map(len, old_lines + new_lines), default=0) <= LONG_LINE_CHARS:
        lines = list(
            difflib.unified_diff(
                old_lines, new_lines, f"{name} ({labels[0]})", f"{name} ({labels[1]})"
            )
        )
        headers, body = lines[:2], lines[2:]
        usual = _usual_ending(old_lines + new_lines)
        separators = _separator_style("".join(body))
        marked: set[str] = set()
        shown = []
        for line in body:
            if line.startswith("@@"):
                shown.append(line)
                continue
            text, ending = _split_ending(line)
            if ending and ending != usual:
                marked.add(ending)
                text += ENDING_MARKS[ending]
            shown.append(_shown_separators(text, separators) + "\n")
            if not ending:
                shown.append(NO_FINAL_NEWLINE)
        marks = DiffMarks(usual, tuple(e for e in ENDING_MARKS if e in marked), separators, bom)
        return "".join(headers + shown), marks
    start = _common_prefix(old, new)
    end = _common_suffix(old, new, start)
    before = max(0, start - CONTEXT_CHARS)
    old_span = old[before : len(old) - end + CONTEXT_CHARS]
    new_span = new[before : len(new) - end + CONTEXT_CHARS]
    separators = _separator_style(old_span + new_span)

    def span(shown: str) -> str:
        if len(shown) > SHOWN_CHARS:
            shown = shown[:SHOWN_CHARS] + f"… ({len(shown) - SHOWN_CHARS:,} more characters)"
        return _shown_separators(_LINE_BREAK.sub(_ending_mark, shown), separators)

    endings = {ending.group() for ending in _LINE_BREAK.finditer(old_span + new_span)}
    marks = DiffMarks(None, tuple(e for e in ENDING_MARKS if e in endings), separators, bom)
    return (
        f"--- {name} ({labels[0]})\n+++ {name} ({labels[1]})\n"
        f"@@ characters {before + 1:,} onwards (long lines: the changed span) @@\n"
        f"-{span(old_span)}\n+{span(new_span)}\n"
    ), marks


_LINE_BREAK: Final = re.compile("\r\n|\r|\n")


def _leading_boms(text: str) -> int:
    """How many U+FEFF ``text`` starts with (a file written with its BOM twice has two)."""
    return len(text) - len(text.lstrip(_BOM))


def _ending_mark(match: re.Match[str]) -> str:
    return ENDING_MARKS[match.group()]


def _split_ending(line: str) -> tuple[str, str]:
    for ending in ("\r\n", "\n", "\r"):
        if line.endswith(ending):
            return line[: -len(ending)], ending
    return line, ""


def _usual_ending(lines: list[str]) -> str:
    """The most common line ending of ``lines`` (LF when none has one, or on a tie)."""
    counts = collections.Counter(_split_ending(line)[1] for line in lines)
    counts.pop("", None)
    if not counts:
        return "\n"
    most = max(counts.values())
    return "\n" if counts["\n"] == most else max(counts, key=counts.__getitem__)


def _separator_style(text: str) -> str:
    """How raw separators in ``text`` (the diff's lines) are shown: "" when there are none,
    "escaped" as the Raw tab shows them, or "marked" where the text also holds their escapes
    written as escapes (which would look the same)."""
    if text.isascii() or not _SEPARATOR.search(text):
        return ""
    return "marked" if _SEPARATOR_ESCAPE.search(text) else "escaped"


def _shown_separators(text: str, style: str) -> str:
    if not style or text.isascii():
        return text
    if style == "marked":
        return _SEPARATOR.sub(lambda match: RAW_SEPARATOR_MARKS[match.group()], text)
    return shown_text(text)  # the Raw tab's escapes (see inspector.document.raw_text)


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
