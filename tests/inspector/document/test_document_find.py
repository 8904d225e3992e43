"""Find in a document and go to a path: the pure search, the find bar in a real pane."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from inspector.document import DocumentPane
from inspector.document.find import (
    FindQuery,
    FindScope,
    PathSyntaxError,
    find_in_document,
    find_in_text,
    json_pointer,
    parse_path,
    resolve_path,
)
from inspector.document.nodes import JsonNode, format_json_path
from inspector.document.secrets import SecretPolicy

DOCUMENT: dict[str, Any] = {
    "server": {"host": "alpha.example", "ports": [80, 443, {"Alpha": "x"}]},
    "alphabet": "ALPHA",
    "sync": {"api_key": "alpha-secret"},
    "odd key/~": {"a.b": [None, True, "Alpha"]},
}


# -- the pure search --------------------------------------------------------------------------
def test_find_keys_values_and_both_in_document_order() -> None:
    both = find_in_document(DOCUMENT, FindQuery("alpha"), policy=SecretPolicy())
    assert both.paths == (
        ("server", "host"),
        ("server", "ports", 2, "Alpha"),
        ("alphabet",),
        ("odd key/~", "a.b", 2),
    )
    keys = find_in_document(DOCUMENT, FindQuery("alpha", FindScope.KEYS))
    assert keys.paths == (("server", "ports", 2, "Alpha"), ("alphabet",))
    values = find_in_document(DOCUMENT, FindQuery("alpha", FindScope.VALUES))
    assert ("alphabet",) in values.paths
    assert ("server", "ports", 2, "Alpha") not in values.paths  # its value "x" does not match
    assert ("sync", "api_key") in values.paths  # ...and without a policy nothing is masked


def test_case_sensitive_search() -> None:
    found = find_in_document(DOCUMENT, FindQuery("Alpha", case_sensitive=True))
    assert found.paths == (("server", "ports", 2, "Alpha"), ("odd key/~", "a.b", 2))


def test_masked_values_are_not_searched_until_revealed() -> None:
    hidden = find_in_document(DOCUMENT, FindQuery("secret"), policy=SecretPolicy())
    assert hidden.paths == ()
    shown = find_in_document(DOCUMENT, FindQuery("secret"), policy=SecretPolicy(revealed=True))
    assert shown.paths == (("sync", "api_key"),)
    secret_file = SecretPolicy(secret_file=True)
    assert find_in_document(DOCUMENT, FindQuery("443"), policy=secret_file).paths == ()
    assert find_in_document(DOCUMENT, FindQuery("host"), policy=secret_file).paths == (
        ("server", "host"),
    )  # keys stay visible in a secret file


def test_the_match_list_is_capped() -> None:
    found = find_in_document(list(range(50)), FindQuery("1"), limit=5)
    assert found.truncated
    assert len(found.paths) == 5


def test_find_in_text_counts_utf16_units_as_qt_does() -> None:
    text = '{"a": "\U0001f600 alpha", "b": "Alpha"}'
    spans, truncated = find_in_text(text, FindQuery("alpha"))
    assert not truncated
    utf16 = text.encode("utf-16-le")
    assert [utf16[2 * s.start : 2 * s.end].decode("utf-16-le") for s in spans] == [
        "alpha",
        "Alpha",
    ]


# -- paths --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "/odd key~1~0/a.b/2",
        "#/odd key~1~0/a.b/2",
        '$["odd key/~"]["a.b"][2]',
        "$['odd key/~']['a.b'][-1]",
        '["odd key/~"]["a.b"][2]',
    ],
)
def test_paths_in_every_form_resolve_to_the_same_entry(text: str) -> None:
    assert resolve_path(DOCUMENT, parse_path(text)) == ("odd key/~", "a.b", 2)


def test_copied_paths_and_pointers_round_trip() -> None:
    for path in [(), ("server", "ports", 1), ("odd key/~", "a.b", 0), ("server", "host")]:
        assert resolve_path(DOCUMENT, parse_path(format_json_path(path))) == path
        assert resolve_path(DOCUMENT, parse_path(json_pointer(path))) == path


@given(st.recursive(st.none() | st.integers() | st.text(max_size=3),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                    max_leaves=12))  # fmt: skip
def test_every_entry_is_reached_by_its_copied_path_and_its_pointer(document: Any) -> None:
    stack = [JsonNode.from_json(document)]
    while stack:
        node = stack.pop()
        path = node.json_path()
        assert resolve_path(document, parse_path(format_json_path(path))) == path
        assert resolve_path(document, parse_path(json_pointer(path))) == path
        stack.extend(node.children)


def test_paths_that_are_not_there_say_why() -> None:
    with pytest.raises(LookupError, match="no key 'nope'"):
        resolve_path(DOCUMENT, parse_path("server.nope"))
    with pytest.raises(LookupError, match="no item 7"):
        resolve_path(DOCUMENT, parse_path("/server/ports/7"))
    with pytest.raises(PathSyntaxError):
        parse_path("server[oops")


# -- the find bar in a pane -------------------------------------------------------------------
BIG = {
    "meta": {"name": "settings"},
    "items": [{"id": i, "label": f"item {i}", "tags": ["x"] * (i % 3)} for i in range(3000)],
    "tail": {"needle": "found me", "deep": {"deeper": {"needle2": "NEEDLE"}}},
}


@pytest.fixture
def big_store(tmp_path: Any) -> str:
    path = os.path.join(str(tmp_path), "big.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(BIG, handle, indent=2)
    return path


def type_and_find(qtbot: Any, pane: DocumentPane, text: str) -> None:
    bar = pane.find_bar
    bar.find_field.setText(text)
    bar.search_now()
    qtbot.waitUntil(lambda: not pane.finder.searching, timeout=10000)


def test_ctrl_f_in_the_pane_finds_and_reveals_only_the_path(
    qtbot: Any, pane: DocumentPane, big_store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, big_store)
    pane.tree_view.setFocus()
    pane.find_action.trigger()
    assert pane.find_bar.isVisible()
    assert pane.find_bar.find_field.hasFocus()
    type_and_find(qtbot, pane, "item 2999")
    assert pane.find_bar.count_label.text() == "1 of 1"
    current = pane.model.node(pane.tree_view.currentIndex())
    assert current is not None
    assert current.json_path() == ("items", 2999, "label")
    assert pane.tree_view.isExpanded(pane.model.index_for_json_path("items", 2999))
    items = pane.model.index_for_json_path("items")
    assert pane.tree_view.isExpanded(items)
    # Only the path was built: the other 2999 items have no member nodes.
    items_node = pane.model.node(items)
    assert items_node is not None
    assert sum(child.built_count for child in items_node.built_children()) == 3
    assert not pane.tree_view.isExpanded(pane.model.index_for_json_path("items", 2998))


def test_next_previous_wrap_with_f3_and_enter(
    qtbot: Any, pane: DocumentPane, big_store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, big_store)
    pane.find_action.trigger()
    bar = pane.find_bar
    bar.case_box.setChecked(True)
    bar.scope_box.setCurrentIndex(bar.scope_box.findData(FindScope.KEYS))
    type_and_find(qtbot, pane, "needle")
    assert pane.finder.match_count == 2  # keys only, case-sensitive: needle, needle2

    def current_path() -> tuple[Any, ...]:
        node = pane.model.node(pane.tree_view.currentIndex())
        assert node is not None
        return node.json_path()

    assert current_path() == ("tail", "needle")
    qtbot.keyClick(bar.find_field, Qt.Key.Key_Return)
    assert current_path() == ("tail", "deep", "deeper", "needle2")
    assert bar.count_label.text() == "2 of 2"
    qtbot.keyClick(bar.find_field, Qt.Key.Key_Return)  # wraps
    assert current_path() == ("tail", "needle")
    qtbot.keyClick(bar.find_field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert current_path() == ("tail", "deep", "deeper", "needle2")
    pane.tree_view.setFocus()
    qtbot.keyClick(pane.tree_view, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert current_path() == ("tail", "needle")
    qtbot.keyClick(pane.tree_view, Qt.Key.Key_F3)
    assert current_path() == ("tail", "deep", "deeper", "needle2")
    bar.scope_box.setCurrentIndex(bar.scope_box.findData(FindScope.VALUES))
    qtbot.waitUntil(lambda: not pane.finder.searching)
    assert pane.finder.match_count == 0  # no value holds "needle" in this case
    bar.case_box.setChecked(False)
    qtbot.waitUntil(lambda: not pane.finder.searching)
    assert bar.count_label.text() == "1 of 1"  # "NEEDLE"
    assert current_path() == ("tail", "deep", "deeper", "needle2")
    qtbot.keyClick(bar.find_field, Qt.Key.Key_Escape)
    assert bar.isHidden()


def test_find_in_the_raw_view_selects_the_text(
    qtbot: Any, pane: DocumentPane, big_store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, big_store)
    pane.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=10000)
    pane.find_action.trigger()
    type_and_find(qtbot, pane, "FOUND ME")
    assert pane.raw_editor.textCursor().selectedText() == "found me"
    assert pane.find_bar.count_label.text() == "1 of 1"
    type_and_find(qtbot, pane, '"needle')
    assert pane.finder.match_count == 3  # "needle", "needle2" and "NEEDLE"
    pane.finder.step()
    pane.finder.step()
    assert pane.raw_editor.textCursor().selectedText() == '"NEEDLE'
    assert pane.find_bar.count_label.text() == "3 of 3"


def test_go_to_path_accepts_what_copy_path_gives_and_pointers(
    qtbot: Any, pane: DocumentPane, big_store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, big_store)
    pane.find_action.trigger()
    field = pane.find_bar.path_field
    for text, expected in [
        ("items[1502].tags[1]", ("items", 1502, "tags", 1)),
        ("/tail/deep/deeper", ("tail", "deep", "deeper")),
        ("$.meta.name", ("meta", "name")),
    ]:
        field.setText(text)
        qtbot.keyClick(field, Qt.Key.Key_Return)
        node = pane.model.node(pane.tree_view.currentIndex())
        assert node is not None
        assert node.json_path() == expected
    with qtbot.waitSignal(pane.status_message) as blocker:
        field.setText("/items/3000")
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert "no item 3000" in blocker.args[0]
    assert pane.find_bar.count_label.text() == "No such path"


def test_an_edit_updates_the_matches(
    qtbot: Any, pane: DocumentPane, big_store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, big_store)
    pane.find_action.trigger()
    type_and_find(qtbot, pane, "found me")
    assert pane.finder.match_count == 1
    index = pane.model.index_for_json_path("meta", "name").siblingAtColumn(1)
    assert pane.model.setData(index, "found me too")
    qtbot.waitUntil(lambda: pane.finder.match_count == 2 and not pane.finder.searching)


def test_find_bar_widgets_have_accessible_names(pane: DocumentPane) -> None:
    pane.find_action.trigger()
    bar = pane.find_bar
    for widget in (bar.find_field, bar.scope_box, bar.case_box, bar.previous_button,
                   bar.next_button, bar.path_field, bar.close_button):  # fmt: skip
        assert widget.accessibleName()


@given(
    st.text(alphabet="abAB\U0001f600", max_size=60),
    st.text(alphabet="abAB", min_size=1, max_size=3),
)
def test_the_chunked_text_search_finds_what_one_scan_finds(text: str, needle: str) -> None:
    import re

    import inspector.document.find as find_module

    expected = [m.span() for m in re.finditer(re.escape(needle), text, re.IGNORECASE)]
    saved = find_module._TEXT_CHUNK
    find_module._TEXT_CHUNK = 4  # many chunk boundaries, some inside matches
    try:
        spans = list(find_module._spans(re.compile(re.escape(needle), re.IGNORECASE), text))
    finally:
        find_module._TEXT_CHUNK = saved
    assert spans == expected


# -- find in the raw view: the text the editor was given, searched on the worker -------------
EMOJI = {
    "a": "\U0001f600\U0001f600 needle",
    "b": ["\U0001f389", "Needle", "caf\u00e9"],
    "c": {"needle": "x\U0001f680"},
}


@pytest.fixture
def emoji_store(tmp_path: Any) -> str:
    path = os.path.join(str(tmp_path), "emoji.json")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        json.dump(EMOJI, handle, indent=2, ensure_ascii=False)
    return path


def show_raw_and_find(qtbot: Any, pane: DocumentPane, text: str) -> None:
    pane.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=10000)
    pane.find_action.trigger()
    type_and_find(qtbot, pane, text)


def selected(pane: DocumentPane) -> str:
    return pane.raw_editor.textCursor().selectedText()


def test_raw_find_selects_the_right_spans_after_characters_beyond_the_bmp(
    qtbot: Any, pane: DocumentPane, emoji_store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, emoji_store)
    show_raw_and_find(qtbot, pane, "needle")
    bar = pane.find_bar
    assert pane.finder.match_count == 3
    assert (selected(pane), bar.count_label.text()) == ("needle", "1 of 3")
    cursor = pane.raw_editor.textCursor()
    before = pane.raw_editor.toPlainText().encode("utf-16-le")[: 2 * cursor.selectionStart()]
    assert before.decode("utf-16-le").endswith('"\U0001f600\U0001f600 ')
    qtbot.keyClick(bar.find_field, Qt.Key.Key_Return)
    assert (selected(pane), bar.count_label.text()) == ("Needle", "2 of 3")
    pane.raw_editor.setFocus()
    qtbot.keyClick(pane.raw_editor, Qt.Key.Key_F3)
    assert (selected(pane), bar.count_label.text()) == ("needle", "3 of 3")
    qtbot.keyClick(pane.raw_editor, Qt.Key.Key_F3)  # wraps to the first
    assert (selected(pane), bar.count_label.text()) == ("needle", "1 of 3")
    qtbot.keyClick(pane.raw_editor, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert (selected(pane), bar.count_label.text()) == ("needle", "3 of 3")  # and back
    bar.case_box.setChecked(True)
    qtbot.waitUntil(lambda: not pane.finder.searching)
    assert pane.finder.match_count == 2
    type_and_find(qtbot, pane, "Needle")
    assert (selected(pane), bar.count_label.text()) == ("Needle", "1 of 1")
    type_and_find(qtbot, pane, "\U0001f680")
    assert (selected(pane), bar.count_label.text()) == ("\U0001f680", "1 of 1")


def test_raw_find_in_a_crlf_file_selects_what_was_found(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = os.path.join(str(tmp_path), "crlf.json")
    text = json.dumps(EMOJI, indent=2, ensure_ascii=False).replace("\n", "\r\n")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    open_and_wait(pane, path)
    show_raw_and_find(qtbot, pane, "needle")
    assert pane.finder.match_count == 3
    for expected in ("Needle", "needle", "needle"):
        pane.finder.step()
        assert selected(pane) == expected
    # Shown as a long text is (not highlighted), the editor's text is searched as given, CR
    # LF and all, and each CR LF before a match counted as Qt's one line break.
    pane.raw_editor.set_json_text(text, highlight=False)
    assert pane.raw_editor.search_text() is text
    type_and_find(qtbot, pane, "x\U0001f680")
    assert (selected(pane), pane.find_bar.count_label.text()) == ("x\U0001f680", "1 of 1")
    type_and_find(qtbot, pane, "needle")
    assert selected(pane) == "needle"
    for expected in ("Needle", "needle", "needle", "Needle"):  # wrapping around
        pane.finder.step()
        assert selected(pane) == expected


def test_raw_find_searches_the_text_as_typed(
    qtbot: Any, pane: DocumentPane, emoji_store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, emoji_store)
    show_raw_and_find(qtbot, pane, "typed here")
    assert pane.finder.match_count == 0
    cursor = pane.raw_editor.textCursor()
    cursor.setPosition(1)
    pane.raw_editor.setTextCursor(cursor)
    qtbot.keyClicks(pane.raw_editor, '"k": "typed here",')
    # The typed text is checked after a pause, and the matches found again in it.
    qtbot.waitUntil(lambda: pane.finder.match_count == 1 and not pane.finder.searching)
    pane.finder.step()
    assert (selected(pane), pane.find_bar.count_label.text()) == ("typed here", "1 of 1")


def test_the_raw_editor_hands_out_the_text_it_was_given_without_copying_it(
    qtbot: Any,
) -> None:
    from inspector.document.raw_editor import RawJsonEditor

    editor = RawJsonEditor()
    qtbot.addWidget(editor)
    text = json.dumps({"k": ["\U0001f600 v"] * 20_000}, indent=2, ensure_ascii=False)
    editor.set_json_text(text, highlight=False)  # as a long text is shown
    qtbot.waitUntil(lambda: not editor.is_loading, timeout=20000)
    assert editor.full_text() is text  # no 20 MB toPlainText() copy on the GUI thread
    crlf = text.replace("\n", "\r\n")
    editor.set_json_text(crlf, highlight=False)  # Qt's plain text of it has plain line breaks
    qtbot.waitUntil(lambda: not editor.is_loading, timeout=20000)
    assert editor.full_text() == editor.toPlainText() == text
    assert editor.search_text() is crlf  # searched as given: a CR LF counted as one position
    for highlight in (False, True):
        editor.set_json_text("{}", highlight=highlight)
        editor.textCursor().insertText(" ")  # any change: the text given is no longer it
        assert editor.full_text() == " {}"


@given(
    st.text(alphabet="abAB\U0001f600\r\n", max_size=60),
    st.text(alphabet="abAB", min_size=1, max_size=3),
)
def test_raw_find_positions_are_qt_positions_across_chunks(text: str, needle: str) -> None:
    import inspector.document.find as find_module

    saved = find_module._TEXT_CHUNK
    find_module._TEXT_CHUNK = 3  # counting goes a few characters at a time
    try:
        spans, _ = find_in_text(text, FindQuery(needle))
    finally:
        find_module._TEXT_CHUNK = saved
    utf16 = text.replace("\r\n", "\n").encode("utf-16-le")  # as a QTextDocument holds it
    assert [utf16[2 * s.start : 2 * s.end].decode("utf-16-le").lower() for s in spans] == [
        needle.lower()
    ] * len(spans)
    assert len(spans) == text.lower().count(needle.lower())


def _paths_in_document_order(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every entry's path, parent before its members, members in order (recursive: small)."""
    paths = [path]
    if isinstance(value, dict):
        for name, member in value.items():
            paths += _paths_in_document_order(member, (*path, name))
    elif isinstance(value, list):
        for position, member in enumerate(value):
            paths += _paths_in_document_order(member, (*path, position))
    return paths


@given(st.recursive(st.none() | st.integers() | st.just("x"),
                    lambda inner: st.lists(inner, max_size=7)
                    | st.dictionaries(st.text(alphabet="xy", max_size=3), inner, max_size=7),
                    max_leaves=40))  # fmt: skip
def test_the_tree_search_hands_over_in_slices_and_keeps_document_order(document: Any) -> None:
    import inspector.document.find as find_module

    saved = find_module._HAND_OVER_EVERY
    find_module._HAND_OVER_EVERY = 2  # long arrays and objects go on the stack in slices
    try:
        found = find_in_document(document, FindQuery("x")).paths
    finally:
        find_module._HAND_OVER_EVERY = saved
    expected = [
        path
        for path in _paths_in_document_order(document)
        if (path and isinstance(path[-1], str) and "x" in path[-1])
        or _value_at(document, path) == "x"
    ]
    assert list(found) == expected


def _value_at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document
