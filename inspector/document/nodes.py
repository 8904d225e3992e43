"""Plain-Python JSON tree nodes (no Qt): the data the tree model wraps.

A :class:`JsonNode` holds one JSON value. Containers keep their members as child nodes; object
members carry their key, array items are keyed by their position. ``JsonNode.from_json`` and
``JsonNode.to_json`` round-trip any document ``json.loads`` produces. What a value's type is,
equality and conversions are ``json_values.py``'s.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from itertools import islice
from typing import Any, Final

from inspector.collector import collector_paused
from inspector.document.json_values import JsonType, format_scalar, json_type_of

JsonKey = str | int
"""One step of a JSON path: an object key or an array index."""


class _Unbuilt:
    """What ``JsonNode._unbuilt`` holds once every member node is built (and for scalars)."""


_UNBUILT: Final = _Unbuilt()


_PAUSE_COLLECTOR_FROM: Final = 1000
"""Building this many member nodes at once pauses the cyclic collector."""
_NOT_PAUSED: Final = contextlib.nullcontext()
_BUILD_AHEAD: Final = 1000
"""An array member asked for this far past the members built is built alone (holes between)."""


class JsonNode:
    """One JSON value in the tree; containers own their members as child nodes.

    Member nodes are built on demand, a prefix at a time: :meth:`child` builds members up to the
    row asked for, :attr:`children` builds them all. A large document costs nothing until the
    view expands into it, and expanding an array of 100,000 items builds only the rows shown.
    Until every member is built the container keeps its JSON value, which is shared with the
    caller and never mutated here.

    A container also keeps the JSON value it was built from (or last made equal to, see
    :meth:`now_equals`, or last gave out) until something inside it changes (:meth:`changed`):
    :meth:`to_json` returns that value as it is, so asking for the document after an edit
    rebuilds only the containers on the edited entry's path, not every member node built so far
    (the find bar asks on the GUI thread after each edit).

    ``fetched`` and ``groups`` are the tree model's bookkeeping: how many member rows it has
    announced to views (``fetchMore``), and the row groups it shows a long container's members
    in (``None``: not grouped); the node only forgets them when its members are replaced.

    A key the file repeats in one object (``{"theme": "dark", "theme": "light"}``) has one
    member node per occurrence: the document holds the last (what ``json.loads``, and so
    Python and JavaScript programs, read); the earlier ones are *shadowed* members beside it,
    shown but not part of the document (``to_json`` and key lookups skip them), and so is
    everything inside them. ``occurrence`` is a shadowed member's place among the key's
    occurrences (0: first in the text); None for every other node.
    """

    __slots__ = (
        "_children",
        "_key",
        "_pending",
        "_row_hint",
        "_source",
        "_unbuilt",
        "fetched",
        "groups",
        "json_type",
        "occurrence",
        "parent",
        "shadowed",
        "shadowed_rows",
        "value",
    )

    def __init__(
        self,
        key: str | None,
        json_type: JsonType,
        value: Any = None,
        parent: JsonNode | None = None,
    ) -> None:
        self._key = key  # object member key; None for array items and the root
        self.json_type = json_type
        self.value = value  # scalars only; containers keep children
        self.parent = parent
        self.fetched = 0
        self.groups: Any = None  # the tree model's row groups of a long container
        self.occurrence: int | None = None
        #: an earlier occurrence of a repeated key, or inside one: read-only, not in the document
        self.shadowed: bool = parent.shadowed if parent is not None else False
        self.shadowed_rows = 0  # members that are earlier occurrences (not in the document)
        # The members built so far: a prefix, in an array with holes (None) for members skipped
        # on the way to one far ahead (revealing item 24,908 builds that one, not the others).
        self._children: list[JsonNode | None] = []
        self._unbuilt: Any = _UNBUILT  # a container's JSON value until all members are built
        self._pending: Iterator[Any] | None = None  # the members not built yet
        self._row_hint = 0  # where this node was last found among its siblings
        self._source: Any = _UNBUILT  # a container's JSON value while nothing in it changed

    @property
    def key(self) -> str | None:
        """The object member's key; None for array items and the root."""
        return self._key

    @key.setter
    def key(self, key: str | None) -> None:
        if key != self._key and self.parent is not None:
            self.parent.changed()  # renamed: the object it is in is another one now
        self._key = key

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_json(
        cls, value: Any, key: str | None = None, parent: JsonNode | None = None
    ) -> JsonNode:
        """Build a node from a JSON value (its members are built when first needed)."""
        node = cls(key, JsonType.NULL, None, parent)
        node.set_json(value)
        return node

    def set_json(self, value: Any) -> None:
        """Replace this node's type, value and members with ``value``; key and parent stay."""
        self.json_type = json_type_of(value)
        self._children = []
        self.shadowed_rows = 0
        self._unbuilt = _UNBUILT
        self._pending = None
        self.fetched = 0
        self.groups = None
        self._source = _UNBUILT
        if self.json_type.is_container:
            self.value = None
            self._source = value
            if value:
                self._unbuilt = value
        else:
            self.value = value

    def _build_until(self, count: int) -> None:
        """Build member nodes until at least ``count`` exist (or all do), holes included."""
        pending = self._unbuilt
        if pending is _UNBUILT or count <= len(self._children):
            return
        if self.json_type is JsonType.ARRAY:
            self._build_array_until(pending, count)
            return
        if self._pending is None:
            self._pending = iter(pending.items() if self.json_type is JsonType.OBJECT else pending)
        first = len(self._children)
        wanted = count - first
        # Thousands of new nodes at once (revealing item 24,908 builds the 24,908 before it) set
        # off collections of the oldest generation, each a walk of the whole document on the GUI
        # thread (measured: 160-760 ms to build 25,000 items of a 20 MB document, 15-20 ms with
        # the collector paused). A node and its parent refer to each other, but release() breaks
        # that cycle when the tree is dropped.
        with collector_paused() if wanted >= _PAUSE_COLLECTOR_FROM else _NOT_PAUSED:
            if self.json_type is JsonType.OBJECT:
                self._children.extend(
                    JsonNode.from_json(v, str(k), self) for k, v in islice(self._pending, wanted)
                )
            else:
                self._children.extend(
                    JsonNode.from_json(v, None, self) for v in islice(self._pending, wanted)
                )
        self._hint_rows(first)
        if len(self._children) >= len(pending):
            self._unbuilt = _UNBUILT
            self._pending = None

    def _build_array_until(self, pending: list[Any], count: int) -> None:
        first = len(self._children)
        members = pending[first:count]
        with collector_paused() if len(members) >= _PAUSE_COLLECTOR_FROM else _NOT_PAUSED:
            self._children.extend(JsonNode.from_json(v, None, self) for v in members)
        self._hint_rows(first)
        if len(self._children) >= len(pending):
            self._fill_holes()

    def _fill_holes(self) -> None:
        """Build the array members skipped so far: every member exists then."""
        holes = [position for position, child in enumerate(self._children) if child is None]
        with collector_paused() if len(holes) >= _PAUSE_COLLECTOR_FROM else _NOT_PAUSED:
            for position in holes:
                self._build_hole(position)
        self._unbuilt = _UNBUILT

    def _hint_rows(self, first: int) -> None:
        # Each new member knows its row: the first row() of item 24,908 would otherwise scan
        # the array from the start (measured: a third of a second revealing a deep match).
        children = self._children
        for position in range(first, len(children)):
            child = children[position]
            if child is not None:
                child._row_hint = position

    def _build_hole(self, row: int) -> JsonNode:
        """Build the array member at ``row``, skipped so far (a hole)."""
        node = JsonNode.from_json(self._unbuilt[row], None, self)
        node._row_hint = row
        self._children[row] = node
        return node

    @property
    def children(self) -> list[JsonNode]:
        """The member nodes (all built now if they were not yet)."""
        if self._unbuilt is not _UNBUILT:
            self._build_until(len(self._unbuilt))
            if self._unbuilt is not _UNBUILT:  # an array's holes, its last member built already
                self._fill_holes()
        return self._children  # type: ignore[return-value]  # no holes once all are built

    @children.setter
    def children(self, children: list[JsonNode]) -> None:
        self._unbuilt = _UNBUILT
        self._pending = None
        self._children = list[JsonNode | None](children)
        self.shadowed_rows = sum(1 for child in children if child.occurrence is not None)
        self.changed()

    def changed(self) -> None:
        """Something in this node changed (a member added, removed, moved, renamed, a value):
        it and every container above it no longer equal the JSON they were built from."""
        node: JsonNode | None = self
        while node is not None:
            node._source = _UNBUILT
            node = node.parent

    def now_equals(self, value: Any) -> None:
        """This node was just made equal to ``value`` (which nobody mutates): :meth:`to_json`
        may return it. The containers above it are the caller's to mark (:meth:`changed`)."""
        if self.json_type.is_container:
            self._source = value

    @property
    def built(self) -> bool:
        """Whether every member node exists (always true for scalars and empty containers)."""
        return self._unbuilt is _UNBUILT

    @property
    def built_count(self) -> int:
        """How many member nodes exist so far."""
        return len(self.built_children())

    def built_children(self) -> list[JsonNode]:
        """The member nodes built so far, in order (not positions: an array may skip some);
        do not mutate."""
        if self.json_type is JsonType.OBJECT or self._unbuilt is _UNBUILT:
            return self._children  # type: ignore[return-value]  # no holes: the list itself
        return [child for child in self._children if child is not None]

    def built_child(self, row: int) -> JsonNode | None:
        """The member at ``row`` if its node exists (None if not built yet)."""
        return self._children[row] if 0 <= row < len(self._children) else None

    def built_members(self) -> list[tuple[int, JsonNode]]:
        """(position, node) of each member node built so far (an array may skip some)."""
        return [(position, child) for position, child in enumerate(self._children) if child]

    def take_unbuilt_from(self, value: Any) -> None:
        """The members not built yet are ``value``'s from now on. ``value`` has this node's
        members, each in its place (the same keys in the same order, or as many items), some
        perhaps with other values; the caller makes the built ones equal to theirs. Nothing
        is built: a raw edit of a megabyte object built all its 35,000 member nodes to sync
        them, ~100 ms of the GUI thread each time."""
        if self._unbuilt is _UNBUILT:
            return
        self._unbuilt = value
        if self.json_type is JsonType.OBJECT and self._pending is not None:
            self._pending = islice(iter(value.items()), len(self._children), None)

    def unbuilt_value(self) -> Any:
        """The JSON value of a container none of whose members is built yet (else ``None``).

        Once one member node exists it may have been edited, so the value would be stale.
        """
        return None if self._unbuilt is _UNBUILT or self._children else self._unbuilt

    def to_json(self) -> Any:
        """The JSON value this node stands for (unchanged and unbuilt parts are shared, not
        copied: do not mutate it). A container keeps what it built until it changes again."""
        if self._source is _UNBUILT and self.json_type.is_container:
            self._source = self._rebuilt_json()
        return self.value if self._source is _UNBUILT else self._source

    def _rebuilt_json(self) -> Any:
        pending = self._unbuilt
        if pending is not _UNBUILT:
            if not self._children:
                return pending
            built = len(self._children)  # a built prefix, possibly edited, then the rest
            if self.json_type is JsonType.OBJECT:
                result = {child.key: child.to_json() for child in self.built_children()}
                result.update(islice(pending.items(), built, None))
                return result
            return [
                pending[position] if child is None else child.to_json()
                for position, child in enumerate(self._children)
            ] + list(pending[built:])
        members = self.built_children()
        if self.json_type is JsonType.OBJECT:
            return {child.key: child.to_json() for child in members if not child.shadowed}
        return [child.to_json() for child in members]

    # -- tree navigation --------------------------------------------------------------------
    def child(self, row: int) -> JsonNode | None:
        """The member at ``row``, building members up to it (not beyond) if needed; in an array,
        far ahead of the members built, that one only (the others are holes until asked for)."""
        children = self._children
        if 0 <= row < len(children):
            child = children[row]
            return self._build_hole(row) if child is None else child
        if not 0 <= row < self.child_count():
            return None
        if self.json_type is JsonType.ARRAY and row - len(children) > _BUILD_AHEAD:
            children.extend([None] * (row - len(children) + 1))
            return self._build_hole(row)
        self._build_until(row + 1)
        return children[row]

    def child_count(self) -> int:
        if self._unbuilt is not _UNBUILT:
            return len(self._unbuilt)
        return len(self._children)

    def row(self) -> int:
        """Position among the parent's members (0 for the root)."""
        if self.parent is None:
            return 0
        siblings = self.parent._children
        hint = self._row_hint
        if hint < len(siblings) and siblings[hint] is self:
            return hint  # views ask for rows constantly; scanning a long array each time is slow
        for position, sibling in enumerate(siblings):
            if sibling is self:
                self._row_hint = position
                return position
        raise LookupError("node is not among its parent's children")

    def child_row_for_key(self, key: str) -> int | None:
        """The row of the member ``key`` of the document (never a shadowed occurrence)."""
        for position, child in enumerate(self.children):
            if child.key == key and not child.shadowed:
                return position
        return None

    @classmethod
    def occurrence_of(cls, key: str, value: Any, occurrence: int) -> JsonNode:
        """A node for an earlier occurrence of the repeated ``key`` (see the class), to be
        inserted among its object's members with :meth:`insert_child`."""
        node = cls(key, JsonType.NULL)
        node.shadowed = True
        node.occurrence = occurrence
        node.set_json(value)
        return node

    def insert_child(self, row: int, child: JsonNode) -> None:
        child.parent = self
        if self.json_type is JsonType.ARRAY:
            child.key = None
        self.children.insert(row, child)
        if child.occurrence is not None:
            self.shadowed_rows += 1
        self.changed()

    def clear_children(self) -> None:
        """Drop every member (without building the ones never built)."""
        for child in self.built_children():
            child.parent = None
        self._children = []
        self.shadowed_rows = 0
        self._unbuilt = _UNBUILT
        self._pending = None
        self._source = _UNBUILT
        self.fetched = 0
        self.groups = None

    def release(self) -> None:
        """Let go of this subtree: every built node drops its members, its JSON value and its
        parent. A member and its parent refer to each other, a cycle only the cyclic collector
        frees; until it ran, a dropped tree kept its whole document alive (measured: ~60 MiB of
        a 10 MiB document after another store opened). Walks the built nodes only."""
        pending = [self]
        while pending:
            node = pending.pop()
            pending.extend(node.built_children())
            node.clear_children()
            node.parent = None
            node.value = None

    def remove_child(self, row: int) -> JsonNode:
        child = self.children.pop(row)
        child.parent = None
        if child.occurrence is not None:
            self.shadowed_rows -= 1
        self.changed()
        return child

    def display_key(self) -> str:
        """The key column text: the member key, ``[i]`` for array items."""
        if self.parent is not None and self.parent.json_type is JsonType.ARRAY:
            return f"[{self.row()}]"
        return self.key if self.key is not None else ""

    def json_path(self) -> tuple[JsonKey, ...]:
        """Keys and indexes from the document root to this node (the root's path is ``()``)."""
        steps: list[JsonKey] = []
        node: JsonNode | None = self
        while node is not None and node.parent is not None:
            parent: JsonNode = node.parent
            if parent.json_type is JsonType.ARRAY:
                steps.append(node.row())
            else:
                steps.append(node.key if node.key is not None else "")
            node = parent
        return tuple(reversed(steps))

    def member_keys(self) -> list[str]:
        """The object keys from the root down to this node (array positions left out).

        Cheaper than :meth:`json_path`, which must find each array item's position; enough to
        decide whether a value sits under a secret key.
        """
        keys: list[str] = []
        node: JsonNode | None = self
        while node is not None and node.parent is not None:
            if node.key is not None and node.parent.json_type is JsonType.OBJECT:
                keys.append(node.key)
            node = node.parent
        return keys

    def summary(self) -> str:
        """The value column text for containers ("{3 keys}", "[0 items]") and scalars."""
        count = self.child_count() - self.shadowed_rows  # the document's members
        if self.json_type is JsonType.OBJECT:
            return "{1 key}" if count == 1 else f"{{{count} keys}}"
        if self.json_type is JsonType.ARRAY:
            return "[1 item]" if count == 1 else f"[{count} items]"
        return format_scalar(self.value)

    def __repr__(self) -> str:
        return (
            f"JsonNode(key={self.key!r}, type={self.json_type.value}, "
            f"children={self.child_count()})"
        )


def format_json_path(path: tuple[JsonKey, ...]) -> str:
    """A readable path such as ``server.ports[2].host`` (``(root)`` for the empty path)."""
    if not path:
        return "(root)"
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        elif step.isidentifier():
            text += f".{step}" if text else step
        else:
            text += f"[{json.dumps(step, ensure_ascii=False)}]"
    return text
