"""The break-lock dialog, driven without a modal loop, against real lock files and processes."""

from __future__ import annotations

import os

import pytest

from inspector.widgets.break_lock_dialog import BreakLockDialog
from lockcore import LockState, break_stale_lock, inspect_lock


def breaker(info, force):
    break_stale_lock(info.path, expected=info, force=force)


@pytest.fixture
def data_path(tmp_path):
    path = str(tmp_path / "settings.json")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("{}")
    return path


def stale_lock(lock_holder, path):
    holder = lock_holder(path)
    holder.kill()
    info = inspect_lock(path)
    assert info.state is LockState.STALE_DEAD_HOLDER
    return holder, info


def test_dead_holder_needs_one_confirmation(qtbot, lock_holder, data_path):
    holder, info = stale_lock(lock_holder, data_path)
    dialog = BreakLockDialog(info, breaker)
    qtbot.addWidget(dialog)
    assert not dialog.needs_second_step
    assert dialog.confirm_checkbox is None
    assert str(holder.pid) in dialog.content_view.toPlainText()
    assert "dead" in dialog.process_label.text()
    assert dialog.break_button.isEnabled()
    with qtbot.waitSignal(dialog.break_finished) as finished:
        dialog.break_button.click()
    assert finished.args[0] is True
    assert dialog.was_broken
    assert not os.path.exists(info.lock_path)


def test_live_holder_needs_explicit_second_step(qtbot, lock_holder, data_path):
    holder = lock_holder(data_path)
    info = inspect_lock(data_path)
    assert info.state is LockState.HELD_ALIVE
    dialog = BreakLockDialog(info, breaker)
    qtbot.addWidget(dialog)
    assert dialog.needs_second_step
    assert "alive" in dialog.process_label.text()
    assert not dialog.break_button.isEnabled()
    assert not dialog.confirm_break()  # refuses without the second step
    assert os.path.exists(info.lock_path)
    dialog.confirm_checkbox.setChecked(True)
    assert dialog.break_button.isEnabled()
    dialog.break_button.click()
    assert dialog.was_broken
    assert not os.path.exists(info.lock_path)
    holder.release()


def test_refuses_when_lock_changed_since_shown(qtbot, lock_holder, data_path):
    _, shown = stale_lock(lock_holder, data_path)
    dialog = BreakLockDialog(shown, breaker)
    qtbot.addWidget(dialog)
    # Meanwhile a new writer breaks the dead lock itself and takes a fresh one.
    new_holder = lock_holder(data_path)
    with qtbot.waitSignal(dialog.break_finished) as finished:
        dialog.break_button.click()
    assert finished.args[0] is False
    assert not dialog.was_broken
    assert "changed" in dialog.outcome_label.text()
    assert "Nothing was removed" in dialog.outcome_label.text()
    assert not dialog.break_button.isEnabled()
    current = inspect_lock(data_path)
    assert current.state is LockState.HELD_ALIVE
    assert current.pid == new_holder.pid


def test_refuses_when_lock_vanished(qtbot, lock_holder, data_path):
    _, shown = stale_lock(lock_holder, data_path)
    dialog = BreakLockDialog(shown, breaker)
    qtbot.addWidget(dialog)
    os.unlink(shown.lock_path)
    dialog.break_button.click()
    assert "gone" in dialog.outcome_label.text()


def test_legacy_lock_without_host_shows_this_host(qtbot, data_path):
    with open(data_path + ".lock", "w", encoding="ascii") as handle:
        handle.write(f"{os.getpid()}\n")
    info = inspect_lock(data_path)
    assert info.state is LockState.HELD_ALIVE
    dialog = BreakLockDialog(info, breaker)
    qtbot.addWidget(dialog)
    assert dialog.needs_second_step
    assert dialog.content_view.toPlainText().strip() == str(os.getpid())
