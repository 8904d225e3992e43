"""Launching: command line, application setup, and the --demo store."""

from __future__ import annotations

import contextlib
import glob
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtGui import QPalette

from inspector import APPLICATION_ID
from inspector.__main__ import folder_to_open, main
from inspector.app import (
    application_version,
    apply_color_scheme,
    configure_application,
    create_main_window,
    migrate_legacy_settings,
)
from inspector.demo import DemoStore
from inspector.resources import ICON_DIR, icon
from lockcore import LockFormat, LockState, inspect_lock


def test_help_needs_no_display(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "--demo" in out
    assert "PATH" in out
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"lock-inspector {application_version()}\n"


def test_a_store_given_or_last_shown_opens_its_folder_with_it_shown(qtbot, store_folder):
    store = os.path.join(store_folder, "projects.json")
    folder, selected = folder_to_open(store)
    assert (folder, selected) == (store_folder, store)
    assert folder_to_open(store_folder) == (store_folder, None)
    window = create_main_window(folder, select=selected)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.document_pane.document_loaded, timeout=5000) as loaded:
        window.show()
    assert loaded.args == [store]
    assert window.selected_entry() is not None
    assert window.selected_entry().path == store
    window.shutdown()
    # Started again without a path: the same folder, the same store shown.
    assert folder_to_open(None) == (store_folder, store)
    os.unlink(store)
    assert folder_to_open(None) == (store_folder, None)


def test_demo_and_directory_are_exclusive(capsys):
    assert main(["--demo", "/tmp"]) == 2


def test_module_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "inspector", "--help"], capture_output=True, timeout=60
    )
    assert result.returncode == 0
    assert b"lock-inspector" in result.stdout


def test_configure_application_sets_identity_and_icon(qapp):
    configure_application(qapp)
    assert QCoreApplication.organizationName()
    assert QCoreApplication.applicationVersion() == application_version()
    assert not qapp.windowIcon().isNull()


def test_configure_application_lets_the_gui_thread_have_the_interpreter_back_soon(qapp):
    default = sys.getswitchinterval()
    try:
        configure_application(qapp)
        # CPython's 5 ms made every Python call of a paint wait that long behind a worker.
        assert sys.getswitchinterval() <= 0.0005
    finally:
        sys.setswitchinterval(default)


def test_every_lock_icon_exists(qapp):
    names = {path.stem for path in ICON_DIR.glob("*.svg")}
    assert {
        "app",
        "lock-free",
        "lock-held",
        "lock-stale",
        "lock-other-host",
        "lock-being-created",
        "lock-unreadable",
    } <= names
    assert not icon("lock-held").pixmap(16, 16).isNull()


def test_demo_store_shows_every_state_and_cleans_up():
    demo = DemoStore.create()
    folder = demo.folder
    try:
        demo.start()
        files = set(os.listdir(folder))
        assert {
            "settings.json",
            "secret_settings.json",
            "projects.json",
            "claude_agents.json",
            "broken.json",
            "cache.json.tmp",
        } <= files
        assert "cache.json" not in files
        stale = inspect_lock(os.path.join(folder, "history.json"))
        assert stale.state is LockState.STALE_DEAD_HOLDER
        legacy = inspect_lock(os.path.join(folder, "legacy_queue.json"))
        assert legacy.state is LockState.HELD_ALIVE
        assert legacy.format is LockFormat.LEGACY
        assert len(demo.processes) == 4
        assert all(process.poll() is None for process in demo.processes)
        processes = list(demo.processes)
    finally:
        demo.stop()
    assert not os.path.exists(folder)
    assert all(process.returncode is not None for process in processes)


REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_demo_app_cleans_up_when_signalled(tmp_path: Path, stop_signal: signal.Signals) -> None:
    # A home, config and temp folder of its own: the app's QSettings and demo folder stay here.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for variable, name in (("HOME", "home"), ("XDG_CONFIG_HOME", "config"), ("TMPDIR", "tmp")):
        (tmp_path / name).mkdir()
        env[variable] = str(tmp_path / name)
    with (tmp_path / "stderr.txt").open("wb") as stderr:
        app = subprocess.Popen(
            [sys.executable, "-m", "inspector", "--demo"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=REPO,
        )
    writers: list[psutil.Process] = []
    try:
        assert app.stdout is not None
        ready, _, _ = select.select([app.stdout], [], [], 30)
        assert ready, "the app never said where its demo folder is"
        line = app.stdout.readline().decode()
        assert line.startswith("lock-inspector: demo folder "), line
        folder = line.removeprefix("lock-inspector: demo folder ").strip()
        assert os.path.isdir(folder)
        assert folder.startswith(str(tmp_path / "tmp"))
        writers = psutil.Process(app.pid).children(recursive=True)
        assert len(writers) >= 4, writers  # the legacy holder and three updaters, at least

        app.send_signal(stop_signal)

        assert app.wait(timeout=20) == 0, (tmp_path / "stderr.txt").read_text()
        assert not os.path.exists(folder)
        assert glob.glob(str(tmp_path / "tmp" / "lock-inspector-demo-*")) == []
        _gone, alive = psutil.wait_procs(writers, timeout=5)
        assert alive == []
    finally:
        for process in [*writers, app]:
            with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
                process.kill()
        app.wait(timeout=10)
        if app.stdout is not None:
            app.stdout.close()


def test_palette_follows_light_and_dark(qapp):
    original = qapp.palette()
    try:
        apply_color_scheme(qapp, Qt.ColorScheme.Dark)
        assert qapp.palette().color(QPalette.ColorRole.Base).lightness() < 128
        apply_color_scheme(qapp, Qt.ColorScheme.Light)
        assert qapp.palette().color(QPalette.ColorRole.Base).lightness() > 128
    finally:
        qapp.setPalette(original)


_LAST_FOLDER_SCRIPT = """
import sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from inspector.__main__ import folder_to_open
from inspector.app import configure_application

app = QApplication(sys.argv[:1])
configure_application(app)
print(folder_to_open(None)[0])
print(QSettings().fileName())
print(app.desktopFileName())
"""


def test_the_last_folder_kept_under_the_old_names_is_reopened(tmp_path: Path, app_script) -> None:
    # Settings as builds before the application id left them, in a config home of its own.
    config = tmp_path / "config"
    last = tmp_path / "stores"
    last.mkdir()
    legacy = config / "LockInspector" / "lock-inspector.conf"
    legacy.parent.mkdir(parents=True)
    legacy.write_text(f"[folders]\nlast={last}\n")
    for _run in range(2):  # the second start reads the migrated copy
        result = app_script(_LAST_FOLDER_SCRIPT, config_home=config)
        assert result.returncode == 0, result.stderr
        folder, settings_file, desktop_file_name = result.stdout.splitlines()
        assert folder == str(last)
        assert settings_file == str(config / "io.github.lockinspector" / "LockInspector.conf")
        assert desktop_file_name == APPLICATION_ID
        legacy.unlink(missing_ok=True)


def test_settings_of_the_new_id_are_not_overwritten_by_old_ones(qapp, isolated_settings):
    old = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Old", "old")
    old.setValue("folders/last", "/old")
    new = QSettings()
    assert migrate_legacy_settings(new, old)
    assert new.value("folders/last") == "/old"
    old.setValue("folders/last", "/older")
    assert not migrate_legacy_settings(new, old)
    assert new.value("folders/last") == "/old"


# The launcher on a store: once its window shows it, it is edited and saved while another
# process holds its lock, then the app is sent SIGTERM.
_SIGTERM_WHILE_SAVING = """
import os, signal, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from inspector.__main__ import main
from inspector.document import UnsavedChoice
from inspector.document.tree_model import VALUE_COLUMN
from inspector.widgets.main_window import MainWindow

def when_shown():
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    pane = windows[0].document_pane if windows else None
    if pane is None or pane.loaded is None:
        QTimer.singleShot(20, when_shown)
        return
    # The edit is unsaved once the save is cancelled: the question about it is answered here.
    pane.unsaved_prompt = lambda _pane, answer: answer(UnsavedChoice.DISCARD)
    pane.review_before_first_save = False  # about the save itself, not Review Changes
    index = pane.model.index_for_json_path("theme").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(index, "light")
    windows[0].save_action.trigger()
    assert pane.is_saving
    print("saving", flush=True)
    os.kill(os.getpid(), signal.SIGTERM)

QTimer.singleShot(0, when_shown)
sys.exit(main(sys.argv[1:]))
"""


def test_sigterm_while_a_save_waits_for_its_lock_quits(store_folder, lock_holder, app_script):
    store = os.path.join(store_folder, "settings.json")
    holder = lock_holder(store)
    before = Path(store).read_bytes()
    result = app_script(_SIGTERM_WHILE_SAVING, store)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["saving"]
    assert Path(store).read_bytes() == before  # cancelled while waiting: nothing written
    assert inspect_lock(store).pid == holder.pid
