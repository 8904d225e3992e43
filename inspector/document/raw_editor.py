"""The raw view's editor: JSON as text, checked after a pause in typing (on a worker thread when
long), long texts put in a chunk at a time, undo keys handed to the document's stack.

Its line-number gutter is in ``line_number_gutter.py`` and the look of its marks (a parse
error, repeated keys) in ``raw_marks.py``: they only draw what this editor decides."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QFontDatabase,
    QKeyEvent,
    QKeySequence,
    QResizeEvent,
    QTextCursor,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from inspector.document.highlighter import JsonHighlighter
from inspector.document.line_number_gutter import LineNumberGutter
from inspector.document.parsing import parse_json_text
from inspector.document.raw_marks import duplicate_key_marks, parse_error_marks
from inspector.document.results import ParseError

_VALIDATE_DELAY_MS = 300
#: Typed text at least this long (characters) is checked on the editor's worker before what
#: waits for it (an undo, a save), never parsed at once on the GUI thread: a megabyte takes
#: ~150 ms to parse, a stall of the window.
CHECK_ON_WORKER_CHARS = 128 * 1024
_HIGHLIGHT_LIMIT = 2 * 1024 * 1024  # past this many characters, highlighting costs too much
# Text is put in the editor a chunk per event-loop turn: laying out a megabyte of text takes
# about 0.2 s, and highlighting it another second, which in one go would freeze the window.
# A chunk costs ~25 ms plain and ~30 ms highlighted.
_CHUNK_CHARS = 64 * 1024
_HIGHLIGHTED_CHUNK_CHARS = 32 * 1024


def _is_plain_text(text: str) -> bool:
    """Whether the editor's text (see :meth:`RawJsonEditor.editor_text`) of a document set to
    ``text`` is ``text`` itself: Qt makes a CR LF, a lone CR and U+2029 PARAGRAPH SEPARATOR
    each a line break of its own. An ASCII text only needs the (fast) look for a CR."""
    if "\r" in text:
        return False
    return text.isascii() or "\u2029" not in text


DocumentCheck = Callable[[Any], object]
"""Work on a parsed document that may run on the check's worker thread (see
:meth:`RawJsonEditor.set_check_preparation`); its result is not used."""


@dataclass(frozen=True)
class _Checked:
    """A typed text checked on the worker thread, for the text of ``generation``."""

    generation: int
    text: str
    document: Any
    error: ParseError | None


def _check(
    generation: int, text: str, prepare: DocumentCheck | None
) -> _Checked:  # on the worker thread
    document, error = parse_json_text(text)
    if prepare is not None and error is None:
        prepare(document)
    return _Checked(generation, text, document, error)


class RawJsonEditor(QPlainTextEdit):
    """Edits JSON as text; validates after a pause in typing and marks the first error.

    The check after a pause parses on a worker thread (a megabyte text takes 100-200 ms, a
    stall of the window on the GUI thread); its result comes back by signal and is dropped
    when the text changed again meanwhile (a generation count). :meth:`validate_now` parses at
    once, on the calling thread; :meth:`check_at_once` starts the worker's check without
    waiting for the pause (before a save of a long text); :meth:`when_checked` (before an
    undo, or the folder turning read-only) does either, by the text's length.

    Undo of text edits is left to the document's ``QUndoStack``: the pane turns each valid text
    into one (merging) undo command.
    """

    #: (text, document, error or None) the user changed the text and paused: the document it
    #: parses to (NO_DOCUMENT when it does not), or where it breaks -- parsed once, here
    text_validated = Signal(str, object, object)
    _checked = Signal(object)  # a _Checked, from the worker thread
    #: () Ctrl+Z reached the editor (no window shortcut took it): undo on the document's stack
    undo_requested = Signal()
    #: () Ctrl+Shift+Z / Ctrl+Y reached the editor: redo on the document's stack
    redo_requested = Signal()
    #: () the last chunk of a long text set by set_json_text is in the editor
    loading_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setUndoRedoEnabled(False)
        self.setTabChangesFocus(False)
        self._highlighter: JsonHighlighter | None = None
        self._error: ParseError | None = None
        self._setting_text = False
        self._line_numbers = LineNumberGutter(self)
        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(_VALIDATE_DELAY_MS)
        self._validate_timer.timeout.connect(self._on_validate_timeout)
        # The text's generation: every change of the text (and cancel_pending) counts one, so
        # a check's result for an older text is recognised and dropped.
        self._generation = 0
        self._checking: int | None = None  # the generation a worker is checking
        self._check_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="raw-check")
        self._closed = False
        self._prepare_check: Callable[[], DocumentCheck | None] | None = None
        self._checked.connect(self._on_checked)
        # What waits for the worker's check of typed text to be applied (see when_checked)
        self._after_check: list[Callable[[], None]] = []
        self._full_text: str | None = None  # the whole text while it is still being put in
        # The text set_json_text was given, while the editor holds exactly it (no change since
        # and Qt's plain text of it is the same string): full_text() returns it instead of
        # copying 20 MB out of the document with toPlainText() on the GUI thread (~200 ms).
        # Any change to the document drops it, even the highlighter's re-formatting (which
        # Qt reports as a change): a highlighted text is at most _HIGHLIGHT_LIMIT long, cheap
        # to copy, and the long ones this is for are never highlighted.
        self._text_set: str | None = None
        self._text_set_is_plain = True
        self._loaded_up_to = 0
        self._chunk_chars = _CHUNK_CHARS
        self._load_timer = QTimer(self)
        self._load_timer.setInterval(0)
        self._load_timer.timeout.connect(self._on_load_timeout)
        self._error_pending = False  # decorate the error once all text is in
        self._go_to_error_pending = False
        self._error_selections: list[QTextEdit.ExtraSelection] = []
        self._extra_marks: list[QTextEdit.ExtraSelection] = []  # others' (schema errors)
        self._duplicate_spans: list[tuple[int, int]] = []  # keys a file repeats
        self.textChanged.connect(self._on_text_changed)

    # -- public API ----------------------------------------------------------------------
    @property
    def error(self) -> ParseError | None:
        return self._error

    @property
    def has_pending_edit(self) -> bool:
        """Whether typed text has not been validated yet (waiting for the pause to end, or
        being checked on the worker thread)."""
        return self._validate_timer.isActive() or self._checking == self._generation

    @property
    def is_checking(self) -> bool:
        """Whether the typed text is being checked on the worker thread now."""
        return self._checking == self._generation

    def set_check_preparation(self, prepare: Callable[[], DocumentCheck | None] | None) -> None:
        """Have more done with each valid typed document on the worker thread, after parsing:
        ``prepare`` is called on the GUI thread as a check starts and returns the work (or
        None), which must be safe off the GUI thread (read the document, never change it). The
        pane has the secrets walk done there, which takes ~100 ms on a megabyte of keys."""
        self._prepare_check = prepare

    def shutdown(self) -> None:
        """Drop a check under way (its result is never applied) and start no more."""
        self._closed = True
        self._after_check.clear()
        self._generation += 1
        self._checking = None
        self._validate_timer.stop()
        self._check_pool.shutdown(wait=False, cancel_futures=True)

    @property
    def is_loading(self) -> bool:
        """Whether a long text is still being put in, a chunk per event-loop turn."""
        return self._full_text is not None

    def full_text(self) -> str:
        """The editor's whole text (see :meth:`editor_text`), including chunks not put in
        yet."""
        if self._text_set is not None and self._text_set_is_plain:
            return self._text_set
        return self._full_text if self._full_text is not None else self.editor_text()

    def editor_text(self) -> str:
        """The text the editor holds, every character as typed, line breaks as LF.

        Not ``toPlainText()``: that also turns each no-break space into a space and each
        U+2028 LINE SEPARATOR into a line break, so that typing anywhere in a file would change
        the strings holding them. Qt's raw text keeps them; only its line breaks (U+2029
        between blocks) are turned into LF."""
        return self.document().toRawText().replace("\u2029", "\n")

    def holds_text(self, text: str) -> bool:
        """Whether the editor shows ``text`` now (putting it in again would change nothing):
        while it holds the text it was given, that text is compared, not copied out of Qt's
        document (20 MB with CR LFs: ~200 ms of the GUI thread)."""
        if self._text_set is not None:
            return text is self._text_set or text == self._text_set
        return text == self.full_text()

    def search_text(self) -> str:
        """The whole text to search without copying it out of the document: the text it was
        given while unchanged, whose CR LF line breaks Qt counts as one position each (the
        search's positions count them so), else Qt's plain text."""
        if self._text_set is not None:
            return self._text_set
        return self.full_text()

    def set_json_text(self, text: str, *, highlight: bool = True) -> None:
        """Show ``text`` (from the document, not the user): no validation signal.

        A long text goes in a chunk per event-loop turn (the window stays responsive); until
        :attr:`loading_finished`, :attr:`is_loading` is true and the editor should stay
        read-only.
        """
        self._validate_timer.stop()
        self._load_timer.stop()
        self._full_text = None
        self._text_set = text
        self._text_set_is_plain = _is_plain_text(text)
        highlight = highlight and len(text) <= _HIGHLIGHT_LIMIT
        self._chunk_chars = _HIGHLIGHTED_CHUNK_CHARS if highlight else _CHUNK_CHARS
        first = self._chunk_end(text, 0)
        self._setting_text = True
        try:
            if self._highlighter is not None:
                self._highlighter.setDocument(None)
                self._highlighter = None
            self.setPlainText(text[:first])
            if highlight:
                self._highlighter = JsonHighlighter(self.document())
        finally:
            self._setting_text = False
        if first < len(text):
            self._full_text = text
            self._loaded_up_to = first
            self._load_timer.start()

    def _chunk_end(self, text: str, start: int) -> int:
        end = start + self._chunk_chars
        if end >= len(text):
            return len(text)
        newline = text.rfind("\n", start, end)
        if newline > start:
            return newline + 1
        # A CR LF split between two chunks would become two line breaks in the editor.
        return end - 1 if text[end - 1] == "\r" and text[end] == "\n" else end

    @Slot()
    def _on_load_timeout(self) -> None:
        text = self._full_text
        if text is None:
            self._load_timer.stop()
            return
        start = self._loaded_up_to
        end = self._chunk_end(text, start)
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self._setting_text = True
        try:
            cursor.insertText(text[start:end])
        finally:
            self._setting_text = False
        self._loaded_up_to = end
        if end >= len(text):
            self._load_timer.stop()
            self._full_text = None
            if self._error_pending:
                self.show_error(self._error)
            elif self._duplicate_spans:
                self._show_selections()
            if self._go_to_error_pending:
                self.go_to_error()
            self.loading_finished.emit()

    def validate_now(self) -> ParseError | None:
        """Validate at once (e.g. before saving), emitting ``text_validated`` if text changed
        (also when a check of it is under way: its result is then dropped)."""
        if self._validate_timer.isActive() or self.is_checking:
            self._validate_timer.stop()
            self._checking = None
            self._generation += 1  # the worker's result, if it comes, is for an older call
            text = self.editor_text()
            document, error = parse_json_text(text)
            self._apply_check(text, document, error)
        return self._error

    def when_checked(self, action: Callable[[], None] | None = None) -> bool:
        """Have typed text not yet validated applied (``text_validated``), then call
        ``action``. Text of :data:`CHECK_ON_WORKER_CHARS` or more is checked on the worker,
        not parsed here: ``action`` runs once that result is applied, and True says it waits
        (dropped if the document moves on first, see :meth:`cancel_pending`). Otherwise as
        :meth:`validate_now`, and ``action`` runs at once (False)."""
        if self.has_pending_edit and self.document().characterCount() >= CHECK_ON_WORKER_CHARS:
            if action is not None:
                self._after_check.append(action)
            self.check_at_once()  # under way already, if the pause had ended
            return True
        self.validate_now()
        if action is not None:
            action()
        return False

    def check_at_once(self) -> None:
        """Start the check of typed text now, on the worker thread, instead of after the
        pause (its result comes as ``text_validated``); nothing when no check waits."""
        if self._validate_timer.isActive():
            self._validate_timer.stop()
            self._on_validate_timeout()

    def show_error(self, error: ParseError | None) -> None:
        """Mark ``error`` (a wavy underline at its position and the line tinted)."""
        self._error = error
        self._line_numbers.marked_line = error.line - 1 if error is not None else None
        self._error_pending = self.is_loading and error is not None
        if self._error_pending:
            self._error_selections = []
            self._show_selections()
            return
        self._error_selections = (
            parse_error_marks(self.document(), error) if error is not None else []
        )
        self._show_selections()

    def set_extra_marks(self, marks: list[QTextEdit.ExtraSelection]) -> None:
        """Marks shown beside the parse error's (the schema's errors); [] removes them."""
        self._extra_marks = list(marks)
        self._show_selections()

    def set_duplicate_marks(self, spans: list[tuple[int, int]]) -> None:
        """Mark repeated keys at these (start, end) character offsets of the text (a warning
        background); [] removes them. Spans past the text put in so far wait for the rest."""
        self._duplicate_spans = list(spans)
        self._show_selections()

    def duplicate_marks(self) -> list[QTextEdit.ExtraSelection]:
        """The repeated keys' marks now shown."""
        return duplicate_key_marks(self.document(), self._duplicate_spans)

    def _show_selections(self) -> None:
        self.setExtraSelections(self._error_selections + self._extra_marks + self.duplicate_marks())

    def go_to_error(self) -> None:
        self._go_to_error_pending = self.is_loading
        if self._error is None or self._go_to_error_pending:
            return
        block = self.document().findBlockByNumber(max(self._error.line - 1, 0))
        cursor = QTextCursor(block)
        cursor.movePosition(
            QTextCursor.MoveOperation.Right,
            QTextCursor.MoveMode.MoveAnchor,
            min(max(self._error.column - 1, 0), max(block.length() - 1, 0)),
        )
        self.setTextCursor(cursor)
        self.centerCursor()

    def cancel_pending(self) -> None:
        """Forget that typed text awaits validation (the document changed under it): a check
        under way is dropped too."""
        self._validate_timer.stop()
        self._generation += 1
        self._checking = None
        self._after_check.clear()  # what waited was for the text now gone

    # -- undo keys belong to the document's stack ----------------------------------------------
    def event(self, event: QEvent) -> bool:
        # A text editor claims Ctrl+Z for itself (ShortcutOverride) even with its own undo
        # turned off; leave it to the window's Undo action, which drives the QUndoStack.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (
                event.matches(QKeySequence.StandardKey.Undo)
                or event.matches(QKeySequence.StandardKey.Redo)
            )
        ):
            event.ignore()
            return False
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Undo):
            # Typing not yet validated becomes the step that is undone (a long text checked
            # on the worker first: the undo comes once it is a step).
            self.when_checked(self.undo_requested.emit)
        elif event.matches(QKeySequence.StandardKey.Redo):
            self.redo_requested.emit()
        elif event.matches(QKeySequence.StandardKey.InsertLineSeparator):
            # Shift+Enter would insert U+2028 LINE SEPARATOR, which the editor's text keeps
            # (see editor_text): not JSON whitespace, so a person's line break made the text
            # invalid. It is a line break here, as Enter.
            plain = event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
            super().keyPressEvent(QKeyEvent(event.type(), event.key(), plain, event.text()))
        else:
            super().keyPressEvent(event)

    # -- line numbers ----------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._line_numbers.fit_to(self.contentsRect())

    # -- validation ----------------------------------------------------------------------------
    @Slot()
    def _on_text_changed(self) -> None:
        self._generation += 1  # a check of the text before this change is out of date
        if not self._setting_text:
            self._text_set = None  # typed over: the document holds another text now
        if not self._setting_text and not self.isReadOnly() and not self.is_loading:
            self._validate_timer.start()

    @Slot()
    def _on_validate_timeout(self) -> None:
        if self._closed:
            return
        generation = self._generation
        text = self.editor_text()
        prepare = self._prepare_check() if self._prepare_check is not None else None
        self._checking = generation
        future = self._check_pool.submit(_check, generation, text, prepare)
        future.add_done_callback(self._deliver)

    def _deliver(self, future: Future[_Checked]) -> None:
        """On the worker thread: hand the result to the GUI thread."""
        if future.cancelled() or future.exception() is not None:
            return
        with contextlib.suppress(RuntimeError):  # the editor went away meanwhile
            self._checked.emit(future.result())

    @Slot(object)
    def _on_checked(self, checked: _Checked) -> None:
        if checked.generation != self._generation or self._checking != checked.generation:
            return  # typed again, replaced or cancelled meanwhile: a newer check decides
        self._checking = None
        # Taken first: the pane taking the text in moves the document on, which cancels
        # what is pending (see cancel_pending), and what waited was for this very text.
        waiting, self._after_check = self._after_check, []
        self._apply_check(checked.text, checked.document, checked.error)
        for action in waiting:
            action()

    def _apply_check(self, text: str, document: Any, error: ParseError | None) -> None:
        self.show_error(error)
        self.text_validated.emit(text, document, error)
