"""Big documents: children fetched lazily, the GIL-friendly parser, raw views of long texts."""

import json
import os
from typing import Any

import pytest
from PySide6.QtGui import QUndoStack

from inspector.document import DocumentPane
from inspector.document.pane.header import header_content
from inspector.document.parsing import DEFAULT_SIZE_LIMIT, RAW_EDIT_LIMIT, detect_indent
from inspector.document.raw_view import HIDDEN_BIG_TEXT
from inspector.document.results import DocumentKind, ParseError
from inspector.document.text import LONG_LINE_CHARS, shorten_long_lines
from inspector.document.tree_model import VALUE_COLUMN, JsonTreeModel
from inspector.document.yielding_json import PROBE_CHARS, loads_yielding


def lazy_model(document: Any, batch: int = 50) -> JsonTreeModel:
    stack = QUndoStack()
    model = JsonTreeModel(stack, fetch_batch=batch)
    model._test_stack = stack  # type: ignore[attr-defined]  # keep the stack alive
    model.set_document(document, root_label="big.json")
    return model


def big_document(items: int) -> dict[str, Any]:
    return {
        "meta": {"version": 1},
        "items": [{"id": i, "name": f"item {i}", "tags": ["a", "b"]} for i in range(items)],
    }


def test_children_are_fetched_in_batches() -> None:
    model = lazy_model(big_document(120))
    root = model.index(0, 0)
    assert model.hasChildren(root)
    assert model.rowCount(root) == 0
    assert model.canFetchMore(root)
    model.fetchMore(root)
    assert model.rowCount(root) == 2
    assert not model.canFetchMore(root)
    items = model.index(1, 0, root)
    node = model.node(items)
    assert node is not None
    assert model.hasChildren(items)
    assert (model.rowCount(items), model.canFetchMore(items)) == (0, True)
    model.fetchMore(items)
    assert (model.rowCount(items), model.canFetchMore(items)) == (50, True)
    assert node.built_count == 0  # rows announced; no member node built until asked for
    assert model.index(9, 0, items).isValid()
    assert node.built_count == 10
    assert not model.index(50, 0, items).isValid()  # not fetched yet
    model.fetchMore(items)
    model.fetchMore(items)
    assert (model.rowCount(items), model.canFetchMore(items)) == (120, False)
    leaf = model.index(0, VALUE_COLUMN, items)
    assert not model.hasChildren(leaf)  # only the key column has children
    assert not model.canFetchMore(leaf)


def test_model_tester_on_a_lazily_loaded_model(qtmodeltester: Any) -> None:
    # The tester stays attached and re-walks every fetched row on each signal (fetching a batch
    # more under each node every time), so the document is big-ish, not big.
    document = big_document(300)
    model = lazy_model(document, batch=25)
    qtmodeltester.check(model)
    items = model.index_for_json_path("items")
    assert 0 < model.rowCount(items) < 300
    # Edits inside and beyond the fetched rows, then the file changing under them.
    assert model.setData(model.index_for_json_path("items", 3, "name").siblingAtColumn(1), "x")
    model.insert_entry(items)  # appended after row 299: not fetched, so not announced
    model.remove_entry(model.index_for_json_path("items", 1))
    edited = model.document()
    assert edited["items"][2]["name"] == "x"
    assert len(edited["items"]) == 300
    assert edited["items"][-1] == ""
    changed = json.loads(json.dumps(edited))
    changed["items"][5]["name"] = "changed on disk"
    del changed["items"][-3:]
    model.set_document(changed)  # follows the file in place
    assert model.document() == changed


def test_index_for_a_deep_path_fetches_the_rows_above_it() -> None:
    model = lazy_model(big_document(500))
    index = model.index_for_json_path("items", 420, "id")
    assert index.isValid()
    assert index.siblingAtColumn(VALUE_COLUMN).data() == "420"
    items = model.index_for_json_path("items")
    assert 420 < model.rowCount(items) <= 500
    assert index.parent().parent() == items


def test_edit_in_partly_built_array_undo_and_document() -> None:
    document = big_document(300)
    model = lazy_model(document)
    target = model.index_for_json_path("items", 7, "id").siblingAtColumn(VALUE_COLUMN)
    assert model.setData(target, "77")
    assert model.document()["items"][7]["id"] == 77
    assert model.document()["items"][299] == document["items"][299]
    model._test_stack.undo()  # type: ignore[attr-defined]
    assert model.document() == document


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"a": {"b": {"c": [{"x": list(range(40))} for _ in range(3000)]}}}),
        json.dumps([[{"k": "v" * 100}] * 800] * 3, indent=2),
        json.dumps({"s": "x" * (PROBE_CHARS * 2), "n": [1.5, -2e10, None, True]}),
        '{"dup": 1, "dup": ' + json.dumps(list(range(30000))) + "}",
    ],
)
def test_yielding_parser_equals_json_loads(text: str) -> None:
    assert loads_yielding(text) == json.loads(text)


@pytest.mark.parametrize(
    "text", ['{"a": 1,}', "[1, 2", '{"a" 1}', "", '{"a": [1]} x', "[" + "1," * 40000 + "]"]
)
def test_yielding_parser_errors_read_like_json_loads(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as got:
        loads_yielding(text)
    assert str(got.value) == str(expected.value)


def test_detect_indent_reads_only_the_first_lines() -> None:
    assert detect_indent(json.dumps({"a": [1, 2]}, indent=4)) == 4
    assert detect_indent(json.dumps({"a": 1})) is None


def test_default_size_limit_opens_tens_of_megabytes_in_the_tree(pane: DocumentPane) -> None:
    assert DEFAULT_SIZE_LIMIT >= 32 * 1024 * 1024
    assert pane.session.size_limit == DEFAULT_SIZE_LIMIT


def test_size_limit_switches_to_raw_read_only(
    qtbot: Any, tmp_path: Any, open_and_wait: Any
) -> None:
    path = str(tmp_path / "data.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(big_document(200), handle, indent=2)
    size = os.path.getsize(path)
    for limit, kind in ((size, DocumentKind.VALID), (size - 1, DocumentKind.TOO_LARGE)):
        pane = DocumentPane(size_limit=limit)
        qtbot.addWidget(pane)
        pane.show()
        open_and_wait(pane, path)
        assert pane.loaded is not None
        assert pane.loaded.kind is kind
        if kind is DocumentKind.TOO_LARGE:
            assert pane.tabs.currentIndex() == 1
            assert not pane.tabs.isTabEnabled(0)
            assert "over the" in pane.notice_bar.text
            assert "read-only" in pane.notice_bar.text
            qtbot.waitUntil(lambda p=pane: not p.raw_editor.is_loading, timeout=5000)
            assert pane.raw_editor.isReadOnly()
            assert pane.raw_editor.toPlainText().startswith("{")
            assert not pane.save_action.isEnabled()
        else:
            assert pane.tabs.isTabEnabled(0)
            assert pane.model.has_document
        pane.shutdown()


def test_huge_file_with_secret_keys_is_hidden_until_revealed(
    qtbot: Any, tmp_path: Any, open_and_wait: Any
) -> None:
    path = str(tmp_path / "data.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"api_key": "sk-HUGE-SECRET", "items": list(range(500))}, handle)
    pane = DocumentPane(size_limit=100)
    qtbot.addWidget(pane)
    pane.show()
    open_and_wait(pane, path)
    assert pane.raw_editor.toPlainText() == HIDDEN_BIG_TEXT
    assert pane.reveal_action.isEnabled()
    pane.set_secrets_revealed(True)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=5000)
    assert "sk-HUGE-SECRET" in pane.raw_editor.toPlainText()
    pane.shutdown()


def test_long_document_raw_view_is_read_only_and_filled_in_chunks(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = str(tmp_path / "long.json")
    document = big_document(12000)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    assert len(text) > RAW_EDIT_LIMIT
    open_and_wait(pane, path)
    assert pane.loaded is not None
    qtbot.waitUntil(lambda: pane.loaded is not None and pane.loaded.secrets is False, timeout=5000)
    with qtbot.waitSignal(pane.raw_editor.loading_finished, timeout=10000):
        pane.tabs.setCurrentIndex(1)
        assert pane.raw_editor.is_loading  # the first chunk only, the rest on later turns
        assert pane.raw_editor.isReadOnly()
        assert len(pane.raw_editor.toPlainText()) < len(text)
        assert pane.raw_editor.full_text() == text
    assert pane.raw_editor.toPlainText() == text
    assert pane.raw_editor.isReadOnly()
    assert "too large to edit as text" in pane.raw_status.text()
    assert pane.model.has_document  # the tree stays editable


def test_secrets_of_a_long_document_are_checked_after_it_is_shown(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = str(tmp_path / "long.json")
    document = big_document(12000)
    document["meta"]["api_token"] = "tok-LONG-SECRET"
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
    open_and_wait(pane, path)
    pane.tabs.setCurrentIndex(1)  # a store opens in the tree
    qtbot.waitUntil(lambda: pane.loaded is not None and pane.loaded.secrets is True, timeout=5000)
    assert pane.reveal_action.isEnabled()
    assert pane.raw_editor.toPlainText() == HIDDEN_BIG_TEXT
    token = pane.model.index_for_json_path("meta", "api_token").siblingAtColumn(VALUE_COLUMN)
    assert token.data() != "tok-LONG-SECRET"  # masked in the tree, whatever the size


def test_header_content_for_states() -> None:
    from inspector.document.results import LoadedDocument

    assert header_content(None, None, dirty=False, has_document=False).title == (
        "No store selected"
    )
    loaded = LoadedDocument("/data/secret_keys.json", DocumentKind.TOO_LARGE, size=2048)
    content = header_content(loaded.path, loaded, dirty=True, has_document=False)
    assert content.title == "secret_keys.json •"
    assert content.details == "2.0 KiB  ·  too large  ·  /data"
    assert [text for text, _ in content.badges] == ["unsaved", "secret file", "read-only"]


def test_partly_built_object_keeps_order_and_unbuilt_members() -> None:
    from inspector.document.nodes import JsonNode

    value = {f"k{i}": {"v": i} for i in range(10)}
    node = JsonNode.from_json(value)
    first = node.child(2)  # builds k0..k2 only
    assert first is not None
    assert node.built_count == 3
    assert node.child_count() == 10
    first.key = "renamed"
    assert list(node.to_json()) == ["k0", "k1", "renamed", *[f"k{i}" for i in range(3, 10)]]
    assert node.unbuilt_value() is None  # a built member may differ from the original value


def write_compact(path: Any, document: Any) -> str:
    """Write ``document`` as compact JSON, one line, as ``json.dump`` does by default."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, separators=(",", ":"))
    return str(path)


def test_compact_json_is_shown_indented_and_saved_compact(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    # One 200 KB line: Qt lays a line that long out in about a second per megabyte, again for
    # every chunk added to it. The raw view shows the document indented instead.
    path = write_compact(tmp_path / "compact.json", big_document(3000))
    open_and_wait(pane, path)
    assert pane.loaded is not None
    assert pane.loaded.indent is None
    assert pane.loaded.display_text == json.dumps(big_document(3000), indent=2)
    pane.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=10000)
    assert pane.raw_editor.toPlainText() == pane.loaded.display_text
    assert not pane.raw_editor.isReadOnly()
    pane.tabs.setCurrentIndex(0)
    index = pane.model.index_for_json_path("meta", "version").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(index, "2")
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()
    with open(path, encoding="utf-8") as handle:
        on_disk = handle.read()
    assert "\n" not in on_disk.strip()  # still compact, as the file was
    assert json.loads(on_disk)["meta"]["version"] == 2
    pane.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=10000)
    assert pane.raw_editor.toPlainText().startswith('{\n  "meta": {\n    "version": 2')


def test_a_long_read_only_line_is_shown_cut_and_says_so(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = write_compact(tmp_path / "compact-big.json", big_document(40000))
    size = os.path.getsize(path)
    assert size > RAW_EDIT_LIMIT
    open_and_wait(pane, path)
    qtbot.waitUntil(lambda: pane.loaded is not None and pane.loaded.secrets is False, timeout=5000)
    pane.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=10000)
    shown = pane.raw_editor.toPlainText()
    assert shown.startswith('{"meta":{"version":1},"items":[')
    assert shown.endswith(f" … ({size - LONG_LINE_CHARS:,} more characters)")
    assert "1 line longer than 10,000 characters shown cut." in pane.raw_status.text()


def test_shorten_long_lines_cuts_only_what_is_too_long() -> None:
    short = "a\n" + "b" * 10
    assert shorten_long_lines(short) == (short, 0, None)
    text = "x" * (LONG_LINE_CHARS + 5) + "\nshort\n" + "y" * (LONG_LINE_CHARS + 1)
    shown, cut, _error = shorten_long_lines(text)
    assert cut == 2
    assert shown.split("\n") == [
        "x" * LONG_LINE_CHARS + " … (5 more characters)",
        "short",
        "y" * LONG_LINE_CHARS + " … (1 more character)",
    ]


def test_a_long_line_is_cut_around_its_error_which_moves_with_it() -> None:
    line = "a" * 30_000 + "!" + "b" * 30_000
    error = ParseError("here", 2, 30_001, 30_002)
    shown, cut, moved = shorten_long_lines("{\n" + line, error)
    assert cut == 1
    second = shown.split("\n")[1]
    half = LONG_LINE_CHARS // 2
    assert second.startswith(f"({30_000 - half:,} earlier characters) … ")
    assert second.endswith(
        f" … ({len(line) - (30_000 - half) - LONG_LINE_CHARS:,} more characters)"
    )
    assert moved is not None
    assert (moved.line, moved.message) == (2, "here")
    assert second[moved.column - 1] == "!"


def test_a_damaged_file_on_one_long_line_is_shown_around_its_error_read_only(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = str(tmp_path / "cut-off.json")
    text = json.dumps(big_document(3000), separators=(",", ":"))[:-40]  # a write cut short
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    open_and_wait(pane, path)
    assert pane.loaded is not None
    assert pane.loaded.kind is DocumentKind.CORRUPT
    assert pane.loaded.long_lines
    assert "too long to repair here: use a text editor" in pane.error_bar.text
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=10000)
    assert pane.raw_editor.isReadOnly()
    shown = pane.raw_editor.toPlainText()
    assert len(shown) < LONG_LINE_CHARS + 100
    assert shown.endswith(text[-100:])  # the end, where the error is
    assert "Line 1, column" in pane.raw_status.text()
