"""The raw editor's text and the file's: how a file's text is shown for editing, and how the
text typed over it becomes the file's new text, changed only where the person typed.

Qt's text editor cannot hold a text as a file has it: a CR LF, a lone CR and U+2029 PARAGRAPH
SEPARATOR each become one of its own line breaks, handed back as LF, and U+2028 LINE SEPARATOR
breaks a line on screen without being a line of the file. So the editor holds the *shown*
text: every line break an LF, and each U+2028 / U+2029 (JSON allows them unescaped only inside
strings) as its escape ``\\u2028`` / ``\\u2029`` -- the same JSON string, visible as what it is.

A save does not turn the typed text back into the file's by undoing those substitutions
everywhere (which would put the file's "usual" line ending on every line): it compares the
typed text with the shown one and writes only the spans that differ over the file's own text.
Every untouched line keeps its line ending, every untouched separator stays raw, and a line
break typed takes the line ending of the one it replaced, or of its neighbour. The spans are
found by a common prefix and suffix (slice compares, C speed) and, between them, a line diff
(Myers, cost grows with the number of changed lines, not the file's length), each changed
block cut down to the characters that differ.
"""

from __future__ import annotations

import bisect
import codecs
import dataclasses
import itertools
import operator
import re
from dataclasses import dataclass, field
from typing import Final

from inspector.document.results import ParseError

_SEPARATOR: Final = re.compile("[\u2028\u2029]")
_ESCAPES: Final = {"\u2028": "\\u2028", "\u2029": "\\u2029"}
_ESCAPE_LENGTH: Final = 6
_LINE_BREAK: Final = re.compile("\r\n|\r|\n")
_LINE_BREAK_PARTS: Final = re.compile("(\r\n|\r|\n)")
#: Past this many changed lines between the first and the last change, the span between them
#: is written as typed as one piece (the line diff's cost grows with the square of it).
MAX_LINE_EDITS: Final = 400


def _has_separator(text: str) -> bool:
    return not text.isascii() and ("\u2028" in text or "\u2029" in text)


def _escaped_separators(text: str) -> str:
    """``text`` with each U+2028 / U+2029 written as its escape, but one after an odd run of
    backslashes (an invalid escape: escaping the separator would make it valid)."""
    return _SEPARATOR.sub(_escape_of, text)


def _escape_of(match: re.Match[str]) -> str:
    separator = match.group()
    return separator if _escaped_by_backslash(match.string, match.start()) else _ESCAPES[separator]


def _escaped_by_backslash(text: str, position: int) -> bool:
    """Whether an odd run of backslashes ends at ``position``."""
    run = position
    while run > 0 and text[run - 1] == "\\":
        run -= 1
    return (position - run) % 2 == 1


def shown_text(text: str) -> str:
    """``text`` as the raw editor holds it (see the module's note): LF line breaks, U+2028 and
    U+2029 escaped. A text without CRs or separators is returned as it is (no copy)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _has_separator(text):
        text = _escaped_separators(text)
    return text


@dataclass(frozen=True)
class ShownText:
    """A file's text (``source``) and its shown text (``text``), line by line: the n-th line
    of one is the n-th of the other (a line ending of any kind is one LF shown), the same but
    for its escaped separators (one character in the file, six shown).

    Built with C-speed string and list operations (a split, running sums), not a Python step
    per line: a megabyte with CR LF line endings takes a few milliseconds."""

    source: str
    text: str
    #: where each line starts in ``text`` and in ``source`` (empty: the texts are the same)
    _shown_starts: list[int] = field(repr=False)
    _source_starts: list[int] = field(repr=False)
    #: whether some line has a separator; line number -> (shown column, source column) of each
    #: escaped separator on it, for the lines asked about so far
    _has_escapes: bool = field(repr=False)
    _escapes: dict[int, list[tuple[int, int]]] = field(repr=False, default_factory=dict)

    @classmethod
    def of(cls, source: str) -> ShownText:
        if "\r" not in source and not _has_separator(source):
            return cls(source, source, [], [], _has_escapes=False)
        text = shown_text(source)
        source_parts = _LINE_BREAK_PARTS.split(source)  # line, ending, line, ending, ..., line
        source_starts = list(itertools.accumulate(map(len, source_parts), initial=0))[::2]
        line_lengths = map(len, text.split("\n"))
        shown_starts = list(
            itertools.accumulate(map(operator.add, line_lengths, itertools.repeat(1)), initial=0)
        )
        del shown_starts[-1]  # the start of the line after the last
        return cls(source, text, shown_starts, source_starts, _has_escapes=_has_separator(source))

    def _escapes_on(self, number: int) -> list[tuple[int, int]]:
        """The escapes on line ``number`` (found when first asked: lines without are most)."""
        if not self._has_escapes:
            return []
        escapes = self._escapes.get(number)
        if escapes is None:
            end = self._source_starts[number + 1] if number + 1 < len(self._source_starts) else None
            line = _LINE_BREAK.split(self.source[self._source_starts[number] : end], 1)[0]
            escapes = self._escapes[number] = _escaped_line(line)[1]
        return escapes

    def _line_of_shown(self, position: int) -> tuple[int, int]:
        number = bisect.bisect_right(self._shown_starts, position) - 1
        return number, position - self._shown_starts[number]

    def to_source(self, position: int, *, end: bool = False) -> int:
        """The ``source`` offset of ``text`` offset ``position``; one inside an escape is its
        start (its end with ``end``)."""
        if not self._shown_starts:
            return position
        number, column = self._line_of_shown(position)
        source_column = column
        for shown_column, escape_source_column in self._escapes_on(number):
            if column <= shown_column:
                break
            if column < shown_column + _ESCAPE_LENGTH:
                source_column = escape_source_column + (1 if end else 0)
                break
            source_column -= _ESCAPE_LENGTH - 1
        return self._source_starts[number] + source_column

    def to_shown(self, position: int) -> int:
        """The ``text`` offset of ``source`` offset ``position`` (inside a CR LF: its LF)."""
        if not self._shown_starts:
            return position
        number = bisect.bisect_right(self._source_starts, position) - 1
        line_end = (
            self._source_starts[number + 1] if number + 1 < len(self._source_starts) else None
        )
        column = position - self._source_starts[number]
        shown_column = column
        for _shown_column, source_column in self._escapes_on(number):
            if column <= source_column:
                break
            shown_column += _ESCAPE_LENGTH - 1
        shown = self._shown_starts[number] + shown_column
        if line_end is not None:  # not past this line's LF (a CR LF's LF is its end)
            shown = min(shown, self._shown_starts[number + 1] - 1)
        return shown

    def unit_around(self, position: int) -> tuple[int, int] | None:
        """The (start, end) in ``text`` of the escape ``position`` falls strictly inside."""
        if not self._has_escapes:
            return None
        number, column = self._line_of_shown(position)
        for shown_column, _source_column in self._escapes_on(number):
            if shown_column < column < shown_column + _ESCAPE_LENGTH:
                start = self._shown_starts[number] + shown_column
                return start, start + _ESCAPE_LENGTH
        return None

    def _escape_at(self, position: int) -> bool:
        """Whether an escape of the file's separator starts at ``text`` offset ``position``."""
        if not self._has_escapes:
            return False
        number, column = self._line_of_shown(position)
        return any(shown == column for shown, _source in self._escapes_on(number))

    def typed_source(self, typed: str) -> str:
        """The file's text after ``typed`` (an editor's text) replaced :attr:`text`: ``source``
        with only the spans that differ written as typed (see the module's note)."""
        if typed == self.text:
            return self.source
        pieces: list[str] = []
        at = 0
        spans = self._widened(changed_spans(self.text, typed), typed)
        for old_start, old_end, new_start, new_end in spans:
            start = self.to_source(old_start)
            end = self.to_source(old_end, end=True)
            pieces.append(self.source[at:start])
            pieces.extend(_with_line_endings(typed[new_start:new_end], self.source, start, end))
            at = end
        pieces.append(self.source[at:])
        return _joined(pieces)

    def _widened(self, spans: list[Span], typed: str) -> list[Span]:
        """``spans`` with a start or end inside an escape moved to the escape's edge (the
        characters added are the same in both texts), and over an escape the typed text no
        longer reads as one; overlapping ones joined."""
        widened: list[Span] = []
        for span in spans:
            old_start, old_end, new_start, new_end = span
            around = self.unit_around(old_start)
            if around is not None:
                old_start, new_start = around[0], new_start - (old_start - around[0])
            around = self.unit_around(old_end)
            if around is not None:
                old_end, new_end = around[1], new_end + (around[1] - old_end)
            escape = self._escape_unescaped(typed, old_end, new_end)
            if escape is not None:
                old_end, new_end = escape
            if widened and widened[-1][1] >= old_start:
                previous = widened.pop()
                old_start, new_start = previous[0], previous[2]
            widened.append((old_start, old_end, new_start, new_end))
        return widened

    def _escape_unescaped(self, typed: str, old_end: int, new_end: int) -> tuple[int, int] | None:
        """The ends (old, new) of a span ending at ``old_end`` / ``new_end`` taken over the
        escape after it when ``typed`` no longer reads it as one: a backslash typed before it
        escapes its backslash (``\\\\u2028`` is a backslash and ``u2028``), so the separator
        must not be written raw. Only backslashes may lie between the span and the escape."""
        at = old_end
        while at < len(self.text) and self.text[at] == "\\":
            if self._escape_at(at):
                typed_at = new_end + (at - old_end)
                if not _escaped_by_backslash(typed, typed_at):
                    return None
                return at + _ESCAPE_LENGTH, typed_at + _ESCAPE_LENGTH
            at += 1
        return None

    def error_shown(self, error: ParseError | None) -> ParseError | None:
        """``error`` (found in ``source``) at its place in ``text``: a line counts its LFs,
        a column the characters before it on its line (an escape's six)."""
        if error is None or self.text is self.source:
            return error
        offset = self.to_shown(error.offset)
        line_start = self.text.rfind("\n", 0, offset) + 1
        return dataclasses.replace(
            error,
            line=self.text.count("\n", 0, line_start) + 1,
            column=offset - line_start + 1,
            offset=offset,
        )


def _joined(pieces: list[str]) -> str:
    """``pieces`` joined, keeping their line breaks: a lone CR that would come to stand just
    before an LF (the line between them deleted) would make one CR LF of two line breaks, so
    it becomes a CR LF itself."""
    kept: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if kept and kept[-1].endswith("\r") and piece.startswith("\n"):
            kept.append("\n")
        kept.append(piece)
    return "".join(kept)


def _escaped_line(line: str) -> tuple[str, list[tuple[int, int]]]:
    """``line`` with its separators escaped (see _escaped_separators), and the (shown column,
    source column) of each escape."""
    escapes: list[tuple[int, int]] = []
    pieces: list[str] = []
    at = 0
    for match in _SEPARATOR.finditer(line):
        if _escaped_by_backslash(line, match.start()):
            continue
        pieces.append(line[at : match.start()])
        escapes.append((match.start() + len(escapes) * (_ESCAPE_LENGTH - 1), match.start()))
        pieces.append(_ESCAPES[match.group()])
        at = match.end()
    pieces.append(line[at:])
    return "".join(pieces), escapes


def _with_line_endings(typed: str, source: str, start: int, end: int) -> list[str]:
    """The pieces of ``typed`` (LF line breaks) written over ``source[start:end]``: its n-th
    line break takes the ending of the n-th one it replaces (past those, the last), or with
    none replaced, that of the line break next to where it is typed (the one just before,
    else the next, else the last before); LF in a text that has no line break."""
    if "\n" not in typed:
        return [typed]
    endings = _LINE_BREAK.findall(source, start, end)
    if not endings:
        endings = [_neighbour_ending(source, start, end)]
    lines = typed.split("\n")
    pieces = [lines[0]]
    for number, line in enumerate(lines[1:]):
        pieces.append(endings[min(number, len(endings) - 1)])
        pieces.append(line)
    return pieces


def _neighbour_ending(source: str, start: int, end: int) -> str:
    if start and source[start - 1] in "\r\n":
        return "\r\n" if source.startswith("\r\n", start - 2) else source[start - 1]
    following = _LINE_BREAK.search(source, end)
    if following is not None:
        return following.group()
    before = max(source.rfind("\n", 0, start), source.rfind("\r", 0, start))
    if before < 0:
        return "\n"
    return "\r\n" if source.startswith("\r\n", before - 1) else source[before]


Span = tuple[int, int, int, int]
"""(old start, old end, new start, new end): ``old[old_start:old_end]`` became
``new[new_start:new_end]``."""


def _common_prefix(old: str, new: str, limit: int) -> int:
    """How many first characters (at most ``limit``) the texts share: slice compares halving
    the range, so a megabyte costs a few memory compares, not a Python loop per character."""
    if old[:limit] == new[:limit]:
        return limit
    low, high = 0, limit  # old[:low] == new[:low]; old[:high] != new[:high]
    while high - low > 1:
        middle = (low + high) // 2
        if old[low:middle] == new[low:middle]:
            low = middle
        else:
            high = middle
    return low


def _common_suffix(old: str, new: str, limit: int) -> int:
    """How many last characters (at most ``limit``) the texts share."""
    old_end, new_end = len(old), len(new)
    if old[old_end - limit :] == new[new_end - limit :]:
        return limit
    low, high = 0, limit
    while high - low > 1:
        middle = (low + high) // 2
        if old[old_end - middle : old_end - low] == new[new_end - middle : new_end - low]:
            low = middle
        else:
            high = middle
    return low


def _trimmed(old: str, new: str, span: Span) -> Span | None:
    """``span`` without the characters its two sides share at either end; None if equal."""
    old_start, old_end, new_start, new_end = span
    old_part, new_part = old[old_start:old_end], new[new_start:new_end]
    if old_part == new_part:
        return None
    prefix = _common_prefix(old_part, new_part, min(len(old_part), len(new_part)))
    suffix = _common_suffix(old_part, new_part, min(len(old_part), len(new_part)) - prefix)
    return (old_start + prefix, old_end - suffix, new_start + prefix, new_end - suffix)


def changed_spans(old: str, new: str) -> list[Span]:
    """The spans where ``new`` differs from ``old``, in order, each as small as a line diff
    and a common prefix and suffix make it ([] when equal)."""
    whole = _trimmed(old, new, (0, len(old), 0, len(new)))
    if whole is None:
        return []
    old_start, old_end, new_start, new_end = whole
    # Whole lines around the change, so that the line diff compares lines, not line pieces.
    old_start = old.rfind("\n", 0, old_start) + 1
    new_start = new_start - (whole[0] - old_start)
    tail = old.find("\n", old_end)
    tail = len(old) if tail < 0 else tail + 1
    new_end, old_end = new_end + (tail - old_end), tail
    old_lines = _lines(old[old_start:old_end])
    new_lines = _lines(new[new_start:new_end])
    blocks = _line_blocks(old_lines, new_lines)
    if blocks is None:
        return [whole]
    old_offsets = _offsets(old_lines, old_start)
    new_offsets = _offsets(new_lines, new_start)
    spans = []
    for old_first, old_past, new_first, new_past in blocks:
        block = (
            old_offsets[old_first],
            old_offsets[old_past],
            new_offsets[new_first],
            new_offsets[new_past],
        )
        trimmed = _trimmed(old, new, block)
        if trimmed is not None:
            spans.append(trimmed)
    return spans


def _lines(text: str) -> list[str]:
    """``text``'s lines, each with its LF (the last without one when the text has none)."""
    lines = text.split("\n")
    last = lines.pop()
    lines = [line + "\n" for line in lines]
    if last:
        lines.append(last)
    return lines


def _offsets(lines: list[str], start: int) -> list[int]:
    return list(itertools.accumulate(map(len, lines), initial=start))


def _line_blocks(
    old: list[str], new: list[str], max_edits: int = MAX_LINE_EDITS
) -> list[tuple[int, int, int, int]] | None:
    """The blocks of lines (old first, old past, new first, new past) a shortest edit script
    (Myers' O(ND) diff) replaces, or None when it needs more than ``max_edits`` edits."""
    n, m = len(old), len(new)
    offset = max_edits + 1
    furthest = [0] * (2 * offset + 1)  # on diagonal k (x - y): the furthest x reached
    trace: list[list[int]] = []
    for edits in range(max_edits + 1):
        trace.append(furthest[:])
        for k in range(-edits, edits + 1, 2):
            if k == -edits or (k != edits and furthest[offset + k - 1] < furthest[offset + k + 1]):
                x = furthest[offset + k + 1]  # from the diagonal above: a line inserted
            else:
                x = furthest[offset + k - 1] + 1  # from the one below: a line deleted
            y = x - k
            while x < n and y < m and old[x] == new[y]:
                x += 1
                y += 1
            furthest[offset + k] = x
            if x >= n and y >= m:
                return _blocks_of_path(trace, offset, n, m)
    return None


def _blocks_of_path(
    trace: list[list[int]], offset: int, n: int, m: int
) -> list[tuple[int, int, int, int]]:
    """The changed blocks of the path :func:`_line_blocks` found, walked back from its end."""
    equal_runs: list[tuple[int, int, int]] = []  # (old start, new start, length), backwards
    x, y = n, m
    for edits in range(len(trace) - 1, 0, -1):
        furthest = trace[edits]
        k = x - y
        if k == -edits or (k != edits and furthest[offset + k - 1] < furthest[offset + k + 1]):
            previous_k = k + 1
        else:
            previous_k = k - 1
        previous_x = furthest[offset + previous_k]
        previous_y = previous_x - previous_k
        # The snake from the edit's end to (x, y) is equal lines.
        start_x = previous_x if previous_k == k + 1 else previous_x + 1
        start_y = start_x - k
        if x > start_x:
            equal_runs.append((start_x, start_y, x - start_x))
        x, y = previous_x, previous_y
    if x > 0:
        equal_runs.append((0, 0, x))
    equal_runs.reverse()
    blocks = []
    old_at = new_at = 0
    for old_start, new_start, length in [*equal_runs, (n, m, 0)]:
        if old_start > old_at or new_start > new_at:
            blocks.append((old_at, old_start, new_at, new_start))
        old_at, new_at = old_start + length, new_start + length
    return blocks


def qt_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` (offsets of ``text``) where Qt's document set to ``text`` has them: there a
    CR LF is one position (every other line break, even U+2029, is one character as in the
    text). One pass over the text however many spans, without copying it."""
    if "\r\n" not in text:
        return list(spans)
    shifted = list(spans)
    at = before = 0  # CR LFs before offset ``at``
    for index in sorted(range(len(spans)), key=lambda number: spans[number][0]):
        start, end = spans[index]
        before += text.count("\r\n", at, start)
        at = start
        shifted[index] = (start - before, end - before - text.count("\r\n", start, end))
    return shifted


def typed_bytes(typed: str, file_bytes: bytes) -> bytes:
    """The bytes to write when ``typed`` (the raw editor's text) was typed over the shown text
    of a file holding ``file_bytes`` (UTF-8, perhaps with a BOM): the file's bytes with only
    the typed spans changed, its BOM kept."""
    bom = codecs.BOM_UTF8 if file_bytes.startswith(codecs.BOM_UTF8) else b""
    source = file_bytes[len(bom) :].decode("utf-8", errors="surrogatepass")
    return bom + ShownText.of(source).typed_source(typed).encode("utf-8", errors="surrogatepass")
