"""The lazily fetched tree skeleton under the JSON model: rows, parents, fetchMore (Qt, no JSON).

Member rows are announced to views in batches: ``hasChildren`` says a container has members,
``rowCount`` counts only the rows announced so far (``JsonNode.fetched``), and ``fetchMore``
announces the next batch (views call it when a node is expanded or scrolled to its end). Member
nodes are built as rows are asked for. Rows not announced yet change silently: no view knows
them. The subclass (:class:`~inspector.document.tree_model.JsonTreeModel`) adds the columns, the
data and the edits.
"""

from __future__ import annotations

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


class LazyTreeModelBase(QAbstractItemModel):
    """A tree of :class:`JsonNode` whose member rows are fetched in batches."""

    column_count = 1
    """The columns of every row (a subclass with more says so here and in ``columnCount``)."""

    def __init__(self, parent: QObject | None = None, *, fetch_batch: int = FETCH_BATCH) -> None:
        super().__init__(parent)
        self._root: JsonNode | None = None
        self._fetch_batch = max(1, fetch_batch)
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
        return self.createIndex(node.row(), column, node)

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
        parent_node = parent.internalPointer()
        if (
            parent.column() != KEY_COLUMN
            or not isinstance(parent_node, JsonNode)
            or row >= parent_node.fetched
        ):
            return QModelIndex()
        child = parent_node.child(row)
        return self.createIndex(row, column, child) if child is not None else QModelIndex()

    # QObject.parent() (no argument) is the other overload of this name; Qt models override both.
    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        node = self.node(index)
        if node is None or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.parent.row(), KEY_COLUMN, node.parent)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.column() > 0:
            return 0
        if not parent.isValid():
            return 0 if self._root is None else 1
        node = self.node(parent)
        return node.fetched if node is not None else 0

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        if not parent.isValid():
            return self._root is not None
        if parent.column() != KEY_COLUMN:
            return False
        node = parent.internalPointer()  # asked once per row laid out: no detour via node()
        return isinstance(node, JsonNode) and node.child_count() > 0

    def canFetchMore(self, parent: AnyIndex) -> bool:
        node = self.node(parent)
        return (
            not self._rows_changing
            and parent.column() == KEY_COLUMN
            and node is not None
            and node.fetched < node.child_count()
        )

    def fetchMore(self, parent: AnyIndex) -> None:
        node = self.node(parent)
        if node is not None and parent.column() == KEY_COLUMN and not self._rows_changing:
            self._fetch(node, self.createIndex(parent.row(), KEY_COLUMN, node),
                        node.fetched + self._fetch_batch)  # fmt: skip

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
        """Announce member rows of ``node`` (index: node, column 0) until ``count`` are known."""
        first, last = node.fetched, min(count, node.child_count()) - 1
        if last < first:
            return
        self.beginInsertRows(index, first, last)
        node.fetched = last + 1
        self.endInsertRows()

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
            if row >= parent.fetched:
                batches = (row - parent.fetched) // self._fetch_batch + 1
                parent_index = self.createIndex(parent.row(), KEY_COLUMN, parent)
                self._fetch(parent, parent_index, parent.fetched + batches * self._fetch_batch)

    def _shown(self, node: JsonNode) -> bool:
        """Whether views know ``node`` (its row and every ancestor's row were announced)."""
        while node.parent is not None:
            if node.row() >= node.parent.fetched:
                return False
            node = node.parent
        return node is self._root

    # -- change notifications -------------------------------------------------------------
    def _row_changed(self, node: JsonNode, first: int, last: int) -> None:
        if not self._shown(node):
            return
        row = node.row()
        self.dataChanged.emit(self.createIndex(row, first, node), self.createIndex(row, last, node))
