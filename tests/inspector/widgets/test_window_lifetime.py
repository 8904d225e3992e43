"""A window's services end with it, however it goes away: closed, deleted or dropped."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

# Creates a window on a folder, waits for its rows, then destroys it without closing it (as a
# test harness or a program embedding the window does) and reports which threads are left.
_DESTROY_WITHOUT_CLOSING = textwrap.dedent(
    """
    import gc, glob, sys, threading, time
    import psutil
    from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop
    from PySide6.QtWidgets import QApplication
    from inspector.app import create_main_window

    def child_runs(pid):
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    def thread_names():
        # Qt names the OS threads it starts; Python's threads are named only on its side.
        names = {thread.name for thread in threading.enumerate()}
        for comm in glob.glob("/proc/self/task/*/comm"):
            with open(comm, encoding="utf-8") as handle:
                names.add(handle.read().strip())
        return names

    app = QApplication(sys.argv[:1])
    folder, how = sys.argv[1], sys.argv[2]
    window = create_main_window(folder)
    window.destroyed.connect(lambda: print("window destroyed", flush=True))
    window.show()
    while window.model.rowCount() < 4:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    print("running:", " ".join(sorted(thread_names())), flush=True)
    stream = window.services.lock_events.process_id
    print("stream:", "running" if child_runs(stream) else "not running", flush=True)
    if how == "dropped while looking":  # a store open, Open By looking on its thread
        import os
        window.select_store(os.path.join(folder, "settings.json"))
        window.show_openers_action.trigger()
    if how == "deleteLater":
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        del window
    else:
        # The last reference: the window goes at once. Nothing it owns may hold it back in a
        # reference cycle: the collector would destroy it later, its widgets' wrappers torn
        # down in no particular order (that crashed in gc.collect()).
        del window
        print("let go", flush=True)
        gc.collect()
    app.processEvents()
    # The threads have ended; the system forgets a thread a moment after it returned.
    ended, deadline = {"store-scanner", "inotify"}, time.monotonic() + 5
    while ended & thread_names() and time.monotonic() < deadline:
        time.sleep(0.01)
    print("left:", " ".join(sorted(thread_names())), flush=True)
    print("stream:", "running" if child_runs(stream) else "not running", flush=True)
    """
)


@pytest.mark.parametrize("how", ["deleteLater", "dropped", "dropped while looking"])
def test_a_window_destroyed_without_closing_stops_its_threads(
    tmp_path: Path, store_folder: str, how: str, app_script
) -> None:
    config = tmp_path / "config"
    result = app_script(_DESTROY_WITHOUT_CLOSING, store_folder, how, config_home=config)
    assert "Destroyed while thread" not in result.stderr
    assert result.returncode == 0, result.stderr
    running, stream_before, destroyed, *let_go, left, stream_after = result.stdout.splitlines()
    assert let_go == ([] if how == "deleteLater" else ["let go"])
    assert "store-scanner" in running.split()
    assert "inotify" in running.split()
    assert stream_before == "stream: running"  # the lock event stream's child process
    # Destroyed when it was let go, not only as the process ended; its threads and its child
    # process went with it.
    assert destroyed == "window destroyed"
    assert "store-scanner" not in left.split()
    assert "inotify" not in left.split()
    assert stream_after == "stream: not running"


# Opens a store, edits it and saves while another process holds its lock, then deletes the
# window without closing it and exits.
_DESTROY_WHILE_A_SAVE_WAITS = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop
    from PySide6.QtWidgets import QApplication
    from inspector.app import create_main_window
    from inspector.document.tree_model import VALUE_COLUMN

    app = QApplication(sys.argv[:1])
    store = sys.argv[1]
    window = create_main_window(None)
    window.open_folder(__import__("os").path.dirname(store), select=store)
    window.show()
    pane = window.document_pane
    while pane.loaded is None:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    index = pane.model.index_for_json_path("theme").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(index, "light")
    window.save_action.trigger()
    assert pane.is_saving
    print("saving", flush=True)
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    """
)


def test_a_save_waiting_when_its_window_is_destroyed_is_cancelled(
    tmp_path: Path, store_folder: str, lock_holder, app_script
) -> None:
    store = os.path.join(store_folder, "settings.json")
    holder = lock_holder(store)
    before = Path(store).read_bytes()
    # Not cancelled, the save would wait for the lock for minutes, and the process with it.
    result = app_script(_DESTROY_WHILE_A_SAVE_WAITS, store, config_home=tmp_path / "config")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["saving"]
    holder.release()
    assert Path(store).read_bytes() == before  # cancelled while waiting: nothing written


# Lists a folder of more stores than are checked at once (the listing then moves what is alive
# out of the collector's reach, see inspector.collector), closes the window and says what is
# left out of its reach.
_CLOSE_AFTER_A_BIG_LISTING = textwrap.dedent(
    """
    import gc, sys
    from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop
    from PySide6.QtWidgets import QApplication
    from inspector.app import create_main_window

    app = QApplication(sys.argv[:1])
    folder, count = sys.argv[1], int(sys.argv[2])
    window = create_main_window(folder)
    checked = []
    window.services.directory.checks_finished.connect(lambda: checked.append(True))
    window.show()
    while window.model.rowCount() < count or not checked:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    print("frozen while shown:", gc.get_freeze_count() > 0, flush=True)
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    del window
    gc.collect()
    print("frozen after:", gc.get_freeze_count(), flush=True)
    """
)


def test_a_closed_window_leaves_nothing_out_of_the_collectors_reach(
    tmp_path: Path, app_script
) -> None:
    # What was frozen while the window listed was never handed back: its garbage was never
    # freed (~190 objects a window; the benchmark's own closures made it 10 MB a window).
    folder = tmp_path / "stores"
    folder.mkdir()
    count = 300  # more than are checked inline: the document pass runs, and freezes
    for number in range(count):
        (folder / f"store-{number:03d}.json").write_text(f'{{"n": {number}}}')
    result = app_script(
        _CLOSE_AFTER_A_BIG_LISTING, str(folder), str(count), config_home=tmp_path / "config"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["frozen while shown: True", "frozen after: 0"]


# Creates a window on a folder, waits for its rows, then ends -- returning or failing -- with
# the window still open (a module-level window, an exception out of main).
_END_WITH_THE_WINDOW_OPEN = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication
    from inspector.app import create_main_window

    app = QApplication(sys.argv[:1])
    window = create_main_window(sys.argv[1])
    window.show()
    while window.model.rowCount() < 4:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    print("listed", flush=True)
    if sys.argv[2] == "fails":
        raise RuntimeError("the program fails with its window open")
    """
)


@pytest.mark.parametrize(("how", "status"), [("returns", 0), ("fails", 1)])
def test_a_program_that_ends_with_its_window_open_exits_as_it_says(
    tmp_path: Path, store_folder: str, app_script, how: str, status: int
) -> None:
    # Qt destroyed the directory's thread while it ran: the process aborted (exit 134).
    result = app_script(_END_WITH_THE_WINDOW_OPEN, store_folder, how, config_home=tmp_path / "c")
    assert "Destroyed while thread" not in result.stderr
    assert result.returncode == status, result.stderr
    assert result.stdout.splitlines() == ["listed"]
