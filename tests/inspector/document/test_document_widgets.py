"""The pane's widgets as a user drives them: keys, actions, editors, the conflict dialog."""

import json
import time
from typing import Any

from _documents import read_bytes, write
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QMainWindow, QRadioButton, QStyleOptionViewItem

from inspector.document import ConflictChoice, ConflictDecision, ConflictDialog, DocumentPane
from inspector.document.conflict_text import SIDE_BY_SIDE_LIMIT, line_numbers
from inspector.document.merge import ItemSpan, Side, three_way_merge
from inspector.document.results import NO_DOCUMENT
from inspector.document.secrets import SecretPolicy
from inspector.document.tree_model import TYPE_COLUMN, VALUE_COLUMN


def test_ctrl_z_in_the_raw_editor_reaches_the_windows_undo_action(
    qtbot: Any, store: str, open_and_wait: Any
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    pane = DocumentPane()
    window.setCentralWidget(pane)
    undo = QAction("Undo", window)
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    undo.triggered.connect(pane.undo_stack.undo)
    triggered: list[bool] = []
    undo.triggered.connect(lambda: triggered.append(True))
    window.addAction(undo)
    window.show()
    open_and_wait(pane, store)
    pane.set_secrets_revealed(True)
    pane.model.setData(
        pane.model.index_for_json_path("theme").siblingAtColumn(VALUE_COLUMN), "light"
    )
    pane.tabs.setCurrentIndex(1)
    pane.raw_editor.setFocus()
    qtbot.keyClick(pane.raw_editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert triggered == [True]  # the window's action, not the editor, handled the key
    assert pane.model.document()["theme"] == "dark"
    assert '"dark"' in pane.raw_editor.toPlainText()
    pane.shutdown()


def test_ctrl_z_without_a_window_action_undoes_raw_typing(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = str(tmp_path / "plain.json")
    write(path, {"a": 1})
    open_and_wait(pane, path)
    pane.tabs.setCurrentIndex(1)
    pane.raw_editor.setPlainText('{"a": 2}')  # not yet validated
    qtbot.keyClick(pane.raw_editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert pane.model.document() == {"a": 1}
    assert json.loads(pane.raw_editor.toPlainText()) == {"a": 1}
    assert pane.undo_stack.canRedo()


def test_add_and_delete_actions(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, store)
    sync = pane.model.index_for_json_path("sync")
    pane.tree_view.setCurrentIndex(sync)
    pane.add_action.trigger()
    assert "new_key" in pane.model.document()["sync"]
    qtbot.keyClick(pane.tree_view.focusWidget() or pane.tree_view, Qt.Key.Key_Escape)
    pane.tree_view.setCurrentIndex(pane.model.index_for_json_path("proxy"))
    assert pane.delete_action.isEnabled()
    pane.delete_action.trigger()
    assert "proxy" not in pane.model.document()
    pane.tree_view.setCurrentIndex(pane.model.index(0, 0))
    assert not pane.delete_action.isEnabled()  # the root cannot be deleted


def test_type_column_edits_with_a_combo_box(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, store)
    index = pane.model.index_for_json_path("counter").siblingAtColumn(TYPE_COLUMN)
    delegate = pane.tree_view.itemDelegate()
    editor = delegate.createEditor(pane.tree_view.viewport(), QStyleOptionViewItem(), index)
    assert isinstance(editor, QComboBox)
    delegate.setEditorData(editor, index)
    assert editor.currentText() == "integer"
    editor.setCurrentText("string")
    delegate.setModelData(editor, pane.model, index)
    assert pane.model.document()["counter"] == "0"
    editor.deleteLater()


def test_shutdown_while_waiting_for_a_lock_is_prompt(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any, lock_holder: Any
) -> None:
    open_and_wait(pane, store)
    pane.model.setData(
        pane.model.index_for_json_path("theme").siblingAtColumn(VALUE_COLUMN), "light"
    )
    lock_holder(store)
    before = read_bytes(store)
    assert pane.save()
    qtbot.waitUntil(lambda: "held by PID" in pane.progress_bar.text, timeout=5000)
    started = time.monotonic()
    pane.shutdown()
    assert time.monotonic() - started < 3
    assert read_bytes(store) == before


def test_conflict_dialog_marks_conflicting_lines_and_masks(qtbot: Any) -> None:
    base = {"a": 1, "token": "t0", "n": {"x": 1}}
    mine = {"a": 2, "token": "MINE-SECRET", "n": {"x": 2}}
    theirs = {"a": 3, "token": "THEIRS-SECRET", "n": {"x": 1}}
    conflicts = tuple(three_way_merge(base, mine, theirs).conflicts)
    assert [c.path for c in conflicts] == [("a",), ("token",)]
    dialog = ConflictDialog(
        "settings.json", mine=mine, theirs=theirs, conflicts=conflicts, policy=SecretPolicy()
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.choice_made) as blocker:
        dialog.open()
        qtbot.mouseClick(dialog.reload_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [ConflictDecision(ConflictChoice.RELOAD)]
    text = dialog.mine_view.toPlainText() + dialog.theirs_view.toPlainText()
    text += table_text(dialog)
    assert "SECRET" not in text
    marked = [s.cursor.blockNumber() for s in dialog.mine_view.extraSelections()]
    assert marked == [1, 2]


def table_text(dialog: ConflictDialog) -> str:
    """Every cell of the conflict table as shown (items and radio buttons)."""
    table = dialog.conflict_table
    cells = []
    for row in range(table.rowCount()):
        for column in range(table.columnCount()):
            item = table.item(row, column)
            widget = table.cellWidget(row, column)
            if item is not None:
                cells.append(item.text())
            elif widget is not None:
                cells.extend(radio.text() for radio in widget.findChildren(QRadioButton))
    return " | ".join(cells)


def sample_conflict_dialog(qtbot: Any, **options: Any) -> ConflictDialog:
    base = {"a": 1, "b": [1, 2, 3], "c": "x"}
    mine = {"a": 2, "b": [1, 3], "c": "mine"}
    theirs = {"a": 3, "b": [1, 20, 3], "c": "theirs", "d": True}
    conflicts = tuple(three_way_merge(base, mine, theirs).conflicts)
    dialog = ConflictDialog(
        "settings.json",
        mine=mine,
        theirs=theirs,
        conflicts=conflicts,
        policy=SecretPolicy(),
        **options,
    )
    qtbot.addWidget(dialog)
    return dialog


def test_conflict_dialog_asks_mine_or_theirs_for_each_entry(qtbot: Any) -> None:
    dialog = sample_conflict_dialog(qtbot)
    keys = [c.key for c in dialog.conflicts]
    assert keys == [(("a",), None), (("b",), ItemSpan(1, 2)), (("c",), None)]
    assert table_text(dialog) == (
        'a | 1 | 2 | 3 | b[1] | 2 | (deleted) | 20 | c | "x" | "mine" | "theirs"'
    )
    assert not dialog.save_button.isEnabled()  # no entry decided yet
    dialog.choose(ConflictChoice.MERGE)  # refused while an entry has no choice
    assert dialog.decision.choice is ConflictChoice.CANCEL

    dialog.show()
    dialog.choose_all(Side.THEIRS)
    radio = radio_of(dialog, 1, Side.MINE)
    indicator = QPoint(6, radio.height() // 2)  # a radio button takes clicks on its circle
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=indicator)
    assert dialog.sides() == {keys[0]: Side.THEIRS, keys[1]: Side.MINE, keys[2]: Side.THEIRS}
    assert dialog.save_button.isEnabled()
    with qtbot.waitSignal(dialog.choice_made) as blocker:
        dialog.open()
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [ConflictDecision(ConflictChoice.MERGE, dialog.sides())]


def radio_of(dialog: ConflictDialog, row: int, side: Side) -> QRadioButton:
    column = dialog.MINE if side is Side.MINE else dialog.THEIRS
    widget = dialog.conflict_table.cellWidget(row, column)
    assert widget is not None
    [radio] = widget.findChildren(QRadioButton)
    return radio


def test_conflict_dialog_shortcuts_and_whole_file_replacement(qtbot: Any) -> None:
    dialog = sample_conflict_dialog(qtbot)
    dialog.show()
    qtbot.mouseClick(dialog.all_mine_button, Qt.MouseButton.LeftButton)
    assert set(dialog.sides().values()) == {Side.MINE}
    qtbot.mouseClick(dialog.all_theirs_button, Qt.MouseButton.LeftButton)
    assert set(dialog.sides().values()) == {Side.THEIRS}
    assert "discarded, also to entries not listed" in dialog.replace_button.toolTip()
    with qtbot.waitSignal(dialog.choice_made) as blocker:
        dialog.open()
        qtbot.mouseClick(dialog.replace_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [ConflictDecision(ConflictChoice.REPLACE_FILE)]


def test_conflict_dialog_for_long_documents_shows_the_table_only(qtbot: Any) -> None:
    base = {"a": 1, "items": list(range(SIDE_BY_SIDE_LIMIT))}
    mine, theirs = {**base, "a": 2}, {**base, "a": 3}
    conflicts = tuple(three_way_merge(base, mine, theirs).conflicts)
    dialog = ConflictDialog(
        "big.json", mine=mine, theirs=theirs, conflicts=conflicts, policy=SecretPolicy()
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    # Laying out and highlighting every line would hold the GUI thread (seconds at 100,000).
    assert not dialog.mine_view.isVisible()
    assert not dialog.theirs_view.isVisible()
    assert dialog.mine_view.toPlainText() == ""
    assert "too many to show side by side" in dialog.side_by_side_note.text()
    assert table_text(dialog) == "a | 1 | 2 | 3"

    small = {"a": 1, "items": list(range(10))}
    dialog = ConflictDialog(
        "small.json",
        mine={**small, "a": 2},
        theirs={**small, "a": 3},
        conflicts=conflicts,
        policy=SecretPolicy(),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.mine_view.isVisible()


def test_every_keyboard_stop_of_the_conflict_dialog_is_named(qtbot: Any) -> None:
    dialog = sample_conflict_dialog(qtbot)
    dialog.show()
    qtbot.waitExposed(dialog)
    stops = []
    widget = dialog.nextInFocusChain()
    while widget is not dialog:
        if widget.isVisible() and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            stops.append(widget)
        widget = widget.nextInFocusChain()
    names = [w.accessibleName() or getattr(w, "text", str)() for w in stops]
    assert all(name.strip() for name in names), names
    assert "Keep mine for b[1]: (deleted)" in names
    assert 'Keep theirs for c: "theirs"' in names
    assert "Entries changed on both sides" in names


def test_conflict_dialog_after_another_change_keeps_earlier_choices(qtbot: Any) -> None:
    first = (("a",), None)
    dialog = sample_conflict_dialog(qtbot, sides={first: Side.MINE}, again=True)
    dialog.show()
    assert dialog.again_label.isVisible()
    assert dialog.sides() == {first: Side.MINE}
    entries = [dialog.conflict_table.item(row, dialog.ENTRY).text() for row in range(3)]
    assert entries == ["a", "b[1]   (new)", "c   (new)"]
    assert "2 more entries" in dialog.save_button.toolTip()
    assert dialog.focusWidget() is radio_of(dialog, 1, Side.MINE)  # the first to decide


def test_line_numbers_follow_json_dumps_layout() -> None:
    document = {"a": 1, "b": {"c": [1, {"x": 2}], "e": {}}, "z": []}
    lines = json.dumps(document, indent=2).split("\n")
    for path, number in line_numbers(document).items():
        if path:
            step = path[-1]
            assert (f'"{step}"' in lines[number]) if isinstance(step, str) else True
    assert line_numbers(document)[("z",)] == 11
    assert line_numbers(NO_DOCUMENT) == {}
