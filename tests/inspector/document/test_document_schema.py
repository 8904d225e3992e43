"""Schema checks in the document pane, on real files: errors at their entries, descriptions,
allowed values as a drop-down, defaults offered, and saving an invalid document asks first."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QComboBox, QMessageBox, QStyleOptionViewItem

from inspector.document import DocumentPane, UnsavedChoice
from inspector.document.tree_model import VALUE_COLUMN

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "theme": {"enum": ["dark", "light"], "description": "The colour scheme"},
        "sync": {
            "type": "object",
            "properties": {
                "interval": {"type": "integer", "minimum": 5, "description": "Seconds"},
                "enabled": {"type": "boolean", "default": True},
            },
        },
        "language": {"type": "string", "default": "en"},
        "recent": {"type": "array", "items": {"type": "string"}},
    },
}
DOCUMENT = {"theme": "blue", "sync": {"interval": 1}, "recent": ["/a", 7]}


def write(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return str(path)


@pytest.fixture
def store(tmp_path: Path) -> str:
    write(tmp_path / "settings.schema.json", SCHEMA)
    return write(tmp_path / "settings.json", DOCUMENT)


def open_and_check(qtbot: Any, pane: DocumentPane, path: str) -> None:
    with qtbot.waitSignal(pane.schema.checked, timeout=10000):
        pane.open_store(path)


def marker(pane: DocumentPane, *path: str | int) -> Any:
    return pane.model.index_for_json_path(*path).data(Qt.ItemDataRole.DecorationRole)


def tooltip(pane: DocumentPane, *path: str | int) -> str:
    return str(pane.model.index_for_json_path(*path).data(Qt.ItemDataRole.ToolTipRole) or "")


def test_errors_are_marked_at_their_entries_with_pointer_and_message(
    qtbot: Any, pane: DocumentPane, store: str
) -> None:
    open_and_check(qtbot, pane, store)
    assert pane.schema.label.text() == "schema: 3 errors"
    assert pane.schema.label.isVisible()
    for path in [("theme",), ("sync", "interval"), ("recent", 1)]:
        assert marker(pane, *path) is not None, path
    assert "Schema: /theme: " in tooltip(pane, "theme")
    assert "is not one of" in tooltip(pane, "theme")
    assert "Schema: /sync/interval: 1 is less than the minimum of 5" in tooltip(
        pane, "sync", "interval"
    )
    assert "Schema: /recent/1: 7 is not of type" in tooltip(pane, "recent", 1)
    assert marker(pane, "recent", 0) is None  # a valid entry has no marker
    assert marker(pane, "sync") is not None  # a container shows that something inside is wrong
    assert "an entry inside" in tooltip(pane, "sync")


def test_descriptions_are_tooltips_and_enums_are_drop_downs(
    qtbot: Any, pane: DocumentPane, store: str
) -> None:
    open_and_check(qtbot, pane, store)
    assert "The colour scheme" in tooltip(pane, "theme")
    assert "Seconds" in tooltip(pane, "sync", "interval")
    value = pane.model.index_for_json_path("theme").siblingAtColumn(VALUE_COLUMN)
    delegate = pane.tree_view.itemDelegate()
    editor = delegate.createEditor(pane.tree_view.viewport(), QStyleOptionViewItem(), value)
    try:
        assert isinstance(editor, QComboBox)
        assert [editor.itemText(i) for i in range(editor.count())] == ["dark", "light"]
        editor.setCurrentText("light")
        delegate.setModelData(editor, pane.model, value)
    finally:
        editor.deleteLater()
    assert pane.model.document()["theme"] == "light"
    qtbot.waitUntil(lambda: pane.schema.label.text() == "schema: 2 errors", timeout=10000)
    assert marker(pane, "theme") is None


def test_fixing_every_error_makes_it_valid(qtbot: Any, pane: DocumentPane, store: str) -> None:
    open_and_check(qtbot, pane, store)
    model = pane.model
    for path, value in [(("theme",), "dark"), (("sync", "interval"), "30"), (("recent", 1), "")]:
        index = model.index_for_json_path(*path).siblingAtColumn(VALUE_COLUMN)
        if path == ("recent", 1):
            type_index = index.siblingAtColumn(2)
            assert model.setData(type_index, "string")
        else:
            assert model.setData(index, value)
    qtbot.waitUntil(lambda: pane.schema.label.text() == "schema: valid", timeout=10000)
    assert marker(pane, "sync") is None


def test_saving_an_invalid_document_asks_first_and_never_blocks(
    qtbot: Any, pane: DocumentPane, store: str
) -> None:
    open_and_check(qtbot, pane, store)
    asked: list[str] = []
    pane.schema.save_prompt = lambda _parent, check, answer: (
        asked.append(check.summary()) or answer(False)
    )
    value = pane.model.index_for_json_path("recent", 0).siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(value, "/c")
    qtbot.waitUntil(lambda: not pane.schema.checking, timeout=10000)
    assert not pane.save()
    assert asked == ["schema: 3 errors"]
    with open(store, encoding="utf-8") as handle:
        assert json.load(handle) == DOCUMENT  # nothing written

    pane.schema.save_prompt = lambda _parent, _check, answer: answer(True)  # knows better
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()
    with open(store, encoding="utf-8") as handle:
        assert json.load(handle)["recent"] == ["/c", 7]


def test_a_valid_document_saves_without_asking(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    write(tmp_path / "ok.schema.json", SCHEMA)
    path = write(tmp_path / "ok.json", {"theme": "dark"})
    open_and_check(qtbot, pane, path)
    assert pane.schema.label.text() == "schema: valid"
    pane.schema.save_prompt = lambda *_args: pytest.fail("asked about a valid document")
    value = pane.model.index_for_json_path("theme").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(value, "light")
    qtbot.waitUntil(lambda: not pane.schema.checking, timeout=10000)
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()


def test_keys_the_schema_names_are_offered_with_their_defaults(
    qtbot: Any, pane: DocumentPane, store: str
) -> None:
    open_and_check(qtbot, pane, store)
    root = pane.model.node(pane.model.index(0, 0))
    menu = pane.schema.add_from_schema_menu(root, pane)
    assert menu is not None
    assert [action.text() for action in menu.actions()] == ["language = en"]
    menu.actions()[0].trigger()
    assert pane.model.document()["language"] == "en"
    sync = pane.model.node(pane.model.index_for_json_path("sync", "interval"))
    sync_menu = pane.schema.add_from_schema_menu(sync, pane)  # its object's missing keys
    assert sync_menu is not None
    assert [action.text() for action in sync_menu.actions()] == ["enabled = true"]
    sync_menu.actions()[0].trigger()
    assert pane.model.document()["sync"] == {"interval": 1, "enabled": True}
    pane.undo_stack.undo()
    assert "enabled" not in pane.model.document()["sync"]


def test_a_web_schema_is_not_fetched_and_said_so(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = write(tmp_path / "web.json", {"$schema": "https://example.com/s.json", "a": 1})
    open_and_check(qtbot, pane, path)
    assert pane.schema.label.text() == "schema: not fetched (https://example.com/s.json)"
    assert marker(pane, "a") is None


def test_a_store_without_schema_shows_nothing(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = write(tmp_path / "plain.json", {"a": 1})
    open_and_check(qtbot, pane, path)
    assert pane.schema.label.isHidden()
    assert pane.schema.last_check is not None
    assert pane.schema.last_check.source is None
    assert os.path.exists(path)


def test_errors_are_marked_in_the_raw_view_too(qtbot: Any, pane: DocumentPane, store: str) -> None:
    open_and_check(qtbot, pane, store)
    with qtbot.waitSignal(pane.schema.raw_marks_updated, timeout=10000):
        pane.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: len(pane.schema.raw_marks) == 3, timeout=10000)
    text = pane.raw_editor.toPlainText()
    marked = {text[start:end]: message for start, end, message in pane.schema.raw_marks}
    assert set(marked) == {'"theme": "blue"', '"interval": 1', "7"}
    assert marked['"interval": 1'].startswith("/sync/interval: 1 is less than the minimum")
    selections = pane.raw_editor.extraSelections()
    assert len(selections) == 3
    assert {s.cursor.selectedText() for s in selections} == set(marked)

    value = pane.model.index_for_json_path("theme").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(value, "dark")  # fixed: its mark goes
    qtbot.waitUntil(lambda: len(pane.schema.raw_marks) == 2, timeout=10000)
    text = pane.raw_editor.toPlainText()
    assert {text[s:e] for s, e, _ in pane.schema.raw_marks} == {'"interval": 1', "7"}


def test_a_document_shown_after_shutdown_starts_no_check_or_search(
    qtbot: Any, pane: DocumentPane, store: str
) -> None:
    from inspector.document.find import FindQuery

    open_and_check(qtbot, pane, store)
    pane.find_action.trigger()
    pane.shutdown()
    # What a load finishing late does: neither may start work on a closed worker pool.
    pane.schema.document_changed(at_once=True)
    pane.finder.search(FindQuery("theme"))
    pane.tabs.setCurrentIndex(1)
    pane.schema.update_raw_marks()
    assert not pane.finder.searching


def test_checks_turned_off_drop_the_marks_and_saving_asks_nothing(
    qtbot: Any, pane: DocumentPane, store: str
) -> None:
    open_and_check(qtbot, pane, store)
    assert marker(pane, "sync") is not None
    with qtbot.waitSignal(pane.schema.checked, timeout=10000) as cleared:
        pane.schema.set_enabled(False)  # Preferences: the folder's schema checks off
    assert cleared.args[0].source is None  # the table's "schema: N errors" goes too
    assert marker(pane, "sync") is None
    assert pane.schema.label.isHidden()
    pane.schema.save_prompt = lambda *_args: pytest.fail("asked with checks off")
    value = pane.model.index_for_json_path("theme").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(value, "green")
    assert not pane.schema.checking  # an edit starts no check
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()

    with qtbot.waitSignal(pane.schema.checked, timeout=10000):
        pane.schema.set_enabled(True)
    assert pane.schema.label.text() == "schema: 3 errors"


def _invalid_edit(qtbot: Any, pane: DocumentPane, store: str) -> None:
    open_and_check(qtbot, pane, store)
    value = pane.model.index_for_json_path("recent", 0).siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(value, "/c")
    qtbot.waitUntil(lambda: not pane.schema.checking, timeout=10000)


def _question(pane: DocumentPane) -> QMessageBox:
    question = pane.schema.question
    assert isinstance(question, QMessageBox)
    return question


def test_the_save_anyway_question_does_not_block_and_saves_on_yes(
    qtbot: Any, pane: DocumentPane, store: str
) -> None:
    _invalid_edit(qtbot, pane, store)

    assert pane.save()  # returns at once: the question is open, no event loop of its own
    question = _question(pane)
    assert question.isVisible()
    assert question.windowModality() == Qt.WindowModality.WindowModal
    assert "schema: 3 errors" in question.text()
    assert question.defaultButton() is question.button(QMessageBox.StandardButton.Cancel)
    with open(store, encoding="utf-8") as handle:
        assert json.load(handle) == DOCUMENT  # nothing written while it is asked
    with qtbot.waitSignal(pane.saved, timeout=10000):
        qtbot.mouseClick(
            question.button(QMessageBox.StandardButton.Save), Qt.MouseButton.LeftButton
        )
    assert pane.schema.question is None
    with open(store, encoding="utf-8") as handle:
        assert json.load(handle)["recent"] == ["/c", 7]


def test_the_save_anyway_question_answered_no_ends_the_save_unwritten(
    qtbot: Any, pane: DocumentPane, store: str
) -> None:
    _invalid_edit(qtbot, pane, store)
    assert pane.save()
    question = _question(pane)
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000) as ended:
        qtbot.keyClick(question, Qt.Key.Key_Escape)
    assert ended.args == [store]
    assert pane.is_dirty
    with open(store, encoding="utf-8") as handle:
        assert json.load(handle) == DOCUMENT


def test_the_save_anyway_question_closes_when_the_document_goes(
    qtbot: Any, pane: DocumentPane, store: str, tmp_path: Path
) -> None:
    _invalid_edit(qtbot, pane, store)
    assert pane.save()
    question = _question(pane)
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        pane.open_store(None)  # the window's own choice: the edits were asked about first
    assert not question.isVisible()
    assert pane.schema.question is None


# A popped-up menu, offscreen: the platform can neither raise it nor give it the keyboard.
@pytest.mark.qt_log_ignore(
    "This plugin does not support raise", "This plugin does not support grabbing"
)
def test_add_offers_the_keys_the_schema_names_with_their_defaults(
    qtbot: Any, pane: DocumentPane, store: str
) -> None:
    # Defaults were offered only in the tree's context menu ("Add from Schema"): the toolbar's
    # Add, and its key, offered a bare new key.
    open_and_check(qtbot, pane, store)
    sync = pane.model.index_for_json_path("sync", "interval")
    pane.tree_view.setCurrentIndex(sync)

    pane.add_action.trigger()

    menu = pane.add_menu
    assert menu is not None
    assert menu.isVisible()  # popped up: the call returned, no event loop of its own
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert texts == ["New Key", "enabled = true"]
    assert menu.activeAction().text() == "New Key"  # Enter adds a key of one's own
    assert pane.model.document()["sync"] == {"interval": 1}  # nothing added before a choice
    with qtbot.waitSignal(menu.aboutToHide, timeout=5000):
        qtbot.keyClick(menu, Qt.Key.Key_Down)
        qtbot.keyClick(menu, Qt.Key.Key_Return)
    assert pane.model.document()["sync"] == {"interval": 1, "enabled": True}
    pane.undo_stack.undo()  # one step
    assert pane.model.document()["sync"] == {"interval": 1}


def test_add_with_nothing_the_schema_offers_adds_a_new_key_at_once(
    qtbot: Any, pane: DocumentPane, store: str
) -> None:
    open_and_check(qtbot, pane, store)
    pane.tree_view.setCurrentIndex(pane.model.index_for_json_path("recent", 0))  # an array

    pane.add_action.trigger()

    assert pane.add_menu is None
    assert len(pane.model.document()["recent"]) == 3


# A popped-up menu, offscreen: the platform can neither raise it nor give it the keyboard.
@pytest.mark.qt_log_ignore(
    "This plugin does not support raise", "This plugin does not support grabbing"
)
def test_new_key_in_the_add_menu_adds_a_key_of_ones_own(
    qtbot: Any, pane: DocumentPane, store: str
) -> None:
    open_and_check(qtbot, pane, store)
    pane.tree_view.setCurrentIndex(pane.model.index_for_json_path("theme"))
    pane.add_action.trigger()
    menu = pane.add_menu
    assert menu is not None
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "New Key",
        "language = en",
    ]
    menu.actions()[0].trigger()
    menu.hide()
    document = pane.model.document()
    assert len(document) == len(DOCUMENT) + 1
    assert "language" not in document


@pytest.mark.parametrize("save_anyway", [True, False])
def test_closing_with_edits_the_schema_rejects_asks_and_follows_the_answer(
    qtbot: Any, pane: DocumentPane, store: str, save_anyway: bool
) -> None:
    # Letting the document go waits for the save it starts; the schema's question comes first.
    _invalid_edit(qtbot, pane, store)
    pane.unsaved_prompt = lambda _pane, choose: choose(UnsavedChoice.SAVE)
    answers: list[bool] = []
    pane.close_save_wait = 0.0  # how long a close waits for its save, from the save's start
    pane.close_when_ready(answers.append)
    question = _question(pane)
    QCoreApplication.processEvents()  # a wait of 0 s would end here, had it begun
    assert answers == []  # not answered, nor given up on, while the question is open
    pane.close_save_wait = 10.0
    if save_anyway:
        qtbot.mouseClick(
            question.button(QMessageBox.StandardButton.Save), Qt.MouseButton.LeftButton
        )
    else:
        question.reject()  # Cancel, Esc, the close button
    qtbot.waitUntil(lambda: answers == [save_anyway], timeout=10000)  # a "no" keeps it
    assert pane.is_dirty is not save_anyway
    with open(store, encoding="utf-8") as handle:
        assert (json.load(handle)["recent"] == ["/c", 7]) is save_anyway
