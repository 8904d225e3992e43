"""The edit session of one store: what is shown, what the edits started from, how they are saved.

A :class:`EditSession` owns the document's model and undo stack and drives the
:class:`DocumentService`; it decides, it does not draw. It remembers the *base* — the version the
edits started from — so that a save can tell the user's changes from another process's. Without
unsaved edits it follows the file live; with edits, a change on disk is reported and the user
chooses. The pane (the view) reacts to its signals.

The session is built here; its signals and state are in ``session_state.py``, opening and
following the file in ``session_loading.py``, what raw text is typed over the file in
``session_typed_text.py``, saving in ``session_saving.py`` (each a class over the one before
it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoStack

from inspector.document.parsing import DEFAULT_SIZE_LIMIT
from inspector.document.results import NO_DOCUMENT, LoadedDocument
from inspector.document.save_service import DocumentService
from inspector.document.save_types import (
    DEFAULT_KEEP_VERSIONS,
    DEFAULT_LOCK_WAIT,
    DEFAULT_VERSIONS_MAX_BYTES,
    SaveConflict,
)
from inspector.document.session_saving import SessionSaving
from inspector.document.session_state import _LoadPurpose
from inspector.document.tree_model import JsonTreeModel


class EditSession(SessionSaving):
    """One open store and its unsaved edits; every read and write goes through the service."""

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
        self._removing = False  # the running save removes an occurrence of a repeated key
        self.service.loaded.connect(self._on_loaded)
        self.service.secrets_checked.connect(self._on_secrets_checked)
        self.service.spellings_found.connect(self._on_spellings_found)
        self.service.save_progress.connect(self._on_save_progress)
        self.service.save_succeeded.connect(self._on_save_succeeded)
        self.service.save_conflicted.connect(self._on_save_conflicted)
        self.service.save_failed.connect(self._on_save_failed)
        self.service.save_cancelled.connect(self._on_save_cancelled)
        self.service.save_target_exists.connect(self._on_save_target_exists)
        self.service.save_place_unwritable.connect(self.place_unwritable)
