"""Permissions: a read-only folder is viewable but not editable; an unreadable file is shown.

These machines run the tests as root, for whom ``chmod`` denies nothing, so the denied side runs
in a child process that drops to the user ``nobody`` after its imports (as
tests/lockcore/test_permissions.py does) and prints what it saw as JSON. A read-only filesystem
refuses root too: a tmpfs of our own, remounted read-only, is tested in this process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest

from inspector.app import create_main_window
from inspector.document.tree_model import VALUE_COLUMN
from inspector.services.scanner import write_problem
from inspector.services.store_entry import StoreHealth

NOBODY = 65534

_DROP = """
def drop_to_nobody():
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
"""

_SCAN_AS_NOBODY = (
    textwrap.dedent(
        """
    import json, os, sys
    from inspector.services.scanner import scan_folder, write_problem
    """
    )
    + _DROP
    + textwrap.dedent(
        """
    drop_to_nobody()
    folder = sys.argv[1]
    print(json.dumps({
        "write_problem": write_problem(folder),
        "entries": [
            {"name": e.name, "health": e.health.name, "detail": e.health_detail,
             "size": e.size, "locked": e.is_locked}
            for e in scan_folder(folder)
        ],
    }))
    """
    )
)

_WINDOW_AS_NOBODY = (
    textwrap.dedent(
        """
    import json, os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication
    from inspector.app import create_main_window
    """
    )
    + _DROP
    + textwrap.dedent(
        """
    # Everything read from root's installation is loaded first: nobody cannot read it later.
    import email.parser
    from inspector.app import application_version
    application_version()
    app = QApplication([])
    drop_to_nobody()
    folder, settings = sys.argv[1], sys.argv[2]
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings)
    window = create_main_window(folder)
    window.show()
    deadline = time.monotonic() + 20
    def settled():
        return window.model.rowCount() == 2 and window.read_only_banner.isVisible()
    while not settled() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    locked = os.path.join(folder, "locked.json")
    selected = window.select_store(locked)
    app.processEvents()
    entry = window.selected_entry()
    print(json.dumps({
        "rows": window.model.rowCount(),
        "selected": selected and entry is not None and entry.is_locked,
        "banner": window.read_only_banner.text if window.read_only_banner.isVisible() else "",
        "break_enabled": window.break_lock_action.isEnabled(),
        "save_enabled": window.save_action.isEnabled(),
        "break_tip": window.break_lock_action.toolTip(),
        "reason": window.directory.read_only_reason,
    }))
    window.shutdown()
    """
    )
)


def run_as_nobody(code: str, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        timeout=60,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return json.loads(result.stdout.decode().strip().splitlines()[-1])


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="dropping to nobody needs root")


@needs_root
def test_unreadable_file_is_listed_with_the_error(shared_dir: Path) -> None:
    readable = shared_dir / "open.json"
    readable.write_text('{"ok": true}')
    private = shared_dir / "private.json"
    private.write_text('{"secret": 1}')
    private.chmod(0o600)

    seen = run_as_nobody(_SCAN_AS_NOBODY, str(shared_dir))

    by_name = {entry["name"]: entry for entry in seen["entries"]}
    assert set(by_name) == {"open.json", "private.json"}, "an unreadable file must not be hidden"
    assert by_name["open.json"]["health"] == StoreHealth.VALID.name
    assert by_name["private.json"]["health"] == StoreHealth.UNREADABLE.name
    assert "Permission denied" in by_name["private.json"]["detail"]
    assert by_name["private.json"]["size"] == len('{"secret": 1}')
    assert "permission denied" in seen["write_problem"]


@needs_root
def test_read_only_folder_is_viewable_but_saving_and_breaking_are_disabled(
    shared_dir: Path,
) -> None:
    (shared_dir / "plain.json").write_text("{}")
    (shared_dir / "locked.json").write_text("{}")
    # A stale legacy lock: breaking it would be offered anywhere nobody may write.
    (shared_dir / "locked.json.lock").write_text("999999999\n")
    settings = Path(tempfile.mkdtemp(prefix="inspector-settings-"))
    settings.chmod(0o777)
    try:
        seen = run_as_nobody(_WINDOW_AS_NOBODY, str(shared_dir), str(settings))
    finally:
        shutil.rmtree(settings)

    assert seen["rows"] == 2
    assert seen["selected"], seen
    assert not seen["break_enabled"]
    assert not seen["save_enabled"]
    assert "permission denied" in seen["reason"]
    assert "Read-only folder" in seen["banner"]
    assert "disabled" in seen["banner"]
    assert "permission denied" in seen["break_tip"]


def test_writable_folder_has_no_write_problem(tmp_path: Path) -> None:
    assert write_problem(str(tmp_path)) == ""
    assert "Cannot check" in write_problem(str(tmp_path / "missing"))


@pytest.fixture
def read_only_tmpfs(mount_tmpfs: Any) -> Path:
    """A small tmpfs holding one store, remounted read-only; unmounted afterwards."""
    tmpfs = mount_tmpfs("1m")
    (tmpfs.path / "settings.json").write_text('{"theme": "dark", "count": 1}\n')
    tmpfs.remount_read_only()
    return tmpfs.path


def test_read_only_filesystem_store_is_shown_but_not_editable(
    qtbot: Any, read_only_tmpfs: Path
) -> None:
    store = str(read_only_tmpfs / "settings.json")
    window = create_main_window(str(read_only_tmpfs))
    qtbot.addWidget(window)
    window.show()
    pane = window.document_pane
    try:
        qtbot.waitUntil(
            lambda: window.model.rowCount() == 1 and pane.read_only_reason is not None,
            timeout=5000,
        )
        with qtbot.waitSignal(pane.document_loaded, timeout=5000):
            assert window.select_store(store)

        assert pane.model.document() == {"theme": "dark", "count": 1}
        reason = window.directory.read_only_reason
        assert "read-only filesystem" in reason
        assert pane.read_only_reason == reason
        assert pane.bars.read_only_bar.isVisible()
        assert reason in pane.bars.read_only_bar.text
        for action in (pane.save_action, pane.add_action, pane.undo_action):
            assert not action.isEnabled(), action.text()
            assert reason in action.toolTip(), action.text()
        assert not window.save_action.isEnabled()
        assert reason in window.save_action.toolTip()
        value = pane.model.index_for_json_path("theme").siblingAtColumn(VALUE_COLUMN)
        assert not pane.model.setData(value, "light")
        pane.tabs.setCurrentIndex(1)
        assert pane.raw_editor.isReadOnly()
        assert not pane.save()
        assert not window.save_action.isEnabled()
    finally:
        window.shutdown()
