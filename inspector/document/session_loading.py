"""Opening a store in an edit session and following its file: loads, reloads, and a change
on disk followed at once (no edits) or reported (edits)."""

from __future__ import annotations

import dataclasses
import os

from PySide6.QtCore import Slot

from inspector.collector import release_frozen
from inspector.document.results import NO_DOCUMENT, DocumentKind, LoadedDocument
from inspector.document.session_state import SessionState, _LoadPurpose
from inspector.document.wording import kind_note, size_words


class SessionLoading(SessionState):
    """Opens the store and follows its file."""

    # -- opening and following -------------------------------------------------------------
    def open(self, path: str | None) -> None:
        """Show the store at ``path`` (None: nothing); unsaved edits are dropped."""
        had_document = self._path is not None
        self._path = os.path.abspath(path) if path else None
        self._loaded = None
        self._base = NO_DOCUMENT
        self._disk_version = None
        self._missing_on_disk = False
        self._reload_pending = False
        self._let_go_of_conflict()
        self.undo_stack.clear()
        self.model.set_document(NO_DOCUMENT)
        # The last document is gone; what was frozen with it (see inspector.collector) may
        # hold cyclic garbage that only the collector can free. (With none shown before -- a
        # window opening a folder -- what is frozen was handed back when that one went, or is
        # the folder's rows, frozen since: handed back, it would be walked again and nothing
        # could be frozen until the collector's next full walk.)
        if had_document:
            release_frozen()
        self._set_model_read_only(False)
        if self._path is None:
            self._load_request = 0
            self._load_in_flight = False
        else:
            self._start_load(_LoadPurpose.OPEN)

    def notify_disk_change(self, path: str) -> None:
        """The file changed on disk: follow it, or report it when there are edits."""
        if self._path is None or os.path.abspath(path) != self._path:
            return
        if self.is_saving or self._load_in_flight:
            self._reload_pending = True
            return
        self._start_load(_LoadPurpose.CHECK if self.editing else _LoadPurpose.FOLLOW)

    def reload(self) -> None:
        """Drop the edits and show the file as it is on disk now."""
        self.undo_stack.clear()
        if self._path is not None:
            self._start_load(_LoadPurpose.OPEN)

    def take_disk_version(self) -> None:
        """Drop the edits for the version :attr:`changed_on_disk` reported."""
        disk = self._disk_version
        self.undo_stack.clear()
        if disk is not None:
            self._shown_request = self._disk_request
            self._show(disk, follow=False)
        else:
            self.reload()

    def discard_edits(self) -> None:
        """Back to the base, at once (no reading)."""
        self._let_go_of_conflict()
        self.undo_stack.clear()
        self.model.set_document(self._base)

    def _start_load(self, purpose: _LoadPurpose) -> None:
        assert self._path is not None
        self._load_purpose = purpose
        self._load_in_flight = True
        self._load_request = self.service.load(self._path, self.size_limit)

    def _load_again_if_asked(self) -> None:
        if self._reload_pending and not self.is_saving and self._path is not None:
            self._reload_pending = False
            self._start_load(_LoadPurpose.CHECK if self.editing else _LoadPurpose.FOLLOW)

    @Slot(int, object)
    def _on_loaded(self, request_id: int, loaded: LoadedDocument) -> None:
        if request_id != self._load_request or loaded.path != self._path:
            return  # an answer to a question no longer asked
        self._load_in_flight = False
        purpose = self._load_purpose
        if purpose is not _LoadPurpose.OPEN and self.is_saving:
            self._reload_pending = True
        elif purpose is not _LoadPurpose.OPEN and self.editing:
            if self._note_presence(loaded):
                pass  # gone (a deleted file, a vanished folder) is not another process's version
            elif self._loaded is None or loaded.raw != self._loaded.raw:
                self._disk_version = loaded  # not our own save, not a write that changed nothing
                self._disk_request = request_id
                self.status_message.emit(
                    self.tr("{name} changed on disk by another process.").format(name=loaded.name)
                )
                self.changed_on_disk.emit(loaded)
        else:
            self._shown_request = request_id
            self._show(loaded, follow=purpose is _LoadPurpose.FOLLOW)
        self._load_again_if_asked()

    def _note_presence(self, loaded: LoadedDocument) -> bool:
        """Say when the file went away or came back under the edits; True while it is gone."""
        missing = loaded.kind is DocumentKind.MISSING
        if missing != self._missing_on_disk:
            self._missing_on_disk = missing
            if missing:
                self.status_message.emit(
                    f"{loaded.name} is no longer on disk; your edits are kept (unsaved)."
                )
            else:
                self.status_message.emit(
                    f"{loaded.name} is on disk again; your edits are kept (unsaved)."
                )
            self.presence_changed.emit(not missing)
        return missing

    @Slot(int, bool)
    def _on_secrets_checked(self, request_id: int, found: bool) -> None:
        disk = self._disk_version
        if disk is not None and request_id == self._disk_request and disk.secrets is None:
            self._disk_version = dataclasses.replace(disk, secrets=found)
        loaded = self._loaded
        if loaded is not None and request_id == self._shown_request and loaded.secrets is None:
            self._loaded = dataclasses.replace(loaded, secrets=found)
            self.secrets_checked.emit(self._loaded)

    @Slot(int, object)
    def _on_spellings_found(
        self, request_id: int, spellings: tuple[tuple[tuple[str | int, ...], str], ...]
    ) -> None:
        disk = self._disk_version
        if disk is not None and request_id == self._disk_request:
            self._disk_version = dataclasses.replace(disk, number_spellings=spellings)
        loaded = self._loaded
        # Not after a save: the document it left has the spellings of what it wrote.
        if (
            loaded is not None
            and request_id == self._shown_request
            and loaded.number_spellings is None
        ):
            self._loaded = dataclasses.replace(loaded, number_spellings=spellings)
            self.model.set_number_spellings(spellings)

    def _show(self, loaded: LoadedDocument, *, follow: bool) -> None:
        unchanged = (
            follow
            and self._loaded is not None
            and loaded.raw == self._loaded.raw
            and loaded.kind is self._loaded.kind
        )
        self._loaded = loaded
        self._base = loaded.document
        self._disk_version = None
        self._missing_on_disk = False
        if unchanged:
            return
        self.undo_stack.clear()  # commands address rows of the old version
        self.model.set_secret_policy(self.policy())
        self._set_model_read_only(loaded.kind is not DocumentKind.VALID)
        self.model.set_document(loaded.document, root_label=loaded.name)
        self.model.set_duplicate_keys(loaded.duplicate_keys)
        self.model.set_number_spellings(loaded.number_spellings or ())
        if loaded.kind is DocumentKind.VALID:
            shown = (
                self.tr("Reloaded {name} (changed on disk), {size}.")
                if follow
                else self.tr("Opened {name}, {size}.")
            )
            self.status_message.emit(shown.format(name=loaded.name, size=size_words(loaded.size)))
        else:
            self.status_message.emit(kind_note(loaded))
        self.shown.emit(loaded, follow)
