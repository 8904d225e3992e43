"""The document pane: one JSON store as a tree and as raw text, edited safely.

The pane draws and routes user input. Its :class:`EditSession` decides (what is shown, what the
edits started from, when to follow the file, how to save), and the session's
:class:`DocumentService` reads and writes on worker threads, so waiting for a lock never freezes
the window. Its parts live beside it in ``inspector.document.pane``: the actions and toolbar
(``actions``), the message bars (``bars``), the header's content (``header``), the conflict
dialog's handling (``conflicts``), find (``find``) and schema checks (``schema``). The pane
class itself is its construction and the shell's verbs; its signals, widgets, state and shared
updates are ``pane_state``'s, and its behaviour is in three mixins: what the session shows
(``showing``), tree edits (``tree_edits``), saving with its kin (``saving``), and letting the
document go (``closing``).
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.display import printable_path
from inspector.document.json_values import compare_ahead
from inspector.document.pane.actions import DocumentActions
from inspector.document.pane.bars import MessageBars
from inspector.document.pane.closing import CLOSE_SAVE_WAIT, PaneClosing
from inspector.document.pane.conflicts import ConflictPresenter
from inspector.document.pane.find import PaneFinder
from inspector.document.pane.find_bar import FindBar
from inspector.document.pane.header_widget import DocumentHeader
from inspector.document.pane.pane_state import (
    ConvertPrompt,
    CopyPathPrompt,
    RemoveOccurrencePrompt,
    ReplacePrompt,
    UnsavedPrompt,
)
from inspector.document.pane.prompts import (
    ask_about_unsaved_edits,
    ask_for_copy_path,
    ask_to_convert,
    ask_to_remove_occurrence,
    ask_to_replace,
)
from inspector.document.pane.schema import PaneSchema
from inspector.document.pane.showing import PaneShowing
from inspector.document.pane.tree_edits import PaneTreeEdits
from inspector.document.parsing import DEFAULT_SIZE_LIMIT
from inspector.document.raw_editor import DocumentCheck
from inspector.document.raw_view import RawView, secrets_preparation
from inspector.document.results import NO_DOCUMENT
from inspector.document.review_dialog import ReviewPrompt, ask_to_save_after_review
from inspector.document.save_service import DocumentService
from inspector.document.session import EditSession
from inspector.document.tree_view import JsonTreeView


class DocumentPane(PaneClosing, PaneShowing, PaneTreeEdits):
    """Shows one JSON store; the app shell calls :meth:`open_store` and friends.

    Built here; its parts are mixins over :class:`PaneState` (one concern each)."""

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
        #: Asked by :meth:`close_when_ready` when there are unsaved edits; replaceable for
        #: tests.
        self.unsaved_prompt: UnsavedPrompt = lambda pane, answer: ask_about_unsaved_edits(
            pane, pane.file_name, answer
        )
        #: Seconds letting the document go waits for the save it started (see PaneClosing).
        self.close_save_wait = CLOSE_SAVE_WAIT
        self._close_answers = []  # who waits to hear whether the document may go
        self._close_save_awaited = False  # a save started by letting the document go
        self._close_save_timer = None  # bounds the wait for it, from when it started
        self.convert_prompt: ConvertPrompt = lambda pane, source, preview, answer: ask_to_convert(
            pane, pane.file_name, source, preview, answer
        )
        self.remove_occurrence_prompt: RemoveOccurrencePrompt = lambda pane, what, answer: (
            ask_to_remove_occurrence(pane, pane.file_name, what, answer)
        )
        self.copy_path_prompt: CopyPathPrompt = lambda pane, answer: ask_for_copy_path(
            pane, pane.path or "", answer
        )
        self.replace_prompt: ReplacePrompt = lambda pane, path, answer: ask_to_replace(
            pane, printable_path(path), answer
        )
        #: Shows what a save would write and answers whether to save now, without blocking
        #: (replaceable for tests).
        self.review_prompt: ReviewPrompt = ask_to_save_after_review
        #: Show Review changes before the first save of this pane (the application sets it).
        self.review_before_first_save = False
        self._reviewed = False  # a review was accepted in this pane's session
        #: Add's menu of the keys the schema names, while offered (see PaneTreeEdits).
        self.add_menu: QMenu | None = None
        self._review_request = 0  # the review whose answer is awaited
        self._change_bar_text = ""
        self._typed_merge_check = 0
        self._review_question = None  # the open Review changes dialog
        self._review_answer = None  # continues the save once the review is answered
        self._after_check = None  # a save waiting for the typed text's check (see PaneSaving)
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
        self.remove_occurrence_action = self.document_actions.remove_occurrence
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
        self.tree_view.addAction(self.remove_occurrence_action)
        self.raw_view = RawView()
        self.raw_editor = self.raw_view.editor
        # The typed document's secrets walk, and its comparison with the tree's, run beside
        # its parse, off the GUI thread.
        self.raw_editor.set_check_preparation(self._prepare_raw_check)
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
        self.remove_occurrence_action.triggered.connect(self._on_remove_occurrence_triggered)
        self.undo_action.triggered.connect(self._on_undo_triggered)
        self.redo_action.triggered.connect(self._on_redo_triggered)
        self.reveal_action.toggled.connect(self._on_reveal_toggled)
        self.review_action.triggered.connect(self._on_review_triggered)
        self._service.review_ready.connect(self._on_review_ready)
        self._service.typed_merge_checked.connect(self._on_typed_merge_checked)
        self.tree_view.customContextMenuRequested.connect(self._on_tree_context_menu_requested)
        self.tree_view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.tabs.currentChanged.connect(self._on_current_tab_changed)
        self.raw_editor.text_validated.connect(self._on_text_validated)
        # After the pane took the typed document in: a save that waited for it goes on.
        self.raw_editor.text_validated.connect(self._resume_after_check_soon)
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
        self.saved.connect(self._on_saved_before_close)
        session.save_started.connect(self._on_save_started_before_close)
        self.save_ended_unwritten.connect(self._on_unwritten_before_close)

    @Slot()
    def _on_undo_triggered(self) -> None:
        # Raw typing not yet applied is the step undone (the window's Ctrl+Z comes here, not
        # through the editor); a long text is checked on the editor's worker first.
        self.raw_editor.when_checked(self._undo_stack.undo)

    @Slot()
    def _on_redo_triggered(self) -> None:
        # Raw typing not yet applied is kept as a step (then there is nothing to redo), not
        # dropped when the redone step replaces the text.
        self.raw_editor.when_checked(self._undo_stack.redo)

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
            # Typing not yet applied becomes an unsaved edit (a long text once the worker has
            # checked it: parsed here, a megabyte stalled the window ~120 ms).
            self.raw_editor.when_checked()
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
        self._drop_review_question()
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

    def set_secrets_revealed(self, revealed: bool) -> None:
        if revealed == self._revealed:
            return
        self._revealed = revealed
        self.document_actions.set_revealed(revealed)
        self._session.set_revealed(revealed)
        self._refresh_raw()
        self._update_actions()

    def _prepare_raw_check(self) -> DocumentCheck:
        """What the raw editor's worker does with a typed document beside parsing it (on the
        GUI thread, as the check starts: the tree's document and the policy now)."""
        shown = self._model.document()
        secrets = secrets_preparation(self._session.policy())

        def prepare(document: Any) -> None:  # on the worker thread
            if shown is not NO_DOCUMENT:
                compare_ahead(shown, document)
            if secrets is not None:
                secrets(document)

        return prepare

    def shutdown(self) -> None:
        """Cancel a waiting save and let the workers finish (call before the pane goes away)."""
        self._stop_close_save_timer()
        self._close_answers = []  # nobody is left to hear whether the document may go
        self._conflicts.close()
        self._drop_review_question()
        self.finder.shutdown()
        self.schema.shutdown()
        self.raw_editor.shutdown()
        self._session.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    @Slot(bool)
    def _on_reveal_toggled(self, checked: bool) -> None:
        self.set_secrets_revealed(checked)

    @Slot()
    def _on_save_triggered(self) -> None:
        self.save()

    @Slot()
    def _on_revert_triggered(self) -> None:
        self.revert()
