"""Launching: command line, application setup, and the --demo store."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QPalette

from inspector.__main__ import main
from inspector.app import application_version, apply_color_scheme, configure_application
from inspector.demo import DemoStore
from inspector.resources import ICON_DIR, icon
from lockcore import LockFormat, LockState, inspect_lock


def test_help_needs_no_display(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "--demo" in out
    assert "DIR" in out


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


def test_palette_follows_light_and_dark(qapp):
    original = qapp.palette()
    try:
        apply_color_scheme(qapp, Qt.ColorScheme.Dark)
        assert qapp.palette().color(QPalette.ColorRole.Base).lightness() < 128
        apply_color_scheme(qapp, Qt.ColorScheme.Light)
        assert qapp.palette().color(QPalette.ColorRole.Base).lightness() > 128
    finally:
        qapp.setPalette(original)
