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

import json
import math
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any, Protocol

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QIcon, QUndoStack
from PySide6.QtWidgets import QApplication, QStyle

from inspector.document.commands import (
    InsertEntryCommand,
    RemoveEntryCommand,
    RenameKeyCommand,
    ReplaceDocumentCommand,
    ReplaceValueCommand,
)
from inspector.document.nodes import (
    ConversionRefusedError,
    JsonKey,
    JsonNode,
    JsonType,
    convert_value,
    format_json_path,
    json_equal,
    json_type_of,
    parse_scalar,
)
from inspector.document.results import NO_DOCUMENT
from inspector.document.secrets import MASK, SecretPolicy
from inspector.document.tree_base import (
    FETCH_BATCH,
    GROUP_SIZE,
    KEY_COLUMN,
    AnyIndex,
    LazyTreeModelBase,
    RowGroup,
    RowPath,
    group_of,
)
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

VALUE_COLUMN, TYPE_COLUMN = 1, 2

ARRAY_INDEX_ROLE = Qt.ItemDataRole.UserRole + 1
"""The position of an array item (key column); the view draws it as ``[i]``.

The display role of an array item's key column stays empty: a text derived from the row would
change for every later item on each insert, which a model must announce and which Qt's model
tester rightly flags as changing neighbours' data.
"""
CHOICES_ROLE = Qt.ItemDataRole.UserRole + 2
"""The values a schema allows for an entry (value column), as text: the editor's drop-down."""


class EntryHints(Protocol):
    """What a schema says of each entry (see :class:`inspector.schema.SchemaHints`)."""

    @property
    def has_errors(self) -> bool: ...
    def errors_at(self, path: tuple[JsonKey, ...]) -> Sequence[Any]: ...
    def errors_below(self, path: tuple[JsonKey, ...]) -> bool: ...
    def description(self, path: tuple[JsonKey, ...]) -> str | None: ...
    def choices(self, path: tuple[JsonKey, ...]) -> list[str] | None: ...


_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_SHOWN_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_EDITABLE_FLAGS = _SHOWN_FLAGS | Qt.ItemFlag.ItemIsEditable
_CONTAINER_TYPES = frozenset((JsonType.OBJECT, JsonType.ARRAY))
_NUMBER_TYPES = frozenset((JsonType.INTEGER, JsonType.FLOAT))
_UNPARSED = object()

_HEADERS = (
    QT_TRANSLATE_NOOP("JsonTreeModel", "Key"),
    QT_TRANSLATE_NOOP("JsonTreeModel", "Value"),
    QT_TRANSLATE_NOOP("JsonTreeModel", "Type"),
)


# Value colours (light, dark), the same families the raw view's highlighter uses.
_VALUE_COLOURS: dict[JsonType, tuple[str, str]] = {
    JsonType.STRING: ("#0a7a3d", "#8bd49c"),
    JsonType.INTEGER: ("#1f5fbf", "#79b8ff"),
    JsonType.FLOAT: ("#1f5fbf", "#79b8ff"),
    JsonType.BOOLEAN: ("#8a3ab9", "#d2a8ff"),
    JsonType.NULL: ("#8a3ab9", "#d2a8ff"),
}


def _dark_palette() -> bool:
    return QGuiApplication.palette().window().color().lightness() < 128


class JsonTreeModel(LazyTreeModelBase):
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
        if read_only != self._read_only:
            self._read_only = read_only
            self._emit_all_changed()  # flags changed for every item

    def set_duplicate_keys(self, duplicates: Sequence[DuplicateKey]) -> None:
        """Show every occurrence of each key the file repeats in one object, each marked.

        The last occurrence is the document's member (the one ``json.loads``, JavaScript and
        most JSON readers use); each earlier one is a read-only row just above it ("theme (1 of
        2, ignored by most readers)"), kept byte for byte when saving. Not undoable:
        call it when a version of the file is shown (the undo stack is cleared then), as rows
        come and go.
        """
        self._remove_shadowed()
        self._duplicates = {(item.location, item.key): item for item in duplicates}
        for item in duplicates:
            self._add_shadowed(item)
        self._emit_all_changed()

    def set_number_spellings(self, spellings: Sequence[tuple[tuple[JsonKey, ...], str]]) -> None:
        """Show numbers as the file spells them (``1.50``, ``1E22``, ``1e999``), not as Python
        writes their value (``1.5``, ``1e+22``, ``Infinity``): ``spellings`` holds (place,
        text) for each number whose text differs (lockcore.number_spellings). A number edited
        to another value shows what the save will write; set it when a version of the file is
        shown."""
        self._spellings = dict(spellings)
        self._spelt_values = {}
        self._emit_all_changed()

    def _value_text(self, node: JsonNode) -> str:
        """The value column's text: the file's own spelling of a number it holds unchanged."""
        if self._spellings and node.json_type in _NUMBER_TYPES and not node.shadowed:
            place = node.json_path()
            spelling = self._spellings.get(place)
            if spelling is not None:
                value = self._spelt_values.get(place, _UNPARSED)
                if value is _UNPARSED:  # parsed when first shown (up to 100,000 are known)
                    value = self._spelt_values[place] = json.loads(spelling)
                if _same_number(value, node.value):
                    return spelling
        return node.summary()

    def occurrence_at(self, index: AnyIndex) -> tuple[DuplicateKey, int] | None:
        """The repeated key whose occurrence ``index`` shows, and which occurrence it is (0:
        the first in the text; the last is the document's member); None for other entries."""
        node = self.node(index)
        return None if node is None else self._occurrence(node)

    def _occurrence(self, node: JsonNode) -> tuple[DuplicateKey, int] | None:
        parent = node.parent
        if not self._duplicates or parent is None or parent.json_type is not JsonType.OBJECT:
            return None
        if node.shadowed and node.occurrence is None:
            return None  # inside an earlier occurrence: no path of the document leads here
        item = self._duplicates.get((parent.json_path(), node.key or ""))
        if item is None:
            return None
        return item, len(item.values) - 1 if node.occurrence is None else node.occurrence

    def _live_node(self, location: tuple[JsonKey, ...]) -> JsonNode | None:
        """The document's node at ``location`` (last occurrences all the way), if any."""
        node = self._root
        for step in location:
            if node is None:
                return None
            if isinstance(step, int):
                node = node.child(step) if node.json_type is JsonType.ARRAY else None
            elif node.json_type is JsonType.OBJECT:
                row = node.child_row_for_key(step)
                node = None if row is None else node.children[row]
            else:
                return None
        return node

    def _add_shadowed(self, item: DuplicateKey) -> None:
        parent = self._live_node(item.location)
        if parent is None or parent.json_type is not JsonType.OBJECT:
            return
        row = parent.child_row_for_key(item.key)  # builds every member of the object
        if row is None:
            return
        self._shadow_parents[id(parent)] = parent
        occurrences = [
            JsonNode.occurrence_of(item.key, value, occurrence)
            for occurrence, value in enumerate(item.values[:-1])
        ]
        if parent.groups is not None:
            for offset, occurrence_node in enumerate(occurrences):
                self._insert_in_group(parent, row + offset, occurrence_node)
            return
        count = len(occurrences)
        # Announced when they land among the rows views know (or after all of them).
        announce = row < parent.fetched or parent.fetched == parent.child_count()
        shown = announce and self._shown(parent)
        if shown:
            self.beginInsertRows(self._index_of(parent), row, row + count - 1)
        for offset, occurrence_node in enumerate(occurrences):
            parent.insert_child(row + offset, occurrence_node)
        if announce:
            parent.fetched += count
        if shown:
            self.endInsertRows()

    def _restore_shadowed_below(self, node: JsonNode) -> None:
        """``node``'s members were replaced (no view knew them): its earlier occurrences, and
        those of the objects inside it, come back where they were."""
        if not self._duplicates:
            return
        path = node.json_path()
        for item in self._duplicates.values():
            if item.location[: len(path)] == path:
                self._add_shadowed(item)

    def _remove_shadowed(self) -> None:
        parents, self._shadow_parents = self._shadow_parents, {}
        for parent in parents.values():
            if not self._attached(parent):
                continue
            for row in reversed(range(parent.built_count)):
                child = parent.built_child(row)
                if child is None or child.occurrence is None:
                    continue
                if parent.groups is not None:
                    self._remove_from_group(parent, self._index_of(parent), row)
                    continue
                announce = row < parent.fetched
                shown = announce and self._shown(parent)
                if shown:
                    self.beginRemoveRows(self._index_of(parent), row, row)
                parent.remove_child(row)
                if announce:
                    parent.fetched -= 1
                if shown:
                    self.endRemoveRows()

    def _attached(self, node: JsonNode) -> bool:
        while node.parent is not None:
            node = node.parent
        return node is self._root

    def _occurrence_label(self, node: JsonNode) -> str | None:
        found = self._occurrence(node)
        if found is None:
            return None
        item, occurrence = found
        count = len(item.values)
        place = {"key": node.key or "", "place": occurrence + 1, "count": count}
        if occurrence == count - 1:
            return self.tr(
                "{key} ({place} of {count}, read by Python, JS and most readers)"
            ).format(**place)
        return self.tr("{key} ({place} of {count}, ignored by most readers)").format(**place)

    def _orphaned(self, node: JsonNode) -> bool:
        """Whether ``node`` is an earlier occurrence of a key the edited document no longer
        has (deleted or renamed): saving then removes every occurrence of it."""
        parent = node.parent
        return (
            node.occurrence is not None
            and parent is not None
            and parent.child_row_for_key(node.key or "") is None
        )

    def _occurrences_changed(self, parent: JsonNode) -> None:
        """The members of ``parent`` changed: its earlier occurrences' marks may have (their
        labels do not: Qt's model tester rightly wants neighbours' text unchanged by a row
        insertion or removal, so only the font and tooltip say "goes with its key")."""
        if not parent.shadowed_rows or not self._shown(parent):
            return
        for child in parent.built_children():
            if child.occurrence is not None and self._shown(child):
                index = self._index_of(child)
                self.dataChanged.emit(index, index)

    def _duplicate_tooltip(self, node: JsonNode) -> str | None:
        found = self._occurrence(node)
        if found is None:
            return None
        item, occurrence = found
        count = len(item.values)
        lines = [
            self.tr(
                "Duplicate key: this object has {count} members named {key}. Python, "
                "JavaScript and most JSON readers use only the last one; the others are kept "
                "as they are when saving."
            ).format(count=count, key=_shown_briefly(item.key))
        ]
        if occurrence < count - 1:
            lines.append(
                self.tr(
                    "This is occurrence {place} of {count}: shown read-only, it is not what "
                    "programs read."
                ).format(place=occurrence + 1, count=count)
            )
            if self._orphaned(node):
                lines.append(
                    self.tr(
                        "Its key was deleted or renamed in your edits: saving removes every "
                        "occurrence of it."
                    )
                )
        else:
            earlier = ", ".join(_shown_briefly(value) for value in item.values[:-1])
            lines.append(
                self.tr(
                    "This is the last of {count}, the one programs read; the earlier value(s): "
                    "{earlier}."
                ).format(count=count, earlier=earlier)
            )
        lines.append(self.tr("Remove This Occurrence takes one out of the file."))
        return "\n".join(lines)

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

    def _masks(self, node: JsonNode) -> bool:
        return self._policy.masks_member(node.member_keys(), node.parent is None)

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

    def data(  # noqa: PLR0911 - one answer per role reads best as a flat dispatch
        self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        node = self.node(index)
        if node is None:
            group = self.group(index)
            return None if group is None else self._group_data(group, index.column(), role)
        column = index.column()
        masked = not node.json_type.is_container and self._masks(node)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(node, column, masked)
        if role == Qt.ItemDataRole.EditRole:
            if column == KEY_COLUMN:
                return node.key if node.key is not None else node.display_key()
            if column == VALUE_COLUMN:
                return MASK if masked else self._value_text(node)
            return node.json_type.value
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(node, column, masked)
        if role == Qt.ItemDataRole.FontRole:
            return self._font(node, column, masked)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(node, column, masked)
        if role == ARRAY_INDEX_ROLE and column == KEY_COLUMN and _is_array_item(node):
            return node.row()
        if role == Qt.ItemDataRole.DecorationRole and column == KEY_COLUMN:
            if self._duplicates and self._occurrence(node) is not None:
                return _marker(QStyle.StandardPixmap.SP_MessageBoxWarning)
            return None if node.shadowed else self._schema_marker(node)
        if role == CHOICES_ROLE and column == VALUE_COLUMN and self._hints is not None:
            return None if masked else self._hints.choices(node.json_path())
        return None

    def _group_data(  # noqa: PLR0911 - one answer per role, as in data()
        self, group: RowGroup, column: int, role: int
    ) -> Any:
        """A group row: its positions ("[1000 … 1999]"), how many members, errors inside."""
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == KEY_COLUMN:
                return f"[{group.start} … {group.last}]"
            if column == VALUE_COLUMN:
                if group.container.json_type is JsonType.OBJECT:
                    return self.tr("{count} keys").format(count=f"{group.count:,}")
                return self.tr("{count} items").format(count=f"{group.count:,}")
            return ""
        if role == Qt.ItemDataRole.ForegroundRole and column == VALUE_COLUMN:
            return QGuiApplication.palette().placeholderText()
        if role == Qt.ItemDataRole.ToolTipRole and column == KEY_COLUMN:
            path = format_json_path(group.container.json_path())
            return self.tr("{path}: members {first} to {last}").format(
                path=path, first=group.start, last=group.last
            )
        if role == Qt.ItemDataRole.DecorationRole and column == KEY_COLUMN:
            return self._group_schema_marker(group)
        return None

    def _group_schema_marker(self, group: RowGroup) -> QIcon | None:
        """The information marker when an entry in the group breaks the schema."""
        hints = self._hints
        if hints is None or not hints.has_errors:
            return None
        container = group.container
        path = container.json_path()
        if not hints.errors_below(path):
            return None
        positions = range(group.start, group.start + group.count)
        steps: Iterable[JsonKey]
        if container.json_type is JsonType.ARRAY:
            steps = positions
        elif not container.shadowed_rows:  # its keys from its JSON: no member node is built
            steps = islice(container.to_json(), group.start, group.start + group.count)
        else:
            steps = ((container.child(position) or container).key or "" for position in positions)
        for step in steps:
            entry = (*path, step)
            if hints.errors_at(entry) or hints.errors_below(entry):
                return _marker(QStyle.StandardPixmap.SP_MessageBoxInformation)
        return None

    def _schema_marker(self, node: JsonNode) -> QIcon | None:
        hints = self._hints
        if hints is None or not hints.has_errors:
            return None
        path = node.json_path()
        if hints.errors_at(path):
            return _marker(QStyle.StandardPixmap.SP_MessageBoxWarning)
        if hints.errors_below(path):
            return _marker(QStyle.StandardPixmap.SP_MessageBoxInformation)
        return None

    def _schema_tooltip(self, node: JsonNode) -> str | None:
        hints = self._hints
        if hints is None:
            return None
        path = node.json_path()
        lines = [
            self.tr("Schema: {pointer}: {message}").format(
                pointer=getattr(error, "pointer", "") or "/", message=getattr(error, "message", "")
            )
            for error in hints.errors_at(path)
        ]
        if not lines and hints.errors_below(path):
            lines.append(self.tr("Schema: an entry inside breaks the schema"))
        description = hints.description(path)
        if description:
            lines.append(description)
        return "\n".join(lines) or None

    def _display(self, node: JsonNode, column: int, masked: bool) -> str:
        if column == KEY_COLUMN:
            if node.parent is None:
                return self._root_label
            if _is_array_item(node):
                return ""
            label = self._occurrence_label(node) if self._duplicates else None
            return node.display_key() if label is None else label
        if column == VALUE_COLUMN:
            if masked:
                return MASK
            text = self._value_text(node)
            if node.json_type is JsonType.STRING:
                text = text.replace("\r", "").replace("\n", " ⏎ ")
            return text
        return node.json_type.value

    def _foreground(self, node: JsonNode, column: int, masked: bool) -> QBrush | None:
        palette = QGuiApplication.palette()
        dim = palette.placeholderText()
        if (
            node.shadowed
            or column == TYPE_COLUMN
            or (column == VALUE_COLUMN and (masked or node.json_type.is_container))
        ):
            return dim
        if column == VALUE_COLUMN:
            light, dark = _VALUE_COLOURS[node.json_type]
            return QBrush(QColor(dark if _dark_palette() else light))
        return None

    def _font(self, node: JsonNode, column: int, masked: bool) -> QFont | None:
        if column == KEY_COLUMN and node.occurrence is not None:
            font = QFont()
            font.setItalic(True)  # an earlier occurrence: not part of the document
            font.setStrikeOut(self._orphaned(node))  # and it goes when saving
            return font
        if column == KEY_COLUMN and node.parent is None:
            font = QFont()
            font.setBold(True)
            return font
        if column == VALUE_COLUMN and masked:
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def _tooltip(self, node: JsonNode, column: int, masked: bool) -> str | None:
        tip = self._plain_tooltip(node, column, masked)
        duplicate = self._duplicate_tooltip(node) if column == KEY_COLUMN and not masked else None
        if duplicate is not None:
            tip = duplicate if tip is None else f"{tip}\n{duplicate}"
        schema = self._schema_tooltip(node) if column != TYPE_COLUMN and not node.shadowed else None
        if schema is None:
            return tip
        return schema if tip is None else f"{tip}\n{schema}"

    def _plain_tooltip(self, node: JsonNode, column: int, masked: bool) -> str | None:
        path = format_json_path(node.json_path())
        if masked:
            return f"{path}: secret value hidden; use Reveal secrets to show or edit it"
        if column == VALUE_COLUMN and node.json_type is JsonType.STRING and len(node.value) > 60:
            return str(node.value)
        if column == KEY_COLUMN:
            return path
        return None

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

    def replace_document(self, document: Any) -> None:
        """Replace the whole document as one undoable edit (what a raw-text edit does)."""
        old = self.document()
        if old is not NO_DOCUMENT and document is not NO_DOCUMENT and json_equal(old, document):
            return
        self._undo_stack.push(ReplaceDocumentCommand(self, old, document))

    # -- applying commands (called by commands.py only) -------------------------------------
    def apply_replace_value(self, path: RowPath, value: Any) -> None:
        node = self.node_at(path)
        self._sync(node, value, self.index_for_node(node))
        if node.parent is not None:
            node.parent.changed()

    def apply_rename(self, path: RowPath, key: str) -> None:
        node = self.node_at(path)
        node.key = key
        if self._shown(node):
            index = self._index_of(node)
            self.dataChanged.emit(index, index)
        if node.parent is not None:
            self._occurrences_changed(node.parent)

    def apply_insert(self, parent_path: RowPath, row: int, key: str | None, value: Any) -> None:
        parent = self.node_at(parent_path)
        parent_index = self.index_for_node(parent)
        if parent.groups is not None:
            self._insert_in_group(parent, row, JsonNode.from_json(value, key))
            self._children_renumbered(parent, parent_index, row + 1)
            return
        # Announced when it lands among the rows views know (or right after all of them).
        announce = row < parent.fetched or parent.fetched == parent.child_count()
        if announce:
            self.beginInsertRows(parent_index, row, row)
        parent.insert_child(row, JsonNode.from_json(value, key))
        if announce:
            parent.fetched += 1
            self.endInsertRows()
        self._children_renumbered(parent, parent_index, row + 1)
        self._occurrences_changed(parent)

    def apply_remove(self, parent_path: RowPath, row: int) -> None:
        parent = self.node_at(parent_path)
        parent_index = self.index_for_node(parent)
        if parent.groups is not None:
            self._remove_from_group(parent, parent_index, row)
            self._children_renumbered(parent, parent_index, row)
            return
        announce = row < parent.fetched
        if announce:
            self.beginRemoveRows(parent_index, row, row)
        parent.remove_child(row)
        if announce:
            parent.fetched -= 1
            self.endRemoveRows()
        self._children_renumbered(parent, parent_index, row)
        self._occurrences_changed(parent)

    def _insert_in_group(self, parent: JsonNode, row: int, child: JsonNode) -> None:
        """Insert a member into the group it lands in; the groups after it start one later.

        Between two groups it joins the earlier one: added after item 1999, it shows next to it.
        """
        group = group_of(parent, max(row - 1, 0))
        local = row - group.start
        # Announced when it lands among the rows views know (or right after all of them).
        announce = local < group.fetched or group.fetched == group.count
        if announce:
            self.beginInsertRows(self._group_index(group), local, local)
        parent.insert_child(row, child)
        group.count += 1
        for later in parent.groups[group.row + 1 :]:
            later.start += 1
        if announce:
            group.fetched += 1
            self.endInsertRows()

    def _remove_from_group(self, parent: JsonNode, parent_index: QModelIndex, row: int) -> None:
        """Remove a member from its group (and the group when it was its last member)."""
        group = group_of(parent, row)
        local = row - group.start
        announce = local < group.fetched
        if announce:
            self.beginRemoveRows(self._group_index(group), local, local)
        parent.remove_child(row)
        group.count -= 1
        for later in parent.groups[group.row + 1 :]:
            later.start -= 1
        if announce:
            group.fetched -= 1
            self.endRemoveRows()
        if group.count:
            return
        self.beginRemoveRows(parent_index, group.row, group.row)
        groups: list[RowGroup] = parent.groups
        del groups[group.row]
        for later in groups[group.row :]:
            later.row -= 1
        parent.fetched -= 1
        if not groups:
            parent.groups = None
        self.endRemoveRows()

    def apply_document(self, document: Any) -> None:
        if document is NO_DOCUMENT or self._root is None:
            self._shadow_parents = {}  # the old tree goes, and its occurrence rows with it
            self.beginResetModel()
            dropped, self._root = (
                self._root,
                None if document is NO_DOCUMENT else JsonNode.from_json(document),
            )
            self.endResetModel()
            if dropped is not None:
                dropped.release()  # the document goes now, not at the next full collection
            return
        self._sync(self._root, document, self.createIndex(0, KEY_COLUMN, self._root))

    # -- in-place synchronisation -------------------------------------------------------------
    def _sync(self, node: JsonNode, value: Any, index: QModelIndex) -> None:
        """Make ``node`` equal ``value`` with the fewest row changes (index: node, column 0);
        then the node hands out ``value`` itself as its JSON (the containers above are the
        caller's to mark changed)."""
        pristine = node.unbuilt_value()
        if (
            pristine is not None
            and json_type_of(value) is node.json_type
            and json_equal(pristine, value)
        ):
            return  # unchanged, and never shown: keep it unbuilt, and the JSON it hands out
        self._sync_rows(node, value, index)
        node.now_equals(value)

    def _sync_rows(self, node: JsonNode, value: Any, index: QModelIndex) -> None:
        new_type = json_type_of(value)
        if node.json_type.is_container and new_type is node.json_type:
            self._sync_container(node, value, index)
            return
        was_shown = node.fetched > 0  # probably expanded: show the new members too
        if node.fetched:
            self.beginRemoveRows(index, 0, node.fetched - 1)
            node.clear_children()
            self.endRemoveRows()
        else:
            node.clear_children()
        if new_type.is_container and value:
            node.set_json(value)
            if was_shown:
                self._fetch(node, index, self._fetch_batch)
            self._row_changed(node, VALUE_COLUMN, TYPE_COLUMN)
        elif node.json_type is not new_type or not json_equal(node.value, value):
            node.set_json(value)
            self._row_changed(node, VALUE_COLUMN, TYPE_COLUMN)

    def _sync_container(self, node: JsonNode, value: Any, index: QModelIndex) -> None:
        """Sync a container with a value of its own type: its members row by row."""
        if node.groups is not None:
            self._sync_grouped(node, value, index)
            return
        if node.fetched < node.child_count():
            if node.fetched == 0:  # no view knows a member: nothing to move row by row
                node.set_json(value)
                self._restore_shadowed_below(node)
                self._row_changed(node, VALUE_COLUMN, VALUE_COLUMN)
                return
            self._fetch(node, index, node.child_count())  # rows below are compared one by one
        old_count = node.child_count()
        if node.json_type is JsonType.OBJECT:
            self._sync_object(node, value, index)
        else:
            self._sync_array(node, value, index)
        if node.child_count() != old_count:
            self._row_changed(node, VALUE_COLUMN, VALUE_COLUMN)

    def _sync_grouped(self, node: JsonNode, value: Any, index: QModelIndex) -> None:
        """Sync a grouped container: member by member when its members are the same ones
        (the same count, the same keys in order), else its groups are formed anew."""
        # Rows of earlier occurrences are not the document's members: matched around them.
        children = [child for child in node.children if not child.shadowed]
        if node.json_type is JsonType.OBJECT:
            same = len(value) == len(children) and all(
                child.key == key for child, key in zip(children, value, strict=False)
            )
            members = list(value.values()) if same else []
        else:
            # the same items, some added or dropped at the end (a log that grew): groups kept,
            # unless few enough for plain rows now
            same, members = len(value) > self._group_size, value[: len(children)]
        if not same:
            self.beginRemoveRows(index, 0, node.fetched - 1)
            node.clear_children()
            self.endRemoveRows()
            node.set_json(value)
            self._restore_shadowed_below(node)
            self._fetch(node, index, self._fetch_batch)
            self._row_changed(node, VALUE_COLUMN, VALUE_COLUMN)
            return
        count, touched = len(children), len(node.groups) - 1  # the last group may change
        if node.json_type is JsonType.ARRAY and len(value) < count:
            self._truncate_groups(node, index, len(value))
            children = children[: len(value)]
        for child, member in zip(children, members, strict=True):
            self._sync(child, member, self._index_of(child))
        if node.json_type is JsonType.ARRAY and len(value) > len(children):
            self._append_to_groups(node, index, value[len(children) :])
        if len(value) != count:
            self._row_changed(node, VALUE_COLUMN, VALUE_COLUMN)  # "[N items]"
            groups = node.groups
            if groups and self._shown(node):  # labels and counts from the last group before
                first = groups[min(touched, len(groups) - 1)]
                self.dataChanged.emit(
                    self._group_index(first), self._group_index(groups[-1], VALUE_COLUMN)
                )

    def _truncate_groups(self, node: JsonNode, index: QModelIndex, length: int) -> None:
        """Drop a grouped array's members from ``length`` on (a file that got shorter): the
        last groups shrink or go; the others and their open rows stay."""
        groups: list[RowGroup] = node.groups
        while node.child_count() > length:
            last = groups[-1]
            keep = max(length - last.start, 0)
            dropped = range(last.start + keep, last.start + last.count)
            if keep == 0:
                self.beginRemoveRows(index, last.row, last.row)
            elif keep < last.fetched:
                self.beginRemoveRows(self._group_index(last), keep, last.fetched - 1)
            for row in reversed(dropped):
                node.remove_child(row)
            announced = keep == 0 or keep < last.fetched
            last.count, last.fetched = keep, min(keep, last.fetched)
            if keep == 0:
                groups.pop()
                node.fetched -= 1
            if announced:
                self.endRemoveRows()
        if not groups:
            node.groups = None

    def _append_to_groups(self, node: JsonNode, index: QModelIndex, values: list[Any]) -> None:
        """Add members at the end of a grouped array (a file that grew): the last group fills
        up to the group size, then new groups follow; rows already open stay open."""
        taken = 0
        while taken < len(values):
            last = node.groups[-1]
            if last.count >= self._group_size:
                group = RowGroup(node, last.row + 1, last.start + last.count, 0)
                self.beginInsertRows(index, group.row, group.row)
                node.groups.append(group)
                node.fetched += 1
                self.endInsertRows()
                continue
            batch = values[taken : taken + self._group_size - last.count]
            announce = last.fetched == last.count  # rows shown up to its end: show these too
            if announce:
                self.beginInsertRows(
                    self._group_index(last), last.count, last.count + len(batch) - 1
                )
            for value in batch:
                node.insert_child(node.child_count(), JsonNode.from_json(value, None))
            last.count += len(batch)
            if announce:
                last.fetched = last.count
                self.endInsertRows()
            taken += len(batch)

    def _sync_object(self, node: JsonNode, value: dict[str, Any], index: QModelIndex) -> None:
        # Rows of earlier occurrences stay where they are (set_duplicate_keys places them):
        # the document's members are matched around them.
        for row in reversed(range(node.child_count())):
            child = node.children[row]
            if not child.shadowed and child.key not in value:
                self.beginRemoveRows(index, row, row)
                node.remove_child(row)
                node.fetched -= 1
                self.endRemoveRows()
        position = 0
        for key, member in value.items():
            while position < node.child_count() and node.children[position].shadowed:
                position += 1
            if position < node.child_count() and node.children[position].key == key:
                child = node.children[position]
            else:
                existing = node.child_row_for_key(key)
                if existing is None:
                    self.beginInsertRows(index, position, position)
                    node.insert_child(position, JsonNode.from_json(member, key))
                    node.fetched += 1
                    self.endInsertRows()
                    position += 1
                    continue
                self.beginMoveRows(index, existing, existing, index, position)
                child = node.children.pop(existing)
                node.children.insert(position, child)
                self.endMoveRows()
            self._sync(child, member, self.createIndex(position, KEY_COLUMN, child))
            position += 1
        self._occurrences_changed(node)

    def _sync_array(self, node: JsonNode, value: list[Any], index: QModelIndex) -> None:
        common = min(node.child_count(), len(value))
        for row in range(common):
            child = node.children[row]
            self._sync(child, value[row], self.createIndex(row, KEY_COLUMN, child))
        if node.child_count() > len(value):
            self.beginRemoveRows(index, len(value), node.child_count() - 1)
            for child in node.children[len(value) :]:
                child.parent = None
            del node.children[len(value) :]
            node.fetched = len(value)
            self.endRemoveRows()
        elif len(value) > node.child_count():
            first = node.child_count()
            self.beginInsertRows(index, first, len(value) - 1)
            for member in value[first:]:
                node.insert_child(node.child_count(), JsonNode.from_json(member, None))
            node.fetched = len(value)
            self.endInsertRows()

    def _children_renumbered(self, parent: JsonNode, parent_index: QModelIndex, start: int) -> None:
        """The summary of ``parent`` changed; array items from ``start`` on changed position."""
        self._row_changed(parent, VALUE_COLUMN, VALUE_COLUMN)
        groups: list[RowGroup] | None = parent.groups
        if groups is not None:
            self._groups_renumbered(parent, groups, start)
            return
        if parent.json_type is JsonType.ARRAY and start < parent.fetched:
            self.dataChanged.emit(
                self.index(start, KEY_COLUMN, parent_index),
                self.index(parent.fetched - 1, KEY_COLUMN, parent_index),
                [ARRAY_INDEX_ROLE],
            )

    def _groups_renumbered(self, parent: JsonNode, groups: list[RowGroup], start: int) -> None:
        """Groups from the one holding ``start`` on show other positions (and their array items
        other indexes)."""
        if not groups or not self._shown(parent):
            return
        first = group_of(parent, start)
        self.dataChanged.emit(
            self._group_index(first, KEY_COLUMN), self._group_index(groups[-1], VALUE_COLUMN)
        )
        if parent.json_type is not JsonType.ARRAY:
            return
        for group in groups[first.row :]:
            local = max(start - group.start, 0)
            if local < group.fetched:
                group_index = self._group_index(group)
                self.dataChanged.emit(
                    self.index(local, KEY_COLUMN, group_index),
                    self.index(group.fetched - 1, KEY_COLUMN, group_index),
                    [ARRAY_INDEX_ROLE],
                )

    def _emit_all_changed(self) -> None:
        if self._root is None:
            return
        self._row_changed(self._root, KEY_COLUMN, TYPE_COLUMN)
        stack = [self._root]
        while stack:  # only announced rows: views have never seen the others
            node = stack.pop()
            if not node.fetched:
                continue
            parent_index = self._index_of(node)
            self.dataChanged.emit(
                self.index(0, KEY_COLUMN, parent_index),
                self.index(node.fetched - 1, TYPE_COLUMN, parent_index),
            )
            if node.groups is None:
                rows = range(node.fetched)
            else:
                rows = range(0)
                for group in node.groups:
                    if group.fetched:
                        group_index = self._group_index(group)
                        self.dataChanged.emit(
                            self.index(0, KEY_COLUMN, group_index),
                            self.index(group.fetched - 1, TYPE_COLUMN, group_index),
                        )
                        shown = range(group.start, group.start + group.fetched)
                        stack.extend(self._opened(node, shown))
            stack.extend(self._opened(node, rows))

    @staticmethod
    def _opened(node: JsonNode, rows: range) -> list[JsonNode]:
        """The members at ``rows`` (built ones) that have rows announced themselves."""
        found = []
        for row in rows:
            child = node.built_child(row)
            if child is not None and child.fetched:
                found.append(child)
        return found


def _shown_briefly(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else f"{text[:39]}…"


def _same_number(spelt: Any, value: Any) -> bool:
    """Whether ``value`` is the number the file spelt (JSON types strict: 1 is not 1.0, -0.0
    is not 0.0): the save then keeps the file's spelling."""
    if type(spelt) is not type(value):
        return False
    if isinstance(spelt, float):
        if math.isnan(spelt):
            return math.isnan(value)
        return bool(spelt == value) and math.copysign(1.0, spelt) == math.copysign(1.0, value)
    return bool(spelt == value)


def _is_array_item(node: JsonNode) -> bool:
    return node.parent is not None and node.parent.json_type is JsonType.ARRAY


def _unique_key(parent: JsonNode) -> str:
    key, number = "new_key", 1
    while parent.child_row_for_key(key) is not None:
        number += 1
        key = f"new_key_{number}"
    return key


def _marker(pixmap: QStyle.StandardPixmap) -> QIcon | None:
    """A standard icon of the application's style (None without a QApplication)."""
    app = QApplication.instance()
    return app.style().standardIcon(pixmap) if isinstance(app, QApplication) else None
