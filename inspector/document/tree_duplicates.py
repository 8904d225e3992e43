"""The JSON tree model's repeated keys: every occurrence of a key the file repeats in one object
is a row of its own, the earlier ones read-only, each marked with its place and which one
readers use."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from inspector.document.json_values import JsonType
from inspector.document.nodes import JsonKey, JsonNode
from inspector.document.tree_base import (
    AnyIndex,
)
from inspector.document.tree_state import (
    JsonTreeState,
)
from lockcore import DuplicateKey


class TreeDuplicates(JsonTreeState):
    """Shows and marks every occurrence of each repeated key."""

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


def _shown_briefly(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else f"{text[:39]}…"
