"""Edited tree models and their undo stacks are torn down without crashing the process.

A command held its model strongly, the model holds its undo stack and the stack its commands:
a reference cycle only the cyclic collector frees. PySide tore such cycles down in the
collector's order and could leave a stack with a command already deleted, so the collection
crashed in ``QUndoStack::clear`` (seen as one-off segfaults of the test suite). The models are
edited and dropped in a child process, whose crash would otherwise end the test run.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref

from PySide6.QtGui import QUndoStack

from inspector.document.tree_model import VALUE_COLUMN, JsonTreeModel

_EDIT_AND_DROP_MODELS = """
import gc
import json
import random

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication

from inspector.document import nodes as node_module
from inspector.document.tree_model import TYPE_COLUMN, VALUE_COLUMN, JsonTreeModel

app = QApplication([])
node_module._BUILD_AHEAD = 1  # members built one at a time, holes between (as find reveals)
pick = random.Random(7)
for _ in range(100):
    stack = QUndoStack()
    model = JsonTreeModel(stack)
    model.set_document({"a": [1, 2, {"b": "c"}], "d": {"e": [3, 4]}, "f": "g"})
    for _ in range(6):
        pending, built = [model.node(model.index(0, 0))], []
        while pending:
            node = pending.pop()
            built.append(node)
            pending.extend(node.built_children())
        node = built[pick.randrange(len(built))]
        index = model.index_for_node(node)
        if node.json_type.is_container:
            model.setData(index.siblingAtColumn(TYPE_COLUMN), "string")
        else:
            value = pick.choice([1, "x", [1], {"k": 2}])
            model.setData(index.siblingAtColumn(VALUE_COLUMN), json.dumps(value))
        model.document()
    del stack, model, node, built, pending, index
gc.collect()
print("collected")
"""


def test_edited_models_dropped_with_their_undo_stacks_are_collected_without_a_crash() -> None:
    # (Before: a segmentation fault in every run, exit status -11.)
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    child = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", _EDIT_AND_DROP_MODELS],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.strip() == "collected"


def test_a_command_holds_its_model_weakly(qapp: object) -> None:
    stack = QUndoStack()
    model = JsonTreeModel(stack)
    model.set_document({"a": 1})
    assert model.setData(model.index_for_json_path("a").siblingAtColumn(VALUE_COLUMN), "2")
    assert stack.count() == 1
    gone = weakref.ref(model)
    gc.disable()  # freed by reference counting alone, with the stack still alive
    try:
        del model
        assert gone() is None, "the stack's command keeps the model alive (a reference cycle)"
    finally:
        gc.enable()
