"""The document a save leaves, and what a save of a big document must not do all at once.

:func:`written_document` is the file as a save left it, built from the bytes written and the
document they hold (never parsed again); :func:`edit_has_secrets` checks only what an edit
changed for secret values; :func:`release_gradually` frees a big document a piece at a time, so
that the GUI thread is never kept from the interpreter for the whole of it."""

from __future__ import annotations

import codecs
import sys
import time
from typing import Any, Final

from inspector.document.merge import ABSENT
from inspector.document.parsing import check_secrets, detect_indent, indented_display_text
from inspector.document.results import DocumentKind, LoadedDocument
from inspector.document.secrets import is_secret_file, is_secret_key
from inspector.document.text import decode_utf8_sig
from lockcore import JSONKind, classify_json, number_spellings

__all__ = ["edit_has_secrets", "release_gradually", "written_document"]


def release_gradually(document: Any) -> None:
    """Free a document a piece at a time: freeing a 50 MB document in one go is a single C call
    of a third of a second, during which no other thread runs. ``document`` itself is emptied
    (no one else may use it); a member that something else refers to too (a merge shares
    members of "theirs") is let go of, and left whole. Anything but a dict or a list
    (NO_DOCUMENT, a scalar) is left to the caller's reference."""
    stack = [document] if isinstance(document, dict | list) else []
    freed = 0
    while stack:
        container = stack.pop()
        while container:
            if isinstance(container, dict):
                _, value = container.popitem()
            else:
                value = container.pop()
            # Only ``value`` and getrefcount's argument refer to it: no one else has it.
            if (
                isinstance(value, dict | list)
                and len(value) > _RELEASE_WHOLE
                and sys.getrefcount(value) == _OWN_REFERENCES
            ):
                stack.append(value)  # its members are freed one by one too
            del value
            freed += 1
            if freed % _RELEASE_WHOLE == 0:
                time.sleep(0)  # hand the GIL over for sure


_OWN_REFERENCES: Final = 2


_RELEASE_WHOLE: Final = 256
"""Containers with up to this many members are freed in one go."""


def written_document(
    path: str,
    raw: bytes,
    document: Any,
    secrets: bool | None = None,
    *,
    standard: bool = False,
    plain_numbers: bool = False,
) -> LoadedDocument:
    """The file as a save left it: its bytes and the document they hold (not parsed again),
    with what a load would say of them: a byte order mark, why it is non-standard JSON, and
    the numbers it spells otherwise than Python (searched here, on the save's worker, also in
    a big text: the tree shows them at once). ``standard``, ``plain_numbers``: the save edited
    a file known to have no non-standard value / no such spelling, which an edit does not add:
    not searched for."""
    text = decode_utf8_sig(raw)
    indent = detect_indent(text)
    non_standard = ""
    if not standard:
        check = classify_json(text, parse=lambda _text: document)  # no parse: a search
        non_standard = check.reason if check.kind is JSONKind.NON_STANDARD else ""
    spellings = () if plain_numbers else tuple(number_spellings(text).items())
    return LoadedDocument(
        path,
        DocumentKind.VALID,
        raw=raw,
        text=text,
        document=document,
        size=len(raw),
        indent=indent,
        secrets=check_secrets(document, path) if secrets is None else secrets,
        display_text=indented_display_text(raw, text, document, indent),
        bom=raw.startswith(codecs.BOM_UTF8),
        non_standard=non_standard,
        number_spellings=spellings,
    )


def edit_has_secrets(edited: Any, base: Any, path: str) -> bool:
    """:func:`check_secrets` of ``edited``, an edit of ``base``, which has no secret values.

    What ``edited`` shares with ``base`` -- the very objects: the editor copies only what was
    changed -- has none, so only the rest is walked (checking a whole 50 MB document took over
    a second of each save).
    """
    if is_secret_file(path):
        return check_secrets(edited, path)
    keys: set[str] = set()  # the keys of every object the edit changed
    fresh: list[Any] = []  # values not in base at all: checked whole
    pending: list[tuple[Any, Any]] = [(edited, base)]
    walked = 0
    while pending:
        new, old = pending.pop()
        walked += 1
        if walked % _RELEASE_WHOLE == 0:
            time.sleep(0)  # hand the GIL over for sure
        if new is old:
            continue
        if isinstance(new, dict) and isinstance(old, dict):
            keys.update(new)
            pending += [(value, old.get(key, ABSENT)) for key, value in new.items()]
        elif isinstance(new, list) and isinstance(old, list):
            pending += zip(new, old, strict=False)
            fresh += new[len(old) :]
        elif isinstance(new, dict | list):
            fresh.append(new)
    return any(map(is_secret_key, keys)) or check_secrets(fresh, path)
