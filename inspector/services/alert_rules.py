"""What deserves an alert, and how alerts are coalesced into few notifications (no Qt here).

Three things alert: a lock going stale (its holder died), a lock held longer than the folder's
threshold, a store becoming corrupt. Each is told once: a stale or long hold once per hold, a
corruption once until the store is written valid again.

Notifications never come in storms: the first alert after a quiet spell is shown at once; those
that follow within :data:`COALESCE_WINDOW` seconds are gathered and shown together when the
window ends, as one notification -- so notifications are at least that far apart, and none is
lost.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from lockcore import EventKind, LockEvent

__all__ = [
    "COALESCE_WINDOW",
    "Alert",
    "AlertCoalescer",
    "AlertKind",
    "AlertRules",
    "Notification",
]

#: Notifications are at least this far apart (seconds).
COALESCE_WINDOW = 10.0


class AlertKind(enum.Enum):
    STALE = "stale"
    LONG_HOLD = "long hold"
    CORRUPT = "corrupt"


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    store: str
    time: float
    pid: int | None = None
    process: str | None = None
    #: how long the lock had been held (LONG_HOLD)
    held_for: float | None = None


@dataclass(frozen=True)
class Notification:
    """One notification: the alerts it tells of, oldest first."""

    alerts: tuple[Alert, ...]

    @property
    def store(self) -> str:
        """The store a click on it selects: the latest alert's."""
        return self.alerts[-1].store


@dataclass
class _Open:
    since: float
    pid: int | None
    process: str | None
    told_long: bool = False


@dataclass
class AlertRules:
    """Turns events (and the passing of time) into alerts; ``threshold``: a hold longer than
    this many seconds alerts (0 or less: never)."""

    threshold: float = 60.0
    _open: dict[str, _Open] = field(default_factory=dict)
    _corrupt: set[str] = field(default_factory=set)

    def add(self, events: Iterable[LockEvent]) -> list[Alert]:
        alerts: list[Alert] = []
        for event in events:
            kind, store = event.event, event.store
            if kind is EventKind.TAKEN:
                self._open[store] = _Open(event.time, event.pid, event.process)
            elif kind in (EventKind.RELEASED, EventKind.BROKEN):
                self._open.pop(store, None)
            elif kind is EventKind.STALE:
                alerts.append(Alert(AlertKind.STALE, store, event.time, event.pid, event.process))
            elif kind is EventKind.CORRUPTED and store not in self._corrupt:
                self._corrupt.add(store)
                alerts.append(Alert(AlertKind.CORRUPT, store, event.time))
            elif kind in (EventKind.WRITTEN, EventKind.CREATED, EventKind.REMOVED):
                # A write after the corruption that reported no new one left valid JSON.
                self._corrupt.discard(store)
        return alerts

    def check(self, now: float) -> list[Alert]:
        """Holds that passed the threshold since the last check."""
        if self.threshold <= 0:
            return []
        alerts = []
        for store, hold in self._open.items():
            if not hold.told_long and now - hold.since > self.threshold:
                hold.told_long = True
                alerts.append(
                    Alert(
                        AlertKind.LONG_HOLD,
                        store,
                        now,
                        hold.pid,
                        hold.process,
                        held_for=now - hold.since,
                    )
                )
        return alerts


@dataclass
class AlertCoalescer:
    """Gathers alerts into notifications at least ``window`` seconds apart (see the module)."""

    window: float = COALESCE_WINDOW
    _last_shown: float | None = None
    _pending: list[Alert] = field(default_factory=list)

    def add(self, alerts: Iterable[Alert], now: float) -> list[Notification]:
        """Take ``alerts`` (at ``now``); the notification to show now, if any."""
        self._pending.extend(alerts)
        return self.due(now)

    def due(self, now: float) -> list[Notification]:
        """The notification whose time has come (call at least every :attr:`next_due`)."""
        if not self._pending:
            return []
        # Compared as next_due computes it: due(next_due) always shows what waits.
        if self._last_shown is not None and now < self._last_shown + self.window:
            return []
        shown = Notification(tuple(self._pending))
        self._pending = []
        self._last_shown = now
        return [shown]

    @property
    def next_due(self) -> float | None:
        """When the alerts waiting will be shown (None: none waits)."""
        if not self._pending:
            return None
        return 0.0 if self._last_shown is None else self._last_shown + self.window
