"""The pane's part that shows what the session loaded: the views, the notes about the file's
kind, a change on disk, and the raw text the person types."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Slot

from inspector.display import printable_path
from inspector.document.pane.pane_state import RAW_TAB, TREE_TAB, PaneState
from inspector.document.raw_editor import CHECK_ON_WORKER_CHARS
from inspector.document.raw_view import forget_shown_texts
from inspector.document.results import DocumentKind, LoadedDocument, ParseError
from inspector.document.save_types import TypedMerge
from inspector.document.save_worker import typed_merge_outcome
from inspector.document.secrets import is_secret_file
from inspector.document.wording import kind_note


class PaneShowing(PaneState):
    """Shows each version the session hands over and takes in valid raw text."""

    # -- what the session shows ---------------------------------------------------------------
    def _has_unapplied_text(self) -> bool:
        return self._raw_invalid or self.raw_editor.has_pending_edit

    @Slot(object, bool)
    def _on_shown(self, loaded: LoadedDocument, follow: bool) -> None:
        self._raw_invalid = False
        forget_shown_texts()  # what the raw view kept of the version shown before
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
        self._raw_source = self._session.file_shown_text(loaded)
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
        self._change_bar_text = f"<b>{changed}</b> {choices}"
        self._typed_merge_check = 0
        self.change_bar.show_message(self._change_bar_text, rich=True)
        if self._session.typed_text() is not None or self.raw_editor.has_pending_edit:
            # Text typed over the file's is written as typed only over the bytes it was typed
            # over: what a save keeps of it now depends on the text, and is said once known.
            self.raw_editor.when_checked(self._tell_what_a_typed_save_keeps)

    def _tell_what_a_typed_save_keeps(self) -> None:
        """Add to the "changed on disk" bar what saving the typed raw text does now, decided
        as the save decides it (typed_merge_outcome); for a long text on a worker, since it
        compares whole documents and renders the edit of the file's text."""
        path, loaded = self._session.path, self._session.loaded
        if path is None or loaded is None or self.change_bar.isHidden():
            return
        request = self._session.save_request(path, loaded)
        if request.typed is None:
            return
        if len(request.typed) >= CHECK_ON_WORKER_CHARS:
            self._typed_merge_check = self._service.check_typed_merge(request)
        else:
            self._show_typed_merge(typed_merge_outcome(request))

    @Slot(int, object)
    def _on_typed_merge_checked(self, check_id: int, outcome: TypedMerge) -> None:
        if check_id == self._typed_merge_check and not self.change_bar.isHidden():
            self._typed_merge_check = 0
            self._show_typed_merge(outcome)

    def _show_typed_merge(self, outcome: TypedMerge) -> None:
        if outcome is TypedMerge.ALL_KEPT:
            said = self.tr(
                "Your raw text changes values only, each as a save writes it: all of it is merged."
            )
        elif outcome is TypedMerge.REFUSED:
            said = self.tr(
                "The formatting of your raw text (spacing, number spellings, repeated keys) "
                "cannot be merged, and it is all your text changes: saving will refuse to "
                "write it (nothing of theirs is lost)."
            )
        else:
            said = self.tr(
                "The formatting of your raw text (spacing, number spellings, repeated keys) "
                "cannot be merged: only the values you changed can be saved."
            )
        self.change_bar.show_message(f"{self._change_bar_text} {escape(said)}", rich=True)

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
            # Typed over the file's own text, the text itself is the edit (a change of only
            # spacing or spellings too), saved as typed; parsed by the editor: never twice.
            old_text = self.raw_view.content.text
            typed = text if self._session.types_over_file_text(old_text) else None
            self._model.replace_document(document, text=typed, old_text=old_text)
        self.raw_view.update_status()
        self._update_dirty()
        self._update_actions()
