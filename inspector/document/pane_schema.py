"""The document pane's schema checks: the open document is checked against its JSON Schema on a
worker after it is shown and after each edit (a moment after the last), and the outcome is
shown in the tree (markers and tooltips at the entries), in the header ("schema: 3 errors"),
as drop-downs of allowed values and as keys to add with their defaults.

Only the open document is checked: the store table stays as fast as it was (``lockcore status
DIR --schemas`` checks a whole folder).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QWidget

from inspector.display import printable_path
from inspector.document.nodes import JsonNode, JsonType, format_json_path, format_scalar
from inspector.document.tree_model import JsonTreeModel
from inspector.schema import SchemaChecker, SchemaHints
from lockcore import SchemaCheck

_SETTLE_MS = 300
"""A check starts once edits pause this long (not on every key typed)."""

#: Asked before saving a document its schema finds errors in: (parent, check) → save anyway?
SchemaSavePrompt = Callable[[QWidget, SchemaCheck], bool]


def ask_to_save_invalid(parent: QWidget, check: SchemaCheck) -> bool:
    """The default :data:`SchemaSavePrompt`: a question that defaults to not saving."""
    first = check.errors[0] if check.errors else None
    detail = (
        QObject.tr(parent, "First: {pointer}: {message}").format(
            pointer=first.pointer or "/", message=first.message
        )
        if first is not None
        else ""
    )
    answer = QMessageBox.question(
        parent,
        QObject.tr(parent, "Save despite schema errors?"),
        QObject.tr(parent, "The document breaks its schema ({summary}). {detail}").format(
            summary=check.summary(), detail=detail
        )
        + "\n\n"
        + QObject.tr(parent, "Save it anyway?"),
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Save


class PaneSchema(QObject):
    """Keeps the open document's schema check current and shows it."""

    #: (message) a plain-words status line
    status_message = Signal(str)
    #: (check) a check of the shown document finished (a SchemaCheck)
    checked = Signal(object)

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
        #: Shown in the pane's header: "schema: valid", "schema: 3 errors", ...
        self.label = QLabel()
        self.label.setObjectName("schemaStatus")
        self.label.hide()
        #: Asked before saving an invalid document; replaceable for tests.
        self.save_prompt: SchemaSavePrompt = ask_to_save_invalid

    @property
    def last_check(self) -> SchemaCheck | None:
        """The newest check of the shown document (None: none yet, or no document)."""
        return self._check

    @property
    def checking(self) -> bool:
        return self._checking or self._timer.isActive()

    def document_changed(self, *, at_once: bool = False) -> None:
        """The shown document is new or was edited: check it (after a pause in editing)."""
        if at_once:
            self.check_now()
        else:
            self._timer.start()

    @Slot()
    def check_now(self) -> None:
        self._timer.stop()
        path = self._path_of_document()
        if path is None or not self._model.has_document:
            self.clear()
            return
        self._checking = True
        self._checker.check(path, self._model.document())

    def confirm_save(self, parent: QWidget) -> bool:
        """Whether to go on saving: asks when the last check found errors (never refuses
        outright: the person may know better than the schema)."""
        check = self._check
        if check is None or not check.errors:
            return True
        return self.save_prompt(parent, check)

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
        """No document is shown (or another one is coming): forget the last check."""
        self._timer.stop()
        self._checker.cancel()
        self._checking = False
        self._show(None)

    def shutdown(self) -> None:
        self._timer.stop()
        self._checker.shutdown()

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
