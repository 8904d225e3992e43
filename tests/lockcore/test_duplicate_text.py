"""Repeated keys in a JSON text (issue 10), as ``_duplicate_text.py`` finds and removes them:
found where they are with every value, and one occurrence removed by choice -- exactly its
bytes, nothing else (a Hypothesis property over texts written with repeats)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lockcore import DuplicateKey, find_duplicate_keys, remove_duplicate_key

DUPLICATED = (
    b'{\n\t"theme": "dark",\n\t"window": {"w": 1, "w": 2},\n\t"ratio": 1.50,\n'
    b'\t"theme": "light"\n}\n'
)


def test_duplicate_keys_are_found_with_their_place_and_every_value() -> None:
    assert find_duplicate_keys(DUPLICATED) == [
        DuplicateKey((), "theme", ("dark", "light")),
        DuplicateKey(("window",), "w", (1, 2)),
    ]
    assert find_duplicate_keys(b'{"a": 1, "b": [{"c": 1}]}') == []


@pytest.mark.parametrize(
    ("location", "key", "occurrence", "expected"),
    [
        ((), "theme", 0, DUPLICATED.replace(b'\t"theme": "dark",\n', b"")),
        ((), "theme", 1, DUPLICATED.replace(b',\n\t"theme": "light"', b"")),
        (("window",), "w", 0, DUPLICATED.replace(b'"w": 1, ', b"")),
    ],
    ids=["shadowed", "last", "nested"],
)
def test_removing_one_duplicate_removes_exactly_its_bytes(
    location: tuple[str, ...], key: str, occurrence: int, expected: bytes
) -> None:
    assert remove_duplicate_key(DUPLICATED, location, key, occurrence) == expected
    bom = b"\xef\xbb\xbf"
    assert remove_duplicate_key(bom + DUPLICATED, location, key, occurrence) == bom + expected


def test_removing_a_duplicate_that_is_not_there_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        remove_duplicate_key(DUPLICATED, (), "theme", 2)
    with pytest.raises(KeyError):
        remove_duplicate_key(DUPLICATED, ("nowhere",), "w", 0)


_pair_keys = st.sampled_from(["a", "b", "é", 'q"'])
_pair_documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda children: (
        st.lists(children, max_size=3)
        | st.lists(st.tuples(_pair_keys, children), min_size=1, max_size=4)
    ),
    max_leaves=10,
)


class _Pairs(list):  # type: ignore[type-arg]
    """An object as written: its members in order, repeats included."""


def _as_pairs(value: Any) -> Any:
    if isinstance(value, list) and value and all(isinstance(item, tuple) for item in value):
        return _Pairs((key, _as_pairs(item)) for key, item in value)
    if isinstance(value, list):
        return [_as_pairs(item) for item in value]
    return value


def _write(value: Any, indent: str, depth: int = 0) -> str:
    pad, inner = ("\n" + indent * depth, "\n" + indent * (depth + 1)) if indent else ("", "")
    if isinstance(value, _Pairs):
        body = ",".join(
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {_write(v, indent, depth + 1)}"
            for k, v in value
        )
        return "{" + body + pad + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_write(item, indent, depth + 1) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _plain(value: Any) -> Any:
    """As json.loads reads it: the last of repeated keys wins."""
    if isinstance(value, _Pairs):
        return {key: _plain(item) for key, item in value}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _common_prefix(first: bytes, second: bytes) -> int:
    length = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        length += 1
    return length


def _read_pairs(text: bytes) -> Any:
    return json.loads(text, object_pairs_hook=_Pairs)


def _object_at(document: Any, location: tuple[str | int, ...]) -> Any:
    for step in location:
        if isinstance(document, _Pairs):
            document = [value for key, value in document if key == step][-1]
        else:
            document = document[step]
    return document


@given(_pair_documents, st.sampled_from(["", "  ", "\t"]), st.data())
def test_removing_a_duplicate_drops_that_member_alone(value: Any, indent: str, data: Any) -> None:
    document = _as_pairs(value)
    original = _write(document, indent).encode()
    found = find_duplicate_keys(original)
    for duplicate in found:
        members = _object_at(_read_pairs(original), duplicate.location)
        assert [_plain(v) for k, v in members if k == duplicate.key] == list(duplicate.values)
    if not found:
        return
    duplicate = data.draw(st.sampled_from(found))
    occurrence = data.draw(st.integers(0, len(duplicate.values) - 1))
    result = remove_duplicate_key(original, duplicate.location, duplicate.key, occurrence)

    # One span of the original is gone, and nothing else changed.
    prefix = _common_prefix(original, result)
    suffix = _common_prefix(original[::-1], result[::-1])
    assert prefix + suffix >= len(result)
    # The document lost exactly that member.
    expected = _read_pairs(original)
    members = _object_at(expected, duplicate.location)
    positions = [i for i, (k, _v) in enumerate(members) if k == duplicate.key]
    del members[positions[occurrence]]
    assert _read_pairs(result) == expected
