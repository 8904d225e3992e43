"""The edit session of one store: what is shown, what the edits started from, how they are saved.

A :class:`EditSession` owns the document's model and undo stack and drives the
:class:`DocumentService`; it decides, it does not draw. It remembers the *base* — the version the
edits started from — so that a save can tell the user's changes from another process's. Without
unsaved edits it follows the file live; with edits, a change on disk is reported and the user
chooses. The pane (the view) reacts to its signals.
"""

from __future__ import annotations

import dataclasses
import enum
import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot
from PySide6.QtGui import QUndoStack

from inspector.collector import release_frozen
from inspector.display import printable_name, printable_path
from inspector.document.choices import ConflictChoice, ConflictDecision
from inspector.document.parsing import DEFAULT_SIZE_LIMIT
from inspector.document.results import NO_DOCUMENT, DocumentKind, LoadedDocument
from inspector.document.save_service import DocumentService
from inspector.document.save_types import (
    DEFAULT_KEEP_VERSIONS,
    DEFAULT_LOCK_WAIT,
    DEFAULT_VERSIONS_MAX_BYTES,
    SaveConflict,
    SaveMode,
    SaveRequest,
    SaveResult,
)
from inspector.document.secrets import SecretPolicy, is_secret_file
from inspector.document.tree_model import JsonTreeModel
from inspector.document.wording import kind_note, size_words


class _LoadPurpose(enum.Enum):
    OPEN = "open"  # show it, whatever it is (first open, reload, revert)
    FOLLOW = "follow"  # the file changed and there are no edits: update in place
    CHECK = "check"  # the file changed while there are edits: offer reload


class EditSession(QObject):
    """One open store and its unsaved edits; every read and write goes through the service."""

    #: (message) plain words for the window's status bar
    status_message = Signal(str)
    #: (LoadedDocument, follow) a version of the file is now the document (model updated)
    shown = Signal(object, bool)
    #: (LoadedDocument) the file changed on disk while there are unsaved edits
    changed_on_disk = Signal(object)
    #: () a save started; the model is read-only until it ends
    save_started = Signal()
    #: (message) a save is waiting for the lock: who holds it, for how long
    save_progress = Signal(str)
    #: (SaveResult) an edit was written; the model and the base are what was written
    saved = Signal(object)
    #: (SaveConflict) a save wrote nothing because of conflicts; answer with resolve_conflict()
    conflict_found = Signal(object)
    #: (path, message) a save failed; nothing was written
    save_failed = Signal(str, str)
    #: (path) a save ended without writing (conflict, failure or cancel)
    save_ended_unwritten = Signal(str)
    #: (LoadedDocument) whether the shown big document has secrets is now known (``secrets``)
    secrets_checked = Signal(object)
    #: (present) the file went away while there are unsaved edits (False), or came back (True)
    presence_changed = Signal(bool)
    #: (path) a copy of the edit was written to ``path`` (see :meth:`save_copy`)
    copy_saved = Signal(str)
    #: (path) a copy found a file at ``path`` and wrote nothing; ask, then save_copy(overwrite)
    copy_target_exists = Signal(str)
    #: (path) a save failed because of where the file is (folder gone, read-only, no
    #: permission): saving a copy elsewhere is the way out
    place_unwritable = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        size_limit: int = DEFAULT_SIZE_LIMIT,
        service: DocumentService | None = None,
    ) -> None:
        super().__init__(parent)
        self.size_limit = size_limit
        #: Seconds a save waits for the lock before giving up (negative: until cancelled).
        self.lock_wait = DEFAULT_LOCK_WAIT
        #: Versions every save keeps beside the store, and their total size (see lockcore).
        self.keep_versions = DEFAULT_KEEP_VERSIONS
        self.versions_max_bytes = DEFAULT_VERSIONS_MAX_BYTES
        #: Whether the view holds typed text not applied to the model (set by the view).
        self.has_unapplied_text: Callable[[], bool] = lambda: False
        self.undo_stack = QUndoStack(self)
        self.model = JsonTreeModel(self.undo_stack, self)
        self.service = DocumentService(self) if service is None else service
        self._path: str | None = None
        self._loaded: LoadedDocument | None = None
        self._base: Any = NO_DOCUMENT
        self._load_request = 0
        self._shown_request = 0  # the load that produced what is shown
        self._disk_request = 0  # the load that produced _disk_version
        self._load_purpose = _LoadPurpose.OPEN
        self._load_in_flight = False
        self._reload_pending = False
        self._disk_version: LoadedDocument | None = None
        self._missing_on_disk = False  # a check found no file while there were edits
        self._pending_conflict: SaveConflict | None = None
        self._revealed = False
        self._read_only_reason: str | None = None
        self._model_locked = False  # the model's read-only state, the folder's reason aside
        self._saving_index = -1  # the undo stack's index when the running save started
        self._copy_target: str | None = None  # the path of the copy being saved (Save As)
        self.service.loaded.connect(self._on_loaded)
        self.service.secrets_checked.connect(self._on_secrets_checked)
        self.service.save_progress.connect(self._on_save_progress)
        self.service.save_succeeded.connect(self._on_save_succeeded)
        self.service.save_conflicted.connect(self._on_save_conflicted)
        self.service.save_failed.connect(self._on_save_failed)
        self.service.save_cancelled.connect(self._on_save_cancelled)
        self.service.save_target_exists.connect(self._on_save_target_exists)
        self.service.save_place_unwritable.connect(self.place_unwritable)

    # -- state ---------------------------------------------------------------------------------
    @property
    def path(self) -> str | None:
        return self._path

    @property
    def file_name(self) -> str:
        return printable_name(self._path) if self._path else ""

    @property
    def loaded(self) -> LoadedDocument | None:
        """The version of the file the session shows (or last wrote)."""
        return self._loaded

    @property
    def base(self) -> Any:
        """The document the unsaved edits started from (NO_DOCUMENT for a damaged file)."""
        return self._base

    @property
    def is_saving(self) -> bool:
        return self.service.is_saving

    @property
    def is_dirty(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def editing(self) -> bool:
        """Unsaved edits, or typing not yet applied: reloading would throw work away."""
        return self.is_dirty or self.has_unapplied_text()

    @property
    def read_only_reason(self) -> str | None:
        """Why the store may not be changed here (a read-only folder), or None."""
        return self._read_only_reason

    @property
    def editable(self) -> bool:
        loaded = self._loaded
        return (
            loaded is not None
            and self.model.has_document
            and not self.is_saving
            and self._read_only_reason is None
            and (loaded.kind is DocumentKind.VALID or loaded.kind.repairable)
        )

    def policy(self) -> SecretPolicy:
        return SecretPolicy(secret_file=is_secret_file(self._path), revealed=self._revealed)

    def set_revealed(self, revealed: bool) -> None:
        self._revealed = revealed
        self.model.set_secret_policy(self.policy())

    def set_read_only(self, reason: str | None) -> None:
        """Forbid edits and saves for ``reason`` (None: allow them again).

        Unsaved edits are kept: the user can still read them, copy them, or revert.
        """
        if reason == self._read_only_reason:
            return
        self._read_only_reason = reason
        self._set_model_read_only(self._model_locked)

    def _set_model_read_only(self, locked: bool) -> None:
        """Lock the model for its own reasons (saving, damaged), or for the read-only reason."""
        self._model_locked = locked
        self.model.set_read_only(locked or self._read_only_reason is not None)

    # -- opening and following -------------------------------------------------------------
    def open(self, path: str | None) -> None:
        """Show the store at ``path`` (None: nothing); unsaved edits are dropped."""
        self._path = os.path.abspath(path) if path else None
        self._loaded = None
        self._base = NO_DOCUMENT
        self._disk_version = None
        self._missing_on_disk = False
        self._reload_pending = False
        self._pending_conflict = None
        self.undo_stack.clear()
        self.model.set_document(NO_DOCUMENT)
        # The last document is gone; what was frozen with it (see inspector.collector) may
        # hold cyclic garbage that only the collector can free.
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
        self._pending_conflict = None
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

    # -- saving ---------------------------------------------------------------------------------
    def save(self) -> bool:
        """Start saving the edits; False when there is nothing to save or it cannot start."""
        loaded = self._loaded
        if self._path is None or loaded is None or self.is_saving:
            return False
        if not self.model.has_document or self.undo_stack.isClean():
            self.status_message.emit(
                self.tr("{name}: no changes to save.").format(name=self.file_name)
            )
            return False
        return self._start_save(
            SaveRequest(
                path=self._path,
                base=self._base,
                edited=self.model.document(),
                repair=loaded.kind.repairable,
                lock_wait=self.lock_wait,
                keep_versions=self.keep_versions,
                versions_max_bytes=self.versions_max_bytes,
            )
        )

    def save_copy(self, target: str, *, overwrite: bool = False) -> bool:
        """Write the document as it is in the editor to ``target``, through ``target``'s lock.

        The shown store and its unsaved edits stay as they are: this is the way out when the
        store cannot be written where it is (its folder vanished or became read-only), so it
        runs in a read-only folder too. Without ``overwrite`` nothing is written where a file
        exists (:attr:`copy_target_exists`); with it, that file is replaced (its bytes kept as
        a version, or as a ``.corrupt-*`` copy when they are not valid JSON). False when it
        cannot start.
        """
        loaded = self._loaded
        if loaded is None or not self.model.has_document or self.is_saving:
            return False
        if self._path is not None and os.path.abspath(target) == os.path.abspath(self._path):
            return self.save()
        self._copy_target = target
        return self._start_save(
            SaveRequest(
                path=target,
                base=NO_DOCUMENT,
                edited=self.model.document(),
                mode=SaveMode.REPLACE_FILE if overwrite else SaveMode.NEW_FILE,
                indent=loaded.indent if loaded.indent is not None else 2,
                repair=overwrite,
                lock_wait=self.lock_wait,
                keep_versions=self.keep_versions,
                versions_max_bytes=self.versions_max_bytes,
            ),
            in_read_only_folder=True,
        )

    def restore(self, document: Any, label: str) -> bool:
        """Write a kept version's ``document`` back, as a save of it over the shown document
        (``label``: the version in words, for the status line).

        The shown document is the base, the version is "mine", the file now is "theirs": what
        another process wrote meanwhile is merged in, and a conflict is asked about as for any
        save, so a restore never silently discards a change. False when it cannot start (no
        store, a save running, or unsaved edits, which a restore would drop).
        """
        loaded = self._loaded
        if self._path is None or loaded is None or self.is_saving or self.is_dirty:
            return False
        return self._start_save(
            SaveRequest(
                path=self._path,
                base=self._base,
                edited=document,
                repair=loaded.kind.repairable,
                lock_wait=self.lock_wait,
                keep_versions=self.keep_versions,
                versions_max_bytes=self.versions_max_bytes,
                restored_from=label,
            )
        )

    @property
    def can_convert(self) -> bool:
        """Whether the shown file is not UTF-8 and may be converted (see convert_to_utf8)."""
        loaded = self._loaded
        return (
            loaded is not None
            and loaded.kind is DocumentKind.NOT_UTF8
            and not self.is_saving
            and self._read_only_reason is None
        )

    def convert_to_utf8(self) -> bool:
        """Start converting the shown file, which is not UTF-8, into UTF-8 through the lock.

        Its bytes as shown are kept beside it first (``X.json.corrupt-…``), and nothing is
        written if another process changed them meanwhile. False when it cannot start.
        """
        loaded = self._loaded
        if self._path is None or loaded is None or loaded.kind is not DocumentKind.NOT_UTF8:
            return False
        return self._start_save(
            SaveRequest(
                path=self._path,
                base=NO_DOCUMENT,
                edited=NO_DOCUMENT,
                mode=SaveMode.REPLACE_FILE,
                repair=True,
                lock_wait=self.lock_wait,
                convert_from=loaded.raw,
            )
        )

    def cancel_save(self) -> None:
        """Stop a save that is waiting for the lock; nothing is written."""
        self.service.cancel_save()

    def resolve_conflict(self, decision: ConflictDecision) -> None:
        """The user's answer to :attr:`conflict_found`.

        Choices are saved as a new merge against the file as it is then (see
        :mod:`inspector.document.save_service`), of the edit and base the conflict was found for.
        """
        conflict, self._pending_conflict = self._pending_conflict, None
        if conflict is None or conflict.request.path != self._path:
            return
        choice = decision.choice
        if choice is ConflictChoice.RELOAD:
            self.reload()
            self.status_message.emit(
                self.tr("Reloading {name}; your edits were dropped.").format(name=self.file_name)
            )
        elif choice in (ConflictChoice.MERGE, ConflictChoice.REPLACE_FILE):
            replace = choice is ConflictChoice.REPLACE_FILE
            self._start_save(
                dataclasses.replace(
                    conflict.request,
                    mode=SaveMode.REPLACE_FILE if replace else SaveMode.MERGE,
                    sides={} if replace else dict(decision.sides),
                    shown=() if replace else conflict.conflicts,
                    lock_wait=self.lock_wait,
                )
            )
        else:
            self.status_message.emit(
                self.tr(
                    "Save of {name} cancelled; nothing was written. Your edits are kept."
                ).format(name=self.file_name)
            )

    def shutdown(self) -> None:
        """Cancel a waiting save and let the workers finish."""
        self._pending_conflict = None
        self.service.shutdown()

    def _start_save(self, request: SaveRequest, *, in_read_only_folder: bool = False) -> bool:
        if self._read_only_reason is not None and not in_read_only_folder:
            self.status_message.emit(
                self.tr("Not saved: {reason}").format(reason=self._read_only_reason)
            )
            return False
        if not self.service.save(request):
            return False
        self._saving_index = self.undo_stack.index()
        self._set_model_read_only(True)
        self.status_message.emit(self.tr("Saving {name}…").format(name=self.file_name))
        self.save_started.emit()
        return True

    def _end_save(self) -> None:
        loaded = self._loaded
        self._set_model_read_only(loaded is None or (loaded.kind is not DocumentKind.VALID
                                 and not self.model.has_document))  # fmt: skip

    @Slot(str)
    def _on_save_progress(self, message: str) -> None:
        self.status_message.emit(message)
        self.save_progress.emit(message)

    @Slot(object)
    def _on_save_succeeded(self, result: SaveResult) -> None:
        copy_target, self._copy_target = self._copy_target, None
        if result.path == copy_target:
            self._end_save()
            self.status_message.emit(
                self.tr("Saved a copy as {path}.").format(path=printable_path(result.path))
            )
            self.copy_saved.emit(result.path)
            return
        if result.path != self._path or self._loaded is None:
            self._end_save()
            self.status_message.emit(
                self.tr("Saved {name}.").format(name=printable_name(result.path))
            )
            return
        if result.converted_from is not None:
            # A new document, not an edit of the shown one: shown as if just opened.
            self._show(result.written, follow=False)
            self._end_save()
            self.status_message.emit(save_summary(result))
            self.saved.emit(result)
            self._load_again_if_asked()
            return
        self._loaded = result.written
        self._base = result.document
        self._disk_version = None  # what was on disk is merged into what was written
        self._missing_on_disk = False
        if result.merged or result.restored_from is not None:
            self.model.set_document(result.document)
            self.undo_stack.clear()
        elif self.undo_stack.index() == self._saving_index:
            # The stack is where it was when the save began, so the model holds what was
            # written (compared by index: comparing documents froze the GUI for 1.5 s at 50 MB).
            self.undo_stack.setClean()
        else:
            # An undo during the save (the undo stack itself is not locked, only the actions
            # that drive it) moved the document away from what was written: no state of the
            # stack is what is on disk now.
            self.undo_stack.resetClean()
        self._end_save()
        self.status_message.emit(save_summary(result))
        self.saved.emit(result)
        self._load_again_if_asked()

    @Slot(object)
    def _on_save_conflicted(self, conflict: SaveConflict) -> None:
        self._end_save()
        self._pending_conflict = conflict
        undecided = conflict.undecided
        count = len(undecided)
        where = ", ".join(c.path_text for c in undecided[:3])
        if conflict.again:
            message = (
                self.tr("Not saved: {name} changed again and has 1 conflicting change ({where}).")
                if count == 1
                else self.tr(
                    "Not saved: {name} changed again and has {count} conflicting changes ({where})."
                )
            )
        else:
            message = (
                self.tr("Not saved: {name} has 1 conflicting change ({where}).")
                if count == 1
                else self.tr("Not saved: {name} has {count} conflicting changes ({where}).")
            )
        nothing = self.tr("Nothing was written.")
        self.status_message.emit(
            message.format(name=self.file_name, count=count, where=where) + " " + nothing
        )
        self.conflict_found.emit(conflict)  # first: the view opens its dialog
        self.save_ended_unwritten.emit(conflict.request.path)

    @Slot(str, str)
    def _on_save_failed(self, path: str, message: str) -> None:
        self._end_save()
        self.status_message.emit(message)
        self.save_failed.emit(path, message)
        self.save_ended_unwritten.emit(path)
        self._load_again_if_asked()

    @Slot(str)
    def _on_save_target_exists(self, path: str) -> None:
        self._end_save()
        self.status_message.emit(
            self.tr("Not saved: {path} already exists.").format(path=printable_path(path))
        )
        self.save_ended_unwritten.emit(path)
        self.copy_target_exists.emit(path)  # last: the answer may start the next save

    @Slot(str)
    def _on_save_cancelled(self, path: str) -> None:
        self._end_save()
        self.status_message.emit(
            self.tr("Save of {name} cancelled; nothing was written.").format(
                name=printable_name(path)
            )
        )
        self.save_ended_unwritten.emit(path)
        self._load_again_if_asked()


def save_summary(result: SaveResult) -> str:
    """ "Saved settings.json, merged with …; the damaged original was kept as …"."""
    name = printable_name(result.path)
    if result.converted_from is not None:
        kept = printable_name(result.quarantined_to or "")
        return QCoreApplication.translate(
            "EditSession",
            "Converted {name} from {encoding} to UTF-8; its original bytes were kept as {kept}.",
        ).format(name=name, encoding=result.converted_from, kept=kept)
    if result.restored_from is not None:
        message = QCoreApplication.translate(
            "EditSession", "Restored {name} to its version of {version}"
        ).format(name=name, version=result.restored_from)
        if result.merged:
            message += QCoreApplication.translate(
                "EditSession", ", merged with changes another process made meanwhile"
            )
    elif result.merged:
        message = QCoreApplication.translate(
            "EditSession", "Saved {name}, merged with changes another process made meanwhile"
        ).format(name=name)
    else:
        message = QCoreApplication.translate("EditSession", "Saved {name}").format(name=name)
    if result.quarantined_to:
        message += QCoreApplication.translate(
            "EditSession", "; the damaged original was kept as {name}"
        ).format(name=printable_name(result.quarantined_to))
    return message + "."
