"""The document pane's actions and toolbar (drawing and enabling only; the pane connects them)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QStyle, QToolBar, QToolButton, QWidget


@dataclass(frozen=True)
class ActionState:
    """What the pane's state allows right now."""

    editable: bool  # a document that may be edited, no save running, not read-only
    dirty: bool
    has_path: bool
    saving: bool
    can_delete: bool  # the current entry is not the document root
    can_reveal: bool  # there are secrets, or they are shown
    can_undo: bool
    can_redo: bool
    read_only: bool = False  # the folder forbids changes (undoing too: it edits the document)
    can_remove_occurrence: bool = False  # the current entry is an occurrence of a repeated key


class DocumentActions(QObject):
    """Save, Revert, Undo, Redo, Add, Delete and Reveal secrets, with the toolbar showing them.

    No shortcuts except Delete (on the tree only): the main window's menus own Ctrl+S, Ctrl+Z,
    ... and two owners of one shortcut would be ambiguous and do nothing.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        style = parent.style()

        def action(pixmap: QStyle.StandardPixmap, text: str, tip: str = "") -> QAction:
            created = QAction(style.standardIcon(pixmap), text, parent)
            if tip:
                created.setToolTip(tip)
            return created

        pixmaps = QStyle.StandardPixmap
        self.save = action(
            pixmaps.SP_DialogSaveButton,
            self.tr("Save"),
            self.tr("Save through the store's lock (merges with other writers)"),
        )
        self.revert = action(
            pixmaps.SP_BrowserReload,
            self.tr("Revert"),
            self.tr("Discard unsaved edits and reload the file"),
        )
        # Fixed labels (the step being undone goes into the tooltip) keep the toolbar still.
        self.undo = action(pixmaps.SP_ArrowBack, self.tr("Undo"))
        self.undo.setEnabled(False)
        self.redo = action(pixmaps.SP_ArrowForward, self.tr("Redo"))
        self.redo.setEnabled(False)
        self.add = action(
            pixmaps.SP_FileDialogNewFolder,
            self.tr("Add"),
            self.tr("Add an entry inside the selected object or array, or after it"),
        )
        self.delete = action(
            pixmaps.SP_TrashIcon, self.tr("Delete"), self.tr("Delete the selected entry")
        )
        self.delete.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        # Not an edit of the document but of the file (the document holds only the last
        # occurrence of a repeated key): written at once, through the lock, after a question.
        self.remove_occurrence = QAction(self.tr("Remove This Occurrence…"), parent)
        self.remove_occurrence.setToolTip(
            self.tr("Remove the selected occurrence of a repeated key from the file")
        )
        self.remove_occurrence.setShortcut(QKeySequence("Shift+Del"))
        self.remove_occurrence.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.remove_occurrence.setEnabled(False)
        self.reveal = QAction(self.tr("Reveal secrets"), parent)
        self.reveal.setCheckable(True)
        self.reveal.setToolTip(self.tr("Show values that look secret (passwords, tokens, keys)"))

        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setIconSize(self.toolbar.iconSize() * 0.75)
        for group in ((self.save, self.revert), (self.undo, self.redo), (self.add, self.delete)):
            if self.toolbar.actions():
                self.toolbar.addSeparator()
            for member in group:
                self.toolbar.addAction(member)
        # Shown in the header, not the toolbar: a narrow pane folds toolbar buttons away, and
        # whether secrets are shown must always be visible.
        self.reveal_button = QToolButton()
        self.reveal_button.setObjectName("revealSecretsButton")
        self.reveal_button.setDefaultAction(self.reveal)
        self.reveal_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        # The tips of the actions a read-only folder disables get its reason appended.
        self._tips = {action: action.toolTip() for action in (self.save, self.add, self.delete)}
        self._tips[self.undo] = self.tr("Nothing to undo")
        self._tips[self.redo] = self.tr("Nothing to redo")
        self._read_only_reason: str | None = None
        self._apply_tips()

    def follow_undo_texts(self, stack: QUndoStack) -> None:
        """Name the step Undo and Redo would take in their tooltips."""
        stack.undoTextChanged.connect(self._on_undo_text_changed)
        stack.redoTextChanged.connect(self._on_redo_text_changed)

    @Slot(str)
    def _on_undo_text_changed(self, text: str) -> None:
        self._tips[self.undo] = (
            self.tr("Undo {step}").format(step=text) if text else self.tr("Nothing to undo")
        )
        self._apply_tips()

    @Slot(str)
    def _on_redo_text_changed(self, text: str) -> None:
        self._tips[self.redo] = (
            self.tr("Redo {step}").format(step=text) if text else self.tr("Nothing to redo")
        )
        self._apply_tips()

    def set_read_only_reason(self, reason: str | None) -> None:
        """Say in the tips of the editing actions why they are disabled (None: they are not)."""
        self._read_only_reason = reason
        self._apply_tips()

    def _apply_tips(self) -> None:
        reason = self._read_only_reason
        for action, tip in self._tips.items():
            action.setToolTip(
                self.tr("{tip} — disabled: {reason}").format(tip=tip, reason=reason)
                if reason
                else tip
            )

    def set_revealed(self, revealed: bool) -> None:
        self.reveal.setChecked(revealed)
        self.reveal.setText(self.tr("Hide secrets") if revealed else self.tr("Reveal secrets"))

    def update(self, state: ActionState) -> None:
        self.save.setEnabled(state.editable and state.dirty)
        self.revert.setEnabled(state.has_path and not state.saving)
        self.add.setEnabled(state.editable)
        self.delete.setEnabled(state.editable and state.can_delete)
        self.remove_occurrence.setEnabled(state.editable and state.can_remove_occurrence)
        self.reveal.setEnabled(state.can_reveal)
        self.undo.setEnabled(state.can_undo and not state.saving and not state.read_only)
        self.redo.setEnabled(state.can_redo and not state.saving and not state.read_only)
        # Nothing to reveal in no store: the toggle goes away rather than tease.
        self.reveal_button.setVisible(state.has_path)
