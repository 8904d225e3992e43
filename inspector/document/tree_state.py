"""What the JSON tree model's parts share: its state (the document's policy, hints, repeated keys
and number spellings) and the row bookkeeping every structural change uses (rows in groups,
renumbering, announcing that everything changed).

:class:`~inspector.document.tree_model.JsonTreeModel` is built over it from mixins, one concern
each: repeated keys (``tree_duplicates.py``), what each cell shows (``tree_cells.py``), and
applying changes and following a new version in place (``tree_sync.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import (
    QModelIndex,
    Qt,
)
from PySide6.QtGui import QUndoStack

from inspector.document.json_values import JsonType
from inspector.document.nodes import JsonKey, JsonNode
from inspector.document.secrets import SecretPolicy
from inspector.document.tree_base import (
    KEY_COLUMN,
    LazyTreeModelBase,
    RowGroup,
    group_of,
)
from lockcore import DuplicateKey

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


class JsonTreeState(LazyTreeModelBase):
    """The JSON tree model's state and row bookkeeping (built by :class:`JsonTreeModel`)."""

    _undo_stack: QUndoStack
    _root_label: str
    _policy: SecretPolicy
    _read_only: bool
    _hints: EntryHints | None
    _duplicates: dict[tuple[tuple[JsonKey, ...], str], DuplicateKey]
    _spellings: dict[tuple[JsonKey, ...], str]
    _spelt_values: dict[tuple[JsonKey, ...], Any]
    _shadow_parents: dict[int, JsonNode]

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

    def _attached(self, node: JsonNode) -> bool:
        while node.parent is not None:
            node = node.parent
        return node is self._root
