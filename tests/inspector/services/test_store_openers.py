"""Who has a store open, and ending a holder: real child processes, real signals."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from inspector.services import store_openers
from inspector.services.store_openers import (
    Opener,
    ProcessChangedError,
    StoreOpeners,
    find_openers,
    holder_details,
    terminate,
)
from inspector.widgets.store_openers_page import StoreOpenersPage

DEADLINE_MS = 10_000

# Opens the store and keeps it open; with "stubborn", SIGTERM is ignored (only SIGKILL ends it).
_KEEPER = """
import signal, sys
if sys.argv[2] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
handle = open(sys.argv[1], encoding="utf-8")
print("open", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def keeper(tmp_path: Path) -> Iterator[Any]:
    children: list[subprocess.Popen[str]] = []

    def start(store: Path, mode: str = "plain") -> subprocess.Popen[str]:
        child = subprocess.Popen(
            [sys.executable, "-c", _KEEPER, str(store), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        children.append(child)
        assert child.stdout is not None
        assert child.stdout.readline() == "open\n"
        return child

    yield start
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait(10)
        for pipe in (child.stdin, child.stdout):
            if pipe is not None:
                pipe.close()


def test_the_processes_with_a_store_open_are_found_with_their_details(
    tmp_path: Path, keeper: Any, lock_holder: Any
) -> None:
    store = tmp_path / "settings.json"
    store.write_text("{}")
    (tmp_path / "other.json").write_text("{}")
    reader = keeper(store)
    keeper(tmp_path / "other.json")  # another store's: not listed
    holder = lock_holder(str(store))  # lockcore keeps the lock file open while it holds it
    openers = {opener.pid: opener for opener in find_openers(str(store))}
    assert set(openers) == {reader.pid, holder.pid}
    mine = openers[reader.pid]
    assert mine.files == (str(store),)
    assert mine.cmdline[0] == sys.executable
    assert mine.parent_pid is not None
    assert mine.started > 0
    assert openers[holder.pid].files == (str(store) + ".lock",)
    details = holder_details(holder.pid)
    assert details is not None
    assert details.cmdline == openers[holder.pid].cmdline


def test_sigterm_first_then_sigkill_and_never_a_reused_pid(tmp_path: Path, keeper: Any) -> None:
    store = tmp_path / "settings.json"
    store.write_text("{}")
    stubborn = keeper(store, "stubborn")
    (opener,) = find_openers(str(store))
    someone_else = Opener(
        opener.pid, opener.name, opener.cmdline, opener.started - 60, None, "", opener.files
    )
    with pytest.raises(ProcessChangedError):
        terminate(someone_else, kill=True)  # that PID was another process when it was shown
    assert stubborn.poll() is None
    terminate(opener, kill=False)
    with pytest.raises(subprocess.TimeoutExpired):
        stubborn.wait(0.5)  # it ignores SIGTERM
    terminate(opener, kill=True)
    assert stubborn.wait(10) == -9
    with pytest.raises(ProcessChangedError):
        terminate(opener, kill=True)


def _confirm(qtbot: Any, page: StoreOpenersPage, *, expected_button: str) -> None:
    """Confirm the signal, then wait for the look the page starts after it to come back.

    Waiting for the look's own result keeps one look in flight at a time: a look still running
    from an earlier step could otherwise report after a later one started (its "Looking…").
    """
    page.terminate_button.click()
    box = page.confirmation
    assert box is not None
    confirm = next(b for b in box.buttons() if b.text() == expected_button)
    with qtbot.waitSignal(page.openers.openers_found, timeout=DEADLINE_MS):
        with qtbot.waitSignal(page.openers.terminate_finished, timeout=DEADLINE_MS) as done:
            confirm.click()
        assert done.args[2] == ""


def test_the_page_lists_openers_and_ends_one_in_two_explicit_steps(
    qtbot: Any, tmp_path: Path, keeper: Any
) -> None:
    store = tmp_path / "jobs.json"
    store.write_text("[]")
    child = keeper(store, "stubborn")
    page = StoreOpenersPage(StoreOpeners())
    qtbot.addWidget(page)
    page.set_store(str(store))
    with qtbot.waitSignal(page.openers.openers_found, timeout=DEADLINE_MS):
        page.look()
    assert page.table.rowCount() == 1
    assert page.status.text() == "1 process"
    assert f"PID {child.pid}" in page.table.item(0, 0).text()
    assert "jobs.json" in page.table.item(0, 3).text()
    page.table.selectRow(0)
    assert page.terminate_button.text() == "Terminate Holder…"
    # Cancelled: nothing is sent.
    page.terminate_button.click()
    assert page.confirmation is not None
    # It says who: the PID, and then the command line, start time and parent.
    assert f"(PID {child.pid})" in page.confirmation.text()
    who = page.confirmation.informativeText()
    assert "jobs.json" in who  # the command line
    started = time.strftime(
        "%Y-%m-%d %H:%M:%S", time.localtime(psutil.Process(child.pid).create_time())
    )
    assert f"Started: {started}" in who
    assert f"(PID {os.getpid()})" in who  # its parent: this test
    page.confirmation.button(QMessageBox.StandardButton.Cancel).click()
    assert child.poll() is None
    _confirm(qtbot, page, expected_button="Send SIGTERM")  # and it looked again
    assert page.table.rowCount() == 1
    assert page.status.text() == "1 process"
    assert child.poll() is None  # it ignored SIGTERM
    page.table.selectRow(0)
    assert page.terminate_button.text() == "Kill Holder (SIGKILL)…"
    _confirm(qtbot, page, expected_button="Kill")  # and it looked again
    assert child.wait(10) == -9
    # The look after the kill may have run before the killed process had closed its files;
    # once it is reaped, a look finds nobody.
    with qtbot.waitSignal(page.openers.openers_found, timeout=DEADLINE_MS):
        page.look()
    assert page.table.rowCount() == 0
    assert page.status.text() == "No process has it open."


@pytest.fixture
def legacy_holder() -> Iterator[Any]:
    """Start the demo's legacy writer: it writes its PID into the lock file and closes it."""
    children: list[subprocess.Popen[str]] = []

    def start(store: Path) -> subprocess.Popen[str]:
        child = subprocess.Popen(
            [sys.executable, "-m", "inspector.demo.writer", "legacy", str(store)],
            stdout=subprocess.PIPE,
            text=True,
        )
        children.append(child)
        assert child.stdout is not None
        assert child.stdout.readline() == "held\n"
        return child

    yield start
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait(10)
        if child.stdout is not None:
            child.stdout.close()


def test_a_lock_holder_with_no_file_open_is_listed_as_the_holder(
    tmp_path: Path, legacy_holder: Any, lock_holder: Any
) -> None:
    legacy_store = tmp_path / "legacy.json"
    legacy_store.write_text("{}")
    legacy = legacy_holder(legacy_store)
    (opener,) = find_openers(str(legacy_store))
    assert (opener.pid, opener.files, opener.holds_lock) == (legacy.pid, (), True)
    assert "inspector.demo.writer" in opener.cmdline
    # lockcore's holder keeps its lock file open: listed once, with the file, as the holder.
    store = tmp_path / "settings.json"
    store.write_text("{}")
    holder = lock_holder(str(store))
    (opener,) = find_openers(str(store))
    assert (opener.pid, opener.files, opener.holds_lock) == (
        holder.pid,
        (str(store) + ".lock",),
        True,
    )


def test_the_window_shows_who_has_the_selected_store_open(
    qtbot: Any, main_window: Any, store_folder: str, keeper: Any, lock_holder: Any
) -> None:
    window = main_window
    store = Path(store_folder) / "settings.json"
    reader = keeper(store)  # only the data file open
    holder = lock_holder(str(store))
    action = window.show_openers_action
    assert action.shortcut().toString() == "Ctrl+Shift+O"
    view_menu = window.menuBar().actions()[2].menu()
    assert action in view_menu.actions()
    assert action in window.table.actions()  # the table's context menu
    assert not action.isEnabled()  # no store selected
    assert window.select_store(str(store))
    assert action.isEnabled()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=DEADLINE_MS)
    window.table.setFocus()
    page = window.lock_events_dock.openers_page
    with qtbot.waitSignal(window.services.store_openers.openers_found, timeout=DEADLINE_MS):
        qtbot.keyClick(
            window.table,
            Qt.Key.Key_O,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert window.lock_events_dock.isVisible()
    assert window.lock_events_dock.tabs.currentWidget() is page
    files_by_pid = {
        opener.pid: page.table.item(row, 3).text() for row, opener in enumerate(page._shown)
    }
    assert files_by_pid == {
        reader.pid: "settings.json",
        holder.pid: "settings.json.lock; holds the lock",
    }
    for row, opener in enumerate(page._shown):
        assert f"(PID {opener.pid})" in page.table.item(row, 0).text()


def test_a_look_that_ends_after_a_later_one_is_not_shown(
    qtbot: Any, tmp_path: Path, keeper: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each look runs on a thread of its own; here each waits for the test's go after its walk
    # of the process table, so that the earlier look ends last, as a slow walk can on a busy
    # machine.
    store = tmp_path / "jobs.json"
    store.write_text("[]")
    child = keeper(store)
    walked: list[threading.Event] = [threading.Event(), threading.Event()]
    goes: list[threading.Event] = [threading.Event(), threading.Event()]
    real_find_openers = store_openers.find_openers

    def held_back(path: str) -> list[Opener]:
        number = sum(event.is_set() for event in walked)
        found = real_find_openers(path)
        walked[number].set()
        assert goes[number].wait(DEADLINE_MS / 1000)
        return found

    monkeypatch.setattr(store_openers, "find_openers", held_back)
    openers = StoreOpeners()
    page = StoreOpenersPage(openers)
    qtbot.addWidget(page)
    page.set_store(str(store))
    answers: list[list[Opener]] = []
    openers.openers_found.connect(lambda _store, found, _error: answers.append(found))
    page.look()  # the earlier look: it finds the child
    assert walked[0].wait(DEADLINE_MS / 1000)
    child.kill()
    child.wait(10)
    with qtbot.waitSignal(openers.openers_found, timeout=DEADLINE_MS):
        goes[1].set()
        page.look()  # the later look: nobody has the store open now
    goes[0].set()
    # The earlier look ends too, and its answer (the child, gone by now) is not reported.
    qtbot.waitUntil(lambda: not any(t.name == "store-openers" for t in threading.enumerate()))
    QApplication.processEvents()
    assert answers == [[]]
    assert page.table.rowCount() == 0
    assert page.status.text() == "No process has it open."
