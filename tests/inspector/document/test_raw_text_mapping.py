"""The raw text's mapping between a file's text and the editor's (inspector.document.raw_text):
what is typed is what is written, and only where it was typed (issue 10's round-trip list:
4-space, tab, CR LF, BOM, compact, final newline, number spellings, repeated keys,
non-standard numbers, lone surrogates, and line and paragraph separators in strings)."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from inspector.document.raw_text import ShownText, changed_spans, shown_text, typed_bytes

# -- any text: typing anywhere writes what was typed -------------------------------------------

_SOURCE_CHARS = st.sampled_from(["a", " ", '"', "\\", "\t", "é", "\xa0", "\u2028", "\u2029", "u"])
_TYPED_CHARS = st.sampled_from(["a", "\n", "\\", "u", "2", "0", "8", '"', " ", "é", "\xa0"])
_LINE_BREAK = re.compile("(\r\n|\r|\n)")
_ODD_BACKSLASHES_BEFORE_SEPARATOR = re.compile("(?<!\\\\)(?:\\\\\\\\)*\\\\[\u2028\u2029]")


@st.composite
def file_texts(draw: st.DrawFn) -> str:
    """Lines of odd characters with any line endings, mixed; no separator an invalid escape
    (a JSON file that is valid has none)."""
    lines = draw(
        st.lists(
            st.tuples(st.text(_SOURCE_CHARS, max_size=6), st.sampled_from(["\n", "\r\n", "\r"])),
            max_size=8,
        )
    )
    text = "".join(line + ending for line, ending in lines) + draw(
        st.text(_SOURCE_CHARS, max_size=4)
    )
    assume(_ODD_BACKSLASHES_BEFORE_SEPARATOR.search(text) is None)
    return text


@st.composite
def edited(draw: st.DrawFn, text: str) -> str:
    """``text`` after up to three edits (a span replaced by typed text), as an editor hands
    it back: LF line breaks, no raw CR or separator."""
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 5)))
        text = text[:start] + draw(st.text(_TYPED_CHARS, max_size=4)) + text[end:]
    return text


@given(st.data(), file_texts())
@settings(max_examples=400, deadline=None)
def test_the_file_written_shows_exactly_the_typed_text(data: st.DataObject, source: str) -> None:
    shown = ShownText.of(source)
    assert shown.text == shown_text(source)
    assert "\r" not in shown.text
    assert "\u2028" not in shown.text
    assert "\u2029" not in shown.text
    typed = data.draw(edited(shown.text))

    written = shown.typed_source(typed)

    assert shown_text(written) == typed


@given(file_texts())
def test_an_unchanged_text_writes_the_file_as_it_is(source: str) -> None:
    shown = ShownText.of(source)
    assert shown.typed_source(shown.text) is source


@given(st.data(), file_texts())
@settings(max_examples=300, deadline=None)
def test_edits_on_one_line_leave_every_other_line_byte_identical(
    data: st.DataObject, source: str
) -> None:
    """Edits within a line (no line break typed or deleted): every other line of the file
    keeps its bytes, and every line its line ending."""
    source_parts = _LINE_BREAK.split(source)  # line, ending, line, ending, ..., last line
    shown = ShownText.of(source)
    shown_lines = shown.text.split("\n")
    assert len(shown_lines) * 2 - 1 == len(source_parts)
    number = data.draw(st.integers(0, len(shown_lines) - 1))
    line = shown_lines[number]
    start = data.draw(st.integers(0, len(line)))
    end = data.draw(st.integers(start, len(line)))
    typed_piece = data.draw(st.text(_TYPED_CHARS.filter(lambda c: c != "\n"), max_size=4))
    shown_lines[number] = line[:start] + typed_piece + line[end:]
    # A line emptied between a lone CR and an LF cannot keep both (CR LF is one line break).
    assume(
        shown_lines[number]
        or source_parts[2 * number - 1 : 2 * number + 2 : 2] != ["\r", "\n"]
        or number == 0
    )

    written_parts = _LINE_BREAK.split(shown.typed_source("\n".join(shown_lines)))

    assert len(written_parts) == len(source_parts)
    for index, (before, after) in enumerate(zip(source_parts, written_parts, strict=True)):
        if index != number * 2:
            assert after == before


def test_many_changed_lines_between_two_edits_are_written_as_typed() -> None:
    old = "".join(f"line {i}\r\n" for i in range(1000))
    shown = ShownText.of(old)
    typed = shown.text.replace("line ", "LINE ")

    assert shown_text(shown.typed_source(typed)) == typed
    assert changed_spans(shown.text, typed)  # past the line diff's limit: one span, still right


# -- JSON files in every style: a one-value edit changes only that value's bytes ---------------

_NUMBERS = ["0", "-0", "17", "1.50", "1E3", "1e+2", "1E22", "NaN", "Infinity", "-Infinity", "1e999"]
_STRINGS = [
    '"plain"',
    '"é"',
    '"\\u00e9"',
    '"\\/"',
    '"\\ud800"',  # a lone surrogate, escaped
    '"a\u2028b\u2029c"',  # separators, raw
    '"nb\xa0sp"',
    '"tab\\there"',
    '"nul\\u0000"',
]
_SCALARS = st.sampled_from([*_NUMBERS, *_STRINGS, "true", "false", "null"])
_KEYS = st.sampled_from(["a", "b", "theme", "é", "a\u2028b"])  # repeated keys come often


@st.composite
def json_values(draw: st.DrawFn, depth: int = 0) -> object:
    kind = draw(st.sampled_from(["scalar", "object", "array"] if depth < 3 else ["scalar"]))
    if kind == "scalar":
        return draw(_SCALARS)
    children = draw(st.lists(json_values(depth + 1), max_size=4))
    if kind == "array":
        return children
    return [(draw(_KEYS), child) for child in children]  # members, keys may repeat


@dataclass(frozen=True)
class Style:
    indent: str | None  # None: compact
    newline: str  # "mixed": CR LF and LF by turns
    compact_spaces: bool = False
    bom: bool = False
    final_newline: bool = True


_STYLES = st.builds(
    Style,
    indent=st.sampled_from([None, "  ", "    ", "\t"]),
    newline=st.sampled_from(["\n", "\r\n", "mixed"]),
    compact_spaces=st.booleans(),
    bom=st.booleans(),
    final_newline=st.booleans(),
)


@dataclass
class _Writer:
    style: Style
    pieces: list[str] = field(default_factory=list)
    at: int = 0
    scalars: list[tuple[int, int]] = field(default_factory=list)  # (start, end) in the text
    lines: int = 0

    def write(self, text: str) -> None:
        self.pieces.append(text)
        self.at += len(text)

    def newline(self, depth: int) -> None:
        newline = self.style.newline
        if newline == "mixed":
            newline = "\r\n" if self.lines % 2 else "\n"
        self.lines += 1
        self.write(newline + (self.style.indent or "") * depth)

    def value(self, value: object, depth: int) -> None:
        if isinstance(value, str):
            self.scalars.append((self.at, self.at + len(value)))
            self.write(value)
            return
        assert isinstance(value, list)
        is_object = bool(value) and isinstance(value[0], tuple)
        self.write("{" if is_object else "[")
        for number, child in enumerate(value):
            if number:
                self.write(", " if self.style.compact_spaces and self.style.indent is None else ",")
            if self.style.indent is not None:
                self.newline(depth + 1)
            if isinstance(child, tuple):
                key, member_value = child
                spaced = self.style.indent is not None or self.style.compact_spaces
                self.write(f'"{key}"' + (": " if spaced else ":"))
                self.value(member_value, depth + 1)
            else:
                self.value(child, depth + 1)
        if value and self.style.indent is not None:
            self.newline(depth)
        self.write("}" if is_object else "]")


def _replacement(literal: str) -> str:
    return '"zz"' if literal.startswith('"') else "4242"


@given(st.data(), json_values(), _STYLES)
@settings(max_examples=300, deadline=None)
def test_a_one_value_edit_changes_only_that_value_in_files_of_every_style(
    data: st.DataObject, document: object, style: Style
) -> None:
    writer = _Writer(style)
    writer.value(document if isinstance(document, list) else [("a", document)], 0)
    if style.final_newline:
        writer.newline(0)
    source = "".join(writer.pieces)
    bom = codecs.BOM_UTF8 if style.bom else b""
    file_bytes = bom + source.encode("utf-8")
    assume(writer.scalars)
    start, end = data.draw(st.sampled_from(writer.scalars))
    new = _replacement(source[start:end])
    shown = ShownText.of(source)
    typed = shown.text[: shown.to_shown(start)] + new + shown.text[shown.to_shown(end) :]

    written = typed_bytes(typed, file_bytes)

    assert written == bom + (source[:start] + new + source[end:]).encode("utf-8")
