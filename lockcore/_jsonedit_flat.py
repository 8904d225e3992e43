"""The format-keeping edit of a small flat object that ``json.dumps`` wrote: one ``json.dumps``.

Most small stores are one object of strings, numbers and constants, written by ``json.dump``
(``{"count": 5}``) or with an indent. For such a text, the general edit (``_jsonedit``) keeps
every unchanged member's bytes, which are ``json.dumps``'s spelling of its value, and writes a
changed or new member in the neighbours' style, which is ``json.dumps``'s style: so its result
is ``json.dumps`` of the new document, provided the members come in the order the edit puts
them (the old ones in their old order, then the new ones). That took the general edit 12 µs,
the better part of a small update's Python; checking the conditions and ``json.dumps`` takes ~4.

Every condition below is what makes the two byte-identical; anything else (a nested value, a
repeated key, a ``\\u`` escape in an ASCII file, NaN, an ``int`` subclass, keys moved, ...)
returns None and takes the general path. ``tests/lockcore/test_jsonedit_flat.py`` compares
both over generated documents and edits.
"""

from __future__ import annotations

import json
import json.encoder
import math
import re
from typing import Any

#: Longer texts take the general path: the conditions are checked over the whole text.
FLAT_MAX_CHARS = 4096

_SCALAR_TYPES = (str, int, bool, type(None))
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_INDENT = re.compile(r"\{\n([ \t]+)\"")
#: json's C scanner itself (raw_decode without its Python wrapper): (value, end) or
#: StopIteration/ValueError.
_scan_once: Any = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# The C encoder json.dumps(ensure_ascii=False) builds on every call, built once (json.dumps
# spent more time making it than encoding a small store). No circular-reference markers: a
# flat object holds no container that could hold it.
_c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
_COMPACT_CHUNKS: Any = (
    None
    if _c_make_encoder is None
    else _c_make_encoder(
        None, _refuse, json.encoder.encode_basestring, None, ": ", ", ", False, False, False
    )
)


def _compact(document: dict[str, Any]) -> str:
    """``json.dumps(document, ensure_ascii=False)`` of a flat object."""
    if _COMPACT_CHUNKS is None:  # pragma: no cover - a Python without the C accelerator
        return json.dumps(document, ensure_ascii=False, allow_nan=False)
    return "".join(_COMPACT_CHUNKS(document, 0))


def _is_flat(document: dict[Any, Any]) -> bool:
    """Every key a ``str``, every value a string, an int, a finite float, a bool or None
    (exactly those types: a subclass may spell itself otherwise)."""
    for key, value in document.items():
        if type(key) is not str:
            return False
        kind = type(value)
        if kind is float:
            if not math.isfinite(value):
                return False
        elif kind not in _SCALAR_TYPES:
            return False
    return True


_Written = tuple[dict[str, Any], str | None, str]
#: The last text :func:`edit_flat` made, with what :func:`_written_by_dumps` says of it (its
#: object's keys standing for the object): a store this process updates again is read back
#: as that very text, whose second look -- a parse, a flatness check and a json.dumps to
#: compare with -- is then one string comparison (issue 9 §6). Replaced whole, one tuple.
_last_made: tuple[str, _Written] | None = None


def edit_flat(text: str, document: Any) -> str | None:
    """What the general edit makes of ``text`` (a file's text, without its BOM) for
    ``document``, when ``text`` is a small flat object exactly as ``json.dumps`` writes it
    (``ensure_ascii=False``, one line or an indent, a final newline or none) and ``document``
    is one too; None otherwise."""
    global _last_made  # noqa: PLW0603 - replaced whole
    if type(document) is not dict or not _is_flat(document):
        return None
    written = _written_by_dumps(text)
    if written is None:
        return None
    old, indent, tail = written
    # The general edit keeps the members that stay in their old order and adds the new ones
    # after them, in the document's order (the same keys in the same order: the usual case).
    keys = list(document)
    if list(old) != keys:
        order = [key for key in old if key in document]
        order += [key for key in document if key not in old]
        if order != keys:
            return None
    new = _compact(document) if indent is None else _indented(document, indent)
    if _LONE_SURROGATE.search(new) is not None:
        return None  # the general edit writes them as \ud800 escapes
    made = new + tail
    if len(made) <= FLAT_MAX_CHARS and not (made.isascii() and "\\u" in made):
        # What _written_by_dumps would find in it: json.dumps of a flat object (just checked),
        # whose parse is an equal flat object with these keys; its indent as it would match.
        indented = _INDENT.match(new)
        _last_made = (
            made,
            (dict.fromkeys(keys), None if indented is None else indented.group(1), tail),
        )
    return made


def _written_by_dumps(text: str) -> _Written | None:
    """(the flat object, the indent or None for one line, the final newline or "") when
    ``text`` is exactly what ``json.dumps(..., ensure_ascii=False)`` writes; else None.
    (For the text :func:`edit_flat` made last, the object stands for itself by its keys.)"""
    if len(text) > FLAT_MAX_CHARS or not text.startswith("{"):
        return None
    last_made = _last_made
    if last_made is not None and last_made[0] == text:
        return last_made[1]
    # The general edit escapes what it adds when the file is ASCII with \u escapes in it;
    # json.dumps(ensure_ascii=False) would not.
    if (text.isascii() and "\\u" in text) or _LONE_SURROGATE.search(text) is not None:
        return None
    try:
        old, end = _scan_once(text, 0)
    except (StopIteration, ValueError, RecursionError):
        return None
    tail = text[end:]
    if (tail and tail != "\n") or type(old) is not dict or not _is_flat(old):
        return None
    body = text[:end]
    indented = _INDENT.match(body)
    indent = None if indented is None else indented.group(1)
    written = _compact(old) if indent is None else _indented(old, indent)
    return (old, indent, tail) if body == written else None


#: The C encoder of a flat object's members for each indent met, with the line break and the
#: indent as its item separator. ``json.dumps(indent=...)`` runs json's Python encoder: ~440
#: bytecodes for a one-member store, more than the rest of the edit, and an indent of 2 is how
#: lockcore writes every new file (issue 9 §6).
_indented_chunks: dict[str, Any] = {}
_INDENTS_KEPT = 64


def _indented(document: dict[str, Any], indent: str) -> str:
    """``json.dumps(document, ensure_ascii=False, indent=indent)`` of a flat object."""
    if not document:
        return "{}"
    chunks = _indented_chunks.get(indent)
    if chunks is None:
        if _c_make_encoder is None:  # pragma: no cover - a Python without the C accelerator
            return json.dumps(document, ensure_ascii=False, indent=indent, allow_nan=False)
        chunks = _c_make_encoder(
            None, _refuse, json.encoder.encode_basestring, None, ": ", ",\n" + indent,
            False, False, False,
        )  # fmt: skip
        if len(_indented_chunks) < _INDENTS_KEPT:
            _indented_chunks[indent] = chunks
    # "{" members "}" with the members one per line: json.dumps puts the first on a line of
    # its own and the closing brace on the next.
    return "{\n" + indent + "".join(chunks(document, 0))[1:-1] + "\n}"
