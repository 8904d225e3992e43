"""File ▸ Open Recent: the folders opened lately, latest first."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget


class RecentFoldersMenu(QMenu):
    """One numbered entry per folder; disabled while there is none."""

    #: (folder: str) the user chose this folder.
    folder_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Open &Recent"), parent)
        self.setEnabled(False)

    def set_folders(self, folders: list[str]) -> None:
        """Show ``folders``, in this order."""
        self.clear()
        for number, folder in enumerate(folders, start=1):
            action = self.addAction(f"&{number} {folder}")
            action.setData(folder)
            action.triggered.connect(self._on_action_triggered)
        self.setEnabled(bool(folders))

    @Slot()
    def _on_action_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.folder_chosen.emit(str(action.data()))
