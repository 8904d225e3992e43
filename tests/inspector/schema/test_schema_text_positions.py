"""Where entries are in a JSON text: every path of any document is found at its key or value."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from inspector.document.nodes import JsonNode
from inspector.schema.text_positions import locate_paths

documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=15,
)


def all_nodes(document: Any) -> list[JsonNode]:
    nodes, stack = [], [JsonNode.from_json(document)]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.children)
    return nodes


@given(documents, st.sampled_from([None, 2]), st.booleans())
def test_every_entry_is_located_at_its_key_or_value(
    document: Any, indent: int | None, ascii_only: bool
) -> None:
    text = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
    nodes = all_nodes(document)
    spans = locate_paths(text, [node.json_path() for node in nodes])
    utf16 = text.encode("utf-16-le")
    for node in nodes:
        start, end = spans[node.json_path()]
        marked = utf16[2 * start : 2 * end].decode("utf-16-le")
        value = node.to_json()
        shown = "{" if isinstance(value, dict) else "[" if isinstance(value, list) else None
        if node.parent is not None and node.parent.json_type.value == "object":
            assert marked.startswith(json.dumps(node.key, ensure_ascii=ascii_only))
            if shown is None:
                assert marked.endswith(json.dumps(value, ensure_ascii=ascii_only))
            else:
                assert marked.endswith(shown)
        else:
            expected = shown or json.dumps(value, ensure_ascii=ascii_only)
            assert marked == expected


def test_only_what_is_asked_for_is_found() -> None:
    text = '{"a": {"b": [1, 2, {"c": "\U0001f600"}]}, "d": true}'
    spans = locate_paths(text, [("a", "b", 2, "c"), ("d",), ("nope",)])
    assert set(spans) == {("a", "b", 2, "c"), ("d",)}
    start, end = spans[("d",)]
    assert text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le") == '"d": true'
