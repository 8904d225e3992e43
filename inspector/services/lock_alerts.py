"""Alerts about the shown folder's locks: stale, held too long, store corrupt (see
:mod:`.alert_rules`), coalesced into few notifications. Off for a folder until turned on.

Only what happens while the app watches alerts: events restored from the folder's history are
older than the watch and are left out.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from inspector.display import printable_name
from inspector.models.lock_events import duration_text
from inspector.services.alert_rules import (
    Alert,
    AlertCoalescer,
    AlertKind,
    AlertRules,
    Notification,
)
from inspector.services.lock_events import LockEventService
from inspector.settings import ALERTS_ENABLED, LONG_HOLD_THRESHOLD, AppSettings
from inspector.translation import QT_TRANSLATE_NOOP
from lockcore import LockEvent

__all__ = ["CHECK_INTERVAL_MS", "LockAlerts", "notification_text"]

#: How often long holds are looked for and coalesced alerts sent (ms).
CHECK_INTERVAL_MS = 1000

_WORDS = {
    AlertKind.STALE: QT_TRANSLATE_NOOP(
        "LockAlerts", "{store}: lock is stale (holder {holder} died)"
    ),
    AlertKind.LONG_HOLD: QT_TRANSLATE_NOOP(
        "LockAlerts", "{store}: lock held for {duration} by {holder}"
    ),
    AlertKind.CORRUPT: QT_TRANSLATE_NOOP("LockAlerts", "{store}: became corrupt"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("LockAlerts", text)


def _line(alert: Alert) -> str:
    if alert.pid is None:
        holder = alert.process or _tr("unknown")
    elif alert.process:
        holder = f"{alert.process} (PID {alert.pid})"
    else:
        holder = f"PID {alert.pid}"
    return _tr(_WORDS[alert.kind]).format(
        store=printable_name(alert.store), holder=holder, duration=duration_text(alert.held_for)
    )


def notification_text(notification: Notification) -> tuple[str, str]:
    """A notification's title and message."""
    alerts = notification.alerts
    if len(alerts) == 1:
        return _tr("Lock alert"), _line(alerts[0])
    lines = [_line(alert) for alert in alerts[-5:]]
    if len(alerts) > 5:
        lines.insert(0, _tr("… and {count} earlier").format(count=len(alerts) - 5))
    return _tr("{count} lock alerts").format(count=len(alerts)), "\n".join(lines)


class LockAlerts(QObject):
    """Follows ``events``' folder: its switch and threshold live in ``settings``."""

    #: (title: str, message: str, store: str) show this notification; a click selects ``store``
    notification_ready = Signal(str, str, str)
    #: (enabled: bool) alerts were turned on or off for the folder shown (or it changed)
    enabled_changed = Signal(bool)

    def __init__(
        self,
        events: LockEventService,
        settings: AppSettings,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self._events = events
        self._settings = settings
        self._clock = clock
        self._folder = ""
        self._enabled = False
        self._since = clock()
        self.rules = AlertRules()
        self.coalescer = AlertCoalescer()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        events.events_cleared.connect(self._on_events_cleared)
        events.events_arrived.connect(self._on_events_arrived)
        settings.changed.connect(self._on_settings_changed)

    @property
    def enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        """Turn alerts on or off for the folder shown (remembered for it)."""
        if self._folder:
            self._settings.set_alerts_enabled(self._folder, enabled)
        self._apply(enabled)

    def _apply(self, enabled: bool) -> None:
        if self._folder:
            self.rules.threshold = self._settings.long_hold_threshold(self._folder)
        changed = enabled != self._enabled
        self._enabled = enabled
        if enabled:
            self._timer.start()
        else:
            self._timer.stop()
        if changed:
            self.enabled_changed.emit(enabled)

    def _notify(self, notifications: list[Notification]) -> None:
        if not self._enabled:
            return
        for notification in notifications:
            title, message = notification_text(notification)
            self.notification_ready.emit(title, message, notification.store)

    @Slot()
    def _on_events_cleared(self) -> None:
        self._folder = self._events.folder
        self._since = self._clock()
        self.rules = AlertRules()
        self.coalescer = AlertCoalescer(window=self.coalescer.window)
        self._apply(bool(self._folder) and self._settings.alerts_enabled(self._folder))

    @Slot(str, str)
    def _on_settings_changed(self, name: str, folder: str) -> None:
        # Preferences (or another window) changed this folder's switch or threshold: at once.
        if folder and folder == self._folder and name in (ALERTS_ENABLED, LONG_HOLD_THRESHOLD):
            self._apply(self._settings.alerts_enabled(folder))

    @Slot(object)
    def _on_events_arrived(self, events: list[LockEvent]) -> None:
        fresh = [event for event in events if event.time >= self._since]
        alerts = self.rules.add(fresh)
        if alerts and self._enabled:
            self._notify(self.coalescer.add(alerts, self._clock()))

    @Slot()
    def _on_timer_timeout(self) -> None:
        now = self._clock()
        self._notify(self.coalescer.add(self.rules.check(now), now))
