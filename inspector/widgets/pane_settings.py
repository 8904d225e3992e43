"""The document pane follows the settings of the folder shown: how many versions each save
keeps, whether documents are checked against their schema, and (when the application asks for
it) whether the first save shows Review Changes. Applied when the folder changes and the
moment a setting does (Edit ▸ Preferences…).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from inspector.document.pane.document_pane import DocumentPane
from inspector.services.store_directory import StoreDirectory
from inspector.settings import (
    HISTORY_MAX_BYTES,
    HISTORY_VERSIONS,
    REVIEW_FIRST_SAVE,
    SCHEMA_CHECKS,
    AppSettings,
)


class PaneSettings(QObject):
    """Applies ``settings`` of ``directory``'s folder to ``pane``, now and on every change."""

    def __init__(
        self,
        settings: AppSettings,
        directory: StoreDirectory,
        pane: DocumentPane,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._directory = directory
        self._pane = pane
        self._follow_review = False
        self._apply_folder()
        directory.folder_changed.connect(self._on_directory_folder_changed)
        settings.changed.connect(self._on_settings_changed)

    def follow_review_setting(self) -> None:
        """Let the review-before-first-save setting decide for the pane from now on (the
        application asks for it; windows made by tests save without a review)."""
        self._follow_review = True
        self._pane.review_before_first_save = self._settings.review_before_first_save

    def _apply_folder(self) -> None:
        folder = self._directory.folder
        session = self._pane.session
        session.keep_versions = self._settings.folder_history_versions(folder)
        session.versions_max_bytes = self._settings.folder_history_max_bytes(folder)
        self._pane.schema.set_enabled(self._settings.schema_checks_enabled(folder))

    @Slot(object)
    def _on_directory_folder_changed(self, _folder: str) -> None:
        self._apply_folder()

    @Slot(str, str)
    def _on_settings_changed(self, name: str, folder: str) -> None:
        if name == REVIEW_FIRST_SAVE:
            if self._follow_review:
                self._pane.review_before_first_save = self._settings.review_before_first_save
        elif name in (HISTORY_VERSIONS, HISTORY_MAX_BYTES, SCHEMA_CHECKS) and folder in (
            "",
            self._directory.folder,
        ):
            self._apply_folder()
