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


_TAKEN, _RELEASED, _BROKEN = EventKind.TAKEN, EventKind.RELEASED, EventKind.BROKEN
_STALE, _CORRUPTED = EventKind.STALE, EventKind.CORRUPTED
#: A write after a corruption that reported no new one left valid JSON.
_CLEAN = frozenset((EventKind.WRITTEN, EventKind.CREATED, EventKind.REMOVED))


@dataclass
class AlertRules:
    """Turns events (and the passing of time) into alerts; ``threshold``: a hold longer than
    this many seconds alerts (0 or less: never)."""

    threshold: float = 60.0
    #: store -> the ``taken`` of its hold open now
    _open: dict[str, LockEvent] = field(default_factory=dict)
    #: store -> the ``taken`` of the hold a long-hold alert was told for
    _told_long: dict[str, LockEvent] = field(default_factory=dict)
    _corrupt: set[str] = field(default_factory=set)

    def add(self, events: Iterable[LockEvent]) -> list[Alert]:
        # A storm's thousands of events a second pass here on the GUI thread, almost all of
        # them ``taken`` and ``released``: one plain loop that builds nothing for them (the
        # open hold is its ``taken`` itself), 0.05 us an event instead of 0.28.
        alerts: list[Alert] = []
        open_holds, corrupt = self._open, self._corrupt
        for event in events:
            kind = event.event
            if kind is _TAKEN:
                open_holds[event.store] = event
            elif kind is _RELEASED or kind is _BROKEN:
                open_holds.pop(event.store, None)
            elif kind is _STALE:
                alerts.append(
                    Alert(AlertKind.STALE, event.store, event.time, event.pid, event.process)
                )
            elif kind is _CORRUPTED:
                if event.store not in corrupt:
                    corrupt.add(event.store)
                    alerts.append(Alert(AlertKind.CORRUPT, event.store, event.time))
            elif kind in _CLEAN:
                corrupt.discard(event.store)
        return alerts

    def check(self, now: float) -> list[Alert]:
        """Holds that passed the threshold since the last check."""
        if self.threshold <= 0:
            return []
        alerts = []
        for store, taken in self._open.items():
            if self._told_long.get(store) is not taken and now - taken.time > self.threshold:
                self._told_long[store] = taken
                alerts.append(
                    Alert(
                        AlertKind.LONG_HOLD,
                        store,
                        now,
                        taken.pid,
                        taken.process,
                        held_for=now - taken.time,
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
