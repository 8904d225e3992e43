"""What an edit session is: its signals and its state (the store, the version shown, the base
the edits started from, whether it may be edited). :class:`EditSession` (``session.py``) builds
it; opening and following the file are in ``session_loading.py``, the raw text typed over the
file in ``session_typed_text.py``, saving in ``session_saving.py``."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from inspector.display import printable_name
from inspector.document.results import DocumentKind, LoadedDocument
from inspector.document.save_service import DocumentService
from inspector.document.save_types import (
    SaveConflict,
)
from inspector.document.secrets import SecretPolicy, is_secret_file
from inspector.document.tree_model import JsonTreeModel


class _LoadPurpose(enum.Enum):
    OPEN = "open"  # show it, whatever it is (first open, reload, revert)
    FOLLOW = "follow"  # the file changed and there are no edits: update in place
    CHECK = "check"  # the file changed while there are edits: offer reload


class SessionState(QObject):
    """One open store's signals and state (built by :class:`EditSession`)."""

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

    size_limit: int
    lock_wait: float
    keep_versions: int
    versions_max_bytes: int
    has_unapplied_text: Callable[[], bool]
    undo_stack: QUndoStack
    model: JsonTreeModel
    service: DocumentService
    _path: str | None
    _loaded: LoadedDocument | None
    _base: Any
    _load_request: int
    _shown_request: int
    _disk_request: int
    _load_purpose: _LoadPurpose
    _load_in_flight: bool
    _reload_pending: bool
    _disk_version: LoadedDocument | None
    _missing_on_disk: bool
    _pending_conflict: SaveConflict | None
    _revealed: bool
    _read_only_reason: str | None
    _model_locked: bool
    _saving_index: int
    _copy_target: str | None
    _removing: bool

    def _let_go_of_conflict(self) -> SaveConflict | None:
        """Forget the conflict waiting for the person's answer (returned, if any); what was on
        disk when it was found -- the whole document, 50 MB for a big store -- is freed on a
        worker (the GUI thread froze while it was freed)."""
        conflict, self._pending_conflict = self._pending_conflict, None
        if conflict is not None:
            self.service.release_later(conflict.theirs)
        return conflict

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
