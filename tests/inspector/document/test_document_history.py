"""History: every save by the app keeps a version; the History dock lists, diffs and restores
them, a restore merging what another process (a real one) wrote meanwhile."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from typing import Any

from _documents import edit_value
from PySide6.QtCore import Qt

from inspector.document import DocumentPane
from inspector.widgets.history_dock import HistoryDock
from lockcore import (
    StoreFileKind,
    list_versions,
    locked_replace_bytes,
    locked_update_json,
    read_version,
)

_SET_KEY = textwrap.dedent(
    """
    import json, sys
    from lockcore import locked_update_json

    def change(document):
        document[sys.argv[2]] = json.loads(sys.argv[3])
        return document

    locked_update_json(sys.argv[1], change, timeout=30)
    """
)


def set_key_in_other_process(path: str, key: str, value: Any) -> None:
    subprocess.run(
        [sys.executable, "-c", _SET_KEY, path, key, json.dumps(value)], check=True, timeout=60
    )


def write(path: str, document: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)


def read(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def make_dock(qtbot: Any, pane: DocumentPane) -> HistoryDock:
    dock = HistoryDock(pane)
    qtbot.addWidget(dock)
    dock.show()
    return dock


def wait_listed(qtbot: Any, dock: HistoryDock, count: int) -> None:
    qtbot.waitUntil(lambda: dock.model.rowCount() == count, timeout=5000)


def test_a_save_by_the_app_keeps_the_version_it_replaced_with_the_stores_mode(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    store = str(tmp_path / "prefs.json")
    write(store, {"theme": "dark", "size": 1})
    os.chmod(store, 0o600)
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()

    (version,) = list_versions(store)

    assert json.loads(read_version(store, version.version_id)) == {"theme": "dark", "size": 1}
    assert stat.S_IMODE(os.stat(version.path).st_mode) == 0o600
    assert read(store)["theme"] == "light"


def test_history_lists_versions_and_diffs_one_against_the_file_now(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    store = str(tmp_path / "prefs.json")
    write(store, {"theme": "dark"})
    locked_update_json(store, lambda d: {**d, "theme": "light"}, keep_versions=5)
    dock = make_dock(qtbot, pane)
    assert dock.model.rowCount() == 0
    open_and_wait(pane, store)
    wait_listed(qtbot, dock, 1)
    assert "1 kept version" in dock.status_label.text()
    assert not dock.restore_button.isEnabled()

    dock.table.selectRow(0)

    qtbot.waitUntil(lambda: '-  "theme": "dark"' in dock.diff_view.toPlainText(), timeout=5000)
    assert '+  "theme": "light"' in dock.diff_view.toPlainText()
    assert dock.restore_button.isEnabled()


def test_a_quarantined_copy_is_listed_as_such(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    store = str(tmp_path / "prefs.json")
    with open(store, "w") as handle:
        handle.write("{broken")
    locked_update_json(store, lambda _d: {"fixed": True}, on_corrupt="quarantine")
    dock = make_dock(qtbot, pane)
    open_and_wait(pane, store)
    wait_listed(qtbot, dock, 1)

    assert dock.model_versions()[0].kind is StoreFileKind.QUARANTINE
    assert "corrupt" in dock.model.index(0, 2).data()


def restore_first(qtbot: Any, pane: DocumentPane, dock: HistoryDock, signal: Any) -> None:
    dock.table.selectRow(0)
    with qtbot.waitSignal(signal, timeout=10000):
        qtbot.mouseClick(dock.restore_button, Qt.MouseButton.LeftButton)


def test_restore_merges_a_change_another_process_made_meanwhile(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    store = str(tmp_path / "prefs.json")
    write(store, {"theme": "dark", "size": 1})
    locked_update_json(store, lambda d: {**d, "theme": "light"}, keep_versions=5)
    dock = make_dock(qtbot, pane)
    open_and_wait(pane, store)  # the pane shows theme=light, size=1
    wait_listed(qtbot, dock, 1)
    set_key_in_other_process(store, "size", 7)  # the pane has not seen this

    restore_first(qtbot, pane, dock, pane.saved)

    # The version's theme, and the other process's size: nothing it wrote was discarded.
    assert read(store) == {"theme": "dark", "size": 7}
    assert pane.model.document() == {"theme": "dark", "size": 7}
    assert not pane.is_dirty
    # The restore is a save like any other: the state it replaced is kept, so it can be undone.
    newest = list_versions(store)[0]
    assert json.loads(read_version(store, newest.version_id)) == {"theme": "light", "size": 7}
    wait_listed(qtbot, dock, 2)


def test_restore_over_a_conflicting_change_asks_and_writes_nothing(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    store = str(tmp_path / "prefs.json")
    write(store, {"theme": "dark"})
    locked_update_json(store, lambda d: {**d, "theme": "light"}, keep_versions=5)
    dock = make_dock(qtbot, pane)
    open_and_wait(pane, store)
    wait_listed(qtbot, dock, 1)
    set_key_in_other_process(store, "theme", "solarized")
    with open(store, "rb") as handle:
        before = handle.read()

    restore_first(qtbot, pane, dock, pane.save_ended_unwritten)

    assert pane.conflict_dialog is not None
    with open(store, "rb") as handle:
        assert handle.read() == before


def test_restore_refuses_while_there_are_unsaved_edits(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    store = str(tmp_path / "prefs.json")
    write(store, {"theme": "dark"})
    locked_update_json(store, lambda d: {**d, "theme": "light"}, keep_versions=5)
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="blue")

    assert not pane.restore_version({"theme": "dark"}, "earlier")

    assert pane.is_dirty
    assert "save or revert" in pane.error_bar.text.lower()
    assert read(store) == {"theme": "light"}


def test_the_table_counts_kept_versions_instead_of_listing_them(
    qtbot: Any, main_window: Any, store_folder: str
) -> None:
    from PySide6.QtCore import Qt as QtRoles

    from inspector.models.store_columns import Column

    store = os.path.join(store_folder, "settings.json")
    for n in range(3):
        locked_update_json(store, lambda d, n=n: {**d, "counter": n + 1}, keep_versions=5)
    model = main_window.model

    def tooltip() -> str:
        row = model.row_of(store)
        return model.index(row, Column.FILE).data(QtRoles.ItemDataRole.ToolTipRole) or ""

    main_window.refresh_action.trigger()  # a full listing folds every file of the store in

    qtbot.waitUntil(lambda: "3 kept versions" in tooltip(), timeout=5000)
    assert ".version-" not in tooltip()


def test_a_version_that_differs_in_its_byte_order_mark_and_line_endings_shows_them(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    """A program that rewrote the file without its BOM and with LF line endings: the diff of
    the version kept shows both, marked as Review changes marks them (before: the BOM was
    dropped from both texts before the diff -- a version differing only in it was said to hold
    "the same bytes as the file now" -- and each CR LF showed as a line break of its own)."""
    store = tmp_path / "prefs.json"
    store.write_bytes(b'\xef\xbb\xbf{\r\n  "theme": "dark"\r\n}\r\n')
    locked_replace_bytes(
        store, b'{\n  "theme": "dark"\n}\n', expected=store.read_bytes(), keep_versions=5
    )
    dock = make_dock(qtbot, pane)
    open_and_wait(pane, str(store))
    wait_listed(qtbot, dock, 1)

    dock.table.selectRow(0)

    qtbot.waitUntil(lambda: "⟨BOM⟩" in dock.diff_view.toPlainText(), timeout=5000)
    assert dock.diff_view.toPlainText().splitlines() == [
        "--- prefs.json (version)",
        "+++ prefs.json (now)",
        "@@ -1,3 +1,3 @@",
        "-⟨BOM⟩{␍␊",
        '-  "theme": "dark"␍␊',
        "-}␍␊",
        "+{",
        '+  "theme": "dark"',
        "+}",
    ]
