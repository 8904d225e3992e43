"""How the store table's cells are painted: Qt's own item delegate, which takes a cell's text,
alignment and icon straight from the model's painted cells.

A screenful is some 350 cells, and Qt's delegate asks the model for seven roles of each through
``multiData``: a call into Python that walks the seven roles one by one, each a wrapper made and
a value set or cleared across the boundary -- about half of what a repaint cost beyond Qt's own
drawing (table repaint 5.5 -> 4.5 ms of thread CPU, Qt's drawing of the same cells ~3.2 ms).
The model works out what most cells show once per version of a row (a text, perhaps an
alignment or an icon: :meth:`StoreTableModel.painted_cell`); for those the delegate fills the
style option itself, as Qt's ``initStyleOption`` does from those roles. Every other cell -- a
colour, a lock's age, a figure -- is left to Qt's own ``initStyleOption`` (and so to
``multiData``), as before.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from inspector.models.store_table import StoreTableModel

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_Feature = QStyleOptionViewItem.ViewItemFeature
#: Qt's delegate shows a newline of a display text as a line separator (displayText).
_LINE_SEPARATOR = "\u2028"


def _icon_mode(state: QStyle.StateFlag) -> tuple[QIcon.Mode, QIcon.State]:
    """The icon's mode and state Qt's delegate paints a cell in this state with."""
    if not state & QStyle.StateFlag.State_Enabled:
        mode = QIcon.Mode.Disabled
    elif state & QStyle.StateFlag.State_Selected:
        mode = QIcon.Mode.Selected
    else:
        mode = QIcon.Mode.Normal
    return mode, QIcon.State.On if state & QStyle.StateFlag.State_Open else QIcon.State.Off


class StoreTableDelegate(QStyledItemDelegate):
    """Qt's item delegate, with the model's painted cells filled in without ``multiData``."""

    def __init__(self, model: StoreTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        # Python's enum operators cost more than a look-up: the features of the options the
        # view hands over (alternate row or not) with those a cell adds, the icon's mode per
        # state of the cell, and an alignment the model answers (an int) as the option's enum.
        self._features: dict[tuple[_Feature, bool], _Feature] = {}
        self._icon_modes: dict[QStyle.StateFlag, tuple[QIcon.Mode, QIcon.State]] = {}
        self._alignments: dict[int, Qt.AlignmentFlag] = {}

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        cell = self._model.painted_cell(index.row(), index.column())
        if cell is None or _FOREGROUND in cell or _DISPLAY not in cell:
            super().initStyleOption(option, index)
            return
        # What Qt's initStyleOption does with the answers of these roles (the model answers
        # no font, check state or background): the index, the alignment, the icon, the text.
        option.index = index  # type: ignore[assignment]  # (a persistent index is painted alike)
        alignment = cell.get(_ALIGNMENT)
        if alignment is not None:
            flag = self._alignments.get(alignment)
            if flag is None:
                flag = self._alignments[alignment] = Qt.AlignmentFlag(alignment)
            option.displayAlignment = flag
        icon: QIcon | None = cell.get(_DECORATION)
        if icon is not None and icon.isNull():
            icon = None
        key = (option.features, icon is not None)
        features = self._features.get(key)
        if features is None:
            features = key[0] | _Feature.HasDisplay
            if icon is not None:
                features |= _Feature.HasDecoration
            self._features[key] = features
        if icon is not None:
            state = option.state
            mode = self._icon_modes.get(state)
            if mode is None:
                mode = self._icon_modes[state] = _icon_mode(state)
            wanted = option.decorationSize
            actual = icon.actualSize(wanted, *mode)
            option.icon = icon
            if actual.width() < wanted.width() or actual.height() < wanted.height():
                option.decorationSize = QSize(
                    min(wanted.width(), actual.width()), min(wanted.height(), actual.height())
                )
        option.features = features
        text: str = cell[_DISPLAY]
        option.text = text.replace("\n", _LINE_SEPARATOR) if "\n" in text else text
        option.styleObject = None  # type: ignore[assignment]  # as Qt's: no style animations
