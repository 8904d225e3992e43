"""A small object is parsed by json.loads alone (issue 9 §6): the document, its text and every
refusal (with its reason, line and column) are exactly the full classification's, over
generated texts and their corruptions."""

from __future__ import annotations

import json
import marshal
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from lockcore import _json_codec
from lockcore._classify import classify_json
from lockcore._errors import CorruptJSONError

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.text(max_size=6),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)
_SPELLINGS = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "1e-999", "-0.0", "1.50"])


@st.composite
def _small_texts(draw: st.DrawFn) -> bytes:
    document = draw(st.dictionaries(st.text(max_size=4), _VALUES, max_size=4))
    raw = json.dumps(
        document, ensure_ascii=draw(st.booleans()), indent=draw(st.none() | st.just(2))
    )
    if draw(st.booleans()):  # a spelling json.dumps never writes, or a repeated key
        raw = raw[:-1] + (", " if document else "") + f'"k": {draw(_SPELLINGS)}, "k": 1' + "}"
    data = raw.encode("utf-8", errors="surrogatepass")
    how = draw(st.sampled_from(["as is", "as is", "cut", "byte", "utf-16", "bom", "nul"]))
    if how == "cut":
        data = data[: draw(st.integers(1, max(1, len(data) - 1)))]
    elif how == "byte":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at:]
    elif how == "utf-16":
        data = raw.encode("utf-16-le", errors="surrogatepass")
    elif how == "bom":
        data = b"\xef\xbb\xbf" + data
    elif how == "nul":
        data = data[:1] + b"\0" + data[1:]
    return data


def _classified(raw: bytes) -> tuple[Any, ...]:
    check = classify_json(raw)
    if not check.kind.parsed:
        return ("refused", f"p is {check.reason}", check.line, check.column)
    return ("parsed", marshal.dumps(check.document), check.text)


def _parsed(raw: bytes) -> tuple[Any, ...]:
    try:
        document, text = _json_codec.parse_text("p", raw)
    except CorruptJSONError as error:
        return ("refused", str(error), error.lineno, error.colno)
    return ("parsed", marshal.dumps(document), text)


@settings(max_examples=1500, deadline=None)
@given(_small_texts())
@example(b'{"count": 5}')
@example(b'{"a": NaN, "a": 1}')
@example(b'{"a": 1e999}')
@example(b'{"a": 1,}')
@example(b'{"a": "\xe9"}')
@example(b'{\x00"\x00a\x00"\x00:\x001\x00}\x00')
@example(b'{"a": ' + b"9" * 5000 + b"}")
def test_a_small_object_parses_as_the_classification_says(raw: bytes) -> None:
    assert _parsed(raw) == _classified(raw)
