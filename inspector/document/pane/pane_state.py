"""What the document pane's parts share: its signals, its widgets and state, and the updates
every part calls (the header, the actions, the dirty mark, the raw text, the error bar).

:class:`DocumentPane` (``document_pane.py``) builds all of it; its parts are mixins over this
class, one concern each: what the session shows (``showing.py``), tree edits
(``tree_edits.py``), saving and its kin (``saving.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import (
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from inspector.document.conflict_dialog import ConflictDialog
from inspector.document.pane.actions import ActionState, DocumentActions
from inspector.document.pane.bars import MessageBars
from inspector.document.pane.conflicts import ConflictPresenter
from inspector.document.pane.find import PaneFinder
from inspector.document.pane.find_bar import FindBar
from inspector.document.pane.header import header_content
from inspector.document.pane.header_widget import DocumentHeader
from inspector.document.pane.message_bar import MessageBar
from inspector.document.pane.prompts import (
    UnsavedChoice,
)
from inspector.document.pane.schema import PaneSchema
from inspector.document.parsing import RAW_EDIT_LIMIT
from inspector.document.raw_editor import RawJsonEditor
from inspector.document.raw_text import qt_spans
from inspector.document.raw_view import RawView, raw_content
from inspector.document.results import DocumentKind, LoadedDocument
from inspector.document.review_dialog import ReviewPrompt
from inspector.document.save_service import DocumentService
from inspector.document.session import EditSession
from inspector.document.tree_model import JsonTreeModel
from inspector.document.tree_view import JsonTreeView

TREE_TAB, RAW_TAB = 0, 1

#: (pane, answer): asks what to do with its unsaved edits before it lets its document go, and
#: calls ``answer(choice)`` once, now or later (the default asks window-modally)
UnsavedPrompt = Callable[["PaneState", Callable[["UnsavedChoice"], None]], None]
#: (pane, source encoding, preview of the text read so, answer): asks whether to convert it to
#: UTF-8 and calls ``answer(yes)`` once, now or later (the default asks window-modally)
ConvertPrompt = Callable[["PaneState", str, str, Callable[[bool], None]], None]
#: (pane, what would be removed in words, answer): asks whether to remove an occurrence of a
#: repeated key from the file and calls ``answer(yes)`` once (the default asks window-modally)
RemoveOccurrencePrompt = Callable[["PaneState", str, Callable[[bool], None]], None]
#: (pane, answer): asks where to save a copy of its document and calls ``answer(path)`` once,
#: now or later (None: nowhere; the default asks window-modally)
CopyPathPrompt = Callable[["PaneState", Callable[[str | None], None]], None]
#: (pane, path, answer): asks whether the file at ``path`` may be replaced by a copy and calls
#: ``answer(yes)`` once, now or later (the default asks window-modally)
ReplacePrompt = Callable[["PaneState", str, Callable[[bool], None]], None]


@dataclass(frozen=True, slots=True)
class PendingAfterCheck:
    """A save (or copy, or review) asked for while typed raw text was still to be checked: it
    goes on once the check is applied, if the same store is still shown."""

    path: str | None
    action: Callable[[], bool]
    #: whether it is the store's own save (its end is told through ``save_ended_unwritten``)
    is_save: bool


class PaneState(QWidget):
    """The document pane's signals, widgets and state (built by :class:`DocumentPane`)."""

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

    unsaved_prompt: UnsavedPrompt
    convert_prompt: ConvertPrompt
    remove_occurrence_prompt: RemoveOccurrencePrompt
    copy_path_prompt: CopyPathPrompt
    replace_prompt: ReplacePrompt
    review_prompt: ReviewPrompt
    review_before_first_save: bool
    _reviewed: bool
    add_menu: QMenu | None
    _review_request: int
    _change_bar_text: str  # what the "changed on disk" bar says before what typing adds
    _typed_merge_check: int  # the check of what a save keeps of typed text, awaited
    _review_question: QWidget | None
    _review_answer: Callable[[bool], None] | None
    _after_check: PendingAfterCheck | None
    _session: EditSession
    _undo_stack: QUndoStack
    _model: JsonTreeModel
    _service: DocumentService
    _revealed: bool
    _raw_invalid: bool
    _dirty: bool
    _secrets_present: bool
    _raw_stale: bool
    _raw_source: str | None
    _save_error_shown: bool
    _opening_store: bool
    _conflicts: ConflictPresenter
    header: DocumentHeader
    document_actions: DocumentActions
    save_action: QAction
    revert_action: QAction
    undo_action: QAction
    redo_action: QAction
    add_action: QAction
    delete_action: QAction
    remove_occurrence_action: QAction
    reveal_action: QAction
    review_action: QAction
    save_copy_action: QAction
    schema: PaneSchema
    bars: MessageBars
    change_bar: MessageBar
    progress_bar: MessageBar
    error_bar: MessageBar
    notice_bar: MessageBar
    convert_bar: MessageBar
    save_copy_button: QPushButton
    tree_view: JsonTreeView
    raw_view: RawView
    raw_editor: RawJsonEditor
    tabs: QTabWidget
    placeholder: QLabel
    stack: QStackedWidget
    find_bar: FindBar
    finder: PaneFinder

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
                can_remove_occurrence=(
                    self._model.occurrence_at(self.tree_view.currentIndex()) is not None
                ),
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

    def _file_text_if_clean(self) -> str | None:
        """The file's own text (as loaded or last saved) while there are no edits: what the
        raw view shows then, rather than a text it made or one typed and undone."""
        loaded = self._session.loaded
        if (
            self._undo_stack.isClean()
            and loaded is not None
            and loaded.kind is DocumentKind.VALID
            and loaded.document is self._session.base
        ):
            return self._session.file_shown_text(loaded)
        return None

    def _mark_raw_duplicates(self) -> None:
        """Mark the keys the file repeats, while the raw text is the file's own (the places
        lockcore found are in that text, moved to where the editor shows them; an edited or
        re-indented text has others)."""
        loaded = self._session.loaded
        spans: list[tuple[int, int]] = []
        if loaded is not None and loaded.duplicate_keys and not loaded.display_text:
            found = [span for item in loaded.duplicate_keys for span in item.spans]
            if loaded.size > RAW_EDIT_LIMIT:
                # A long text, shown read-only as it is (not a copy: no lines cut), where Qt
                # counts a CR LF as one position; its text is not copied out of the editor.
                if self.raw_editor.search_text() is loaded.text:
                    spans = qt_spans(loaded.text, found)
            else:
                shown = self._session.file_shown(loaded)
                if self._raw_source == shown.text and self.raw_editor.full_text() == shown.text:
                    spans = [(shown.to_shown(start), shown.to_shown(end)) for start, end in found]
        self.raw_editor.set_duplicate_marks(spans)

    def _can_save_copy(self) -> bool:
        return self._model.has_document and not self._session.is_saving
