"""The small flat object's shortcut (``_jsonedit_flat``) writes exactly what the general
format-keeping edit writes, over generated documents, file styles and edits (issue 9 §6)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from lockcore import _jsonedit, _jsonedit_flat
from lockcore._json_write import NonFiniteValueError

_KEYS = st.one_of(
    st.sampled_from(["count", "a", "b", "name", "ü", "€", "x y", 'q"', "\\", "\u2028"]),
    st.text(max_size=6),
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),  # NaN, ±Infinity and -0.0 among them
    st.text(max_size=8),  # lone surrogates and control characters among them
    st.sampled_from(["é", "\x00", "\ud800", "a\\u0041", "line\nbreak"]),
)
_VALUES = st.one_of(
    _SCALARS,
    st.lists(_SCALARS, max_size=2),
    st.dictionaries(_KEYS, _SCALARS, max_size=2),
)
_STYLES = st.sampled_from(
    [
        {},
        {"indent": 2},
        {"indent": 4},
        {"indent": "\t"},
        {"ensure_ascii": True},
        {"indent": 2, "ensure_ascii": True},
        {"separators": (",", ":")},
        {"indent": 2, "separators": (", ", ": ")},
    ]
)


def _general(original: bytes, document: Any) -> bytes:
    bom = _jsonedit.BOM if original.startswith(_jsonedit.BOM) else b""
    text = original[len(bom) :].decode("utf-8")
    return _jsonedit._edit_text(original, bom, text, document)


def _outcome(edit: Any, original: bytes, document: Any) -> tuple[str, Any]:
    try:
        return "bytes", edit(original, document)
    except NonFiniteValueError as error:
        return "non-finite", error.location
    except TypeError as error:
        return "type", str(error)


@st.composite
def _documents_and_edits(draw: st.DrawFn) -> tuple[bytes, Any]:
    old = draw(st.dictionaries(_KEYS, _SCALARS, max_size=5))
    style = draw(_STYLES)
    try:
        text = json.dumps(old, ensure_ascii=style.pop("ensure_ascii", False), **style)
        original = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, written raw: not UTF-8
        original = json.dumps(old, ensure_ascii=True, **style).encode()
    original += draw(st.sampled_from([b"", b"\n", b"\r\n", b" ", b"\n\n"]))
    if draw(st.booleans()) and draw(st.booleans()):
        original = _jsonedit.BOM + original
    new = dict(old)
    for key in list(new):
        change = draw(st.sampled_from(["keep", "keep", "change", "delete", "same-text"]))
        if change == "change":
            new[key] = draw(_VALUES)
        elif change == "delete":
            del new[key]
        elif change == "same-text":
            new[key] = _twin(new[key])
    for _ in range(draw(st.integers(0, 2))):
        new[draw(_KEYS)] = draw(_VALUES)
    if draw(st.booleans()) and len(new) > 1:  # keys moved: only the general edit keeps order
        items = list(new.items())
        new = dict(draw(st.permutations(items)))
    return original, new


def _twin(value: Any) -> Any:
    """A value equal to ``value`` that json.dumps spells otherwise (True and 1, 1 and 1.0)."""
    if type(value) is bool:
        return int(value)
    if type(value) is int:
        return float(value) if abs(value) < 2**53 else value
    if type(value) is float and value == 0:
        return -value
    return value


@settings(max_examples=1500, deadline=None)
@given(_documents_and_edits())
@example((b'{"count": 5}', {"count": 6}))
@example((b'{"count": 5}\n', {"count": 5}))
@example((b"{}", {"a": 1, "b": "x"}))
@example((b'{\n  "a": 1\n}', {}))
@example((b'{\n  "a": 1\n}', {"a": 1, "b": 2}))
@example((b'{"a": 1, "a": 2}', {"a": 3}))
@example((b'{"a": "\\u00e9"}', {"a": "\u00e9", "b": "\u00e9"}))
@example((b'{"a": "\\u0000"}', {"a": "\x00", "b": "\u00e9"}))  # an ASCII file with \u
@example((b'{"a": 1}', {"a": True}))
@example((b'{"a": 1}', {"a": float("nan")}))
def test_the_shortcut_writes_what_the_general_edit_writes(case: tuple[bytes, Any]) -> None:
    original, document = case
    general = _outcome(_general, original, document)
    fast = _outcome(_jsonedit.apply_edit, original, document)
    assert fast == general
    if general[0] == "bytes":
        assert (fast[1] is original) == (general[1] is original)


@settings(max_examples=700, deadline=None)
@given(_documents_and_edits(), st.data())
def test_an_edit_of_the_text_the_shortcut_made_last_writes_what_the_general_edit_writes(
    case: tuple[bytes, Any], data: st.DataObject
) -> None:
    # The shortcut remembers the text it made last and what it found in it: a store updated
    # again is read back as that text. The second edit must still be the general edit's.
    original, document = case
    first = _outcome(_jsonedit.apply_edit, original, document)
    if first[0] != "bytes":
        return
    made = first[1]
    second = dict(document)
    for key in list(second):
        change = data.draw(st.sampled_from(["keep", "change", "delete", "same-text"]))
        if change == "change":
            second[key] = data.draw(_VALUES)
        elif change == "delete":
            del second[key]
        elif change == "same-text":
            second[key] = _twin(second[key])
    if data.draw(st.booleans()):
        second[data.draw(_KEYS)] = data.draw(_VALUES)
    general = _outcome(_general, made, second)
    assert _outcome(_jsonedit.apply_edit, made, second) == general


def test_a_store_s_next_update_finds_the_text_the_shortcut_made_without_parsing_it() -> None:
    made = _jsonedit.apply_edit(b'{"count": 5}\n', {"count": 6})
    assert made == b'{"count": 6}\n'
    assert _jsonedit_flat._last_made is not None
    assert _jsonedit_flat._last_made[0] == made.decode()
    assert _jsonedit.apply_edit(made, {"count": 7}) == b'{"count": 7}\n'
    indented = _jsonedit.apply_edit(b'{\n  "a": 1\n}', {"a": 1, "b": 2})
    assert indented == b'{\n  "a": 1,\n  "b": 2\n}'
    assert _jsonedit.apply_edit(indented, {"b": 2, "a": 1}) == _general(indented, {"b": 2, "a": 1})
    # A text that is not json.dumps's own spelling is never taken for the one made last.
    assert _jsonedit.apply_edit(b'{"count":7}', {"count": 8}) == b'{"count":8}'


def test_the_shortcut_takes_a_small_store_s_update_and_leaves_the_rest() -> None:
    # The shortcut is taken where it should be: otherwise the property above compares the
    # general edit with itself.
    assert _jsonedit_flat.edit_flat('{"count": 5}\n', {"count": 6}) == '{"count": 6}\n'
    assert _jsonedit_flat.edit_flat('{\n  "a": 1\n}', {"a": 1, "b": "é"}) == (
        '{\n  "a": 1,\n  "b": "é"\n}'
    )
    assert _jsonedit_flat.edit_flat('{"a": 1,"b": 2}', {"a": 2, "b": 2}) is None  # own spacing
    assert _jsonedit_flat.edit_flat('{"a": 1, "b": 2}', {"b": 2, "a": 1}) is None  # keys moved
    assert _jsonedit_flat.edit_flat('{"a": 1.50}', {"a": 2}) is None  # its own spelling
    assert _jsonedit_flat.edit_flat('{"a": {"b": 1}}', {"a": {"b": 2}}) is None  # nested


def _is_flat_document(document: dict[str, Any]) -> bool:
    return _jsonedit_flat._is_flat(document)


@settings(max_examples=1000, deadline=None)
@given(
    st.dictionaries(_KEYS, _SCALARS, max_size=6).filter(_is_flat_document),
    st.sampled_from(["  ", "    ", "\t", " ", "\t\t", " \t"]),
)
def test_an_indented_flat_object_is_written_as_json_dumps_writes_it(
    document: dict[str, Any], indent: str
) -> None:
    # The indented shortcut builds json.dumps's text with json's C encoder (its Python encoder,
    # which json.dumps runs for any indent, cost more than the rest of the edit): the same
    # bytes for every flat object -- empty, strings with escapes, surrogates and line
    # separators, big and negative numbers, -0.0, true, false and null.
    expected = json.dumps(document, ensure_ascii=False, indent=indent, allow_nan=False)
    assert _jsonedit_flat._indented(document, indent) == expected
