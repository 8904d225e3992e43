"""What each cell of the JSON tree shows: text (numbers as the file spells them), colours,
fonts, tooltips, masked secrets and schema markers, for entries and for groups of rows."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from PySide6.QtCore import (
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from inspector.document.json_values import JsonType
from inspector.document.nodes import JsonKey, JsonNode, format_json_path
from inspector.document.secrets import MASK
from inspector.document.tree_base import (
    KEY_COLUMN,
    AnyIndex,
    RowGroup,
)
from inspector.document.tree_duplicates import TreeDuplicates
from inspector.document.tree_state import (
    ARRAY_INDEX_ROLE,
    CHOICES_ROLE,
    TYPE_COLUMN,
    VALUE_COLUMN,
)

_NUMBER_TYPES = frozenset((JsonType.INTEGER, JsonType.FLOAT))
_UNPARSED = object()


class TreeCells(TreeDuplicates):
    """Answers data() for entries and groups."""

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

    def _masks(self, node: JsonNode) -> bool:
        return self._policy.masks_member(node.member_keys(), node.parent is None)

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


def _marker(pixmap: QStyle.StandardPixmap) -> QIcon | None:
    """A standard icon of the application's style (None without a QApplication)."""
    app = QApplication.instance()
    return app.style().standardIcon(pixmap) if isinstance(app, QApplication) else None


def _is_array_item(node: JsonNode) -> bool:
    return node.parent is not None and node.parent.json_type is JsonType.ARRAY
