"""The break-lock dialog, driven without a modal loop, against real lock files and processes."""

from __future__ import annotations

import os

import pytest

from inspector.display import describe_holder, describe_process
from inspector.document.pane.message_bar import MessageBar
from inspector.services.lock_actions import LockActions
from inspector.widgets.break_lock_dialog import BreakLockDialog, break_outcome
from lockcore import LockChangedError, LockInfo, LockState, inspect_lock


def open_dialog(qtbot, info: LockInfo) -> BreakLockDialog:
    """The dialog asking the app's real lock service (the break runs on a thread of its own)."""
    lock_actions = LockActions()
    dialog = BreakLockDialog(info, lock_actions)
    dialog.lock_actions_for_test = lock_actions  # kept alive with the dialog
    qtbot.addWidget(dialog)
    return dialog


def break_and_wait(qtbot, dialog: BreakLockDialog):
    """Click Break and wait for the service's outcome: (expected, error)."""
    with qtbot.waitSignal(dialog.lock_actions_for_test.break_finished, timeout=5000) as finished:
        dialog.break_button.click()
    return finished.args


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
    dialog = open_dialog(qtbot, info)
    assert not dialog.needs_second_step
    assert dialog.confirm_checkbox is None
    assert str(holder.pid) in dialog.content_view.toPlainText()
    assert "dead" in dialog.process_label.text()
    assert dialog.break_button.isEnabled()
    expected, error = break_and_wait(qtbot, dialog)
    assert (expected, error) == (info, None)
    assert dialog.was_broken
    assert dialog.result() == BreakLockDialog.DialogCode.Accepted
    assert not os.path.exists(info.lock_path)


def test_live_holder_needs_explicit_second_step(qtbot, lock_holder, data_path):
    holder = lock_holder(data_path)
    info = inspect_lock(data_path)
    assert info.state is LockState.HELD_ALIVE
    dialog = open_dialog(qtbot, info)
    assert dialog.needs_second_step
    assert "alive" in dialog.process_label.text()
    assert not dialog.break_button.isEnabled()
    assert not dialog.confirm_break()  # refuses without the second step
    assert os.path.exists(info.lock_path)
    dialog.confirm_checkbox.setChecked(True)
    assert dialog.break_button.isEnabled()
    break_and_wait(qtbot, dialog)
    assert dialog.was_broken
    assert not os.path.exists(info.lock_path)
    holder.release()


def test_refuses_when_lock_changed_since_shown(qtbot, lock_holder, data_path):
    _, shown = stale_lock(lock_holder, data_path)
    dialog = open_dialog(qtbot, shown)
    # Meanwhile a new writer breaks the dead lock itself and takes a fresh one.
    new_holder = lock_holder(data_path)
    _expected, error = break_and_wait(qtbot, dialog)
    assert error is not None
    assert not dialog.was_broken
    assert "changed" in dialog.outcome_label.text()
    assert "Nothing was removed" in dialog.outcome_label.text()
    assert not dialog.break_button.isEnabled()
    current = inspect_lock(data_path)
    assert current.state is LockState.HELD_ALIVE
    assert current.pid == new_holder.pid


def test_refuses_when_lock_vanished(qtbot, lock_holder, data_path):
    _, shown = stale_lock(lock_holder, data_path)
    dialog = open_dialog(qtbot, shown)
    os.unlink(shown.lock_path)
    break_and_wait(qtbot, dialog)
    assert "gone" in dialog.outcome_label.text()


def test_legacy_lock_without_host_shows_this_host(qtbot, data_path):
    with open(data_path + ".lock", "w", encoding="ascii") as handle:
        handle.write(f"{os.getpid()}\n")
    info = inspect_lock(data_path)
    assert info.state is LockState.HELD_ALIVE
    dialog = open_dialog(qtbot, info)
    assert dialog.needs_second_step
    assert dialog.content_view.toPlainText().strip() == str(os.getpid())


class HeldBreaks(LockActions):
    """Lock actions whose breaks wait until the test says how they ended (as a break stuck on a
    share that stopped answering would)."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[LockInfo] = []

    def break_lock(self, expected: LockInfo, *, force: bool) -> None:  # noqa: ARG002
        self.started.append(expected)


def test_a_break_under_way_is_shown_and_not_started_twice(qtbot, lock_holder, data_path):
    _, info = stale_lock(lock_holder, data_path)
    lock_actions = HeldBreaks()
    dialog = BreakLockDialog(info, lock_actions)
    qtbot.addWidget(dialog)
    assert dialog.confirm_break()
    assert lock_actions.started == [info]
    assert dialog.is_breaking
    assert "Breaking" in dialog.outcome_label.text()
    assert not dialog.break_button.isEnabled()
    assert not dialog.confirm_break()  # a second click starts nothing
    assert lock_actions.started == [info]
    lock_actions.break_finished.emit(inspect_lock(data_path), None)  # another dialog's break
    assert dialog.is_breaking
    lock_actions.break_finished.emit(info, OSError(5, "Input/output error"))
    assert not dialog.is_breaking
    assert not dialog.was_broken
    assert "Input/output error" in dialog.outcome_label.text()
    assert "Nothing was removed" in dialog.outcome_label.text()


def test_the_holder_is_named_as_everywhere_else_in_the_app(qtbot, lock_holder, data_path):
    """The warning and a refused break's outcome say "PID n, program", as the document pane's
    waiting message and the recovery's refusal do (one function words the holder)."""
    holder = lock_holder(data_path)
    info = inspect_lock(data_path)
    words = describe_holder(info)
    assert words == f"PID {holder.pid}, {describe_process(info)}"
    dialog = open_dialog(qtbot, info)
    warning = dialog.findChild(MessageBar, "breakLockWarning")
    assert f"{words} is still running and holds this lock." in warning.text
    changed = LockChangedError("changed", data_path, current=info)
    assert f"it is now held by {words})" in break_outcome(info, changed)
    holder.release()
