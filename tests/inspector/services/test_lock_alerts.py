"""Lock alerts: what alerts, the coalescing that keeps notifications from storming, and the
window's switch and notifications with real lock holders."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspector.services.alert_rules import (
    Alert,
    AlertCoalescer,
    AlertKind,
    AlertRules,
    Notification,
)
from inspector.services.lock_alerts import LockAlerts, notification_text
from inspector.services.lock_events import LockEventService
from inspector.settings import AppSettings
from lockcore import EventKind, LockEvent

DEADLINE_MS = 10_000


@st.composite
def _arrivals(draw: st.DrawFn) -> list[tuple[float, list[Alert]]]:
    """Batches of alerts at non-decreasing times, with ticks (empty batches) between."""
    moment = 0.0
    arrivals = []
    number = 0
    for _ in range(draw(st.integers(0, 40))):
        moment += draw(st.floats(min_value=0, max_value=30, allow_nan=False))
        count = draw(st.integers(0, 5))
        batch = [Alert(AlertKind.STALE, f"/s/{number + n}.json", moment) for n in range(count)]
        number += count
        arrivals.append((moment, batch))
    return arrivals


@given(_arrivals(), st.floats(min_value=0.5, max_value=20, allow_nan=False))
def test_notifications_are_a_window_apart_and_lose_no_alert(
    arrivals: list[tuple[float, list[Alert]]], window: float
) -> None:
    coalescer = AlertCoalescer(window=window)
    shown: list[tuple[float, Notification]] = []
    for moment, batch in arrivals:
        shown += [(moment, n) for n in coalescer.add(batch, moment)]
    due = coalescer.next_due
    if due is not None:
        shown += [(due, n) for n in coalescer.due(due)]
    assert coalescer.next_due is None
    times = [moment for moment, _n in shown]
    assert all(later >= earlier + window for earlier, later in itertools.pairwise(times))
    told = [alert for _moment, n in shown for alert in n.alerts]
    assert told == [alert for _moment, batch in arrivals for alert in batch]


def test_a_storm_of_stale_locks_is_two_notifications() -> None:
    rules, coalescer = AlertRules(), AlertCoalescer(window=10.0)
    shown = []
    for number in range(100):
        moment = number * 0.01
        event = LockEvent(moment, EventKind.STALE, f"/s/{number}.json", pid=number)
        shown += coalescer.add(rules.add([event]), moment)
    assert len(shown) == 1  # the first, at once
    assert [alert.store for alert in shown[0].alerts] == ["/s/0.json"]
    assert coalescer.due(5.0) == []
    later = coalescer.due(10.0)
    assert len(later) == 1  # the 99 others, together
    assert len(later[0].alerts) == 99
    title, message = notification_text(later[0])
    assert title == "99 lock alerts"
    assert "… and 94 earlier" in message
    assert later[0].store == "/s/99.json"


def test_a_long_hold_alerts_once_and_corruption_until_repaired() -> None:
    rules = AlertRules(threshold=30.0)
    assert rules.add([LockEvent(0.0, EventKind.TAKEN, "/s/a.json", pid=4, process="sync")]) == []
    assert rules.check(29.0) == []
    (long_hold,) = rules.check(31.0)
    assert (long_hold.kind, long_hold.pid, long_hold.held_for) == (AlertKind.LONG_HOLD, 4, 31.0)
    assert rules.check(90.0) == []  # once per hold
    rules.add([LockEvent(91.0, EventKind.RELEASED, "/s/a.json", pid=4)])
    assert rules.check(500.0) == []
    corrupt = LockEvent(1.0, EventKind.CORRUPTED, "/s/b.json")
    assert len(rules.add([corrupt])) == 1
    assert rules.add([corrupt]) == []
    rules.add([LockEvent(2.0, EventKind.WRITTEN, "/s/b.json", size=2)])  # valid again
    assert len(rules.add([corrupt])) == 1


def test_each_hold_of_a_store_alerts_once_when_long() -> None:
    """Told once per hold, not once per store: the store's next hold (after a release, or a
    ``taken`` whose hold before it was never seen to end) alerts again when it lasts."""
    rules = AlertRules(threshold=30.0)
    rules.add([LockEvent(0.0, EventKind.TAKEN, "/s/a.json", pid=4)])
    assert [alert.pid for alert in rules.check(31.0)] == [4]
    rules.add([LockEvent(40.0, EventKind.RELEASED, "/s/a.json", pid=4)])
    rules.add([LockEvent(50.0, EventKind.TAKEN, "/s/a.json", pid=5)])
    assert rules.check(79.0) == []
    assert [(alert.pid, alert.held_for) for alert in rules.check(81.0)] == [(5, 31.0)]
    rules.add([LockEvent(90.0, EventKind.TAKEN, "/s/a.json", pid=6)])
    assert rules.check(100.0) == []
    assert [alert.pid for alert in rules.check(121.0)] == [6]
    assert rules.check(200.0) == []


def _taken_by(service: LockEventService, pid: int) -> bool:
    return any(e.event is EventKind.TAKEN and e.pid == pid for e in service.log.events())


def _alerts(qtbot: Any, folder: Path) -> tuple[LockEventService, LockAlerts, AppSettings]:
    settings = AppSettings()
    service = LockEventService()
    alerts = LockAlerts(service, settings)
    with qtbot.waitSignal(service.watching, timeout=DEADLINE_MS):
        service.watch(str(folder), recursive=False)
    return service, alerts, settings


def test_a_killed_holder_alerts_only_once_turned_on(
    qtbot: Any, tmp_path: Path, lock_holder: Any
) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for store in (first, second):
        store.write_text("{}")
    service, alerts, settings = _alerts(qtbot, tmp_path)
    assert not alerts.enabled  # off by default for a new folder
    told: list[tuple[str, str, str]] = []
    alerts.notification_ready.connect(lambda *args: told.append(args))
    holder = lock_holder(str(first))
    qtbot.waitUntil(
        lambda: any(e.event is EventKind.TAKEN for e in service.log.events()), timeout=DEADLINE_MS
    )
    holder.kill()
    qtbot.waitUntil(
        lambda: any(e.event is EventKind.STALE for e in service.log.events()), timeout=DEADLINE_MS
    )
    assert told == []  # off: nothing said

    with qtbot.waitSignal(alerts.enabled_changed, timeout=DEADLINE_MS):
        alerts.set_enabled(True)
    assert settings.alerts_enabled(str(tmp_path))
    holder = lock_holder(str(second))
    qtbot.waitUntil(
        lambda: any(
            e.event is EventKind.TAKEN and e.pid == holder.pid for e in service.log.events()
        ),
        timeout=DEADLINE_MS,
    )
    with qtbot.waitSignal(alerts.notification_ready, timeout=DEADLINE_MS) as notified:
        holder.kill()
    title, message, store = notified.args
    assert store == str(second)
    assert f"PID {holder.pid}" in message
    assert "stale" in message
    assert title == "Lock alert"
    service.shutdown()


# Offscreen windows cannot be raised; a clicked notification raises the window on a desktop.
@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_the_window_switch_and_a_notification_selecting_its_store(
    qtbot: Any, main_window: Any, store_folder: str, lock_holder: Any
) -> None:
    presenter = main_window.alert_presenter
    view_menu = main_window.menuBar().actions()[2].menu()
    assert presenter.toggle_action in view_menu.actions()
    assert not presenter.toggle_action.isChecked()
    presenter.toggle_action.trigger()
    assert main_window.services.lock_alerts.enabled
    assert main_window.services.settings.alerts_enabled(store_folder)
    store = os.path.join(store_folder, "projects.json")
    holder = lock_holder(store)
    events = main_window.services.lock_events
    qtbot.waitUntil(
        lambda: any(
            e.event is EventKind.TAKEN and e.pid == holder.pid for e in events.log.events()
        ),
        timeout=DEADLINE_MS,
    )
    holder.kill()
    qtbot.waitUntil(lambda: presenter.last_store == store, timeout=DEADLINE_MS)
    if presenter.tray is None:  # offscreen: no tray, the status bar tells
        assert "projects.json" in main_window.statusBar().currentMessage()
    presenter.activate_last()  # what clicking the notification does
    assert main_window.selected_entry() is not None
    assert main_window.selected_entry().path == store


def test_alert_settings_are_per_folder_and_off_by_default(tmp_path: Path) -> None:
    settings = AppSettings()
    one, other = str(tmp_path / "a"), str(tmp_path / "a" / "b")
    assert not settings.alerts_enabled(one)
    settings.set_alerts_enabled(one, True)
    settings.set_long_hold_threshold(other, 5.0)
    settings.sync()
    again = AppSettings()
    assert again.alerts_enabled(one)
    assert not again.alerts_enabled(other)
    assert again.long_hold_threshold(other) == 5.0
    assert again.long_hold_threshold(one) == 60.0
