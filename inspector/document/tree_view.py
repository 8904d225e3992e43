"""The tree view of a JSON document and its editors (a type picker, true/false for booleans)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from inspector.document.json_values import JsonType
from inspector.document.nodes import format_json_path
from inspector.document.tree_model import (
    ARRAY_INDEX_ROLE,
    CHOICES_ROLE,
    KEY_COLUMN,
    TYPE_COLUMN,
    VALUE_COLUMN,
    JsonTreeModel,
)

AnyIndex = QModelIndex | QPersistentModelIndex


class JsonItemDelegate(QStyledItemDelegate):
    """Combo boxes for the type column and boolean values; a line edit for everything else.

    Also draws array items' keys as ``[i]`` from their position (see ``ARRAY_INDEX_ROLE``).
    """

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        super().initStyleOption(option, index)
        if index.column() == KEY_COLUMN:
            position = index.data(ARRAY_INDEX_ROLE)
            if isinstance(position, int):
                option.text = f"[{position}]"

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        choices = self._choices(index)
        if choices is None:
            editor = super().createEditor(parent, option, index)
        else:
            editor = QComboBox(parent)
            editor.addItems(choices)
            editor.setFrame(False)
        editor.setAccessibleName(self._editor_name(index))
        return editor

    def _editor_name(self, index: AnyIndex) -> str:
        """What a screen reader calls the editor: the column and the entry, as in "Value of
        server.port" (the editor shows no label of its own)."""
        model = index.model()
        column = model.headerData(index.column(), Qt.Orientation.Horizontal)
        node = model.node(index) if isinstance(model, JsonTreeModel) else None
        entry = format_json_path(node.json_path()) if node is not None else ""
        return self.tr("{column} of {entry}").format(column=column, entry=entry)

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole)))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)

    @staticmethod
    def _choices(index: AnyIndex) -> list[str] | None:
        if index.column() == TYPE_COLUMN:
            return [json_type.value for json_type in JsonType]
        if index.column() == VALUE_COLUMN:
            allowed = index.data(CHOICES_ROLE)  # the schema's enum
            if isinstance(allowed, list) and allowed:
                return [str(choice) for choice in allowed]
            type_index = index.model().index(index.row(), TYPE_COLUMN, index.parent())
            type_text = type_index.data(Qt.ItemDataRole.DisplayRole)
            if type_text == JsonType.BOOLEAN.value:
                return ["true", "false"]
        return None


class JsonTreeView(QTreeView):
    """Draws a :class:`JsonTreeModel`: key, value and type columns."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jsonTree")
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        self.setAllColumnsShowFocus(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.setItemDelegate(JsonItemDelegate(self))

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, 180)
        header.resizeSection(2, 84)

    def popup_context_menu(self, position: QPoint, actions: list[QAction]) -> None:
        """The entry's menu at ``position`` (viewport coordinates): ``actions`` and Copy path."""
        menu = QMenu(self)
        for action in actions:
            menu.addAction(action)
        model = self.json_model()
        node = model.node(self.indexAt(position)) if model is not None else None
        if node is not None:
            path_text = format_json_path(node.json_path())
            copy_path = menu.addAction(self.tr("Copy path"))
            copy_path.triggered.connect(lambda: QGuiApplication.clipboard().setText(path_text))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.viewport().mapToGlobal(position))

    def json_model(self) -> JsonTreeModel | None:
        model = self.model()
        return model if isinstance(model, JsonTreeModel) else None
