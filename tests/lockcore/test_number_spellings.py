"""Issue 10: where a file spells a number otherwise than Python writes it (``1.50``, ``1E22``,
``1e999``, ``-0``), so that an editor shows the file's spelling, not ``1.5``/``1e+22``."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from lockcore import _spellings, number_spellings


def test_each_respelt_number_is_found_with_its_place() -> None:
    text = (
        b'\xef\xbb\xbf{"a": 1.50, "b": [1E22, 1e999, -0, 1.5, 0.00001, "x 1.50 e5", 2.0,'
        b' 3.141592653589793238, 12345678901234567.0, 1e5, -0.0, 10, "1.2.3"],'
        b' "c": {"d": 1e3}, "c": {"d": 1.0}, "1.50": 2.50, "e": -1.0E-7}'
    )
    assert number_spellings(text) == {
        ("a",): "1.50",
        ("b", 0): "1E22",
        ("b", 1): "1e999",
        ("b", 2): "-0",
        ("b", 4): "0.00001",
        ("b", 7): "3.141592653589793238",
        ("b", 8): "12345678901234567.0",
        ("b", 9): "1e5",
        ("1.50",): "2.50",  # its key is no number; the earlier "c" is not in the document
        ("e",): "-1.0E-7",
    }
    assert number_spellings("1.50") == {(): "1.50"}
    assert number_spellings(b'[1, 2.5, "1.50"]') == {}
    assert number_spellings(b'{"a": 1.50') == {}  # not JSON: nothing, no error


_KEYS = st.sampled_from(["a", "b", "1.50", "e5", "-0", 'q"'])


@st.composite
def _spelt_number(draw: Any) -> tuple[str, Any]:
    """A number's text, in one of the spellings hand-written files have."""
    mantissa = draw(st.integers(-(10**6), 10**6))
    zeros = "0" * draw(st.integers(0, 2))
    form = draw(
        st.sampled_from(["int", "fraction", "exponent", "minus zero", "long", "digits", "tiny"])
    )
    if form == "int":
        text = str(mantissa)
    elif form == "fraction":
        text = f"{mantissa}.{draw(st.integers(0, 99))}{zeros}"
    elif form == "exponent":
        text = (
            f"{mantissa}{draw(st.sampled_from(['e', 'E', 'e+', 'E-']))}{draw(st.integers(0, 400))}"
        )
    elif form == "minus zero":
        text = draw(st.sampled_from(["-0", "-0.0", "0", "-0.00"]))
    elif form == "long":
        text = f"{mantissa}.{draw(st.integers(10**15, 10**17))}"
    elif form == "digits":  # 14 to 18 digits around the point, wherever it is
        digits = str(draw(st.integers(10**13, 10**18 - 1)))
        point = draw(st.integers(1, len(digits) - 1))
        text = f"{digits[:point]}.{digits[point:]}"
    else:  # around 1e-4, where repr() turns to an exponent
        text = f"0.{'0' * draw(st.integers(2, 5))}{draw(st.integers(1, 999))}"
    return text, json.loads(text)


_STRINGS = st.sampled_from(["1.50", "e5 -0", "v1.2.30", "", "plain"])


def _documents() -> Any:
    scalars = _spelt_number() | _STRINGS.map(lambda s: (json.dumps(s), s))
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4).map(lambda items: ("list", items))
            | st.dictionaries(_KEYS, inner, max_size=4).map(lambda items: ("dict", items))
        ),
        max_leaves=12,
    )


def _render(node: Any, path: tuple[Any, ...], expected: dict[Any, str]) -> str:
    if node[0] == "list":
        return (
            "["
            + ", ".join(_render(item, (*path, i), expected) for i, item in enumerate(node[1]))
            + "]"
        )
    if node[0] == "dict":
        return (
            "{"
            + ",".join(
                f"{json.dumps(key)}:{_render(item, (*path, key), expected)}"
                for key, item in node[1].items()
            )
            + "}"
        )
    text, value = node
    if isinstance(value, int | float) and json.dumps(value) != text:
        expected[path] = text
    return text


@given(_documents())
def test_exactly_the_respelt_numbers_are_found(document: Any) -> None:
    expected: dict[Any, str] = {}
    text = _render(document, (), expected)
    assert number_spellings(text) == expected


@given(_documents(), st.integers(1, 9))
def test_a_text_searched_in_small_pieces_gives_the_same(document: Any, piece: int) -> None:
    expected: dict[Any, str] = {}
    text = _render(document, (), expected)
    whole = _spellings._PIECE
    _spellings._PIECE = piece  # a candidate cut in two at every possible place
    try:
        assert number_spellings(text) == expected
    finally:
        _spellings._PIECE = whole
