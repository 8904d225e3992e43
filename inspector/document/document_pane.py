"""The document pane: one JSON store as a tree and as raw text, edited safely.

The pane draws and routes; reading and writing happen in :class:`DocumentService` on worker
threads, so waiting for a lock never freezes the window. The edit session remembers its base
(the document the edits started from); saving hands base and edit to the service, which merges
onto whatever another process wrote meanwhile or reports a conflict without writing.
"""

from __future__ import annotations

import enum
import json
import logging
import os
from typing import Any

from PySide6.QtCore import QEventLoop, QModelIndex, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QStackedWidget,
    QStyle,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inspector.document.conflict_dialog import ConflictChoice, ConflictDialog
from inspector.document.loader import (
    DEFAULT_SIZE_LIMIT,
    NO_DOCUMENT,
    DocumentKind,
    LoadedDocument,
    ParseError,
    classify_bytes,
    describe_size,
    parse_json_text,
)
from inspector.document.nodes import format_json_path
from inspector.document.prompts import UnsavedChoice, UnsavedPrompt, ask_about_unsaved_edits
from inspector.document.raw_view import RawView, raw_content
from inspector.document.save_service import (
    DEFAULT_LOCK_WAIT,
    DocumentService,
    SaveConflict,
    SaveMode,
    SaveRequest,
    SaveResult,
)
from inspector.document.secrets import SecretPolicy, has_secrets, is_secret_file
from inspector.document.tree_model import JsonTreeModel
from inspector.document.tree_view import JsonTreeView
from inspector.document.widgets import BarKind, DocumentHeader, MessageBar

log = logging.getLogger(__name__)

TREE_TAB, RAW_TAB = 0, 1


class _LoadPurpose(enum.Enum):
    OPEN = "open"  # show it, whatever it is (first open, reload, revert)
    FOLLOW = "follow"  # the file changed and there are no edits: update in place
    CHECK = "check"  # the file changed while there are edits: offer reload


class DocumentPane(QWidget):
    """Shows one JSON store; the app shell calls :meth:`open_store` and friends."""

    #: (message) a plain-words status line for the window's status bar
    status_message = Signal(str)
    #: (dirty) whether there are unsaved edits changed
    dirty_changed = Signal(bool)
    #: (path) a document was shown (first open, reload, or following the file)
    document_loaded = Signal(str)
    #: (path) an edit was written to disk
    saved = Signal(str)
    #: (path) a save ended without writing (conflict, error or cancelled)
    save_ended_unwritten = Signal(str)

    def __init__(
        self, parent: QWidget | None = None, *, size_limit: int = DEFAULT_SIZE_LIMIT
    ) -> None:
        super().__init__(parent)
        self.setObjectName("documentPane")
        self.size_limit = size_limit
        #: Seconds a save waits for the lock before giving up (negative: until cancelled).
        self.lock_wait = DEFAULT_LOCK_WAIT
        #: Asked by :meth:`can_close` when there are unsaved edits; replaceable for tests.
        self.unsaved_prompt: UnsavedPrompt = ask_about_unsaved_edits

        self._path: str | None = None
        self._loaded: LoadedDocument | None = None
        self._base: Any = NO_DOCUMENT
        self._load_request = 0
        self._load_purpose = _LoadPurpose.OPEN
        self._load_in_flight = False
        self._reload_pending = False
        self._disk_version: LoadedDocument | None = None
        self._revealed = False
        self._raw_invalid = False  # the user typed raw text that is not JSON (yet)
        self._dirty = False
        self._pending_conflict: SaveConflict | None = None
        self._conflict_dialog: ConflictDialog | None = None

        self._undo_stack = QUndoStack(self)
        self._model = JsonTreeModel(self._undo_stack, self)
        self._service = DocumentService(self)
        self._build_actions()
        self._build_bars()
        self._build_views()
        self._layout()
        self._connect()
        self._show_placeholder("Select a store to see its contents.")
        self._update_actions()

    # -- construction -----------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.header = DocumentHeader()
        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setIconSize(self.toolbar.iconSize() * 0.75)
        style = self.style()
        # No shortcuts here: the main window's menus own Ctrl+S, Ctrl+Z, ... (two owners of
        # one shortcut would be ambiguous and do nothing).
        self.save_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton), "Save", self
        )
        self.save_action.setToolTip("Save through the store's lock (merges with other writers)")
        self.revert_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload), "Revert", self
        )
        self.revert_action.setToolTip("Discard unsaved edits and reload the file")
        # Fixed labels (the step being undone goes into the tooltip) keep the toolbar still.
        self.undo_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_ArrowBack), "Undo", self
        )
        self.undo_action.setEnabled(False)
        self.redo_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_ArrowForward), "Redo", self
        )
        self.redo_action.setEnabled(False)
        self.add_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_FileDialogNewFolder), "Add", self
        )
        self.add_action.setToolTip("Add an entry inside the selected object or array, or after it")
        self.delete_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_TrashIcon), "Delete", self
        )
        self.delete_action.setToolTip("Delete the selected entry")
        self.delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.reveal_action = QAction("Reveal secrets", self)
        self.reveal_action.setCheckable(True)
        self.reveal_action.setToolTip("Show values that look secret (passwords, tokens, keys)")
        for action in (self.save_action, self.revert_action):
            self.toolbar.addAction(action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.undo_action)
        self.toolbar.addAction(self.redo_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.add_action)
        self.toolbar.addAction(self.delete_action)
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().horizontalPolicy().Expanding,
                             spacer.sizePolicy().verticalPolicy())  # fmt: skip
        self.toolbar.addWidget(spacer)
        self.toolbar.addAction(self.reveal_action)
        reveal_button = self.toolbar.widgetForAction(self.reveal_action)
        if isinstance(reveal_button, QToolButton):
            reveal_button.setObjectName("revealSecretsButton")

    def _build_bars(self) -> None:
        self.change_bar = MessageBar(BarKind.WARNING, "externalChangeBar")
        self.change_reload_button = self.change_bar.add_button(
            "Reload", self._on_change_bar_reload, "reloadButton"
        )
        self.change_keep_button = self.change_bar.add_button(
            "Keep editing", self._on_change_bar_keep, "keepEditingButton"
        )
        self.progress_bar = MessageBar(BarKind.PROGRESS, "saveProgressBar")
        self.cancel_save_button = self.progress_bar.add_button(
            "Cancel", self.cancel_save, "cancelSaveButton"
        )
        self.error_bar = MessageBar(BarKind.ERROR, "errorBar")
        self.error_bar.add_button("Dismiss", self.error_bar.hide, "dismissButton")
        self.notice_bar = MessageBar(BarKind.INFO, "noticeBar")

    def _build_views(self) -> None:
        self.tree_view = JsonTreeView()
        self.tree_view.setModel(self._model)
        self.tree_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree_view.addAction(self.delete_action)
        self.raw_view = RawView()
        self.raw_editor = self.raw_view.editor
        self.raw_status = self.raw_view.status

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.tree_view, "Tree")
        self.tabs.addTab(self.raw_view, "Raw")

        self.placeholder = QLabel()
        self.placeholder.setObjectName("placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        palette = self.placeholder.palette()
        palette.setColor(self.placeholder.foregroundRole(), palette.placeholderText().color())
        self.placeholder.setPalette(palette)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.tabs)

    def _layout(self) -> None:
        bars = QVBoxLayout()
        bars.setContentsMargins(8, 0, 8, 4)
        bars.setSpacing(4)
        for bar in (self.change_bar, self.progress_bar, self.error_bar, self.notice_bar):
            bars.addWidget(bar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        top = QHBoxLayout()
        top.setContentsMargins(4, 0, 4, 0)
        top.addWidget(self.toolbar)
        layout.addLayout(top)
        layout.addLayout(bars)
        layout.addWidget(self.stack, 1)

    def _connect(self) -> None:
        self.save_action.triggered.connect(self._on_save_triggered)
        self.revert_action.triggered.connect(self._on_revert_triggered)
        self.add_action.triggered.connect(self._on_add_triggered)
        self.undo_action.triggered.connect(self._undo_stack.undo)
        self.redo_action.triggered.connect(self._undo_stack.redo)
        self._undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self._undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self._undo_stack.undoTextChanged.connect(self._on_undo_text_changed)
        self._undo_stack.redoTextChanged.connect(self._on_redo_text_changed)
        self.delete_action.triggered.connect(self._on_delete_triggered)
        self.reveal_action.toggled.connect(self._on_reveal_toggled)
        self.tree_view.customContextMenuRequested.connect(self._on_tree_context_menu_requested)
        self.tree_view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.raw_editor.text_validated.connect(self._on_text_validated)
        self.raw_editor.undo_requested.connect(self._undo_stack.undo)
        self.raw_editor.redo_requested.connect(self._undo_stack.redo)
        self._undo_stack.indexChanged.connect(self._on_index_changed)
        self._undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._model.edit_rejected.connect(self._on_edit_rejected)
        self._service.loaded.connect(self._on_loaded)
        self._service.save_progress.connect(self._on_save_progress)
        self._service.save_succeeded.connect(self._on_save_succeeded)
        self._service.save_conflicted.connect(self._on_save_conflicted)
        self._service.save_failed.connect(self._on_save_failed)
        self._service.save_cancelled.connect(self._on_save_cancelled)

    # -- the shell's interface ----------------------------------------------------------------
    @property
    def undo_stack(self) -> QUndoStack:
        return self._undo_stack

    @property
    def is_dirty(self) -> bool:
        return not self._undo_stack.isClean() or self._raw_invalid

    @property
    def path(self) -> str | None:
        return self._path

    @property
    def file_name(self) -> str:
        return os.path.basename(self._path) if self._path else ""

    @property
    def model(self) -> JsonTreeModel:
        return self._model

    @property
    def service(self) -> DocumentService:
        return self._service

    @property
    def is_saving(self) -> bool:
        return self._service.is_saving

    @property
    def loaded(self) -> LoadedDocument | None:
        return self._loaded

    @property
    def conflict_dialog(self) -> ConflictDialog | None:
        """The open conflict dialog, if a save is waiting for the user's decision."""
        return self._conflict_dialog

    @property
    def secrets_revealed(self) -> bool:
        return self._revealed

    def open_store(self, path: str | None) -> None:
        """Show the store at ``path`` (None: show nothing). Unsaved edits are dropped."""
        self._close_conflict_dialog()
        self._path = os.path.abspath(path) if path else None
        self._loaded = None
        self._base = NO_DOCUMENT
        self._disk_version = None
        self._reload_pending = False
        self._raw_invalid = False
        self._undo_stack.clear()
        self._model.set_document(NO_DOCUMENT)
        self._model.set_read_only(False)
        for bar in (self.change_bar, self.error_bar, self.notice_bar):
            bar.hide()
        if self._path is None:
            self._load_request = 0
            self._load_in_flight = False
            self._show_placeholder("Select a store to see its contents.")
        else:
            self._show_placeholder(f"Opening {self.file_name}…")
            self._start_load(_LoadPurpose.OPEN)
        self._update_header()
        self._update_actions()
        self._update_dirty()

    def notify_disk_change(self, path: str) -> None:
        """The watched file changed on disk: follow it, or offer a reload if there are edits."""
        if self._path is None or os.path.abspath(path) != self._path:
            return
        if self._service.is_saving or self._load_in_flight:
            self._reload_pending = True
            return
        self._start_load(_LoadPurpose.CHECK if self.is_dirty else _LoadPurpose.FOLLOW)

    def save(self) -> bool:
        """Start saving the edits; False when there is nothing to save or it cannot start."""
        if self._path is None or self._loaded is None or self._service.is_saving:
            return False
        self.raw_editor.validate_now()
        if self._raw_invalid and self.raw_editor.error is not None:
            self._report_error(
                "Not saved: the raw text is not valid JSON "
                f"({self.raw_editor.error.describe()}). Fix it or undo before saving."
            )
            return False
        if not self._model.has_document or self._undo_stack.isClean():
            self.status_message.emit(f"{self.file_name}: no changes to save.")
            return False
        request = SaveRequest(
            path=self._path,
            base=self._base,
            edited=self._model.document(),
            indent=self._loaded.indent if self._loaded.kind is DocumentKind.VALID else 2,
            repair=self._loaded.kind.repairable,
            lock_wait=self.lock_wait,
        )
        return self._start_save(request)

    def revert(self) -> None:
        """Drop unsaved edits and show the file as it is on disk now."""
        if self._path is None or self._service.is_saving:
            return
        self._discard_edits()
        self.status_message.emit(f"Reverted {self.file_name}.")
        self._start_load(_LoadPurpose.OPEN)

    def cancel_save(self) -> None:
        """Stop a save that is waiting for the lock; nothing is written."""
        self._service.cancel_save()

    def can_close(self) -> bool:
        """Whether the shown document may go away; asks about unsaved edits first."""
        if self._service.is_saving:
            self.status_message.emit(f"{self.file_name} is being saved; cancel the save first.")
            return False
        if not self.is_dirty:
            return True
        choice = self.unsaved_prompt(self)
        if choice is UnsavedChoice.DISCARD:
            self._discard_edits()
            return True
        if choice is UnsavedChoice.CANCEL:
            return False
        return self._save_and_wait()

    def set_secrets_revealed(self, revealed: bool) -> None:
        if revealed == self._revealed:
            return
        self._revealed = revealed
        self.reveal_action.setChecked(revealed)
        self._model.set_secret_policy(self._policy())
        self._refresh_raw()
        self._update_actions()

    # -- loading ------------------------------------------------------------------------------
    def _start_load(self, purpose: _LoadPurpose) -> None:
        assert self._path is not None
        self._load_purpose = purpose
        self._load_in_flight = True
        self._load_request = self._service.load(self._path, self.size_limit)

    @Slot(int, object)
    def _on_loaded(self, request_id: int, loaded: LoadedDocument) -> None:
        if request_id != self._load_request or loaded.path != self._path:
            return  # an answer to a question no longer asked
        self._load_in_flight = False
        purpose = self._load_purpose
        if purpose is not _LoadPurpose.OPEN and self._service.is_saving:
            self._reload_pending = True
        elif purpose is not _LoadPurpose.OPEN and self.is_dirty:
            self._offer_reload(loaded)
        else:
            self._apply_loaded(loaded, follow=purpose is _LoadPurpose.FOLLOW)
        if self._reload_pending and not self._service.is_saving:
            self._reload_pending = False
            self._start_load(_LoadPurpose.CHECK if self.is_dirty else _LoadPurpose.FOLLOW)

    def _offer_reload(self, loaded: LoadedDocument) -> None:
        if self._loaded is not None and loaded.raw == self._loaded.raw:
            return  # our own save, or a write that changed nothing
        self._disk_version = loaded
        self.change_bar.show_message(
            f"<b>{loaded.name} was changed on disk by another process.</b> "
            "Reload to see its version (your edits are dropped), or keep editing: "
            "saving merges your edits with its changes."
        )
        self.status_message.emit(f"{loaded.name} changed on disk by another process.")

    def _apply_loaded(self, loaded: LoadedDocument, *, follow: bool) -> None:
        unchanged = (
            follow
            and self._loaded is not None
            and loaded.raw == self._loaded.raw
            and loaded.kind is self._loaded.kind
        )
        first_show = self._loaded is None or not self._model.has_document
        self._loaded = loaded
        self._base = loaded.document
        self._disk_version = None
        self._raw_invalid = False
        self.change_bar.hide()
        if unchanged:
            return
        self._undo_stack.clear()  # commands address rows of the old version
        self._model.set_secret_policy(self._policy())
        self._model.set_read_only(loaded.kind is not DocumentKind.VALID)
        self._model.set_document(loaded.document, root_label=loaded.name)
        if loaded.kind in (DocumentKind.MISSING, DocumentKind.UNREADABLE):
            self._show_placeholder(loaded.message)
            self.status_message.emit(loaded.message)
        else:
            self.stack.setCurrentWidget(self.tabs)
        self._show_kind_notes(loaded)
        self._refresh_raw(prefer=loaded.text)
        if first_show and self._model.has_document:
            self.tree_view.expand(self._model.index(0, 0))
            self.tree_view.setCurrentIndex(self._model.index(0, 0))
        if loaded.kind is DocumentKind.VALID:
            verb = "Reloaded" if follow else "Opened"
            note = " (changed on disk)" if follow else ""
            self.status_message.emit(f"{verb} {loaded.name}{note}, {describe_size(loaded.size)}.")
        self._update_header()
        self._update_actions()
        self._update_dirty()
        self.document_loaded.emit(loaded.path)

    def _show_kind_notes(self, loaded: LoadedDocument) -> None:
        self.error_bar.hide()
        self.notice_bar.hide()
        tree_enabled = loaded.kind is DocumentKind.VALID
        self.tabs.setTabEnabled(TREE_TAB, tree_enabled)
        if loaded.kind.repairable:
            self.error_bar.show_message(
                f"<b>{loaded.message}</b> Repair it in the raw view; saving keeps the damaged "
                f"original beside it as {loaded.name}.corrupt-…"
            )
            self.status_message.emit(loaded.message)
            self.tabs.setCurrentIndex(RAW_TAB)
        elif loaded.kind is DocumentKind.TOO_LARGE:
            self.notice_bar.show_message(loaded.message)
            self.status_message.emit(loaded.message)
            self.tabs.setCurrentIndex(RAW_TAB)

    # -- raw view ---------------------------------------------------------------------------
    def _policy(self) -> SecretPolicy:
        return SecretPolicy(secret_file=is_secret_file(self._path), revealed=self._revealed)

    def _refresh_raw(self, prefer: str | None = None) -> None:
        """Make the raw view show the model's document (or the damaged text to repair)."""
        current = prefer if prefer is not None else self.raw_editor.toPlainText()
        content = raw_content(self._model.document(), self._loaded, self._policy(), current)
        self.raw_view.show_content(content, saving=self._service.is_saving)
        self._raw_invalid = False

    @Slot(str, object)
    def _on_text_validated(self, text: str, error: ParseError | None) -> None:
        if error is not None:
            self._raw_invalid = text != self.raw_view.content.text
            self.raw_view.update_status()
            self._update_dirty()
            self._update_actions()
            return
        self._raw_invalid = False
        document, _error = parse_json_text(text)
        self._model.replace_document(document)
        self.raw_view.update_status()
        self._update_dirty()
        self._update_actions()

    # -- tree edits -------------------------------------------------------------------------
    @Slot()
    def _on_add_triggered(self) -> None:
        current = self.tree_view.currentIndex()
        if not current.isValid():
            current = self._model.index(0, 0)
        new_index = self._model.insert_entry(current)
        if new_index.isValid():
            self.tabs.setCurrentIndex(TREE_TAB)
            self.tree_view.expand(new_index.parent())
            self.tree_view.setCurrentIndex(new_index)
            self.tree_view.scrollTo(new_index)
            if self._model.flags(new_index) & Qt.ItemFlag.ItemIsEditable:
                self.tree_view.edit(new_index)

    @Slot()
    def _on_delete_triggered(self) -> None:
        current = self.tree_view.currentIndex()
        node = self._model.node(current)
        if node is not None and self._model.remove_entry(current):
            self.status_message.emit(f"Deleted {format_json_path(node.json_path())}.")

    @Slot(QPoint)
    def _on_tree_context_menu_requested(self, position: QPoint) -> None:
        index = self.tree_view.indexAt(position)
        menu = QMenu(self)
        menu.addAction(self.add_action)
        menu.addAction(self.delete_action)
        node = self._model.node(index)
        if node is not None:
            path_text = format_json_path(node.json_path())
            copy_path = menu.addAction("Copy path")
            copy_path.triggered.connect(lambda: QGuiApplication.clipboard().setText(path_text))
        menu.popup(self.tree_view.viewport().mapToGlobal(position))

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._update_actions()

    @Slot(str)
    def _on_edit_rejected(self, message: str) -> None:
        self.status_message.emit(message)

    @Slot(int)
    def _on_index_changed(self, _index: int) -> None:
        self.raw_editor.cancel_pending()  # the document moved on; stale typing must not win
        self._refresh_raw()
        if self._loaded is not None and self._loaded.kind.repairable:
            self.tabs.setTabEnabled(TREE_TAB, self._model.has_document)
        self._update_actions()
        self._update_dirty()

    @Slot(str)
    def _on_undo_text_changed(self, text: str) -> None:
        self.undo_action.setToolTip(f"Undo {text}" if text else "Nothing to undo")

    @Slot(str)
    def _on_redo_text_changed(self, text: str) -> None:
        self.redo_action.setToolTip(f"Redo {text}" if text else "Nothing to redo")

    @Slot(bool)
    def _on_clean_changed(self, _clean: bool) -> None:
        self._update_dirty()

    @Slot(bool)
    def _on_reveal_toggled(self, checked: bool) -> None:
        self.set_secrets_revealed(checked)

    @Slot()
    def _on_save_triggered(self) -> None:
        self.save()

    @Slot()
    def _on_revert_triggered(self) -> None:
        self.revert()

    # -- external change bar ------------------------------------------------------------------
    def _on_change_bar_reload(self) -> None:
        disk = self._disk_version
        self.change_bar.hide()
        self._undo_stack.clear()
        if disk is not None:
            self._apply_loaded(disk, follow=False)
        elif self._path is not None:
            self._start_load(_LoadPurpose.OPEN)

    def _on_change_bar_keep(self) -> None:
        self.change_bar.hide()
        self.status_message.emit(
            f"Keeping your edits to {self.file_name}; saving will merge them with the change "
            "on disk."
        )

    # -- saving -------------------------------------------------------------------------------
    def _start_save(self, request: SaveRequest) -> bool:
        if not self._service.save(request):
            return False
        self.error_bar.hide()
        self._model.set_read_only(True)
        self._refresh_raw()
        self.progress_bar.show_message(f"Saving {self.file_name}…")
        self.status_message.emit(f"Saving {self.file_name}…")
        self._update_actions()
        return True

    def _end_save(self) -> None:
        self.progress_bar.hide()
        loaded = self._loaded
        self._model.set_read_only(loaded is None or (loaded.kind is not DocumentKind.VALID
                                  and not self._model.has_document))  # fmt: skip
        self._refresh_raw()
        self._update_actions()

    @Slot(str)
    def _on_save_progress(self, message: str) -> None:
        self.progress_bar.show_message(message[:1].upper() + message[1:])
        self.status_message.emit(message)

    @Slot(object)
    def _on_save_succeeded(self, result: SaveResult) -> None:
        if result.path != self._path or self._loaded is None:
            self.status_message.emit(f"Saved {os.path.basename(result.path)}.")
            self._end_save()
            return
        indent = self._loaded.indent if self._loaded.kind is DocumentKind.VALID else 2
        written = json.dumps(result.document, indent=indent, ensure_ascii=False).encode()
        self._loaded = classify_bytes(result.path, written, self._loaded.mtime)
        self._base = result.document
        self.error_bar.hide()
        self.tabs.setTabEnabled(TREE_TAB, True)
        if result.merged:
            self._model.set_document(result.document)
            self._undo_stack.clear()
        else:
            self._undo_stack.setClean()
        self._end_save()
        message = f"Saved {self._loaded.name}"
        if result.merged:
            message += ", merged with changes another process made meanwhile"
        if result.quarantined_to:
            message += (
                f"; the damaged original was kept as {os.path.basename(result.quarantined_to)}"
            )
        self.status_message.emit(message + ".")
        if result.quarantined_to:
            self.notice_bar.show_message(message + ".")
        self._update_header()
        self._update_dirty()
        self.saved.emit(result.path)
        if self._reload_pending:
            self._reload_pending = False
            self._start_load(_LoadPurpose.CHECK if self.is_dirty else _LoadPurpose.FOLLOW)

    @Slot(object)
    def _on_save_conflicted(self, conflict: SaveConflict) -> None:
        self._end_save()
        self._pending_conflict = conflict
        count = len(conflict.conflicts)
        where = ", ".join(c.path_text for c in conflict.conflicts[:3])
        self.status_message.emit(
            f"Not saved: {self.file_name} has {count} conflicting change"
            f"{'s' if count != 1 else ''} ({where}). Nothing was written."
        )
        dialog = ConflictDialog(
            self.file_name,
            mine=conflict.request.edited,
            theirs=conflict.theirs,
            conflicts=conflict.conflicts,
            policy=self._policy(),
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.choice_made.connect(self._on_choice_made)
        self._conflict_dialog = dialog
        self.save_ended_unwritten.emit(conflict.request.path)
        dialog.open()

    @Slot(object)
    def _on_choice_made(self, choice: ConflictChoice) -> None:
        conflict = self._pending_conflict
        self._pending_conflict = None
        self._conflict_dialog = None
        if conflict is None or conflict.request.path != self._path:
            return
        if choice is ConflictChoice.RELOAD:
            self._undo_stack.clear()
            self._start_load(_LoadPurpose.OPEN)
            self.status_message.emit(f"Reloading {self.file_name}; your edits were dropped.")
        elif choice is ConflictChoice.OVERWRITE:
            request = SaveRequest(
                path=conflict.request.path,
                base=self._base,
                edited=self._model.document(),
                mode=SaveMode.OVERWRITE,
                indent=conflict.request.indent,
                repair=conflict.request.repair,
                lock_wait=self.lock_wait,
            )
            self._start_save(request)
        else:
            self.status_message.emit(
                f"Save of {self.file_name} cancelled; nothing was written. Your edits are kept."
            )

    @Slot(str, str)
    def _on_save_failed(self, path: str, message: str) -> None:
        self._end_save()
        self._report_error(message)
        self.save_ended_unwritten.emit(path)

    @Slot(str)
    def _on_save_cancelled(self, path: str) -> None:
        self._end_save()
        self.status_message.emit(
            f"Save of {os.path.basename(path)} cancelled; nothing was written."
        )
        self.save_ended_unwritten.emit(path)

    def _save_and_wait(self) -> bool:
        """Save and wait (the event loop keeps running) for the outcome; True when written."""
        outcome: list[bool] = []
        loop = QEventLoop(self)

        def finish(written: bool) -> None:
            outcome.append(written)
            loop.quit()

        def on_saved(_path: str) -> None:
            finish(True)

        def on_unwritten(_path: str) -> None:
            finish(False)

        self.saved.connect(on_saved)
        self.save_ended_unwritten.connect(on_unwritten)
        try:
            if not self.save():
                return not self.is_dirty
            if not outcome:
                loop.exec()
        finally:
            self.saved.disconnect(on_saved)
            self.save_ended_unwritten.disconnect(on_unwritten)
        return bool(outcome and outcome[0])

    # -- helpers --------------------------------------------------------------------------------
    def _discard_edits(self) -> None:
        self._close_conflict_dialog()
        self._raw_invalid = False
        self._undo_stack.clear()
        self._model.set_document(self._base)
        self.change_bar.hide()
        self._refresh_raw()
        self._update_dirty()
        self._update_actions()

    def _close_conflict_dialog(self) -> None:
        dialog = self._conflict_dialog
        self._conflict_dialog = None
        self._pending_conflict = None
        if dialog is not None:
            dialog.choice_made.disconnect(self._on_choice_made)
            dialog.close()

    def _report_error(self, message: str) -> None:
        self.error_bar.show_message(message)
        self.status_message.emit(message)

    def _show_placeholder(self, text: str) -> None:
        self.placeholder.setText(text)
        self.stack.setCurrentWidget(self.placeholder)

    def _update_header(self) -> None:
        loaded = self._loaded
        if self._path is None:
            self.header.title.setText("No store selected")
            self.header.details.setText("")
            self.header.set_badges([])
            return
        self.header.title.setText(self.file_name + (" •" if self.is_dirty else ""))
        facts = [os.path.dirname(self._path)]
        if loaded is not None:
            if loaded.kind is not DocumentKind.MISSING:
                facts.append(describe_size(loaded.size))
            facts.append(loaded.kind.value)
        self.header.details.setText("  ·  ".join(facts))
        badges: list[tuple[str, str]] = []
        if self.is_dirty:
            badges.append(("unsaved", "#d97706"))
        if is_secret_file(self._path):
            badges.append(("secret file", "#8a3ab9"))
        if loaded is not None and loaded.kind is DocumentKind.TOO_LARGE:
            badges.append(("read-only", "#6b7280"))
        if loaded is not None and loaded.kind.repairable and not self._model.has_document:
            badges.append(("corrupt", "#dc2626"))
        self.header.set_badges(badges)

    def _update_actions(self) -> None:
        loaded = self._loaded
        saving = self._service.is_saving
        editable = (
            loaded is not None and self._model.has_document and not saving
            and loaded.kind in (DocumentKind.VALID, DocumentKind.CORRUPT, DocumentKind.NOT_UTF8)
        )  # fmt: skip
        current = self._model.node(self.tree_view.currentIndex())
        self.save_action.setEnabled(editable and self.is_dirty)
        self.revert_action.setEnabled(self._path is not None and not saving)
        self.add_action.setEnabled(editable)
        self.delete_action.setEnabled(
            editable and current is not None and current.parent is not None
        )
        has_document = self._model.has_document
        secret = has_document and has_secrets(self._model.document(), self._policy())
        if loaded is not None and loaded.kind.repairable and is_secret_file(self._path):
            secret = True
        self.reveal_action.setEnabled(secret)

    def _update_dirty(self) -> None:
        dirty = self.is_dirty
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)
        self._update_header()
        self.save_action.setEnabled(
            dirty and self._model.has_document and not self._service.is_saving
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Cancel a waiting save and let the workers finish (call before the pane goes away)."""
        self._close_conflict_dialog()
        self._service.shutdown()
