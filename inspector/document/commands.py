"""Undoable edits of a JSON document: every change in the tree or raw view is one of these.

Commands address nodes by their row path (rows from the invisible root), never by node objects
or ``QModelIndex``: the stack replays them in order, so each path is valid when it runs.

The JSON values they hold are shared, not copied: the tree never mutates a value it is given or
hands out (see ``nodes.JsonNode``: an edit builds new containers along the edited path), so an
undo state stays exactly what it was however the tree is edited after it. Deep copies of a
megabyte document cost ~120 ms each on the GUI thread, three per raw edit. Only a value that
comes from outside the document (a caller's, which it may still change) is copied, once.
"""

from __future__ import annotations

import copy
import weakref
from typing import Any, Protocol

from PySide6.QtGui import QUndoCommand

from inspector.document.json_values import json_equal
from inspector.document.results import NO_DOCUMENT
from inspector.document.tree_base import RowPath

RAW_EDIT_COMMAND_ID = 0x4A53  # consecutive raw-text edits merge into one undo step


class EditTarget(Protocol):
    """What the commands change: the tree model (``JsonTreeModel``), which creates them."""

    def apply_replace_value(self, path: RowPath, value: Any) -> None: ...

    def apply_rename(self, path: RowPath, key: str) -> None: ...

    def apply_insert(self, parent_path: RowPath, row: int, key: str | None, value: Any) -> None: ...

    def apply_remove(self, parent_path: RowPath, row: int) -> None: ...

    def apply_document(self, document: Any) -> None: ...


class _ModelCommand(QUndoCommand):
    """A command that edits the model whose undo stack holds it, which it holds weakly.

    The model holds its stack and the stack its commands: a command holding its model strongly
    closed a reference cycle that only the cyclic collector frees, and PySide, tearing such a
    cycle down in the collector's order, can leave the stack with a command already deleted:
    ``QUndoStack::clear`` then crashed the process (a segfault in ``gc.collect``, seen in test
    runs and made at will by a few thousand edited models). Without the cycle the model goes
    first, by reference counting, and its stack deletes its commands while they are whole."""

    def __init__(self, model: EditTarget, text: str) -> None:
        super().__init__(text)
        self._model_ref = weakref.ref(model)

    @property
    def _model(self) -> EditTarget:
        model = self._model_ref()
        if model is None:  # only its stack replays a command, and the model holds the stack
            raise RuntimeError("the model this edit belongs to is gone")
        return model


class ReplaceValueCommand(_ModelCommand):
    """Change a value, its type, or both (containers keep their old members for undo)."""

    def __init__(self, model: EditTarget, path: RowPath, old: Any, new: Any, text: str) -> None:
        super().__init__(model, text)
        self._path = path
        self._old = old  # the document's own value: shared
        self._new = copy.deepcopy(new)  # the caller's: it may change it later

    def redo(self) -> None:
        self._model.apply_replace_value(self._path, self._new)

    def undo(self) -> None:
        self._model.apply_replace_value(self._path, self._old)


class RenameKeyCommand(_ModelCommand):
    """Rename an object member."""

    def __init__(self, model: EditTarget, path: RowPath, old: str, new: str) -> None:
        super().__init__(model, f"Rename {old!r} to {new!r}")
        self._path = path
        self._old = old
        self._new = new

    def redo(self) -> None:
        self._model.apply_rename(self._path, self._new)

    def undo(self) -> None:
        self._model.apply_rename(self._path, self._old)


class InsertEntryCommand(_ModelCommand):
    """Add a member to an object or an item to an array."""

    def __init__(
        self, model: EditTarget, parent_path: RowPath, row: int, key: str | None, value: Any
    ) -> None:
        super().__init__(model, self._describe(row, key))
        self._parent_path = parent_path
        self._row = row
        self._key = key
        self._value = self._held(value)

    @staticmethod
    def _held(value: Any) -> Any:
        return copy.deepcopy(value)  # the caller's: it may change it later

    @staticmethod
    def _describe(row: int, key: str | None) -> str:
        return f"Add {key!r}" if key is not None else f"Add item {row}"

    def _insert(self) -> None:
        self._model.apply_insert(self._parent_path, self._row, self._key, self._value)

    def _remove(self) -> None:
        self._model.apply_remove(self._parent_path, self._row)

    def redo(self) -> None:
        self._insert()

    def undo(self) -> None:
        self._remove()


class RemoveEntryCommand(InsertEntryCommand):
    """Delete a member or an item (undo puts it back where it was): an insert played backwards."""

    @staticmethod
    def _held(value: Any) -> Any:
        return value  # the document's own member: shared (deleting a big one copied all of it)

    @staticmethod
    def _describe(row: int, key: str | None) -> str:
        return f"Delete {key!r}" if key is not None else f"Delete item {row}"

    def redo(self) -> None:
        self._remove()

    def undo(self) -> None:
        self._insert()


class ReplaceDocumentCommand(_ModelCommand):
    """Replace the whole document, as an edit of the raw text does (may be NO_DOCUMENT).

    ``new_text`` is the text the person typed, when it is to be saved as typed (the raw view
    showed the file's own text), and ``old_text`` the text it was typed over: a change of
    only formatting (indentation, a number's spelling, a repeated key taken out) is an edit
    too, though the document stays equal. Typing back to ``old_text`` makes the step obsolete.
    """

    def __init__(
        self,
        model: EditTarget,
        old: Any,
        new: Any,
        *,
        old_text: str | None = None,
        new_text: str | None = None,
    ) -> None:
        super().__init__(model, "Edit raw text")
        # Both shared: ``old`` is the tree's document, ``new`` the one the editor parsed and
        # hands over (nobody else holds it).
        self._old = old
        self._new = new
        self._old_text = old_text
        self._new_text = new_text

    @property
    def new_text(self) -> str | None:
        """The text typed, to be saved as typed; None: the document is what counts."""
        return self._new_text

    def id(self) -> int:
        return RAW_EDIT_COMMAND_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, ReplaceDocumentCommand):
            return False
        self._new = other._new
        self._new_text = other._new_text
        if (
            self._new_text is not None
            and self._new_text == self._old_text
            and _same_json(self._old, self._new)
        ):
            self.setObsolete(True)  # typed back to where it started: no step (clean again)
        return True

    def redo(self) -> None:
        self._model.apply_document(self._new)

    def undo(self) -> None:
        self._model.apply_document(self._old)


def _same_json(a: Any, b: Any) -> bool:
    if a is NO_DOCUMENT or b is NO_DOCUMENT:
        return a is b
    return json_equal(a, b)
