"""The History panel's table: a store's kept versions and quarantined copies, newest first."""

from __future__ import annotations

import enum
import time
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from inspector.display import printable_path
from inspector.document.wording import size_words
from lockcore import StoreFileKind, StoreVersion

Index = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    SAVED = 0
    SIZE = 1
    PROGRAM = 2


_HEADERS = {
    Column.SAVED: "Saved",
    Column.SIZE: "Size",
    Column.PROGRAM: "Replaced by",
}


def describe_time(moment: float) -> str:
    """A version's time for people: local date and time to the second."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(moment))


class HistoryTableModel(QAbstractTableModel):
    """Adapts a list of :class:`lockcore.StoreVersion` (set by the panel) to a table."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._versions: list[StoreVersion] = []

    def set_versions(self, versions: list[StoreVersion]) -> None:
        self.beginResetModel()
        self._versions = list(versions)
        self.endResetModel()

    def version_at(self, row: int) -> StoreVersion | None:
        return self._versions[row] if 0 <= row < len(self._versions) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._versions)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate("HistoryTableModel", _HEADERS[Column(section)])
        return None

    def data(  # noqa: PLR0911 - one answer per role and column
        self, index: Index, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        version = self.version_at(index.row())
        if version is None:
            return None
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column == Column.SAVED:
                return describe_time(version.saved_at)
            if column == Column.SIZE:
                return size_words(version.size)
            if version.kind is StoreFileKind.QUARANTINE:
                return QCoreApplication.translate("HistoryTableModel", "(corrupt bytes kept)")
            return version.program or "-"
        if role == Qt.ItemDataRole.ToolTipRole:
            replaced = describe_time(version.replaced_at)
            return QCoreApplication.translate(
                "HistoryTableModel", "{path}\nreplaced {when}"
            ).format(path=printable_path(version.path), when=replaced)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
