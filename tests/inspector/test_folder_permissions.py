"""Permissions: a read-only folder is viewable but not editable; an unreadable file is shown.

These machines run the tests as root, for whom ``chmod`` denies nothing, so the denied side runs
in a child process that drops to the user ``nobody`` after its imports (as
tests/lockcore/test_permissions.py does) and prints what it saw as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector.services.scanner import StoreHealth, write_problem

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
        "banner": window.read_only_banner.text() if window.read_only_banner.isVisible() else "",
        "break_enabled": window.break_lock_action.isEnabled(),
        "save_enabled": window.save_action.isEnabled(),
        "break_tip": window.break_lock_action.toolTip(),
        "reason": window.directory.read_only_reason,
    }))
    window.shutdown()
    """
    )
)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A root-owned folder ``nobody`` can read but not write (pytest's tmp dirs are 0700)."""
    directory = Path(tempfile.mkdtemp(prefix="inspector-permissions-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory)


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
