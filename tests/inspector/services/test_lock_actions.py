"""Lock repairs against real files and a real holder process."""

from __future__ import annotations

import json
import os

from PySide6.QtCore import QCoreApplication

from inspector.services import lock_actions as lock_actions_module
from inspector.services.lock_actions import LockActions
from lockcore import LockState, inspect_lock


def test_shutdown_stops_a_recovery_waiting_for_the_lock(qtbot, tmp_path, lock_holder, monkeypatch):
    # Waiting out the recovery's timeout would outlast the test's own.
    monkeypatch.setattr(lock_actions_module, "RECOVER_TIMEOUT", 600.0)
    path = str(tmp_path / "cache.json")
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump({"recovered": True}, handle)
    holder = lock_holder(path)
    actions = LockActions()
    reports: list[tuple[str, bool, str]] = []
    actions.recover_finished.connect(lambda *report: reports.append(report))
    actions.recover(path)

    actions.shutdown()  # as the window does when it closes: returns without the lock

    assert inspect_lock(path).state is LockState.HELD_ALIVE
    assert inspect_lock(path).pid == holder.pid
    assert not os.path.exists(path)  # nothing changed
    assert os.path.exists(path + ".tmp")
    actions.recover(path)  # refused once shut down
    # A report the worker made before it ended is queued to this thread by now: deliver it.
    QCoreApplication.processEvents()
    assert reports == []


def test_a_recovery_finishes_under_the_lock_it_waited_for(qtbot, tmp_path, lock_holder):
    path = str(tmp_path / "cache.json")
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump({"recovered": True}, handle)
    holder = lock_holder(path)
    actions = LockActions()
    actions.recover(path)
    with qtbot.waitSignal(actions.recover_finished, timeout=10000) as finished:
        holder.release()
    assert finished.args[:2] == [path, True], finished.args
    with open(path, encoding="utf-8") as handle:
        assert json.load(handle) == {"recovered": True}
    assert not os.path.exists(path + ".tmp")
    assert not inspect_lock(path).is_locked
    actions.shutdown()
