"""Issue 10: the tree shows a number as the file spells it (``1.50``, ``1E22``, ``1e999``,
``-0``), not as Python writes its value (``1.5``, ``1e+22``, ``Infinity``, ``0``); an edited
number shows what the save will write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from inspector.document import DocumentPane
from inspector.document.tree_model import VALUE_COLUMN
from lockcore import locked_replace_bytes

RAW = (
    b'{\n  "ratio": 1.50,\n  "big": 1E22,\n  "huge": 1e999,\n  "zero": -0,\n'
    b'  "list": [1.0e3, 2.5],\n  "n": 2\n}\n'
)


def _value(pane: DocumentPane, *path: str | int) -> str:
    return pane.model.index_for_json_path(*path).siblingAtColumn(VALUE_COLUMN).data()


def test_untouched_numbers_show_the_files_spelling(
    qtbot: Any, qtmodeltester: Any, pane: DocumentPane, tmp_path: Path, open_and_wait: Any
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(RAW)
    open_and_wait(pane, str(path))
    qtmodeltester.check(pane.model)

    shown = {key: _value(pane, key) for key in ("ratio", "big", "huge", "zero", "n")}
    assert shown == {"ratio": "1.50", "big": "1E22", "huge": "1e999", "zero": "-0", "n": "2"}
    assert [_value(pane, "list", i) for i in range(2)] == ["1.0e3", "2.5"]
    edit_role = pane.model.index_for_json_path("ratio").siblingAtColumn(VALUE_COLUMN)
    assert edit_role.data(Qt.ItemDataRole.EditRole) == "1.50"

    # An edited number shows what the save writes; back to its value, the file's spelling.
    ratio = pane.model.index_for_json_path("ratio").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(ratio, "2.5")
    assert _value(pane, "ratio") == "2.5"
    pane.undo_action.trigger()
    assert _value(pane, "ratio") == "1.50"
    assert pane.model.setData(ratio, "1.5")  # the same value as the file's: nothing to write
    assert _value(pane, "ratio") == "1.50"

    # A save of another entry keeps the spellings, in the file and in the tree.
    n = pane.model.index_for_json_path("n").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(n, "3")
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()
    assert path.read_bytes() == RAW.replace(b'"n": 2', b'"n": 3')
    assert _value(pane, "big") == "1E22"
    assert _value(pane, "n") == "3"
    qtmodeltester.check(pane.model)


def test_a_new_version_of_the_file_brings_its_spellings(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, open_and_wait: Any
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(RAW)
    open_and_wait(pane, str(path))
    with qtbot.waitSignal(pane.document_loaded, timeout=10000):
        path.write_bytes(RAW.replace(b"1.50", b"1.250").replace(b"1E22", b"1e22"))
        pane.notify_disk_change(str(path))
    assert _value(pane, "ratio") == "1.250"
    assert _value(pane, "big") == "1e22"


def test_a_big_files_spellings_come_after_it_is_shown(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, open_and_wait: Any, monkeypatch: Any
) -> None:
    import inspector.document.parsing

    monkeypatch.setattr(inspector.document.parsing, "INLINE_SPELLINGS_CHARS", 10)
    path = tmp_path / "settings.json"
    path.write_bytes(RAW)
    open_and_wait(pane, str(path))
    loaded = pane._session.loaded
    assert loaded is not None
    # Shown first (with Python's spelling, for a moment), then searched on the worker.
    qtbot.waitUntil(lambda: _value(pane, "ratio") == "1.50", timeout=10000)
    assert _value(pane, "huge") == "1e999"
    loaded = pane._session.loaded
    assert loaded is not None
    assert dict(loaded.number_spellings or ())[("big",)] == "1E22"


def test_a_merged_save_shows_the_spellings_of_what_it_wrote(
    qtbot: Any, qtmodeltester: Any, pane: DocumentPane, tmp_path: Path, open_and_wait: Any
) -> None:
    """Another process spelt a number its own way; the save merged onto its text, which keeps
    that spelling: the tree shows it too, not Python's."""
    path = tmp_path / "settings.json"
    path.write_bytes(b'{"ratio": 1.50, "n": 2, "m": 1}')
    open_and_wait(pane, str(path))
    n = pane.model.index_for_json_path("n").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(n, "3")
    locked_replace_bytes(
        str(path), b'{"ratio": 1.50, "n": 2, "m": 1E3}', expected=b'{"ratio": 1.50, "n": 2, "m": 1}'
    )
    with qtbot.waitSignal(pane.session.saved, timeout=10000) as saved:
        assert pane.save()
    assert saved.args[0].merged
    assert path.read_bytes() == b'{"ratio": 1.50, "n": 3, "m": 1E3}'
    assert [_value(pane, key) for key in ("ratio", "n", "m")] == ["1.50", "3", "1E3"]
    assert pane.loaded is not None
    assert dict(pane.loaded.number_spellings or ()) == {("ratio",): "1.50", ("m",): "1E3"}
    qtmodeltester.check(pane.model)


def test_the_document_a_save_leaves_is_the_file_as_written(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, open_and_wait: Any
) -> None:
    """After an ordinary save the pane's version of the file still says what the file is: its
    byte order mark, its non-standard values (the header says so) and its number spellings
    (what the tree shows when the version is shown again)."""
    path = tmp_path / "settings.json"
    path.write_bytes(b'\xef\xbb\xbf{"x": NaN, "ratio": 1.50, "n": 2}')
    open_and_wait(pane, str(path))
    assert "non-standard JSON" in pane.header.details.text()
    n = pane.model.index_for_json_path("n").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(n, "3")
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()
    assert path.read_bytes() == b'\xef\xbb\xbf{"x": NaN, "ratio": 1.50, "n": 3}'
    loaded = pane.loaded
    assert loaded is not None
    assert loaded.bom
    assert "NaN" in loaded.non_standard
    assert dict(loaded.number_spellings or ()) == {("ratio",): "1.50"}
    assert "non-standard JSON" in pane.header.details.text()
    assert _value(pane, "ratio") == "1.50"


def test_a_save_that_takes_the_last_non_standard_value_out_says_the_file_is_standard(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, open_and_wait: Any
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b'{"x": NaN, "n": 2}')
    open_and_wait(pane, str(path))
    x = pane.model.index_for_json_path("x").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(x, "1")
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()
    assert path.read_bytes() == b'{"x": 1, "n": 2}'
    assert pane.loaded is not None
    assert pane.loaded.non_standard == ""
    assert "non-standard JSON" not in pane.header.details.text()
