"""Repeated keys in a JSON text (pure: bytes in, a list or bytes out): every key that occurs more
than once in one object, with each occurrence's value and place, and the text without one chosen
occurrence, every other byte kept. Built on the format-keeping editor's member scan."""

from __future__ import annotations

import json
import json.decoder
import json.encoder
import json.scanner
from dataclasses import dataclass, field
from typing import Any

from lockcore._json_pieces import _SCAN_STRING
from lockcore._jsonedit import _BIG, BOM, _Editor, _Member


@dataclass(frozen=True)
class DuplicateKey:
    """A key that occurs more than once in one object of a JSON text.

    ``location`` is the object's place as Python reads the document (the last occurrence of
    each key on the way); ``values`` holds each occurrence's value in the text's order -- the
    last is the one ``json.loads`` keeps.
    """

    location: tuple[str | int, ...]
    key: str
    values: tuple[Any, ...]
    #: where each occurrence's key is in the text (without a BOM): (start, end) character
    #: offsets of its quoted literal, for an editor to mark them
    spans: tuple[tuple[int, int], ...] = field(default=(), compare=False)


def find_duplicate_keys(original: bytes) -> list[DuplicateKey]:
    """Every key that occurs more than once in one object of ``original`` (valid JSON in
    UTF-8), in the text's order. Objects inside a shadowed occurrence are not looked into (no
    path reaches them). Walks the whole text in Python: ask when ``classify_json`` reported
    duplicate keys."""
    editor = _Editor(_text_of(original))
    found: list[DuplicateKey] = []
    pending: list[tuple[int, tuple[str | int, ...]]] = [(editor.skip(0), ())]
    while pending:
        start, location = pending.pop()
        if editor.text[start] not in "{[":
            continue
        container = editor.scan(start)
        is_object = editor.text[start] == "{"
        occurrences: dict[str | int, list[_Member]] = {}
        for index, member in enumerate(container.members):
            occurrences.setdefault(member.key if is_object else index, []).append(member)  # type: ignore[arg-type]
        for step, members in reversed(occurrences.items()):
            pending.append((members[-1].value_start, (*location, step)))
        found.extend(
            DuplicateKey(
                location,
                str(key),
                tuple(_member_value(editor, m) for m in members),
                tuple((m.start, _SCAN_STRING(editor.text, m.start + 1)[1]) for m in members),
            )
            for key, members in occurrences.items()
            if len(members) > 1
        )
    return found


def remove_duplicate_key(
    original: bytes, location: tuple[str | int, ...], key: str, occurrence: int
) -> bytes:
    """``original`` without the ``occurrence``-th (from 0, in the text's order) of the
    members named ``key`` of the object at ``location`` (see :class:`DuplicateKey`): exactly
    that member's bytes and one separator go, every other byte stays.

    Raises KeyError when the object has no such occurrence, or ``location`` leads nowhere.
    """
    bom = BOM if original.startswith(BOM) else b""
    editor = _Editor(_text_of(original))
    start = editor.skip(0)
    for step in location:
        if editor.text[start] not in "{[":
            raise KeyError(location)
        members = editor.scan(start).members
        if isinstance(step, str):
            matching = [member for member in members if member.key == step]
        else:
            matching = members[step : step + 1] if step >= 0 else []
        if not matching:
            raise KeyError(location)
        start = matching[-1].value_start
    if editor.text[start] != "{":
        raise KeyError(location)
    container = editor.scan(start)
    indices = [index for index, member in enumerate(container.members) if member.key == key]
    if not 0 <= occurrence < len(indices):
        raise KeyError(key)
    gone = indices[occurrence]
    editor.rearrange(
        container, [index for index in range(len(container.members)) if index != gone], location
    )
    return bom + editor.result().encode("utf-8")


def _text_of(original: bytes) -> str:
    return original[len(BOM) if original.startswith(BOM) else 0 :].decode("utf-8")


def _member_value(editor: _Editor, member: _Member) -> Any:
    if member.value is _BIG:
        return json.loads(editor.text[member.value_start : member.end])
    return member.value
