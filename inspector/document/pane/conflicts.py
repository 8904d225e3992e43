"""The document pane's conflict dialog: at most one open, closed when the document goes away."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QWidget

from inspector.document.choices import ConflictDecision
from inspector.document.conflict_dialog import ConflictDialog
from inspector.document.save_types import SaveConflict
from inspector.document.secrets import SecretPolicy


class ConflictPresenter(QObject):
    """Opens the dialog for a conflicted save (window-modal, never a nested event loop)."""

    #: (ConflictDecision) the user answered the open dialog
    choice_made = Signal(object)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._window = parent
        self._dialog: ConflictDialog | None = None

    @property
    def dialog(self) -> ConflictDialog | None:
        """The open conflict dialog, if a save is waiting for the user's decision."""
        return self._dialog

    def present(self, file_name: str, conflict: SaveConflict, policy: SecretPolicy) -> None:
        self.close()
        dialog = ConflictDialog(
            file_name,
            mine=conflict.request.edited,
            theirs=conflict.theirs,
            conflicts=conflict.conflicts,
            policy=policy,
            sides=conflict.sides,
            again=conflict.again,
            seen=[shown.key for shown in conflict.request.shown],
            texts=conflict.texts,
            parent=self._window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.choice_made.connect(self._on_dialog_choice_made)
        self._dialog = dialog
        dialog.open()

    def close(self) -> None:
        """Close the open dialog without an answer (the document went away)."""
        dialog, self._dialog = self._dialog, None
        if dialog is not None:
            dialog.choice_made.disconnect(self._on_dialog_choice_made)
            dialog.close()

    @Slot(object)
    def _on_dialog_choice_made(self, decision: ConflictDecision) -> None:
        self._dialog = None
        self.choice_made.emit(decision)
