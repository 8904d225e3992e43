"""Shows lock alerts: a desktop notification from a tray icon where the desktop has a tray,
else a message in the window's status bar. Clicking a notification selects its store."""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QSystemTrayIcon

from inspector.resources import icon
from inspector.services.lock_alerts import LockAlerts

#: How long a notification stays (ms).
NOTIFICATION_MS = 10_000


class AlertPresenter(QObject):
    """Presents ``alerts``' notifications for ``window`` (its parent); owns the switch for the
    folder (:attr:`toggle_action`, for the View menu).

    It keeps no Python reference to the window (a bound method is one): the window keeps this
    child alive, so one back would make a reference cycle, and a window in a cycle is not
    destroyed when it is let go but by the garbage collector, later, tearing its widgets'
    wrappers down in no particular order -- which crashed in ``gc.collect()``."""

    #: (store: str) a notification about ``store`` was clicked: the window selects it
    store_activated = Signal(str)

    def __init__(self, alerts: LockAlerts, window: QMainWindow) -> None:
        super().__init__(window)
        self._alerts = alerts
        self._store = ""
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon("app"), self)
            self.tray.setToolTip(self.tr("Lock Inspector"))
            self.tray.messageClicked.connect(self._on_tray_message_clicked)
        self.toggle_action = QAction(self.tr("&Alert on Stale, Long-Held or Corrupt Locks"), self)
        self.toggle_action.setCheckable(True)
        self.toggle_action.setStatusTip(
            self.tr(
                "Notify when a lock of this folder goes stale, is held too long, or a store "
                "becomes corrupt"
            )
        )
        self.toggle_action.toggled.connect(self._on_toggle_action_toggled)
        alerts.enabled_changed.connect(self._on_alerts_enabled_changed)
        alerts.notification_ready.connect(self._on_alerts_notification_ready)

    def _window(self) -> QMainWindow:
        return cast(QMainWindow, self.parent())

    @property
    def last_store(self) -> str:
        """The store of the last notification shown ("" before the first)."""
        return self._store

    def activate_last(self) -> None:
        """What a click on the last notification does: select its store, show the window."""
        if self._store:
            self.store_activated.emit(self._store)
        window = self._window()
        window.showNormal()
        window.raise_()
        window.activateWindow()

    @Slot(bool)
    def _on_toggle_action_toggled(self, checked: bool) -> None:
        if checked != self._alerts.enabled:
            self._alerts.set_enabled(checked)

    @Slot(bool)
    def _on_alerts_enabled_changed(self, enabled: bool) -> None:
        self.toggle_action.setChecked(enabled)
        if self.tray is not None:
            self.tray.setVisible(enabled)

    @Slot(str, str, str)
    def _on_alerts_notification_ready(self, title: str, message: str, store: str) -> None:
        self._store = store
        if self.tray is not None and self.tray.supportsMessages():
            self.tray.showMessage(
                title, message, QSystemTrayIcon.MessageIcon.Warning, NOTIFICATION_MS
            )
            return
        first_line = message.splitlines()[0] if message else title
        self._window().statusBar().showMessage(f"{title}: {first_line}", NOTIFICATION_MS)

    @Slot()
    def _on_tray_message_clicked(self) -> None:
        self.activate_last()
