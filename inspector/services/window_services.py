"""The services behind one main window, built together and stopped together.

``inspector.app.create_main_window`` builds them and hands them to the window, which adopts them
(they become its children): whether the window is closed, deleted or dropped, its services stop
with it. Between the services, the consequences of a repair are wired here, once: a broken lock
or a recovered write has the store looked at again.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QStandardPaths, Slot

from inspector.collector import release_frozen
from inspector.document.save_service import DocumentService
from inspector.services.lock_actions import LockActions
from inspector.services.lock_alerts import LockAlerts
from inspector.services.lock_events import LockEventService
from inspector.services.store_directory import StoreDirectory
from inspector.services.store_openers import StoreOpeners
from inspector.services.watcher import ObserverFactory, default_observer_factory
from inspector.settings import EVENT_HISTORY, RECHECK_INTERVAL, AppSettings
from lockcore import LockInfo, legacy_temp_path_for


class WindowServices(QObject):
    """The folder's stores, its lock events, lock repairs, documents and settings of one
    window."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        poll: bool = False,
        observer_factory: ObserverFactory = default_observer_factory,
        settings: AppSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = AppSettings() if settings is None else settings
        self.directory = StoreDirectory(self, poll=poll, observer_factory=observer_factory)
        self.lock_events = LockEventService(
            self.directory,
            self,
            history_root=QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.AppDataLocation
            ),
        )
        self.lock_alerts = LockAlerts(self.lock_events, self.settings, self)
        self.store_openers = StoreOpeners(self)
        self.lock_actions = LockActions(self, break_notes=self.lock_events)
        self.documents = DocumentService(self)
        self.lock_actions.break_finished.connect(self._on_break_finished)
        self.lock_actions.recover_finished.connect(self._on_recover_finished)
        self.documents.lock_waited.connect(self.lock_events.note_lock_wait)
        self._apply_event_history()
        self._apply_recheck_interval()
        self.settings.changed.connect(self._on_settings_changed)

    def shutdown(self) -> None:
        """Stop watching and end every worker (a save waiting for its lock is cancelled; one
        already writing completes); safe to call twice."""
        self.directory.shutdown()
        self.lock_events.shutdown()
        self.lock_actions.shutdown()
        self.documents.shutdown()
        # The listing froze what was alive (see inspector.collector), garbage of this window's
        # included: frozen, it would never be freed (~190 objects a window, measured).
        release_frozen()

    def _apply_event_history(self) -> None:
        self.lock_events.set_history_limits(
            keep=self.settings.keep_event_history,
            max_bytes=self.settings.event_history_max_bytes,
        )

    def _apply_recheck_interval(self) -> None:
        self.directory.set_recheck_interval(round(self.settings.recheck_seconds * 1000))

    @Slot(str, str)
    def _on_settings_changed(self, name: str, _folder: str) -> None:
        if name == EVENT_HISTORY:
            self._apply_event_history()
        elif name == RECHECK_INTERVAL:
            self._apply_recheck_interval()

    @Slot(object, object)
    def _on_break_finished(self, expected: LockInfo, _error: BaseException | None) -> None:
        # Refused breaks too: the dialog showed a lock that is another one now, or none.
        self.directory.refresh_paths([expected.lock_path])

    @Slot(object, bool, str)
    def _on_recover_finished(self, path: str, _ok: bool, _message: str) -> None:
        self.directory.refresh_paths([path, legacy_temp_path_for(path)])
