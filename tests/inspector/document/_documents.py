"""Small helpers the document tests share: reading and writing stores, editing a value."""

from __future__ import annotations

import json
from typing import Any

from inspector.document import DocumentPane
from inspector.document.tree_model import VALUE_COLUMN


def read(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def write(path: str, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)


def read_bytes(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def edit_value(pane: DocumentPane, *path: str | int, value: str) -> None:
    index = pane.model.index_for_json_path(*path).siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(index, value)
