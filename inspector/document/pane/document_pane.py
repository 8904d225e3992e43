"""The document pane: one JSON store as a tree and as raw text, edited safely.

The pane draws and routes user input. Its :class:`EditSession` decides (what is shown, what the
edits started from, when to follow the file, how to save), and the session's
:class:`DocumentService` reads and writes on worker threads, so waiting for a lock never freezes
the window. Its parts live beside it in ``inspector.document.pane``: the actions and toolbar
(``actions``), the message bars (``bars``), the header's content (``header``), the conflict
dialog's handling (``conflicts``), find (``find``) and schema checks (``schema``).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.display import printable_path
from inspector.document.choices import ConflictDecision
from inspector.document.conflict_dialog import ConflictDialog
from inspector.document.conversion import NotConvertibleError, describe_conversion
from inspector.document.nodes import format_json_path
from inspector.document.pane.actions import ActionState, DocumentActions
from inspector.document.pane.bars import MessageBars
from inspector.document.pane.conflicts import ConflictPresenter
from inspector.document.pane.find import PaneFinder
from inspector.document.pane.find_bar import FindBar
from inspector.document.pane.header import header_content
from inspector.document.pane.header_widget import DocumentHeader
from inspector.document.pane.prompts import (
    UnsavedChoice,
    ask_about_unsaved_edits,
    ask_for_copy_path,
    ask_to_convert,
    ask_to_replace,
)
from inspector.document.pane.saving import save_and_wait
from inspector.document.pane.schema import PaneSchema
from inspector.document.parsing import DEFAULT_SIZE_LIMIT
from inspector.document.raw_view import RawView, raw_content
from inspector.document.results import DocumentKind, LoadedDocument, ParseError
from inspector.document.review import SaveReview
from inspector.document.review_dialog import ReviewPrompt, ask_to_save_after_review
from inspector.document.save_service import DocumentService, SaveConflict, SaveResult
from inspector.document.secrets import is_secret_file
from inspector.document.session import EditSession, save_summary
from inspector.document.tree_model import JsonTreeModel
from inspector.document.tree_view import JsonTreeView
from inspector.document.wording import kind_note

TREE_TAB, RAW_TAB = 0, 1

#: (pane) -> what to do with its unsaved edits before it closes
UnsavedPrompt = Callable[["DocumentPane"], UnsavedChoice]
#: (pane, source encoding, preview of the text read so, answer): asks whether to convert it to
#: UTF-8 and calls ``answer(yes)`` once, now or later (the default asks window-modally)
ConvertPrompt = Callable[["DocumentPane", str, str, Callable[[bool], None]], None]
#: (pane) -> where to save a copy of its document (None: nowhere)
CopyPathPrompt = Callable[["DocumentPane"], str | None]
#: (pane, path) -> whether the file at ``path`` may be replaced by a copy
ReplacePrompt = Callable[["DocumentPane", str], bool]


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
        self,
        parent: QWidget | None = None,
        *,
        size_limit: int = DEFAULT_SIZE_LIMIT,
        service: DocumentService | None = None,
    ) -> None:
        """``service``: the document service to load and save through (default: one of its
        own)."""
        super().__init__(parent)
        self.setObjectName("documentPane")
        #: Asked by :meth:`can_close` when there are unsaved edits; replaceable for tests.
        self.unsaved_prompt: UnsavedPrompt = lambda pane: ask_about_unsaved_edits(
            pane, pane.file_name
        )
        self.convert_prompt: ConvertPrompt = lambda pane, source, preview, answer: ask_to_convert(
            pane, pane.file_name, source, preview, answer
        )
        self.copy_path_prompt: CopyPathPrompt = lambda pane: ask_for_copy_path(
            pane, pane.path or ""
        )
        self.replace_prompt: ReplacePrompt = lambda pane, path: ask_to_replace(
            pane, printable_path(path)
        )
        #: Shows what a save would write; True means save now (replaceable for tests).
        self.review_prompt: ReviewPrompt = ask_to_save_after_review
        #: Show Review changes before the first save of this pane (the application sets it).
        self.review_before_first_save = False
        self._reviewed = False  # a review was accepted in this pane's session
        self._review_request = 0  # the review whose answer is awaited
        self._session = EditSession(self, size_limit=size_limit, service=service)
        self._session.has_unapplied_text = self._has_unapplied_text
        self._undo_stack = self._session.undo_stack
        self._model = self._session.model
        self._service = self._session.service
        self._revealed = False
        self._raw_invalid = False  # the user typed raw text that is not JSON (yet)
        self._dirty = False
        self._secrets_present = False  # the shown version has values that can be masked
        self._raw_stale = False  # the raw tab is hidden and has not followed the document
        self._raw_source: str | None = None  # the file's own text, while the document is it
        self._save_error_shown = False  # the error bar says why the last save failed
        self._opening_store = False  # open_store was called; its first version is not shown yet
        self._conflicts = ConflictPresenter(self)
        self._build_actions()
        self._build_bars()
        self._build_views()
        self._layout()
        self._connect()
        self._show_placeholder(self.tr("Select a store to see its contents."))
        self._update_header()
        self._update_actions()

    # -- construction -----------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.header = DocumentHeader()
        self.document_actions = DocumentActions(self)
        self.toolbar = self.document_actions.toolbar
        self.save_action = self.document_actions.save
        self.revert_action = self.document_actions.revert
        self.undo_action = self.document_actions.undo
        self.redo_action = self.document_actions.redo
        self.add_action = self.document_actions.add
        self.delete_action = self.document_actions.delete
        self.reveal_action = self.document_actions.reveal
        self.review_action = QAction(self.tr("Review Changes…"), self)
        self.review_action.setToolTip(
            self.tr("Show exactly what saving would write: the text diff against the file on disk")
        )
        self.review_action.setEnabled(False)
        self.reveal_button = self.document_actions.reveal_button
        # In the window's File menu (which gives it its shortcut), not the toolbar.
        self.save_copy_action = QAction(self.tr("Save a Copy As…"), self)
        self.save_copy_action.setToolTip(
            self.tr("Write the document as edited to another file, through that file's lock")
        )
        self.header.add_trailing_widget(self.reveal_button)
        self.schema = PaneSchema(self._model, lambda: self._session.path, self)
        self.header.add_trailing_widget(self.schema.label)

    def _build_bars(self) -> None:
        self.bars = MessageBars()
        self.change_bar = self.bars.change_bar
        self.change_reload_button = self.bars.reload_button
        self.change_keep_button = self.bars.keep_button
        self.progress_bar = self.bars.progress_bar
        self.cancel_save_button = self.bars.cancel_save_button
        self.error_bar = self.bars.error_bar
        self.notice_bar = self.bars.notice_bar
        self.convert_bar = self.bars.convert_bar
        self.convert_button = self.bars.convert_button
        # The way out when the store cannot be written where it is (shown with those errors).
        self.save_copy_button = self.error_bar.add_button(
            self.tr("Save a Copy As…"), self._on_save_copy_clicked, "saveCopyButton"
        )
        self.save_copy_button.hide()
        self.read_only_copy_button = self.bars.read_only_bar.add_button(
            self.tr("Save a Copy As…"), self._on_save_copy_clicked, "readOnlySaveCopyButton"
        )

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
        self.tabs.addTab(self.tree_view, self.tr("Tree"))
        self.tabs.addTab(self.raw_view, self.tr("Raw"))
        # What a screen reader says on reaching each: the widgets show no label of their own.
        self.tabs.setAccessibleName(self.tr("Document views"))
        self.tabs.tabBar().setAccessibleName(self.tr("Document view"))
        self.tree_view.setAccessibleName(self.tr("Document tree"))
        self.raw_editor.setAccessibleName(self.tr("Document text"))

        self.placeholder = QLabel()
        self.placeholder.setTextFormat(Qt.TextFormat.PlainText)
        self.placeholder.setObjectName("placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        palette = self.placeholder.palette()
        palette.setColor(self.placeholder.foregroundRole(), palette.placeholderText().color())
        self.placeholder.setPalette(palette)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.tabs)
        self._build_find()
        self.schema.attach_raw(self.raw_editor, lambda: self.tabs.currentWidget() is self.raw_view)

    def _build_find(self) -> None:
        self.find_bar = FindBar()
        self.finder = PaneFinder(
            self.find_bar, self.tabs, self.tree_view, self._model, self.raw_editor, self
        )
        # Only while the focus is in this pane: the window's Ctrl+F filters the store list, and
        # routes here (find_action) when the pane has the focus.
        self.find_action = QAction(self.tr("Find in Document…"), self)
        self.find_action.setObjectName("findInDocumentAction")
        self.find_action.setToolTip(self.tr("Find keys and values in the document (Ctrl+F)"))
        self.find_action.triggered.connect(self.finder.open)
        self.find_next_action = QAction(self.tr("Find Next"), self)
        self.find_next_action.setShortcut(QKeySequence.StandardKey.FindNext)
        self.find_next_action.triggered.connect(lambda: self._step_find(backwards=False))
        self.find_previous_action = QAction(self.tr("Find Previous"), self)
        self.find_previous_action.setShortcut(QKeySequence.StandardKey.FindPrevious)
        self.find_previous_action.triggered.connect(lambda: self._step_find(backwards=True))
        for action in (self.find_next_action, self.find_previous_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)

    def _step_find(self, *, backwards: bool) -> None:
        if self.find_bar.isHidden():
            self.finder.open()
        self.find_bar.search_now()
        self.finder.step(backwards)

    def _layout(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        top = QHBoxLayout()
        top.setContentsMargins(4, 0, 4, 0)
        top.addWidget(self.toolbar)
        layout.addLayout(top)
        layout.addWidget(self.bars)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.stack, 1)

    def _connect(self) -> None:
        self.save_action.triggered.connect(self._on_save_triggered)
        self.revert_action.triggered.connect(self._on_revert_triggered)
        self.add_action.triggered.connect(self._on_add_triggered)
        self.delete_action.triggered.connect(self._on_delete_triggered)
        self.undo_action.triggered.connect(self._undo_stack.undo)
        self.redo_action.triggered.connect(self._undo_stack.redo)
        self.reveal_action.toggled.connect(self._on_reveal_toggled)
        self.review_action.triggered.connect(self._on_review_triggered)
        self._service.review_ready.connect(self._on_review_ready)
        self.tree_view.customContextMenuRequested.connect(self._on_tree_context_menu_requested)
        self.tree_view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.tabs.currentChanged.connect(self._on_current_tab_changed)
        self.raw_editor.text_validated.connect(self._on_text_validated)
        self.raw_editor.undo_requested.connect(self.undo_action.trigger)
        self.raw_editor.redo_requested.connect(self.redo_action.trigger)
        self._undo_stack.canUndoChanged.connect(self._on_can_undo_changed)
        self._undo_stack.canRedoChanged.connect(self._on_can_undo_changed)
        self.document_actions.follow_undo_texts(self._undo_stack)
        self._undo_stack.indexChanged.connect(self._on_index_changed)
        self._undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._model.edit_rejected.connect(self._on_edit_rejected)
        self.bars.reload_requested.connect(self._on_reload_requested)
        self.bars.keep_editing_requested.connect(self._on_keep_editing_requested)
        self.bars.cancel_save_requested.connect(self.cancel_save)
        self.bars.convert_requested.connect(self.convert_to_utf8)
        self._conflicts.choice_made.connect(self._on_choice_made)
        session = self._session
        session.status_message.connect(self.status_message)
        session.shown.connect(self._on_shown)
        session.secrets_checked.connect(self._on_secrets_checked)
        session.changed_on_disk.connect(self._on_changed_on_disk)
        session.save_started.connect(self._on_save_started)
        session.save_progress.connect(self._on_save_progress)
        session.saved.connect(self._on_saved)
        session.conflict_found.connect(self._on_conflict_found)
        session.save_failed.connect(self._on_save_failed)
        session.save_ended_unwritten.connect(self._on_save_ended_unwritten)
        session.presence_changed.connect(self._on_presence_changed)
        self.finder.status_message.connect(self.status_message)
        self.schema.status_message.connect(self.status_message)
        session.copy_saved.connect(self._on_copy_saved)
        session.copy_target_exists.connect(self._on_copy_target_exists)
        session.place_unwritable.connect(self._on_place_unwritable)
        self.save_copy_action.triggered.connect(self.save_copy_as)

    # -- the shell's interface ----------------------------------------------------------------
    @property
    def undo_stack(self) -> QUndoStack:
        return self._undo_stack

    @property
    def is_dirty(self) -> bool:
        return self._session.is_dirty or self._raw_invalid

    @property
    def path(self) -> str | None:
        return self._session.path

    @property
    def file_name(self) -> str:
        return self._session.file_name

    @property
    def session(self) -> EditSession:
        return self._session

    @property
    def model(self) -> JsonTreeModel:
        return self._model

    @property
    def service(self) -> DocumentService:
        return self._service

    @property
    def is_saving(self) -> bool:
        return self._session.is_saving

    @property
    def loaded(self) -> LoadedDocument | None:
        return self._session.loaded

    @property
    def lock_wait(self) -> float:
        """Seconds a save waits for the lock before giving up (negative: until cancelled)."""
        return self._session.lock_wait

    @lock_wait.setter
    def lock_wait(self, seconds: float) -> None:
        self._session.lock_wait = seconds

    @property
    def conflict_dialog(self) -> ConflictDialog | None:
        """The open conflict dialog, if a save is waiting for the user's decision."""
        return self._conflicts.dialog

    @property
    def secrets_revealed(self) -> bool:
        return self._revealed

    @property
    def read_only_reason(self) -> str | None:
        """Why nothing may be changed here (see :meth:`set_read_only`), or None."""
        return self._session.read_only_reason

    def set_read_only(self, reason: str | None) -> None:
        """Forbid editing and saving and say why (a read-only folder); None allows them again.

        Viewing, revealing secrets and revert stay. Unsaved edits are kept, and raw text typed
        but not yet applied becomes one of them rather than being lost; they can be saved once
        the folder is writable again.
        """
        reason = reason or None  # "" is no reason either
        if reason == self._session.read_only_reason:
            return
        if reason is not None:
            self.raw_editor.validate_now()
            self.bars.read_only_bar.show_message(
                self.tr(
                    "<b>Read-only:</b> {reason} Viewing only; editing and saving are disabled."
                ).format(reason=escape(reason)),
                rich=True,
            )
        else:
            self.bars.read_only_bar.hide()
        self._session.set_read_only(reason)
        self.document_actions.set_read_only_reason(reason)
        self.raw_view.set_read_only_reason(reason)
        self._update_header()
        self._update_actions()
        self._update_dirty()

    def open_store(self, path: str | None) -> None:
        """Show the store at ``path`` (None: show nothing). Unsaved edits are dropped."""
        self._conflicts.close()
        self._raw_invalid = False
        self._raw_source = None
        self._secrets_present = False
        self.bars.hide_notes()
        self._save_error_shown = False
        self._opening_store = path is not None
        self.schema.clear()
        self._session.open(path)
        if self._session.path is None:
            self._show_placeholder(self.tr("Select a store to see its contents."))
        else:
            self._show_placeholder(self.tr("Opening {name}…").format(name=self.file_name))
        self._update_header()
        self._update_actions()
        self._update_dirty()

    def notify_disk_change(self, path: str) -> None:
        """The watched file changed on disk: follow it, or offer a reload if there are edits."""
        self._session.notify_disk_change(path)

    def save(self) -> bool:
        """Start saving the edits; False when there is nothing to save or it cannot start.

        With ``review_before_first_save``, the first save shows Review changes instead and
        saves when the person says so.
        """
        if self.review_before_first_save and not self._reviewed:
            return self.review_changes()
        if self._session.is_saving or self._session.loaded is None:
            return False
        if self._session.read_only_reason is not None:
            self.status_message.emit(
                self.tr("Not saved: {reason}").format(reason=self._session.read_only_reason)
            )
            return False
        if self._raw_text_refused(advise_fix=True):
            return False
        if not self.schema.confirm_save(self):
            self.status_message.emit(self.tr("Not saved: the document breaks its schema."))
            return False
        return self._session.save()

    def save_copy_as(self) -> bool:
        """Ask for a path, then save the document as edited there (see :meth:`save_copy`)."""
        if not self._can_save_copy():
            return False
        target = self.copy_path_prompt(self)
        return bool(target) and self.save_copy(str(target))

    def save_copy(self, target: str, *, overwrite: bool = False) -> bool:
        """Write the document as edited to ``target`` through its lock; this store and its
        unsaved edits stay as they are. A file at ``target`` is replaced only when the person
        says so (:attr:`replace_prompt`, asked under no lock when the save finds it)."""
        if not self._can_save_copy():
            return False
        if self._raw_text_refused():
            return False
        return self._session.save_copy(target, overwrite=overwrite)

    def _raw_text_refused(self, *, advise_fix: bool = False) -> bool:
        """Apply typing not yet taken in; True (and said) when the raw text is not valid JSON,
        so that nothing is saved, copied or reviewed from it."""
        self.raw_editor.validate_now()
        error = self.raw_editor.error
        if not self._raw_invalid or error is None:
            return False
        if advise_fix:
            message = self.tr(
                "Not saved: the raw text is not valid JSON ({error}). Fix it or undo before saving."
            )
        else:
            message = self.tr("Not saved: the raw text is not valid JSON ({error}).")
        self._report_error(message.format(error=error.describe()))
        return True

    def _can_save_copy(self) -> bool:
        return self._model.has_document and not self._session.is_saving

    @Slot()
    def _on_save_copy_clicked(self) -> None:
        self.save_copy_as()

    @Slot(str)
    def _on_copy_saved(self, path: str) -> None:
        self._end_save()
        message = self.tr("Saved a copy as {path}.").format(path=printable_path(path))
        if self.is_dirty:
            message += " " + self.tr("{name} itself still has unsaved edits.").format(
                name=self.file_name
            )
        self.notice_bar.show_message(message)

    @Slot(str)
    def _on_copy_target_exists(self, path: str) -> None:
        if self.replace_prompt(self, path):
            self.save_copy(path, overwrite=True)

    @Slot(str)
    def _on_place_unwritable(self, path: str) -> None:
        if path == self._session.path:
            self.save_copy_button.show()

    def restore_version(self, document: Any, label: str) -> bool:
        """Save a kept version's ``document`` over the store, merged with what changed on disk
        meanwhile (see :meth:`EditSession.restore`); False when it cannot start."""
        if self._session.path is None or self._session.is_saving:
            return False
        if self.is_dirty:
            self._report_error(
                self.tr("Not restored: save or revert your edits of {name} first.").format(
                    name=self.file_name
                )
            )
            return False
        if self._session.read_only_reason is not None:
            self.status_message.emit(
                self.tr("Not restored: {reason}").format(reason=self._session.read_only_reason)
            )
            return False
        return self._session.restore(document, label)

    def review_changes(self) -> bool:
        """Compute, off the GUI thread, the diff a save would write, then show it
        (``review_prompt``); the save starts if the person accepts. False if nothing to review."""
        path = self._session.path
        if path is None or self._session.loaded is None or self._session.is_saving:
            return False
        if not self.is_dirty:
            self.status_message.emit(
                self.tr("{name}: no changes to save.").format(name=self.file_name)
            )
            return False
        if self._raw_text_refused():
            return False
        self._review_request = self._service.review(
            path, self._session.base, self._model.document()
        )
        self.status_message.emit(
            self.tr("Comparing {name} with what saving would write…").format(name=self.file_name)
        )
        return True

    @Slot()
    def _on_review_triggered(self) -> None:
        self.review_changes()

    @Slot(int, object)
    def _on_review_ready(self, request_id: int, review: SaveReview) -> None:
        if request_id != self._review_request or review.path != self._session.path:
            return  # another document is shown now, or a newer review was asked for
        self._review_request = 0
        if self.review_prompt(self, review):
            self._reviewed = True
            self.save()

    def revert(self) -> None:
        """Drop unsaved edits and show the file as it is on disk now."""
        if self._session.path is None or self._session.is_saving:
            return
        self._discard_edits()
        self.status_message.emit(self.tr("Reverted {name}.").format(name=self.file_name))
        self._session.reload()

    def convert_to_utf8(self) -> bool:
        """Ask, then convert the shown file, which is not UTF-8, to UTF-8 (see
        :meth:`EditSession.convert_to_utf8`); False when there is nothing to ask about. The
        question does not block: the conversion starts when it is answered yes, if the pane
        still shows the very version it asked about."""
        loaded = self._session.loaded
        if loaded is None or not self._session.can_convert:
            return False
        try:
            source, preview = describe_conversion(loaded)
        except NotConvertibleError as error:
            self._report_error(f"Cannot convert {loaded.name} to UTF-8: {error}.")
            return False
        policy = self._session.policy()
        if policy.secret_file and not policy.revealed:  # as the raw view hides it
            preview = "(The values of this file are secret: reveal them to see its text.)"

        def answer(yes: bool) -> None:
            if not yes:
                return
            if self._session.loaded is loaded and self._session.can_convert:
                self._session.convert_to_utf8()
            else:  # another version or store is shown now: what was asked about is gone
                self.status_message.emit(
                    self.tr("{name} changed while you were asked; nothing was converted.").format(
                        name=loaded.name
                    )
                )

        self.convert_prompt(self, source, preview, answer)
        return True

    def cancel_save(self) -> None:
        """Stop a save that is waiting for the lock; nothing is written."""
        self._session.cancel_save()

    def can_close(self) -> bool:
        """Whether the shown document may go away; asks about unsaved edits first."""
        if self._session.is_saving:
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
        self.document_actions.set_revealed(revealed)
        self._session.set_revealed(revealed)
        self._refresh_raw()
        self._update_actions()

    def shutdown(self) -> None:
        """Cancel a waiting save and let the workers finish (call before the pane goes away)."""
        self._conflicts.close()
        self.finder.shutdown()
        self.schema.shutdown()
        self._session.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    # -- what the session shows ---------------------------------------------------------------
    def _has_unapplied_text(self) -> bool:
        return self._raw_invalid or self.raw_editor.has_pending_edit

    @Slot(object, bool)
    def _on_shown(self, loaded: LoadedDocument, follow: bool) -> None:
        self._raw_invalid = False
        self.change_bar.hide()
        if loaded.kind in (DocumentKind.MISSING, DocumentKind.UNREADABLE):
            self._show_placeholder(loaded.message)
        else:
            self.stack.setCurrentWidget(self.tabs)
        # Whether there are secrets is known from the worker; a big document's answer comes a
        # moment later (secrets_checked): walking it here would freeze the window.
        self._secrets_present = (loaded.kind.repairable and is_secret_file(loaded.path)) or bool(
            loaded.secrets
        )
        if self._opening_store and loaded.kind is DocumentKind.VALID:
            # Another store starts in the tree, whatever tab the last one needed (the raw text
            # of a corrupt file): keys typed into the raw text of a document opened unawares
            # replaced all of it. (A reload or a conversion of the same store stays put.)
            self.tabs.setCurrentIndex(TREE_TAB)
        self._opening_store = False
        self._show_kind_notes(loaded)
        self._raw_source = (
            (loaded.display_text or loaded.text) if loaded.kind is DocumentKind.VALID else None
        )
        self._refresh_raw()
        if not follow and self._model.has_document:
            root = self._model.index(0, 0)
            self.tree_view.expand(root)
            self.tree_view.setCurrentIndex(root)
        self._update_header()
        self._update_actions()
        self._update_dirty()
        self.finder.document_changed()
        self.schema.document_changed(at_once=True)
        self.document_loaded.emit(loaded.path)

    @Slot(object)
    def _on_secrets_checked(self, loaded: LoadedDocument) -> None:
        self._secrets_present = bool(loaded.secrets)
        self._refresh_raw()
        self._update_actions()

    def _show_kind_notes(self, loaded: LoadedDocument) -> None:
        self._hide_error()
        self.notice_bar.hide()
        self.convert_bar.hide()
        self.tabs.setTabEnabled(TREE_TAB, loaded.kind is DocumentKind.VALID)
        if loaded.kind.repairable:
            repair = (
                self.tr("Its lines are too long to repair here: use a text editor.")
                if loaded.long_lines
                else self.tr(
                    "Repair it in the raw view; saving keeps the damaged original beside it "
                    "as {name}.corrupt-…"
                ).format(name=escape(loaded.name))
            )
            note = escape(kind_note(loaded))
            self.error_bar.show_message(f"<b>{note}</b> {repair}", rich=True)
            self.tabs.setCurrentIndex(RAW_TAB)
        elif loaded.kind is DocumentKind.NOT_UTF8:
            # Nothing is broken and nothing is edited: the bytes are shown as read.
            # loaded.message says the same in English (Qt-free parsing); the reason stays
            # lockcore's words, as for non-standard JSON below.
            self.convert_bar.show_message(
                self.tr(
                    "{name} is {reason}. Shown read-only as read; Convert to UTF-8… makes it "
                    "editable and keeps the original bytes beside it."
                ).format(name=loaded.name, reason=loaded.not_utf8)
            )
            self.tabs.setCurrentIndex(RAW_TAB)
        elif loaded.kind in (DocumentKind.TOO_LARGE, DocumentKind.TOO_COMPLEX):
            self.notice_bar.show_message(kind_note(loaded))
            self.tabs.setCurrentIndex(RAW_TAB)
        elif loaded.link_target is not None:
            target = printable_path(loaded.link_target)
            self.notice_bar.show_message(
                self.tr(
                    "{name} is a symbolic link to {target}. Saving replaces the link with a "
                    "regular file; {target} keeps what it holds now."
                ).format(name=loaded.name, target=target)
            )
        elif loaded.non_standard:
            # The table's words too; saving keeps every untouched literal and key as it is.
            self.notice_bar.show_message(
                self.tr(
                    "{name} is {reason}. Saving keeps what you do not edit exactly as it is."
                ).format(name=loaded.name, reason=loaded.non_standard)
            )

    @Slot(object)
    def _on_changed_on_disk(self, loaded: LoadedDocument) -> None:
        changed = self.tr("{name} was changed on disk by another process.").format(
            name=escape(loaded.name)
        )
        choices = self.tr(
            "Reload to see its version (your edits are dropped), or keep editing: saving "
            "merges your edits with its changes."
        )
        self.change_bar.show_message(f"<b>{changed}</b> {choices}", rich=True)

    @Slot(bool)
    def _on_presence_changed(self, present: bool) -> None:
        # Either way a "changed on disk" note is out of date: the file went away (the error
        # of a save that failed for it says so), or is back as it was.
        self.change_bar.hide()
        if present and self._save_error_shown:
            self._hide_error()  # why the save failed holds no more; the edits are still unsaved

    @Slot()
    def _on_reload_requested(self) -> None:
        self._raw_invalid = False
        self._session.take_disk_version()

    @Slot()
    def _on_keep_editing_requested(self) -> None:
        self.status_message.emit(
            self.tr(
                "Keeping your edits to {name}; saving will merge them with the change on disk."
            ).format(name=self.file_name)
        )

    # -- raw view ---------------------------------------------------------------------------
    def _refresh_raw(self) -> None:
        """Make the raw view show the model's document (or the damaged text to repair).

        Only while the raw tab is shown: serialising a large document after every tree edit
        would stall the window for nothing.
        """
        if self.tabs.currentWidget() is not self.raw_view:
            self._raw_stale = True
            return
        self._raw_stale = False
        source = self._raw_source
        content = raw_content(
            self._model.document(),
            self._session.loaded,
            self._session.policy(),
            source if source is not None else self.raw_editor.full_text(),
            text_is_document=source is not None,
        )
        self.raw_view.show_content(content, saving=self._session.is_saving)
        self._raw_invalid = False
        self._mark_raw_duplicates()

    def _mark_raw_duplicates(self) -> None:
        """Mark the keys the file repeats, while the raw text is the file's own (the places
        lockcore found are in that text; an edited or re-indented text has others)."""
        loaded = self._session.loaded
        spans: list[tuple[int, int]] = []
        if (
            loaded is not None
            and loaded.duplicate_keys
            and self._raw_source is loaded.text
            and self.raw_editor.full_text() == loaded.text
        ):
            spans = [span for item in loaded.duplicate_keys for span in item.spans]
        self.raw_editor.set_duplicate_marks(spans)

    @Slot(int)
    def _on_current_tab_changed(self, _index: int) -> None:
        if self._raw_stale:
            self._refresh_raw()
        self.schema.update_raw_marks()

    @Slot(str, object, object)
    def _on_text_validated(self, text: str, document: Any, error: ParseError | None) -> None:
        if error is not None:
            self._raw_invalid = text != self.raw_view.content.text
        else:
            self._raw_invalid = False
            self._model.replace_document(document)  # parsed by the editor: never twice
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
            self.status_message.emit(
                self.tr("Deleted {entry}.").format(entry=format_json_path(node.json_path()))
            )

    @Slot(QPoint)
    def _on_tree_context_menu_requested(self, position: QPoint) -> None:
        actions = [self.add_action, self.delete_action]
        node = self._model.node(self.tree_view.indexAt(position))
        from_schema = None if self._session.read_only_reason else (
            self.schema.add_from_schema_menu(node, self.tree_view)
        )  # fmt: skip
        if from_schema is not None:
            actions.append(from_schema.menuAction())
        self.tree_view.popup_context_menu(position, actions)

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._update_actions()

    @Slot(str)
    def _on_edit_rejected(self, message: str) -> None:
        self.status_message.emit(message)

    @Slot(int)
    def _on_index_changed(self, _index: int) -> None:
        self.raw_editor.cancel_pending()  # the document moved on; stale typing must not win
        self._raw_source = None
        self._refresh_raw()
        self.finder.document_changed()
        self.schema.document_changed()
        loaded = self._session.loaded
        if loaded is not None and loaded.kind.repairable:
            self.tabs.setTabEnabled(TREE_TAB, self._model.has_document)
        self._update_actions()
        self._update_dirty()

    @Slot(bool)
    def _on_can_undo_changed(self, _can: bool) -> None:
        self._update_actions()

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

    # -- saving -------------------------------------------------------------------------------
    @Slot()
    def _on_save_started(self) -> None:
        self._hide_error()
        self._refresh_raw()
        self.progress_bar.show_message(self.tr("Saving {name}…").format(name=self.file_name))
        self._update_actions()

    def _end_save(self) -> None:
        self.progress_bar.hide()
        self._refresh_raw()
        self._update_actions()

    @Slot(str)
    def _on_save_progress(self, message: str) -> None:
        self.progress_bar.show_message(message[:1].upper() + message[1:])

    @Slot(object)
    def _on_saved(self, result: SaveResult) -> None:
        self._hide_error()
        # What another process had changed on disk is merged into what was just written.
        self.change_bar.hide()
        self.tabs.setTabEnabled(TREE_TAB, True)
        self._end_save()
        if result.quarantined_to:
            self.notice_bar.show_message(save_summary(result))
        else:
            self.notice_bar.hide()  # what it said (a symbolic link replaced) holds no more
        self._update_header()
        self._update_dirty()
        self.saved.emit(result.path)

    @Slot(object)
    def _on_conflict_found(self, conflict: SaveConflict) -> None:
        self._end_save()
        self._conflicts.present(self.file_name, conflict, self._session.policy())

    @Slot(object)
    def _on_choice_made(self, decision: ConflictDecision) -> None:
        self._session.resolve_conflict(decision)

    @Slot(str, str)
    def _on_save_failed(self, _path: str, message: str) -> None:
        self.error_bar.show_message(message)
        self._save_error_shown = True

    @Slot(str)
    def _on_save_ended_unwritten(self, path: str) -> None:
        self._end_save()
        self.save_ended_unwritten.emit(path)

    def _save_and_wait(self) -> bool:
        """Save and wait (the event loop keeps running) for the outcome; True when written."""
        return save_and_wait(self, self.save, self.saved, self.save_ended_unwritten,
                             nothing_to_save=lambda: not self.is_dirty)  # fmt: skip

    # -- helpers --------------------------------------------------------------------------------
    def _discard_edits(self) -> None:
        self._conflicts.close()
        self._raw_invalid = False
        self._session.discard_edits()
        self.change_bar.hide()
        self._refresh_raw()
        self._update_dirty()
        self._update_actions()

    def _hide_error(self) -> None:
        self.error_bar.hide()
        self.save_copy_button.hide()
        self._save_error_shown = False

    def _report_error(self, message: str) -> None:
        self.save_copy_button.hide()
        self.error_bar.show_message(message)
        self._save_error_shown = False
        self.status_message.emit(message)

    def _show_placeholder(self, text: str) -> None:
        self.placeholder.setText(text)
        self.stack.setCurrentWidget(self.placeholder)

    def _update_header(self) -> None:
        content = header_content(
            self._session.path,
            self._session.loaded,
            dirty=self.is_dirty,
            has_document=self._model.has_document,
            read_only=self._session.read_only_reason is not None,
        )
        self.header.title.setText(content.title)
        self.header.details.setText(content.details)
        self.header.details.setToolTip(content.tooltip)
        self.header.set_badges(list(content.badges))

    def _update_actions(self) -> None:
        self.save_copy_action.setEnabled(self._can_save_copy())
        current = self._model.node(self.tree_view.currentIndex())
        self.document_actions.update(
            ActionState(
                editable=self._session.editable,
                dirty=self.is_dirty,
                has_path=self._session.path is not None,
                saving=self.is_saving,
                can_delete=current is not None and current.parent is not None,
                can_reveal=self._secrets_present or self._revealed,
                can_undo=self._undo_stack.canUndo(),
                can_redo=self._undo_stack.canRedo(),
                read_only=self._session.read_only_reason is not None,
            )
        )

    def _update_dirty(self) -> None:
        dirty = self.is_dirty
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)
        self._update_header()
        self.save_action.setEnabled(dirty and self._session.editable)
        self.review_action.setEnabled(self.save_action.isEnabled())
