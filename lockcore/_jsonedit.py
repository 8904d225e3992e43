"""Format-keeping JSON edits: the file's bytes with only what changed rewritten.

``apply_edit(original, document)`` returns bytes that parse to ``document`` and in which every
value that did not change keeps its exact spelling (``1.50``, ``1e3``, ``-0``, ``\\u00e9``,
``\\/``, ``NaN``, lone-surrogate escapes, huge integers), and the whitespace, key order, line
endings, UTF-8 BOM and final newline stay byte-identical. A new entry copies its neighbours'
style (indentation, separators, line ending); a deleted entry takes its separator with it. Pure:
bytes and a document in, bytes out; no I/O.

How, and why this way (measured on a 26 MB compact document, 2-core machine, see
``benchmarks/bench_fidelity.py``): the stdlib's C scanner (``json.scanner.make_scanner``, what
``json.loads`` runs) parses one value from any offset and returns where it ends. Walking a
container member by member with it gives each member's byte span and its old value at C speed;
the old value is compared with the new one (``==`` first, then ``marshal`` bytes, which tell
``True`` from ``1``, ``1`` from ``1.0`` and ``0.0`` from ``-0.0``, all of which ``==`` calls
equal), and only a member that differs is descended into or re-serialised. So the cost is about
two parses of the containers on the changed path (the member scan, then the scan inside the
changed member), with garbage collection paused while the scanner builds objects (that alone
makes a parse 3-4x faster: collections triggered by millions of new containers dominate
``json.loads``). A span-keeping parser of our own in Python is ~50x slower than the C scanner;
tree-sitter's JSON grammar keeps spans but would be a new compiled dependency, builds a node
for every token (slower than the scanner on big files), and accepts invalid JSON silently.

Duplicate keys: Python keeps the last occurrence, so a changed value is written to the last
occurrence and earlier ones stay untouched bytes; deleting the key deletes every occurrence
(otherwise an earlier one would come back as the value).

Array edits: equal lengths compare item by item; otherwise the common prefix and suffix are
kept and the middle is matched with ``difflib`` (small middles) so that an insertion or a
deletion rewrites only the items it touches.

Beside it: ``_json_pieces.py`` (the C scanner, and parsing a big text a piece at a time),
``_json_compare.py`` (whether a value changed, exactly; matching array items),
``_json_style.py`` (the file's style, which what is added copies), ``_json_write.py`` (a whole
document or a scalar written anew) and ``_duplicate_text.py`` (finding and removing repeated
keys with this module's member scan).
"""

from __future__ import annotations

import contextlib
import json
import json.decoder
import json.encoder
import json.scanner
import time
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from lockcore import _json_pieces, _jsonedit_flat, _pieces
from lockcore._collector import collector_paused
from lockcore._json_compare import _match, _same
from lockcore._json_pieces import (
    _HAND_OVER_EVERY,
    _SCAN,
    _SCAN_STRING,
    _WHITESPACE,
    _next_limit,
    _probe,
)
from lockcore._json_style import _INDENT, _Style
from lockcore._json_write import (
    NonFiniteValueError,
    _dumps,
    _escape_surrogates,
    _scalar_text,
    serialize,
)

BOM = b"\xef\xbb\xbf"


def apply_edit(original: bytes, document: Any, text: str | None = None) -> bytes:
    """``original`` (valid JSON in UTF-8) edited to hold ``document``, keeping its format.

    ``text``: ``original`` decoded, without its BOM, when the caller has it already (a parse
    decoded it): not decoded again. Returns ``original`` itself (the same object) when nothing
    changed. Raises NonFiniteValueError when a new or changed value is NaN or ±Infinity
    (untouched ones in the file are kept), TypeError for what json.dumps cannot serialise.
    """
    bom = BOM if original.startswith(BOM) else b""
    if text is None:
        text = _pieces.decode_utf8(original, len(bom))
    if len(text) <= _jsonedit_flat.FLAT_MAX_CHARS:
        # A small flat object json.dumps wrote: the same bytes as below, from one json.dumps.
        edited = _jsonedit_flat.edit_flat(text, document)
        if edited is not None:
            return original if edited == text else bom + edited.encode()
    return _edit_text(original, bom, text, document)


def _edit_text(original: bytes, bom: bytes, text: str, document: Any) -> bytes:
    """:func:`apply_edit` by the general walk (``text``: ``original`` decoded, after ``bom``)."""
    editor = _Editor(text)
    start = editor.skip(0)
    # A small text's few containers give the collector nothing to do: no pause (its cost
    # was a twentieth of a small store's edit).
    with collector_paused() if len(text) > _json_pieces.PROBE_CHARS else contextlib.nullcontext():
        try:
            editor.edit_value(start, document, ())
        except RecursionError:
            # Deeper than this walk can go: write it all anew, in the file's indentation.
            unit = editor.style.unit if editor.style.multiline else None
            return bom + serialize(document, unit)
    if not editor.splices:
        return original
    return editor.result_bytes(original, len(bom))


class _Big:
    """The value of a member too big to parse in one C call (see ``_Member.nested``)."""


_BIG = _Big()


@dataclass(slots=True)
class _Member:
    start: int  # the key (objects) or the value (arrays)
    value_start: int
    end: int  # just after the value
    key: str | None
    value: Any  # _BIG when ``nested`` holds the scan of a big container instead
    nested: _Container | None = None


@dataclass
class _Container:
    open: int  # offset of "{" or "["
    close: int  # offset of "}" or "]"
    members: list[_Member] = field(default_factory=list)


class _NewEntry:
    def __init__(self, key: str | None, value: Any) -> None:
        self.key = key
        self.value = value


class _Editor:
    def __init__(self, text: str) -> None:
        self.text = text
        self.style = _Style.detect(text)
        self.splices: list[tuple[int, int, str]] = []

    def result(self) -> str:
        pieces: list[str] = []
        position = 0
        for start, end, replacement in sorted(self.splices, key=lambda splice: splice[0]):
            pieces.append(self.text[position:start])
            pieces.append(replacement)
            position = end
        pieces.append(self.text[position:])
        return "".join(pieces)

    def result_bytes(self, original: bytes, offset: int) -> bytes:
        """The edited text encoded: ``original`` (``self.text`` encoded, after ``offset``
        bytes of BOM) with the splices. Untouched spans of an ASCII text are the original's
        bytes (its characters are its bytes), others are encoded; either way a piece at a time,
        each piece a ``bytes`` of its own: ``bytes.join`` copies a big result with the GIL
        released only when every piece is exactly ``bytes`` (views of ``original`` kept it
        held for the whole 50 MB copy, and a worker saving it stalled the GUI thread)."""
        text = self.text
        is_ascii = text.isascii()

        def span(start: int, end: int) -> list[bytes]:
            if is_ascii:
                return [
                    original[offset + position : offset + min(position + _pieces.PIECE, end)]
                    for position in range(start, end, _pieces.PIECE)
                ]
            return [
                text[position : min(position + _pieces.PIECE, end)].encode("utf-8")
                for position in range(start, end, _pieces.PIECE)
            ]

        pieces: list[bytes] = [original[:offset]]
        position = 0
        for start, end, replacement in sorted(self.splices, key=lambda splice: splice[0]):
            pieces += span(position, start)
            pieces.append(replacement.encode("utf-8"))
            position = end
        pieces += span(position, len(text))
        return b"".join(pieces)

    def skip(self, position: int) -> int:
        return _WHITESPACE.match(self.text, position).end()  # type: ignore[union-attr]

    # -- reading the original text ---------------------------------------------------------
    def scan(self, open_at: int) -> _Container:
        """Every member of the object or array opening at ``open_at``, with its span.

        A member that is an object or an array is first parsed from a slice (see
        :func:`_probe`); if it does not fit, it is scanned member by member too, so that no
        single C call holds the GIL for long (a GUI thread waits on it while a worker saves).
        """
        # Locals, not attributes, in this loop: it runs once per member of every container
        # on the way to a change (a small store's update spends most of its time here).
        text, style, whitespace = self.text, self.style, _WHITESPACE.match
        is_object = text[open_at] == "{"
        closer = "}" if is_object else "]"
        container = _Container(open_at, -1)
        members = container.members
        limit = _json_pieces.PROBE_CHARS
        position = whitespace(text, open_at + 1).end()  # type: ignore[union-attr]
        if text[position] == closer:
            container.close = position
            return container
        key: str | None = None
        while True:
            start = position
            if is_object:
                key, key_end = _SCAN_STRING(text, position + 1)
                colon = whitespace(text, key_end).end()  # type: ignore[union-attr]
                position = whitespace(text, colon + 1).end()  # type: ignore[union-attr]
                if style.key_separator is None:
                    style.key_separator = text[key_end:position]
            if text[position] in "{[":
                member = self.scan_member(start, position, key, limit)
                end = member.end
            else:
                value, end = _SCAN(text, position)
                member = _Member(start, position, end, key, value)
            limit = _next_limit(end - position)
            members.append(member)
            if len(members) % _HAND_OVER_EVERY == 0:
                time.sleep(0)
            position = whitespace(text, end).end()  # type: ignore[union-attr]
            if text[position] == closer:
                container.close = position
                return container
            after_comma = whitespace(text, position + 1).end()  # type: ignore[union-attr]
            if style.item_separator is None:
                gap = text[end:after_comma]
                if "\n" not in gap:
                    style.item_separator = gap
            position = after_comma

    def scan_member(self, start: int, value_start: int, key: str | None, limit: int) -> _Member:
        """The member whose object or array value starts at ``value_start``."""
        probed = _probe(_SCAN, self.text, value_start, limit)
        if probed is None:  # too big for a probe
            nested = self.scan(value_start)
            return _Member(start, value_start, nested.close + 1, key, _BIG, nested)
        value, end = probed
        return _Member(start, value_start, end, key, value)

    # -- deciding what changed ---------------------------------------------------------------
    def edit_value(self, start: int, new: Any, location: tuple[str | int, ...]) -> None:
        """Splice in ``new`` for the value at ``start``, descending into containers."""
        opener = self.text[start]
        if opener == "{" and isinstance(new, dict) and all(type(key) is str for key in new):
            self.edit_object(self.scan(start), new, location)
        elif opener == "[" and isinstance(new, list | tuple):
            self.edit_array(self.scan(start), new, location)
        else:
            old, end = _SCAN(self.text, start)
            if not _same(old, new):
                self.replace(start, end, new, location, multiline=self.style.multiline)

    def edit_member(
        self, member: _Member, new: Any, location: tuple[str | int, ...], *, multiline: bool
    ) -> None:
        nested = member.nested
        if nested is not None:  # big: compared member by member, never as a whole
            is_object = self.text[nested.open] == "{"
            if is_object and isinstance(new, dict) and all(type(key) is str for key in new):
                self.edit_object(nested, new, location)
            elif not is_object and isinstance(new, list | tuple):
                self.edit_array(nested, new, location)
            else:
                self.replace(member.value_start, member.end, new, location, multiline=multiline)
            return
        old = member.value
        member.value = None  # the scanned value is not needed any more: free it early
        if _same(old, new):
            return
        if (isinstance(old, dict) and isinstance(new, dict)) or (
            isinstance(old, list) and isinstance(new, list | tuple)
        ):
            self.edit_value(member.value_start, new, location)
        else:
            self.replace(member.value_start, member.end, new, location, multiline=multiline)

    def edit_object(
        self, container: _Container, new: dict[str, Any], location: tuple[str | int, ...]
    ) -> None:
        multiline = self.is_multiline(container)
        last: dict[str, int] = {}
        for index, member in enumerate(container.members):
            last[member.key] = index  # type: ignore[index]
        keep: list[int | _NewEntry] = []
        for index, member in enumerate(container.members):
            key: str = member.key  # type: ignore[assignment]
            if key not in new:
                continue  # every occurrence goes, or an earlier duplicate would come back
            keep.append(index)
            if index and index % _HAND_OVER_EVERY == 0:
                time.sleep(0)
            if last[key] == index:
                self.edit_member(member, new[key], (*location, key), multiline=multiline)
        keep.extend(_NewEntry(key, value) for key, value in new.items() if key not in last)
        self.rearrange(container, keep, location)

    def edit_array(
        self,
        container: _Container,
        new: list[Any] | tuple[Any, ...],
        location: tuple[str | int, ...],
    ) -> None:
        members = container.members
        multiline = self.is_multiline(container)
        old_count, new_count = len(members), len(new)
        if old_count == new_count:
            for index, member in enumerate(members):
                if index and index % _HAND_OVER_EVERY == 0:
                    time.sleep(0)
                self.edit_member(member, new[index], (*location, index), multiline=multiline)
            return
        prefix = 0
        while prefix < min(old_count, new_count) and _same(members[prefix].value, new[prefix]):
            prefix += 1
        suffix = 0
        while suffix < min(old_count, new_count) - prefix and _same(
            members[old_count - 1 - suffix].value, new[new_count - 1 - suffix]
        ):
            suffix += 1
        keep: list[int | _NewEntry] = list(range(prefix))
        old_middle = range(prefix, old_count - suffix)
        new_middle = range(prefix, new_count - suffix)
        for tag, old_from, old_to, new_from, new_to in _match(
            [members[i].value for i in old_middle], [new[i] for i in new_middle]
        ):
            old_indices = old_middle[old_from:old_to]
            new_indices = new_middle[new_from:new_to]
            if tag == "equal" or (tag == "replace" and len(old_indices) == len(new_indices)):
                for old_index, new_index in zip(old_indices, new_indices, strict=True):
                    keep.append(old_index)
                    self.edit_member(
                        members[old_index],
                        new[new_index],
                        (*location, new_index),
                        multiline=multiline,
                    )
            else:
                keep.extend(_NewEntry(None, new[i]) for i in new_indices)
        keep.extend(range(old_count - suffix, old_count))
        self.rearrange(container, keep, location)

    # -- writing -----------------------------------------------------------------------------
    def replace(
        self, start: int, end: int, new: Any, location: tuple[str | int, ...], *, multiline: bool
    ) -> None:
        """Replace the value spanning ``start:end``; its new lines are indented like the line
        it starts on."""
        rendered = self.render(new, multiline, self.line_indent(start), location)
        self.splices.append((start, end, rendered))

    def is_multiline(self, container: _Container) -> bool:
        """Whether the members of ``container`` sit on lines of their own."""
        members = container.members
        if len(members) > 1:
            return "\n" in self.text[members[0].end : members[1].start]
        if members:
            return "\n" in self.text[container.open + 1 : members[0].start]
        return self.style.multiline

    def line_indent(self, position: int) -> str:
        """The whitespace that starts the line holding ``position``."""
        line_start = self.text.rfind("\n", 0, position) + 1
        return self.text[line_start : _INDENT.match(self.text, line_start, position).end()]  # type: ignore[union-attr]

    def render(
        self, value: Any, multiline: bool, indent: str, location: tuple[str | int, ...]
    ) -> str:
        style = self.style
        scalar = _scalar_text(value, ascii_only=style.ensure_ascii)
        if scalar is not None:
            return _escape_surrogates(scalar)
        try:
            if multiline:
                text = _dumps(
                    value, style.unit, (",", style.key_sep()), ensure_ascii=style.ensure_ascii
                )
                text = text.replace("\n", style.newline + indent)
            else:
                text = _dumps(
                    value,
                    None,
                    (style.item_sep(), style.key_sep()),
                    ensure_ascii=style.ensure_ascii,
                )
        except NonFiniteValueError as error:
            raise NonFiniteValueError(location + error.location) from error
        return _escape_surrogates(text)

    def rearrange(
        self, container: _Container, keep: list[int | _NewEntry], location: tuple[str | int, ...]
    ) -> None:
        """Splice the gaps between kept members so that deleted ones go (with a separator)
        and new ones come in where ``keep`` has them, in the neighbours' style."""
        members = container.members
        count = len(members)
        kept = [entry for entry in keep if isinstance(entry, int)]
        if kept == list(range(count)) and len(keep) == count:
            return
        text = self.text
        inner_start, close = container.open + 1, container.close
        gap, lead, trail, indent, multiline = self.layout(container)

        def entries(group: list[_NewEntry]) -> list[str]:
            return [self.render_entry(entry, multiline, indent, location) for entry in group]

        groups: list[list[_NewEntry]] = [[]]  # new entries before each kept one, and after
        for entry in keep:
            if isinstance(entry, int):
                groups.append([])
            else:
                groups[-1].append(entry)
        if not kept:
            added = entries(groups[0])
            inner = lead + gap.join(added) + trail if added else ""
            self.splices.append((inner_start, close, inner))
            return
        first = kept[0]
        if first > 0 or groups[0]:
            before = "".join(entry + gap for entry in entries(groups[0]))
            self.splices.append((inner_start, members[first].start, lead + before))
        for (previous, following), group in zip(pairwise(kept), groups[1:-1], strict=True):
            if following != previous + 1 or group:
                own_gap = text[members[previous].end : members[previous + 1].start]
                middle = "".join(entry + own_gap for entry in entries(group))
                self.splices.append(
                    (members[previous].end, members[following].start, own_gap + middle)
                )
        final = kept[-1]
        if final < count - 1 or groups[-1]:
            after = "".join(gap + entry for entry in entries(groups[-1]))
            self.splices.append((members[final].end, close, after + trail))

    def layout(self, container: _Container) -> tuple[str, str, str, str, bool]:
        """(gap between members, text before the first, after the last, member indentation,
        whether members sit on their own lines) for new members of ``container``."""
        text, members, style = self.text, container.members, self.style
        if members:
            lead = text[container.open + 1 : members[0].start]
            trail = text[members[-1].end : container.close]
            if len(members) > 1:
                gap = text[members[0].end : members[1].start]
                multiline = "\n" in gap
            else:
                multiline = "\n" in lead
                newline = "\r\n" if "\r\n" in lead else "\n"
                gap = "," + newline + lead.rsplit("\n", 1)[-1] if multiline else style.item_sep()
            indent = self.line_indent(members[0].start) if multiline else ""
            return gap, lead, trail, indent, multiline
        if style.multiline:
            outer = self.line_indent(container.open)
            indent = outer + style.unit
            return (
                "," + style.newline + indent,
                style.newline + indent,
                style.newline + outer,
                indent,
                True,
            )
        return style.item_sep(), "", "", "", False

    def render_entry(
        self, entry: _NewEntry, multiline: bool, indent: str, location: tuple[str | int, ...]
    ) -> str:
        if entry.key is None:
            return self.render(entry.value, multiline, indent, location)
        key = _escape_surrogates(json.dumps(entry.key, ensure_ascii=self.style.ensure_ascii))
        value = self.render(entry.value, multiline, indent, (*location, entry.key))
        return key + self.style.key_sep() + value
