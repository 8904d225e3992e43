"""The format-keeping edit as Hypothesis properties (issue 10): any document written in any
style (indent, separators, ASCII or not, CR LF, BOM, final newline), edited anyhow, is written
by ``apply_edit`` as bytes that parse to exactly the new document in the file's own line
endings, a no-op edit gives the very same bytes, and either holds when big containers are
walked a member at a time -- as parsing in pieces gives what json.loads gives."""

from __future__ import annotations

import contextlib
import copy
import json
import math
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockcore import _json_pieces
from lockcore._jsonedit import apply_edit

_TEXT = st.text(st.characters(exclude_categories=()), max_size=6)  # lone surrogates too
_KEYS = st.text(st.characters(exclude_categories=()), max_size=4)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    _TEXT,
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(_KEYS, children, max_size=5)
    ),
    max_leaves=25,
)
_STYLES = st.fixed_dictionaries(
    {
        "indent": st.sampled_from([None, 0, 1, 2, 4, "\t"]),
        "separators": st.sampled_from([(",", ":"), (", ", ": "), (",", ": "), (" , ", " : ")]),
        "ensure_ascii": st.booleans(),
        "crlf": st.booleans(),
        "bom": st.booleans(),
        "final_newline": st.booleans(),
    }
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _format(document: Any, style: dict[str, Any]) -> bytes:
    separators = style["separators"]
    if style["indent"] is not None:
        separators = (separators[0].rstrip(), separators[1])
    text = json.dumps(
        document,
        indent=style["indent"],
        separators=separators,
        ensure_ascii=style["ensure_ascii"],
    )
    text = _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    if style["final_newline"]:
        text += "\n"
    if style["crlf"]:
        text = text.replace("\n", "\r\n")
    return (b"\xef\xbb\xbf" if style["bom"] else b"") + text.encode()


def _strictly_equal(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_strictly_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_strictly_equal, a, b))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b)


def _same_content(a: Any, b: Any) -> bool:
    """Strict equality, but key order is the file's: an edit keeps existing keys in place."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_content(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same_content, a, b))
    return _strictly_equal(a, b)


def _containers(document: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if isinstance(document, dict | list) else []
    if isinstance(document, dict):
        for key, value in document.items():
            found += _containers(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _containers(value, (*path, index))
    return found


@st.composite
def _edited(draw: st.DrawFn, document: Any) -> Any:
    """``document`` after one to three random sets, insertions and deletions."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        paths = _containers(document)
        if not paths:
            return draw(_DOCUMENTS)
        target = document
        for part in draw(st.sampled_from(paths)):
            target = target[part]
        value = draw(_DOCUMENTS)
        if isinstance(target, dict):
            keys = list(target)
            key = draw(st.sampled_from(keys) | _KEYS) if keys else draw(_KEYS)
            if key in target and draw(st.booleans()):
                del target[key]
            else:
                target[key] = value
        else:
            action = draw(st.sampled_from(["set", "insert", "delete"]))
            if action == "insert" or not target:
                target.insert(draw(st.integers(0, len(target))), value)
            elif action == "set":
                target[draw(st.integers(0, len(target) - 1))] = value
            else:
                del target[draw(st.integers(0, len(target) - 1))]
    return document


@contextlib.contextmanager
def _every_container_big() -> Iterator[None]:
    """Walk every container member by member, as documents of megabytes are (so that the
    GIL is handed over between members): the bytes written must not depend on it."""
    saved = _json_pieces.PROBE_CHARS
    _json_pieces.PROBE_CHARS = 2
    try:
        yield
    finally:
        _json_pieces.PROBE_CHARS = saved


def _parse(raw: bytes) -> Any:
    return json.loads(raw.decode("utf-8-sig"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_DOCUMENTS, style=_STYLES, data=st.data())
def test_an_edit_parses_to_exactly_the_new_document(
    document: Any, style: dict[str, Any], data: st.DataObject
) -> None:
    original = _format(document, style)
    new = data.draw(_edited(document))
    written = apply_edit(original, new)
    assert _same_content(_parse(written), new)
    with _every_container_big():  # the style of new entries may be learnt from more of the file
        assert _same_content(_parse(apply_edit(original, new)), new)
    assert written.startswith(b"\xef\xbb\xbf") == style["bom"]
    if style["crlf"]:  # every line ending, old or new, is the file's
        assert written.count(b"\n") == written.count(b"\r\n")
    else:
        assert b"\r" not in written


@settings(max_examples=300, deadline=None)
@given(document=_DOCUMENTS, style=_STYLES)
def test_a_no_op_edit_gives_identical_bytes(document: Any, style: dict[str, Any]) -> None:
    original = _format(document, style)
    assert apply_edit(original, _parse(original)) == original
    with _every_container_big():
        assert apply_edit(original, _parse(original)) == original


@settings(max_examples=200, deadline=None)
@given(document=_DOCUMENTS, style=_STYLES, cut=st.integers(0, 50))
def test_parsing_in_pieces_is_json_loads(document: Any, style: dict[str, Any], cut: int) -> None:
    # Big files are parsed a member at a time (the GIL is handed over in between); walking
    # every container that way must give what json.loads gives, and fail where it fails.
    text = _format(document, {**style, "bom": False}).decode()
    with _every_container_big():
        assert _strictly_equal(_json_pieces.loads_in_pieces(text), json.loads(text))
        broken = text[: len(text) - cut] + text[len(text) - cut + 1 :] if cut < len(text) else ""
        try:
            expected: Any = json.loads(broken)
        except ValueError as error:
            with pytest.raises(type(error), match=re.escape(str(error))):
                _json_pieces.loads_in_pieces(broken)
        else:
            assert _strictly_equal(_json_pieces.loads_in_pieces(broken), expected)
