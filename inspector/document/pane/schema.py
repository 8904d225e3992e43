"""The document pane's schema checks: the open document is checked against its JSON Schema on a
worker after it is shown and after each edit (a moment after the last), and the outcome is
shown in the tree (markers and tooltips at the entries), in the header ("schema: 3 errors"),
as drop-downs of allowed values and as keys to add with their defaults.

Only the open document is checked: the store table stays as fast as it was (``lockcore status
DIR --schemas`` checks a whole folder).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QColor, QHelpEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QTextEdit, QToolTip, QWidget

from inspector.display import printable_path
from inspector.document.json_values import JsonType, format_scalar
from inspector.document.nodes import JsonNode, format_json_path
from inspector.document.raw_editor import RawJsonEditor
from inspector.document.tree_model import JsonTreeModel
from inspector.schema import SchemaChecker, SchemaHints
from inspector.schema.text_positions import locate_paths
from lockcore import SchemaCheck

_RAW_MARK_LIMIT = 5 * 1024 * 1024
"""Schema errors are marked in raw texts up to this many characters (reading a longer text out
of the editor, and finding entries in it, is not worth it for a read-only view)."""

_SETTLE_MS = 300
"""A check starts once edits pause this long (not on every key typed)."""

#: Asked before saving a document its schema finds errors in: (parent, check, answer) calls
#: ``answer(save_anyway)`` once, now or later, and never blocks; returns the open question (or
#: None), which is closed -- answered no -- when the document goes away.
SchemaSavePrompt = Callable[[QWidget, SchemaCheck, Callable[[bool], None]], QWidget | None]


def _tr(text: str) -> str:
    return QCoreApplication.translate("PaneSchema", text)


def ask_to_save_invalid(
    parent: QWidget, check: SchemaCheck, answer: Callable[[bool], None]
) -> QMessageBox:
    """The default :data:`SchemaSavePrompt`: a window-modal question that defaults to not
    saving, shown with ``open()`` (no nested event loop: the window goes on drawing, the
    document goes on being watched)."""
    first = check.errors[0] if check.errors else None
    detail = (
        _tr("First: {pointer}: {message}").format(
            pointer=first.pointer or "/", message=first.message
        )
        if first is not None
        else ""
    )
    box = QMessageBox(
        QMessageBox.Icon.Question,
        _tr("Save despite schema errors?"),
        _tr("The document breaks its schema ({summary}). {detail}").format(
            summary=check.summary(), detail=detail
        )
        + "\n\n"
        + _tr("Save it anyway?"),
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setObjectName("schemaSaveQuestion")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    save = box.button(QMessageBox.StandardButton.Save)
    # Closed any way (Cancel, Escape, the window's close button, the document gone): no.
    box.finished.connect(lambda _result: answer(box.clickedButton() is save))
    box.open()
    return box


class PaneSchema(QObject):
    """Keeps the open document's schema check current and shows it."""

    #: (message) a plain-words status line
    status_message = Signal(str)
    #: (check) a check of the shown document finished (a SchemaCheck)
    checked = Signal(object)
    #: () the raw view's marks were updated (after a check, or the raw view shown)
    raw_marks_updated = Signal()
    #: (generation, spans) from the worker that finds entries in the raw text
    _located = Signal(int, object)

    def __init__(
        self,
        model: JsonTreeModel,
        path_of_document: Callable[[], str | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._path_of_document = path_of_document
        self._checker = SchemaChecker(self)
        self._checker.checked.connect(self._on_checked)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(_SETTLE_MS)
        self._timer.timeout.connect(self.check_now)
        self._check: SchemaCheck | None = None
        self._checking = False
        self._enabled = True
        #: Shown in the pane's header: "schema: valid", "schema: 3 errors", ...
        self.label = QLabel()
        self.label.setObjectName("schemaStatus")
        self.label.hide()
        #: Asked before saving an invalid document; replaceable for tests.
        self.save_prompt: SchemaSavePrompt = ask_to_save_invalid
        self._question: QWidget | None = None  # the save prompt's open question
        self._answer: Callable[[bool], None] | None = None  # who waits for its answer
        self._raw_editor: RawJsonEditor | None = None
        self._raw_shown: Callable[[], bool] = lambda: False
        self._raw_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="schema-marks")
        self._raw_generation = 0
        self._raw_closed = False
        self._raw_tips: list[tuple[int, int, str]] = []  # (start, end, message) in the text
        self._located.connect(self._on_located)

    def attach_raw(self, editor: RawJsonEditor, shown: Callable[[], bool]) -> None:
        """Mark errors in ``editor`` too, while ``shown()`` (the raw tab is the current one)."""
        self._raw_editor = editor
        self._raw_shown = shown
        editor.viewport().installEventFilter(self)

    @property
    def raw_marks(self) -> list[tuple[int, int, str]]:
        """The marked spans of the raw text (UTF-16 positions) and their messages."""
        return list(self._raw_tips)

    def update_raw_marks(self) -> None:
        """Find the entries with errors in the raw text (on a worker) and mark them."""
        editor = self._raw_editor
        if editor is None:
            return
        self._raw_generation += 1
        check = self._check
        if check is None or not check.errors or not self._raw_shown():
            self._set_raw_marks({}, ())
            return
        text = editor.full_text()
        if len(text) > _RAW_MARK_LIMIT or self._raw_closed:
            self._set_raw_marks({}, ())
            return
        generation, errors = self._raw_generation, check.errors
        paths = [tuple(error.path) for error in errors]
        future = self._raw_pool.submit(locate_paths, text, paths)
        future.add_done_callback(lambda done: self._deliver_located(generation, done, errors))

    def _deliver_located(
        self, generation: int, future: Future[dict[Any, tuple[int, int]]], errors: Any
    ) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        with contextlib.suppress(RuntimeError):  # the pane went away meanwhile
            self._located.emit(generation, (future.result(), errors))

    @Slot(int, object)
    def _on_located(self, generation: int, found: Any) -> None:
        if generation == self._raw_generation:
            spans, errors = found
            self._set_raw_marks(spans, errors)

    def _set_raw_marks(self, spans: dict[Any, tuple[int, int]], errors: Any) -> None:
        editor = self._raw_editor
        if editor is None:
            return
        document = editor.document()
        last = document.characterCount() - 1
        marks: list[QTextEdit.ExtraSelection] = []
        tips: list[tuple[int, int, str]] = []
        underline = QTextCharFormat()
        underline.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
        underline.setUnderlineColor(QColor("#d97706"))
        for error in errors:
            span = spans.get(tuple(error.path))
            if span is None or span[1] > last:
                continue
            mark = QTextEdit.ExtraSelection()
            cursor = QTextCursor(document)
            cursor.setPosition(span[0])
            cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
            mark.cursor = cursor
            mark.format = underline
            marks.append(mark)
            tips.append((span[0], span[1], f"{error.pointer or '/'}: {error.message}"))
        self._raw_tips = tips
        editor.set_extra_marks(marks)
        self.raw_marks_updated.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        editor = self._raw_editor
        if (
            editor is not None
            and watched is editor.viewport()
            and event.type() == QEvent.Type.ToolTip
            and isinstance(event, QHelpEvent)
        ):
            position = editor.cursorForPosition(event.pos()).position()
            messages = [tip for start, end, tip in self._raw_tips if start <= position <= end]
            if messages:
                QToolTip.showText(
                    event.globalPos(),
                    self.tr("Schema: {errors}").format(errors="\n".join(messages)),
                    editor,
                )
                return True
        return super().eventFilter(watched, event)

    @property
    def enabled(self) -> bool:
        """Whether documents are checked (a folder's setting; on by default)."""
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        """Check the shown document from now on, or stop: its marks, drop-downs and summary
        go, and saving asks nothing."""
        if enabled == self._enabled:
            return
        self._enabled = enabled
        if enabled:
            self.check_now()
        else:
            self.clear()
            self.checked.emit(SchemaCheck(source=None))

    @property
    def last_check(self) -> SchemaCheck | None:
        """The newest check of the shown document (None: none yet, or no document)."""
        return self._check

    @property
    def checking(self) -> bool:
        return self._checking or self._timer.isActive()

    def document_changed(self, *, at_once: bool = False) -> None:
        """The shown document is new or was edited: check it (after a pause in editing)."""
        if not self._enabled:
            return
        if at_once:
            self.check_now()
        else:
            self._timer.start()

    @Slot()
    def check_now(self) -> None:
        self._timer.stop()
        path = self._path_of_document()
        if path is None or not self._model.has_document or not self._enabled:
            self.clear()
            return
        self._checking = True
        self._checker.check(path, self._model.document())

    @property
    def question(self) -> QWidget | None:
        """The open "save despite schema errors?" question, if one waits for its answer."""
        return self._question

    def ask_before_saving(self, parent: QWidget, answer: Callable[[bool], None]) -> bool:
        """False when the last check found no errors (save at once); otherwise asks, without
        blocking, and calls ``answer(save_anyway)`` once (never refuses outright: the person
        may know better than the schema)."""
        check = self._check
        if check is None or not check.errors:
            return False
        self._drop_question()  # a question still open is answered no
        self._answer = answer
        question = self.save_prompt(parent, check, self._on_answered)
        if self._answer is None:  # answered already (a prompt that decides at once)
            return True
        self._question = question
        return True

    def _on_answered(self, save_anyway: bool) -> None:
        answer, self._answer = self._answer, None
        self._question = None
        if answer is not None:
            answer(save_anyway)

    def _drop_question(self) -> None:
        """Close the open question, if any: the save it was about is not made."""
        question, self._question = self._question, None
        if question is not None:
            question.close()  # deleted on close; its answer comes through _on_answered
        self._on_answered(False)  # at most once: a no-op when that answered already

    def add_from_schema_menu(self, node: JsonNode | None, parent: QWidget) -> QMenu | None:
        """A menu of the keys the schema names for the object at (or holding) ``node`` that it
        lacks, each with its default; None when there are none."""
        hints = self._model.hints
        if not isinstance(hints, SchemaHints) or node is None:
            return None
        target = node if node.json_type is JsonType.OBJECT else node.parent
        if target is None or target.json_type is not JsonType.OBJECT:
            return None
        present = {child.key for child in target.children if child.key is not None}
        offered = hints.missing_keys(target.json_path(), present)
        if not offered:
            return None
        menu = QMenu(self.tr("Add from Schema"), parent)
        for key, default in offered:
            shown = format_scalar(default) if not isinstance(default, dict | list) else ""
            text = f"{key} = {shown}" if shown else key
            action = QAction(text, menu)
            action.triggered.connect(
                lambda _checked=False, k=key, d=default, t=target: self._add(t, k, d)
            )
            menu.addAction(action)
        return menu

    def clear(self) -> None:
        """No document is shown (or another one is coming): forget the last check (and a
        question about saving the document despite it is answered no)."""
        self._drop_question()
        self._timer.stop()
        self._checker.cancel()
        self._checking = False
        self._show(None)

    def shutdown(self) -> None:
        self._timer.stop()
        self._checker.shutdown()
        self._raw_generation += 1
        self._raw_closed = True
        self._raw_pool.shutdown(wait=False, cancel_futures=True)

    def _add(self, target: JsonNode, key: str, default: Any) -> None:
        index = self._model.insert_entry(self._model.index_for_node(target), default, key=key)
        if index.isValid():
            self.status_message.emit(
                self.tr("Added {entry} with the schema's default.").format(
                    entry=format_json_path((*target.json_path(), key))
                )
            )

    @Slot(str, object)
    def _on_checked(self, path: str, check: SchemaCheck) -> None:
        if path != self._path_of_document():
            return
        self._checking = self._timer.isActive()
        self._show(check)
        self.checked.emit(check)

    def _show(self, check: SchemaCheck | None) -> None:
        self._check = check
        self.update_raw_marks()
        if check is None or check.source is None:
            self._model.set_hints(None)
            self.label.hide()
            return
        self._model.set_hints(SchemaHints(check))
        self.label.setText(_summary_text(self, check))
        where = printable_path(check.source.path) if check.source.path else ""
        tip = self.tr("Schema ({how}): {where}").format(how=check.source.how, where=where)
        if check.errors:
            tip += "\n" + "\n".join(f"{e.pointer or '/'}: {e.message}" for e in check.errors[:20])
            if len(check.errors) > 20:
                tip += "\n…"
        self.label.setToolTip(tip)
        self.label.show()


def _summary_text(owner: QObject, check: SchemaCheck) -> str:
    if check.problem is not None:
        return owner.tr("schema: {problem}").format(problem=check.problem)
    if not check.errors:
        return owner.tr("schema: valid")
    count = f"{len(check.errors):,}{'+' if check.truncated else ''}"
    if len(check.errors) == 1:
        return owner.tr("schema: 1 error")
    return owner.tr("schema: {count} errors").format(count=count)
