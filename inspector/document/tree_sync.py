"""How the JSON tree changes: the undo commands' changes applied (``apply_*``, called by
``commands.py`` only), and a new version of the document synchronised in place, so that
expansion, selection and scroll stay put while a document follows its file."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QModelIndex,
)

from inspector.document.json_values import JsonType, json_equal, json_type_of
from inspector.document.nodes import JsonNode
from inspector.document.results import NO_DOCUMENT
from inspector.document.tree_base import (
    KEY_COLUMN,
    RowGroup,
    RowPath,
)
from inspector.document.tree_duplicates import TreeDuplicates
from inspector.document.tree_state import (
    TYPE_COLUMN,
    VALUE_COLUMN,
)


class TreeSync(TreeDuplicates):
    """Applies changes to the tree in place, announcing each to the views."""

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
        if not node.built:
            # Some members not built yet (nor shown): only the built ones are synced, the
            # others taken from ``value`` when built; keys compared without building nodes.
            if node.json_type is JsonType.OBJECT:
                if list(node.to_json()) != list(value):
                    self._regroup(node, value, index)
                    return
                self._sync_built_members(node, value)
                return
            if len(value) == node.child_count():
                self._sync_built_members(node, value)
                return
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
            self._regroup(node, value, index)
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

    def _sync_built_members(self, node: JsonNode, value: Any) -> None:
        """Sync a container's built members with theirs in ``value`` (the same members, in
        place); the members not built yet are ``value``'s from now on."""
        members = list(value.values()) if isinstance(value, dict) else value
        built = node.built_members()
        # First: a view reading rows while the built ones change (dataChanged) builds more,
        # which must come from ``value`` already.
        node.take_unbuilt_from(value)
        for position, child in built:
            self._sync(child, members[position], self._index_of(child))

    def _regroup(self, node: JsonNode, value: Any, index: QModelIndex) -> None:
        """Form a grouped container's groups anew from ``value`` (other members)."""
        self.beginRemoveRows(index, 0, node.fetched - 1)
        node.clear_children()
        self.endRemoveRows()
        node.set_json(value)
        self._restore_shadowed_below(node)
        self._fetch(node, index, self._fetch_batch)
        self._row_changed(node, VALUE_COLUMN, VALUE_COLUMN)

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
