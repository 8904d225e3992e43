"""The Qt model of a JSON document: columns key, value, type; every edit is an undo command.

Follows the Qt for Python ``editabletreemodel`` example: the data is a tree of plain-Python
:class:`JsonNode` objects, and every structural change is wrapped in ``begin*``/``end*``. The
document root is the one top-level row (labelled with the file name), so a scalar document and an
object document look alike. Loading a new version of the file updates the tree in place (rows
inserted, removed, moved, ``dataChanged``) so expansion, selection and scroll stay put while a
document follows its file live. The model never opens files.

Children are fetched lazily: ``hasChildren`` says a container has members, ``rowCount`` counts
only the member rows announced so far, and ``fetchMore`` announces the next batch (views call it
when a node is expanded or scrolled to its end); member nodes are built as rows are asked for.
A document of tens of megabytes therefore shows its top level at once, and expanding an array of
10,000 items lays out one batch. Rows not announced yet change silently: no view knows them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    Qt,
    Signal,
)
from PySide6.QtGui import QUndoStack

from inspector.document.commands import (
    InsertEntryCommand,
    RemoveEntryCommand,
    RenameKeyCommand,
    ReplaceDocumentCommand,
    ReplaceValueCommand,
)
from inspector.document.json_values import (
    ConversionRefusedError,
    JsonType,
    convert_value,
    json_equal,
    parse_scalar,
)
from inspector.document.nodes import JsonKey, JsonNode, format_json_path
from inspector.document.results import NO_DOCUMENT
from inspector.document.secrets import SecretPolicy
from inspector.document.tree_base import (
    FETCH_BATCH,
    GROUP_SIZE,
    KEY_COLUMN,
    AnyIndex,
    RowGroup,
    RowPath,
)
from inspector.document.tree_cells import TreeCells
from inspector.document.tree_state import (
    ARRAY_INDEX_ROLE,
    CHOICES_ROLE,
    TYPE_COLUMN,
    VALUE_COLUMN,
    EntryHints,
)
from inspector.document.tree_sync import TreeSync
from inspector.translation import QT_TRANSLATE_NOOP
from lockcore import DuplicateKey

__all__ = [
    "ARRAY_INDEX_ROLE",
    "CHOICES_ROLE",
    "FETCH_BATCH",
    "GROUP_SIZE",
    "KEY_COLUMN",
    "TYPE_COLUMN",
    "VALUE_COLUMN",
    "AnyIndex",
    "JsonTreeModel",
    "RowGroup",
    "RowPath",
]


_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_SHOWN_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_EDITABLE_FLAGS = _SHOWN_FLAGS | Qt.ItemFlag.ItemIsEditable
_CONTAINER_TYPES = frozenset((JsonType.OBJECT, JsonType.ARRAY))
_HEADERS = (
    QT_TRANSLATE_NOOP("JsonTreeModel", "Key"),
    QT_TRANSLATE_NOOP("JsonTreeModel", "Value"),
    QT_TRANSLATE_NOOP("JsonTreeModel", "Type"),
)


class JsonTreeModel(TreeSync, TreeCells):
    """Adapts a JSON document to a tree view; edits go through ``undo_stack`` as commands."""

    #: (message) an edit was refused (a duplicate key, "abc" typed as a number, ...)
    edit_rejected = Signal(str)

    def __init__(
        self,
        undo_stack: QUndoStack,
        parent: QObject | None = None,
        *,
        fetch_batch: int = FETCH_BATCH,
        group_size: int = GROUP_SIZE,
    ) -> None:
        super().__init__(parent, fetch_batch=fetch_batch, group_size=group_size)
        self._undo_stack = undo_stack
        self._root_label = "(root)"
        self._policy = SecretPolicy()
        self._read_only = False
        self._hints: EntryHints | None = None
        # (object's path, key) -> the key the file repeats there, with every occurrence's value
        self._duplicates: dict[tuple[tuple[JsonKey, ...], str], DuplicateKey] = {}
        # the objects that hold rows of earlier occurrences (by id: nodes are not hashable)
        # place -> the file's spelling of the number there; the values they spell, once shown
        self._spellings: dict[tuple[JsonKey, ...], str] = {}
        self._spelt_values: dict[tuple[JsonKey, ...], Any] = {}
        self._shadow_parents: dict[int, JsonNode] = {}

    # -- document ---------------------------------------------------------------------------
    @property
    def has_document(self) -> bool:
        return self._root is not None

    def document(self) -> Any:
        """The current document, or ``NO_DOCUMENT``: shared with the tree (do not mutate it);
        only the containers changed since it was last asked for are built anew."""
        return NO_DOCUMENT if self._root is None else self._root.to_json()

    def set_document(self, document: Any, root_label: str | None = None) -> None:
        """Show ``document`` (not undoable): in place when a document is already shown."""
        if root_label is not None and root_label != self._root_label:
            self._root_label = root_label
            if self._root is not None:
                top = self.index(0, KEY_COLUMN)
                self.dataChanged.emit(top, top)
        self.apply_document(document)

    @property
    def secret_policy(self) -> SecretPolicy:
        return self._policy

    def set_secret_policy(self, policy: SecretPolicy) -> None:
        if policy == self._policy:
            return
        self._policy = policy
        self._emit_all_changed()

    @property
    def read_only(self) -> bool:
        return self._read_only

    def set_read_only(self, read_only: bool) -> None:
        # No dataChanged: only editability changes, which views ask flags() for when an edit
        # begins, and nothing drawn depends on it. Announcing every row made each save repaint
        # the tree twice, its start's paint competing for the GIL with the save's worker.
        self._read_only = read_only

    @property
    def hints(self) -> EntryHints | None:
        return self._hints

    def set_hints(self, hints: EntryHints | None) -> None:
        """Show a schema's errors (a marker and tooltip), descriptions and allowed values."""
        self._hints = hints
        self._emit_all_changed()

    # -- lookups --------------------------------------------------------------------------
    def index_for_json_path(self, *steps: str | int) -> QModelIndex:
        """The index of the value at a JSON path such as ``("server", "ports", 2)``."""
        node = self._root
        for step in steps:
            if node is None:
                break
            if isinstance(step, int) and node.json_type is JsonType.ARRAY:
                node = node.child(step)
            else:
                row = node.child_row_for_key(str(step))
                node = None if row is None else node.children[row]
        if node is None:
            raise LookupError(f"no value at {steps!r}")
        return self.index_for_node(node)

    # -- QAbstractItemModel -----------------------------------------------------------------
    column_count = len(_HEADERS)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, ARG002
        return self.column_count

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(_HEADERS)
        ):
            return self.tr(_HEADERS[section])
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        # Views ask twice per row while laying out an expanded node (revealing item 24,908 of
        # an array lays out every row before it): constant flags, no walk up the tree for
        # containers, no enum arithmetic (``|`` on Qt flags runs Python code each time).
        node = index.internalPointer() if index.isValid() else None
        if not isinstance(node, JsonNode):
            return _SHOWN_FLAGS if isinstance(node, RowGroup) else _NO_FLAGS
        if self._read_only or node.shadowed:
            return _SHOWN_FLAGS
        column = index.column()
        if node.json_type in _CONTAINER_TYPES:
            if column == VALUE_COLUMN:
                return _SHOWN_FLAGS  # a summary ("[3 items]"), edited through its members
        elif self._masks(node):
            return _SHOWN_FLAGS
        if column == KEY_COLUMN:
            parent = node.parent
            renamable = parent is not None and parent.json_type is JsonType.OBJECT
            return _EDITABLE_FLAGS if renamable else _SHOWN_FLAGS
        return _EDITABLE_FLAGS

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        node = self.node(index)
        if node is None or role != Qt.ItemDataRole.EditRole:
            return False
        if not self.flags(index) & Qt.ItemFlag.ItemIsEditable:
            return False
        column = index.column()
        if column == KEY_COLUMN:
            return self._rename(node, str(value))
        if column == VALUE_COLUMN:
            return self._edit_value(node, value)
        return self._change_type(node, value)

    # -- edits (each pushes a command) --------------------------------------------------------
    def _rename(self, node: JsonNode, key: str) -> bool:
        if key == node.key:
            return True
        assert node.parent is not None  # flags() allow renaming object members only
        if node.parent.child_row_for_key(key) is not None:
            self.edit_rejected.emit(
                self.tr("There is already a key {key} here.").format(key=repr(key))
            )
            return False
        self._undo_stack.push(RenameKeyCommand(self, self.row_path(node), node.key or "", key))
        return True

    def _edit_value(self, node: JsonNode, value: Any) -> bool:
        text = value if isinstance(value, str) else str(value)
        try:
            new = parse_scalar(text, node.json_type)
        except ValueError as exc:
            self.edit_rejected.emit(self.tr("Not changed: {reason}.").format(reason=exc))
            return False
        old = node.to_json()
        if json_equal(old, new):
            return True
        label = format_json_path(node.json_path())
        self._undo_stack.push(
            ReplaceValueCommand(
                self, self.row_path(node), old, new, self.tr("Edit {entry}").format(entry=label)
            )
        )
        return True

    def _change_type(self, node: JsonNode, value: Any) -> bool:
        try:
            target = JsonType(str(value))
        except ValueError:
            self.edit_rejected.emit(
                self.tr("Not changed: {value} is not a JSON type.").format(value=repr(value))
            )
            return False
        if target is node.json_type:
            return True
        old = node.to_json()
        try:
            new = convert_value(old, target)
        except ConversionRefusedError as exc:
            self.edit_rejected.emit(self.tr("Not changed: {reason}.").format(reason=exc))
            return False
        label = format_json_path(node.json_path())
        self._undo_stack.push(
            ReplaceValueCommand(
                self,
                self.row_path(node),
                old,
                new,
                self.tr("Make {entry} a {type}").format(entry=label, type=target.value),
            )
        )
        return True

    def insert_entry(self, near: AnyIndex, value: Any = "", key: str | None = None) -> QModelIndex:
        """Add an entry: inside ``near`` when it is a container, else right after it (after
        the last member of a row group).

        ``key``: the new member's key in an object (default: a new unique one); refused when
        the object has it already. Returns the new entry's key index (invalid when nothing
        could be added).
        """
        node = self.node(near)
        group = self.group(near)
        if self._read_only:
            return QModelIndex()
        if group is not None:
            parent, row = group.container, group.start + group.count
        elif node is None:
            return QModelIndex()
        elif node.json_type.is_container:
            parent, row = node, node.child_count()
        elif node.parent is not None:
            parent, row = node.parent, node.row() + 1
        else:
            return QModelIndex()
        if parent.shadowed:
            self.edit_rejected.emit(self._not_in_document())
            return QModelIndex()
        if parent.json_type is not JsonType.OBJECT:
            key = None
        elif key is None:
            key = _unique_key(parent)
        elif parent.child_row_for_key(key) is not None:
            self.edit_rejected.emit(self.tr("{key} is there already.").format(key=key))
            return QModelIndex()
        self._undo_stack.push(InsertEntryCommand(self, self.row_path(parent), row, key, value))
        child = parent.child(row)
        return self.index_for_node(child) if child is not None else QModelIndex()

    def remove_entry(self, index: AnyIndex) -> bool:
        """Delete the entry at ``index`` (the document root cannot be deleted)."""
        node = self.node(index)
        if self._read_only or node is None or node.parent is None:
            return False
        if node.shadowed:
            self.edit_rejected.emit(self._not_in_document())
            return False
        parent_path = self.row_path(node.parent)
        self._undo_stack.push(
            RemoveEntryCommand(self, parent_path, node.row(), node.key, node.to_json())
        )
        return True

    def _not_in_document(self) -> str:
        return self.tr(
            "Not changed: an earlier occurrence of a repeated key is not part of the document "
            "(programs read the last one). Use Remove This Occurrence to take it out of the file."
        )

    def replace_document(
        self, document: Any, *, text: str | None = None, old_text: str | None = None
    ) -> None:
        """Replace the whole document as one undoable edit (what a raw-text edit does).

        With ``text`` (what was typed over ``old_text``), a text that means the same document
        is an edit too: saving writes the text as typed (see ReplaceDocumentCommand)."""
        old = self.document()
        same = old is not NO_DOCUMENT and document is not NO_DOCUMENT and json_equal(old, document)
        if same and (text is None or text == old_text):
            return
        self._undo_stack.push(
            ReplaceDocumentCommand(
                self, old, document, old_text=old_text if text is not None else None, new_text=text
            )
        )


def _unique_key(parent: JsonNode) -> str:
    key, number = "new_key", 1
    while parent.child_row_for_key(key) is not None:
        number += 1
        key = f"new_key_{number}"
    return key
