"""``classify_json``: one verdict on a data file's bytes, shared by lockcore and the app."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockcore import (
    CorruptJSONError,
    JSONKind,
    _classify,
    _json_pieces,
    classify_json,
    locked_read_json,
    locked_update_json,
)
from lockcore._json_syntax import _validate

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(json_values)
def test_any_document_written_as_utf8_is_valid_and_parsed(document: Any) -> None:
    raw = json.dumps(document, ensure_ascii=False).encode("utf-8")
    check = classify_json(raw)
    assert check.kind is JSONKind.VALID
    assert check.document == document
    assert (check.encoding, check.bom) == ("utf-8", False)
    with_bom = classify_json(b"\xef\xbb\xbf" + raw)
    assert (with_bom.kind, with_bom.bom, with_bom.document) == (JSONKind.VALID, True, document)


@given(json_values, st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"]))
def test_any_document_in_utf16_or_32_is_named_so_with_or_without_bom(
    document: Any, encoding: str
) -> None:
    check = classify_json(json.dumps(document).encode(encoding))
    assert check.kind is JSONKind.OTHER_UNICODE
    assert check.label == encoding[:6].upper() + " text"
    assert check.bom == (encoding in ("utf-16", "utf-32"))
    assert json.loads(check.text) == document  # decoded for showing
    assert check.document is None


@pytest.mark.parametrize(
    ("raw", "kind", "words", "where"),
    [
        (b'{"a": 1,,}', JSONKind.INVALID, "Expecting property name", (1, 9)),
        (b"", JSONKind.INVALID, "Expecting value", (1, 1)),
        ('{"n": "Café"}'.encode("latin-1"), JSONKind.NOT_UTF8, "byte 0xe9", (1, 11)),
        (bytes(range(256)), JSONKind.NOT_UTF8, "not UTF-8", (2, 118)),
        (b'{"a": NaN, "b": -Infinity}', JSONKind.NON_STANDARD, "NaN, -Infinity", None),
        (
            b'{"n": ' + b"7" * 1_000_000 + b"}",
            JSONKind.TOO_LARGE_OR_DEEP,
            "an integer of 1,000,000 digits",
            (1, 7),
        ),
        (
            b"[" * 10_000 + b"]" * 10_000,
            JSONKind.TOO_LARGE_OR_DEEP,
            "nesting 10,000 levels deep",
            (1, 10_000),
        ),
        # Too deep for Python, and invalid besides: invalid wins, with the place.
        (b"[" * 10_000 + b"]" * 9_999 + b",", JSONKind.INVALID, "Expecting value", (1, 20_001)),
        (b'{"n": ' + b"7" * 5_000 + b",}", JSONKind.INVALID, "property name", (1, 5_008)),
    ],
    ids=[
        "invalid",
        "empty",
        "latin-1",
        "binary",
        "non-standard",
        "huge-integer",
        "deep",
        "deep-and-invalid",
        "huge-integer-and-invalid",
    ],
)
def test_each_kind_of_file_gets_its_verdict_and_place(
    raw: bytes, kind: JSONKind, words: str, where: tuple[int, int] | None
) -> None:
    check = classify_json(raw)
    assert check.kind is kind
    assert words in check.reason
    if where is not None:
        assert (check.line, check.column) == where
    assert check.kind.parsed == (kind is JSONKind.NON_STANDARD)


def test_nan_inside_a_string_is_standard() -> None:
    check = classify_json(b'{"note": "NaN and Infinity are words here"}')
    assert check.kind is JSONKind.VALID
    assert check.non_standard == ()


def test_a_text_is_classified_without_decoding() -> None:
    assert classify_json('{"é": 1}').document == {"é": 1}
    assert classify_json("[1,").kind is JSONKind.INVALID


def test_a_custom_parse_is_used() -> None:
    seen: list[str] = []

    def parse(text: str) -> Any:
        seen.append(text)
        return json.loads(text)

    assert classify_json(b"[1]", parse=parse).document == [1]
    assert seen == ["[1]"]


# --- lockcore says why --------------------------------------------------------------------


def test_a_utf16_store_is_refused_saying_utf16(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = tmp_path / "store.json"
    raw = '{"from": "PowerShell 5"}'.encode("utf-16")
    store.write_bytes(raw)
    with pytest.raises(CorruptJSONError, match="UTF-16 text") as refused:
        locked_read_json(store, on_corrupt="raise")
    assert refused.value.path == str(store)
    with pytest.raises(CorruptJSONError, match="UTF-16 text"):
        locked_update_json(store, lambda d: d)
    with caplog.at_level(logging.WARNING, logger="lockcore"):
        assert locked_read_json(store, default={"fallback": 1}) == {"fallback": 1}
    assert "UTF-16 text" in caplog.text  # the default, but never without saying why
    assert store.read_bytes() == raw


def test_a_utf16_store_without_bom_is_not_mistaken_for_broken_utf8(tmp_path: Path) -> None:
    store = tmp_path / "store.json"
    store.write_bytes('{"a": 1}'.encode("utf-16-le"))  # valid UTF-8 bytes, NULs between
    with pytest.raises(CorruptJSONError, match="UTF-16 text"):
        locked_read_json(store, on_corrupt="raise")


json_ish = st.lists(
    st.sampled_from(
        [
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "\n",
            '"a"',
            '"\\u00e9"',
            '"x\\"y"',
            "1",
            "-0.5e3",
            "01",
            "true",
            "null",
            "nul",
            "NaN",
            "-Infinity",
            '"',
            "\\",
            "\t",
        ]
    ),
    max_size=12,
).map("".join)


@settings(max_examples=500)
@given(json_ish)
def test_the_validator_for_what_python_refuses_agrees_with_json_loads(text: str) -> None:
    """The hand-written syntax check (used only when Python refuses a text) accepts exactly
    what json.loads accepts, and stops where it stops."""
    verdict = _validate(text)
    refused_at = _where_json_loads_refuses(text)
    if refused_at is None:
        assert not isinstance(verdict, tuple), f"refused {text!r}: {verdict}"
    else:
        assert isinstance(verdict, tuple), f"accepted {text!r}"
        assert verdict[1] == refused_at, (text, verdict)


def _where_json_loads_refuses(text: str) -> int | None:
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return error.pos
    return None


def _own_parse(text: str) -> Any:
    """Another parse than json.loads itself (as the app's): classify_json walks its result."""
    return json.loads(text)


@pytest.fixture
def every_container_big(monkeypatch: pytest.MonkeyPatch) -> None:
    """lockcore's parse in pieces walks every container member by member, as it walks those
    of a document of megabytes."""
    monkeypatch.setattr(_json_pieces, "PROBE_CHARS", 2)


_PARSES = [json.loads, _own_parse, _json_pieces.loads_in_pieces]
_PARSE_IDS = ["json", "own", "in-pieces"]


@pytest.mark.parametrize(
    ("raw", "words", "out_of_range", "duplicates"),
    [
        (
            b'{"big": 1e999, "minus": -1e999}',
            "numbers too large for a double",
            ("1e999", "-1e999"),
            (),
        ),
        (b'{"tiny": 1e-999}', "numbers too small for a double", ("1e-999",), ()),
        (b"[1" + b"0" * 400 + b".5]", "too large", ("1" + "0" * 400 + ".5",), ()),
        (b'{"theme":"dark","theme":"light"}', 'duplicate key "theme"', (), ("theme",)),
        (b'{"a": {"b": 1, "b": 2}, "c": [{"d": 1}]}', 'duplicate key "b"', (), ("b",)),
        (b'{"a" \n : 1, "a": 2}', 'duplicate key "a"', (), ("a",)),
    ],
    ids=["overflow", "underflow", "long-mantissa", "duplicate", "nested-duplicate", "odd-spacing"],
)
@pytest.mark.usefixtures("every_container_big")
@pytest.mark.parametrize("parse", _PARSES, ids=_PARSE_IDS)
def test_what_a_double_or_a_dict_cannot_carry_is_non_standard(
    raw: bytes, words: str, out_of_range: tuple[str, ...], duplicates: tuple[str, ...], parse: Any
) -> None:
    # json.loads is watched by hooks; another parse's document is walked: the same verdict.
    check = classify_json(raw, parse=parse)
    assert check.kind is JSONKind.NON_STANDARD
    assert words in check.reason
    assert check.out_of_range == out_of_range
    assert check.duplicate_keys == duplicates
    assert check.document == json.loads(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"url": "http://example.org", "at": "12:00", "n": 1}',
        b'{"zero": 0.0, "also": 0e5, "tiny": 5e-300, "big": 1.7e308}',
        b'{"a": {"a": {"a": 1}}, "b": [{"a": 1}, {"a": 2}]}',
        b'{"note": "1e999 and \\"k\\": are text here"}',
        b"[0.000, -0.0, 1e-10]",
    ],
    ids=["colons-in-strings", "in-range", "same-key-other-objects", "in-a-string", "zeros"],
)
@pytest.mark.usefixtures("every_container_big")
@pytest.mark.parametrize("parse", _PARSES, ids=_PARSE_IDS)
def test_what_a_double_and_a_dict_carry_stays_valid(raw: bytes, parse: Any) -> None:
    check = classify_json(raw, parse=parse)
    assert check.kind is JSONKind.VALID, check.reason
    assert check.out_of_range == check.duplicate_keys == ()


keys = st.text(alphabet='abc:" ', max_size=3)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=4) | st.lists(st.tuples(keys, children), max_size=4)
    ),
    max_leaves=12,
)


def _spell(value: Any) -> str:
    """JSON text of a value where a list of pairs is an object that may repeat keys."""
    if isinstance(value, list) and value and all(isinstance(item, tuple) for item in value):
        return "{" + ", ".join(f"{json.dumps(k)}: {_spell(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_spell(item) for item in value) + "]"
    return json.dumps(value)


def _repeats(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, list) and value and all(isinstance(item, tuple) for item in value):
        names = [k for k, _ in value]
        found |= {k for k in names if names.count(k) > 1}
        for _, item in value:
            found |= _repeats(item)
    elif isinstance(value, list):
        for item in value:
            found |= _repeats(item)
    return found


@given(json_values)
def test_duplicate_keys_are_found_exactly(value: Any) -> None:
    text = _spell(value)
    checks = [classify_json(text, parse=parse) for parse in (json.loads, _own_parse)]
    saved, _json_pieces.PROBE_CHARS = _json_pieces.PROBE_CHARS, 2  # every container walked
    try:
        checks.append(classify_json(text, parse=_json_pieces.loads_in_pieces))
    finally:
        _json_pieces.PROBE_CHARS = saved
    for check in checks:
        assert set(check.duplicate_keys) == _repeats(value)
        assert (check.kind is JSONKind.NON_STANDARD) == bool(_repeats(value))
        assert check.document == json.loads(text)


# -- the plain path: a short object or array parsed whole is valid without further steps ----

_PLAIN_SPELLINGS = st.sampled_from(
    ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e-999", "-0.0", "1.50", "0e5"]
)


@st.composite
def _texts_near_json(draw: st.DrawFn) -> bytes:
    """Valid JSON of every shape, with what the plain path must leave to the full one: spellings
    JSON or a double cannot carry, repeated keys, whitespace around, and corruptions."""
    value = draw(json_values)
    text = _spell(value)
    if draw(st.booleans()) and text[:1] in "{[" and len(text) > 2:
        # Another member spelt a way json.dumps never writes (NaN, 1e999, ...).
        inner = f"{draw(_PLAIN_SPELLINGS)}"
        text = text[0] + (f'"k": {inner}, ' if text[0] == "{" else f"{inner}, ") + text[1:]
    text = draw(st.sampled_from(["", " ", "\n", "\t\r\n"])) + text
    text += draw(st.sampled_from(["", " ", "\n", " x", ",", "]", "}"]))
    data = text.encode("utf-8")
    how = draw(st.sampled_from(["as is", "as is", "as is", "cut", "byte", "utf-16", "bom"]))
    if how == "cut":
        data = data[: draw(st.integers(0, max(0, len(data) - 1)))]
    elif how == "byte":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at:]
    elif how == "utf-16":
        data = text.encode("utf-16-le")
    elif how == "bom":
        data = b"\xef\xbb\xbf" + data
    return data


def _every_field(check: Any) -> tuple[Any, ...]:
    # repr, not ==: NaN is unequal to itself, and 1 == 1.0 == True would hide a difference.
    fields = [field for field in type(check).__slots__ if field != "document"]
    return (*[repr(getattr(check, field)) for field in fields], repr(check.document))


@settings(max_examples=1500, deadline=None)
@given(_texts_near_json())
def test_the_plain_path_classifies_exactly_as_the_full_one(raw: bytes) -> None:
    """classify_json tries a short object or array as plainly valid JSON first (issue 11 §6):
    whatever it concludes, or leaves to the full classification, is the full one's verdict."""
    with _full_path_only():
        expected = classify_json(raw)
    assert _every_field(classify_json(raw)) == _every_field(expected)
    # A text already decoded (as the app's editor hands over) too.
    if expected.encoding == "utf-8" and not expected.bom and expected.kind is not JSONKind.NOT_UTF8:
        text = raw.decode("utf-8")
        with _full_path_only():
            expected = classify_json(text)
        assert _every_field(classify_json(text)) == _every_field(expected)


@contextlib.contextmanager
def _full_path_only() -> Iterator[None]:
    """classify_json as it was before the plain path: no bytes start one, no text is one."""
    with (
        mock.patch.object(_classify, "_BYTE_OPENERS", frozenset()),
        mock.patch.object(_classify, "_plainly_valid", return_value=_classify._NOT_PLAIN),
    ):
        yield
