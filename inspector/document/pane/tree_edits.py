"""The pane's part that edits the tree (add, delete, the context menu) and follows the undo
stack."""

from __future__ import annotations

import json

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, Qt, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from inspector.document.nodes import format_json_path
from inspector.document.pane.pane_state import TREE_TAB, PaneState


class PaneTreeEdits(PaneState):
    """Tree edits and what follows each step of the undo stack."""

    # -- tree edits -------------------------------------------------------------------------
    @Slot()
    def _on_add_triggered(self) -> None:
        current = self.tree_view.currentIndex()
        if not current.isValid():
            current = self._model.index(0, 0)
        if self._session.read_only_reason is None:
            offered = self.schema.add_from_schema_menu(self._model.node(current), self)
            if offered is not None:
                self._offer_schema_keys(offered, current)
                return
        self._add_new_entry(current)

    def _offer_schema_keys(self, menu: QMenu, current: QModelIndex) -> None:
        """Add, where the schema names keys the object lacks: a menu of those keys, each with
        its default, after a plain new key (Enter picks that one). Popped up, not exec()'d: no
        event loop of its own."""
        if self.add_menu is not None:
            self.add_menu.deleteLater()
        self.add_menu = menu
        menu.setTitle(self.tr("Add"))
        menu.setObjectName("addEntryMenu")
        new_key = QAction(self.tr("New Key"), menu)
        new_key.setToolTip(self.tr("An entry with a new key of your own"))
        near = QPersistentModelIndex(current)  # rows may come and go while the menu is open
        new_key.triggered.connect(lambda _checked=False: self._add_new_entry(near))
        first = menu.actions()[0]
        menu.insertAction(first, new_key)
        menu.insertSection(first, self.tr("From the schema"))
        self.tabs.setCurrentIndex(TREE_TAB)
        rect = self.tree_view.visualRect(current)
        where = rect.bottomLeft() if rect.isValid() else QPoint(0, 0)
        menu.setActiveAction(new_key)
        menu.popup(self.tree_view.viewport().mapToGlobal(where))

    def _add_new_entry(self, current: QModelIndex | QPersistentModelIndex) -> None:
        new_index = self._model.insert_entry(current)
        if new_index.isValid():
            self.tabs.setCurrentIndex(TREE_TAB)
            ancestor = new_index.parent()
            while ancestor.isValid():  # a new member of a row group: the container too
                self.tree_view.expand(ancestor)
                ancestor = ancestor.parent()
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

    @Slot()
    def _on_remove_occurrence_triggered(self) -> None:
        self.remove_occurrence(self.tree_view.currentIndex())

    def remove_occurrence(self, index: QModelIndex | QPersistentModelIndex) -> bool:
        """Ask, then remove from the file the occurrence of a repeated key that ``index``
        shows (see :meth:`EditSession.remove_occurrence`); False when it shows none. The
        question does not block: the removal starts when it is answered yes, if the pane
        still shows the very version it asked about."""
        found = self._model.occurrence_at(index)
        loaded = self._session.loaded
        if found is None or loaded is None:
            return False
        duplicate, occurrence = found
        count = len(duplicate.values)
        value = json.dumps(duplicate.values[occurrence], ensure_ascii=False)
        if len(value) > 60:
            value = value[:59] + "…"
        if occurrence == count - 1:
            then = self.tr(
                "It is the one programs read now; after it is gone they read occurrence "
                "{previous} ({value})."
            ).format(
                previous=count - 1,
                value=json.dumps(duplicate.values[-2], ensure_ascii=False)[:60],
            )
        else:
            then = self.tr("Programs do not read it; what they read stays as it is.")
        what = self.tr(
            "Remove occurrence {place} of {count} of {key} at {where} ({value}) from the file? "
            "Exactly its text goes; everything else stays byte for byte. {then}"
        ).format(
            place=occurrence + 1,
            count=count,
            key=json.dumps(duplicate.key, ensure_ascii=False),
            where=format_json_path(duplicate.location),
            value=value,
            then=then,
        )

        def answer(yes: bool) -> None:
            if not yes:
                return
            if self._session.loaded is loaded:
                self._session.remove_occurrence(duplicate, occurrence)
            else:  # another version or store is shown now: what was asked about is gone
                self.status_message.emit(
                    self.tr("{name} changed while you were asked; nothing was removed.").format(
                        name=loaded.name
                    )
                )

        self.remove_occurrence_prompt(self, what, answer)
        return True

    @Slot(QPoint)
    def _on_tree_context_menu_requested(self, position: QPoint) -> None:
        actions = [self.add_action, self.delete_action]
        if self._model.occurrence_at(self.tree_view.indexAt(position)) is not None:
            actions.append(self.remove_occurrence_action)
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
        # The text this step stands for: what was typed, or the file's own once clean again
        # (an undone reformat means the same document, so the typed text would stay shown).
        self._raw_source = self._session.typed_text() or self._file_text_if_clean()
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
