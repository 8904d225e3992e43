"""The lazily fetched tree skeleton under the JSON model: rows, parents, fetchMore (Qt, no JSON).

Member rows are announced to views in batches: ``hasChildren`` says a container has members,
``rowCount`` counts only the rows announced so far (``JsonNode.fetched``), and ``fetchMore``
announces the next batch (views call it when a node is expanded or scrolled to its end). Member
nodes are built as rows are asked for. Rows not announced yet change silently: no view knows
them. The subclass (:class:`~inspector.document.tree_model.JsonTreeModel`) adds the columns, the
data and the edits.

A container with more than ``group_size`` members shows them in :class:`RowGroup` rows
("[0 … 999]", "[1000 … 1999]", ...), as debuggers and Firefox's JSON viewer do: a view lays out
every row of an expanded node up to the one it scrolls to, so revealing item 24,908 of a flat
array laid out 24,908 rows (a third of a second on the GUI thread); in groups it lays out the
groups and at most one group's rows. Groups are a view of positions only: members keep their
JSON paths and row paths (``RowPath`` counts members, never groups). A group grows or shrinks
when an entry is inserted into it or removed from it (the groups after it start one later or
earlier) so that open rows stay open; the groups are formed anew when the container's members
are replaced.
"""

from __future__ import annotations

from bisect import bisect_right

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex

from inspector.document.nodes import JsonNode

RowPath = tuple[int, ...]
"""Rows from the document root down to a node; the root itself is ``()``."""

AnyIndex = QModelIndex | QPersistentModelIndex

KEY_COLUMN = 0
"""The column that has children (the tree column)."""

FETCH_BATCH = 200
"""Member rows announced per ``fetchMore`` (a view asks again when scrolled to the end).

A view lays out every announced row of an expanded node: 200 rows cost ~50 ms, 1000 rows 0.3 s.
"""

GROUP_SIZE = 1000
"""Members per row group; a container with more members than this shows them in groups."""


class RowGroup:
    """A row standing for the members ``start`` to ``start + count - 1`` of a long container.

    ``fetched``: how many of its member rows are announced (in batches, like a container's);
    ``row``: its own row under the container.
    """

    __slots__ = ("container", "count", "fetched", "row", "start")

    def __init__(self, container: JsonNode, row: int, start: int, count: int) -> None:
        self.container = container
        self.row = row
        self.start = start
        self.count = count
        self.fetched = 0

    @property
    def last(self) -> int:
        """The position of its last member."""
        return self.start + self.count - 1

    def __repr__(self) -> str:
        return f"RowGroup(row={self.row}, start={self.start}, count={self.count})"


def group_of(container: JsonNode, position: int) -> RowGroup:
    """The group of a grouped container that holds (or, at the end, would hold) ``position``."""
    groups: list[RowGroup] = container.groups
    found = bisect_right(groups, position, key=_group_start) - 1
    return groups[max(found, 0)]


def _group_start(group: RowGroup) -> int:
    return group.start


class LazyTreeModelBase(QAbstractItemModel):
    """A tree of :class:`JsonNode` whose member rows are fetched in batches."""

    column_count = 1
    """The columns of every row (a subclass with more says so here and in ``columnCount``)."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        fetch_batch: int = FETCH_BATCH,
        group_size: int = GROUP_SIZE,
    ) -> None:
        super().__init__(parent)
        self._root: JsonNode | None = None
        self._fetch_batch = max(1, fetch_batch)
        self._group_size = max(2, group_size)
        # Between begin*Rows and end*Rows the row counts are in flux: a fetchMore asked then
        # (Qt's model tester asks) would announce rows twice.
        self._rows_changing = 0

    # -- lookups --------------------------------------------------------------------------
    def node(self, index: AnyIndex) -> JsonNode | None:
        if not index.isValid():
            return None
        node = index.internalPointer()
        return node if isinstance(node, JsonNode) else None

    def node_at(self, path: RowPath) -> JsonNode:
        if self._root is None:
            raise LookupError("no document")
        node = self._root
        for row in path:
            child = node.child(row)
            if child is None:
                raise LookupError(f"no row {row} under {node!r}")
            node = child
        return node

    def row_path(self, node: JsonNode) -> RowPath:
        rows: list[int] = []
        while node.parent is not None:
            rows.append(node.row())
            node = node.parent
        return tuple(reversed(rows))

    def index_for_node(self, node: JsonNode, column: int = KEY_COLUMN) -> QModelIndex:
        """The index of ``node``; rows up to it are fetched first so that views know it."""
        self._reveal(node)
        return self._index_of(node, column)

    def _index_of(self, node: JsonNode, column: int = KEY_COLUMN) -> QModelIndex:
        """The index of ``node`` (under its group in a grouped container), fetched or not."""
        parent = node.parent
        if parent is None:
            return self.createIndex(0, column, node)
        row = node.row()
        if parent.groups is not None:
            row -= group_of(parent, row).start
        return self.createIndex(row, column, node)

    def _group_index(self, group: RowGroup, column: int = KEY_COLUMN) -> QModelIndex:
        return self.createIndex(group.row, column, group)

    def group(self, index: AnyIndex) -> RowGroup | None:
        """The row group at ``index`` (None for a member's row)."""
        if not index.isValid():
            return None
        pointer = index.internalPointer()
        return pointer if isinstance(pointer, RowGroup) else None

    def index_for_path(self, path: RowPath, column: int = KEY_COLUMN) -> QModelIndex:
        return self.index_for_node(self.node_at(path), column)

    # -- QAbstractItemModel -----------------------------------------------------------------
    def index(
        self,
        row: int,
        column: int,
        parent: AnyIndex = QModelIndex(),  # noqa: B008
    ) -> QModelIndex:
        # Views ask once per row while laying out an expanded node: checked here rather than
        # by hasIndex(), which calls rowCount() and columnCount() back through Qt each time.
        if row < 0 or not 0 <= column < self.column_count:
            return QModelIndex()
        if not parent.isValid():
            root = self._root
            return self.createIndex(row, column, root) if row == 0 and root else QModelIndex()
        pointer = parent.internalPointer()
        child: JsonNode | RowGroup | None = None
        if parent.column() != KEY_COLUMN or row >= pointer.fetched:
            pass  # not a row views know
        elif isinstance(pointer, RowGroup):
            child = pointer.container.child(pointer.start + row)
        elif pointer.groups is not None:
            child = pointer.groups[row]
        else:
            child = pointer.child(row)
        return self.createIndex(row, column, child) if child is not None else QModelIndex()

    # QObject.parent() (no argument) is the other overload of this name; Qt models override both.
    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        pointer = index.internalPointer()
        if isinstance(pointer, RowGroup):
            return self._index_of(pointer.container)
        if not isinstance(pointer, JsonNode) or pointer.parent is None:
            return QModelIndex()
        parent = pointer.parent
        if parent.groups is not None:
            return self._group_index(group_of(parent, pointer.row()))
        return self._index_of(parent)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.column() > 0:
            return 0
        if not parent.isValid():
            return 0 if self._root is None else 1
        pointer = parent.internalPointer()
        return pointer.fetched if isinstance(pointer, JsonNode | RowGroup) else 0

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        if not parent.isValid():
            return self._root is not None
        if parent.column() != KEY_COLUMN:
            return False
        node = parent.internalPointer()  # asked once per row laid out: no detour via node()
        if isinstance(node, JsonNode):
            return node.child_count() > 0
        return isinstance(node, RowGroup)

    def canFetchMore(self, parent: AnyIndex) -> bool:
        if self._rows_changing or not parent.isValid() or parent.column() != KEY_COLUMN:
            return False
        pointer = parent.internalPointer()
        if isinstance(pointer, RowGroup):
            return pointer.fetched < pointer.count
        return (
            isinstance(pointer, JsonNode)
            and pointer.groups is None
            and pointer.fetched < pointer.child_count()
        )

    def fetchMore(self, parent: AnyIndex) -> None:
        if self._rows_changing or not parent.isValid() or parent.column() != KEY_COLUMN:
            return
        pointer = parent.internalPointer()
        if isinstance(pointer, RowGroup):
            self._fetch_group(pointer, pointer.fetched + self._fetch_batch)
        elif isinstance(pointer, JsonNode):
            self._fetch(pointer, self._index_of(pointer), pointer.fetched + self._fetch_batch)

    # -- fetching --------------------------------------------------------------------------------
    # Counted around each structural change, including the end*Rows calls: listeners of
    # rowsInserted (Qt's model tester) may ask for more while the change is being finished.
    def beginInsertRows(self, parent: AnyIndex, first: int, last: int) -> None:
        self._rows_changing += 1
        super().beginInsertRows(parent, first, last)

    def endInsertRows(self) -> None:
        try:
            super().endInsertRows()
        finally:
            self._rows_changing -= 1

    def beginRemoveRows(self, parent: AnyIndex, first: int, last: int) -> None:
        self._rows_changing += 1
        super().beginRemoveRows(parent, first, last)

    def endRemoveRows(self) -> None:
        try:
            super().endRemoveRows()
        finally:
            self._rows_changing -= 1

    def beginMoveRows(
        self, source: AnyIndex, first: int, last: int, target: AnyIndex, row: int
    ) -> bool:
        self._rows_changing += 1
        if not super().beginMoveRows(source, first, last, target, row):
            self._rows_changing -= 1
            return False
        return True

    def endMoveRows(self) -> None:
        try:
            super().endMoveRows()
        finally:
            self._rows_changing -= 1

    def _fetch(self, node: JsonNode, index: QModelIndex, count: int) -> None:
        """Announce member rows of ``node`` (index: node, column 0) until ``count`` are known.

        A long container's first fetch forms its groups and announces them all instead (a
        grouped container's member rows are fetched group by group: :meth:`_fetch_group`).
        """
        if node.groups is not None:
            return
        total = node.child_count()
        if node.fetched == 0 and total > self._group_size:
            size = self._group_size
            node.groups = [
                RowGroup(node, row, start, min(size, total - start))
                for row, start in enumerate(range(0, total, size))
            ]
            self.beginInsertRows(index, 0, len(node.groups) - 1)
            node.fetched = len(node.groups)
            self.endInsertRows()
            return
        first, last = node.fetched, min(count, total) - 1
        if last < first:
            return
        self.beginInsertRows(index, first, last)
        node.fetched = last + 1
        self.endInsertRows()

    def _fetch_group(self, group: RowGroup, count: int) -> None:
        """Announce member rows of ``group`` until ``count`` are known."""
        first, last = group.fetched, min(count, group.count) - 1
        if last < first:
            return
        self.beginInsertRows(self._group_index(group), first, last)
        group.fetched = last + 1
        self.endInsertRows()

    def _fetch_all(self, node: JsonNode, index: QModelIndex) -> None:
        """Announce every member row of ``node`` (in every group of a grouped one)."""
        self._fetch(node, index, node.child_count())
        for group in node.groups or ():
            self._fetch_group(group, group.count)

    def _batches_up_to(self, fetched: int, row: int) -> int:
        """The row count that fetching whole batches from ``fetched`` until ``row`` reaches."""
        return fetched + ((row - fetched) // self._fetch_batch + 1) * self._fetch_batch

    def _reveal(self, node: JsonNode) -> None:
        """Fetch rows from the root down until views know ``node`` (batch by batch)."""
        chain: list[JsonNode] = []
        while node.parent is not None:
            chain.append(node)
            node = node.parent
        for child in reversed(chain):
            parent = child.parent
            assert parent is not None
            row = child.row()
            if parent.fetched == 0:
                self._fetch(parent, self._index_of(parent), self._fetch_batch)
            if parent.groups is not None:
                group = group_of(parent, row)
                local = row - group.start
                if local >= group.fetched:
                    self._fetch_group(group, self._batches_up_to(group.fetched, local))
            elif row >= parent.fetched:
                self._fetch(
                    parent, self._index_of(parent), self._batches_up_to(parent.fetched, row)
                )

    def _shown(self, node: JsonNode) -> bool:
        """Whether views know ``node`` (its row and every ancestor's row were announced)."""
        while node.parent is not None:
            parent = node.parent
            row = node.row()
            if parent.groups is not None:
                group = group_of(parent, row)
                if row - group.start >= group.fetched:
                    return False
            elif row >= parent.fetched:
                return False
            node = parent
        return node is self._root

    # -- change notifications -------------------------------------------------------------
    def _row_changed(self, node: JsonNode, first: int, last: int) -> None:
        if not self._shown(node):
            return
        self.dataChanged.emit(self._index_of(node, first), self._index_of(node, last))
