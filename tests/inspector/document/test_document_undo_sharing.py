"""Undo commands share the JSON documents they hold (no deep copies: three per raw edit cost
~370 ms of the GUI thread on a megabyte document), and undo/redo still restore exactly what each
step showed however the tree is edited between raw edits."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtGui import QUndoStack

from inspector.document.json_values import JsonType
from inspector.document.tree_model import KEY_COLUMN, TYPE_COLUMN, VALUE_COLUMN, JsonTreeModel


def exact(document: Any) -> str:
    """The document spelt out, types included (``True`` and ``1``, ``1`` and ``1.0`` differ)."""
    return json.dumps(document, sort_keys=False)


def new_model(document: Any) -> tuple[JsonTreeModel, QUndoStack]:
    stack = QUndoStack()
    model = JsonTreeModel(stack)
    model.set_document(document, root_label="settings.json")
    return model, stack


def test_a_raw_edit_hands_the_parsed_document_to_the_tree_without_copying_it() -> None:
    before = {"theme": "dark", "list": [1, 2, {"deep": True}]}
    model, stack = new_model(before)
    shown_before = model.document()
    typed = {"theme": "light", "list": [1, 2, {"deep": False}]}
    model.replace_document(typed)
    assert model.document() is typed  # before: a deep copy of it
    stack.undo()
    assert model.document() is shown_before  # before: a deep copy of what the tree showed
    stack.redo()
    assert model.document() is typed


def test_undo_and_redo_restore_each_step_exactly_after_tree_and_raw_edits() -> None:
    model, stack = new_model({"a": 1, "b": {"c": [1, 2, 3], "d": "x"}, "e": [True, None]})
    states = [exact(model.document())]
    originals = [model.document()]

    def step(edit: Any) -> None:
        edit()
        states.append(exact(model.document()))
        originals.append(model.document())

    index = model.index_for_json_path
    # A raw edit, then tree edits inside the very containers the raw edit handed over: had
    # the tree mutated them in place, the raw step's undo and redo states would change too.
    step(lambda: model.replace_document({"a": 2, "b": {"c": [1, 2, 3, 4], "d": "y"}, "e": []}))
    step(lambda: model.setData(index("b", "c", 1).siblingAtColumn(VALUE_COLUMN), "20"))
    step(lambda: model.insert_entry(index("b", "c"), 5))
    step(lambda: model.setData(index("b", "d").siblingAtColumn(KEY_COLUMN), "renamed"))
    step(lambda: model.remove_entry(index("b", "c", 0)))
    step(lambda: model.setData(index("e").siblingAtColumn(TYPE_COLUMN), JsonType.OBJECT.value))
    step(lambda: model.insert_entry(index("e"), {"inner": [1]}, key="k"))
    step(lambda: model.replace_document({"a": 3, "b": {"c": [], "renamed": "z"}, "e": {}}))
    step(lambda: model.setData(index("a").siblingAtColumn(VALUE_COLUMN), "4"))
    step(lambda: model.replace_document([1, {"x": 1}]))
    step(lambda: model.insert_entry(index(1), "new", key="y"))
    assert stack.count() == len(states) - 1  # each edit one step (raw ones between others)
    assert len(set(states)) == len(states)  # each step changed something
    for number in reversed(range(len(states) - 1)):
        stack.undo()
        assert exact(model.document()) == states[number]
    for number in range(1, len(states)):
        stack.redo()
        assert exact(model.document()) == states[number]
    # and no state any step handed out was changed under it by the edits that followed
    assert [exact(document) for document in originals] == states


def test_a_value_inserted_from_outside_is_the_callers_to_change() -> None:
    model, stack = new_model({"list": []})
    value = {"kept": [1]}
    model.insert_entry(model.index_for_json_path("list"), value)
    value["kept"].append(2)  # the caller changes its own value afterwards
    stack.undo()
    stack.redo()
    assert model.document() == {"list": [{"kept": [1]}]}


def test_undoing_a_delete_puts_back_the_very_member_deleted() -> None:
    big = [{"n": n} for n in range(1000)]
    model, stack = new_model({"big": big, "small": 1})
    assert model.remove_entry(model.index_for_json_path("big"))
    assert model.document() == {"small": 1}
    stack.undo()
    assert model.document()["big"] is big  # before: a deep copy of all of it
    assert model.document() == {"big": big, "small": 1}
    assert list(model.document()) == ["big", "small"]
