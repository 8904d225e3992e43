"""A save changes only the bytes of what changed (issue 10), through the public API on real
files. The format-keeping edit's Hypothesis properties: test_jsonedit_properties.py."""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lockcore import (
    FileLockError,
    NonFiniteNumberError,
    _json_pieces,
    _json_write,
    _jsonedit,
    _pieces,
    edit_json,
    json_update_bytes,
    locked_update_json,
    locked_write_json,
)
from lockcore._jsonedit import apply_edit

CORPUS = Path(__file__).parent / "data" / "JSONTestSuite"


def _set(*path_and_value: Any) -> Callable[[Any], Any]:
    *path, value = path_and_value

    def updater(document: Any) -> Any:
        target = document
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        return document

    return updater


def _delete(*path: Any) -> Callable[[Any], Any]:
    def updater(document: Any) -> Any:
        target = document
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]
        return document

    return updater


def _update(path: Path, original: bytes, updater: Callable[[Any], Any]) -> bytes:
    path.write_bytes(original)
    locked_update_json(path, updater)
    return path.read_bytes()


# -- one value changes one line -------------------------------------------------------------
FOUR_SPACES = b'{\n    "name": "web",\n    "ports": [80, 443],\n    "ratio": 1.50\n}\n'
TABS = b'{\n\t"name": "web",\n\t"limits": {\n\t\t"cpu": 2,\n\t\t"memory": "1G"\n\t}\n}'
CRLF = b'{\r\n  "a": 1,\r\n  "b": "caf\\u00e9",\r\n  "c": "x\\/y"\r\n}\r\n'
BOM = b'\xef\xbb\xbf{\n  "version": 1,\n  "theme": "dark"\n}\n'
QUIRKY_NUMBERS = (
    b'{\n  "price": 1.50,\n  "size": 1e3,\n  "big": 1E22,\n  "zero": -0,\n'
    b'  "huge": 123456789012345678901234567890,\n  "tiny": 5e-324,\n  "n": 1\n}\n'
)
NON_STANDARD = b'{\n  "a": NaN,\n  "b": Infinity,\n  "c": -Infinity,\n  "d": 1e999,\n  "n": 1\n}\n'
SURROGATES = b'{\n  "lone": "\\ud800",\n  "pair": "\\ud83d\\ude00",\n  "n": 1\n}\n'
DUPLICATES = b'{\n  "theme": "dark",\n  "theme": "light",\n  "n": 1\n}\n'

ONE_LINE_EDITS = {
    "4 spaces, [80, 443], final newline": (
        FOUR_SPACES,
        _set("ratio", 2),
        b'{\n    "name": "web",\n    "ports": [80, 443],\n    "ratio": 2\n}\n',
    ),
    "tabs, no final newline": (
        TABS,
        _set("limits", "cpu", 4),
        b'{\n\t"name": "web",\n\t"limits": {\n\t\t"cpu": 4,\n\t\t"memory": "1G"\n\t}\n}',
    ),
    "CRLF, escapes": (
        CRLF,
        _set("a", 2),
        b'{\r\n  "a": 2,\r\n  "b": "caf\\u00e9",\r\n  "c": "x\\/y"\r\n}\r\n',
    ),
    "BOM": (BOM, _set("version", 2), b'\xef\xbb\xbf{\n  "version": 2,\n  "theme": "dark"\n}\n'),
    "quirky numbers": (
        QUIRKY_NUMBERS,
        _set("n", 2),
        QUIRKY_NUMBERS.replace(b'"n": 1', b'"n": 2'),
    ),
    "NaN, Infinity, 1e999": (
        NON_STANDARD,
        _set("n", 2),
        NON_STANDARD.replace(b'"n": 1', b'"n": 2'),
    ),
    "lone surrogate escapes": (SURROGATES, _set("n", 2), SURROGATES.replace(b'"n": 1', b'"n": 2')),
    "duplicate keys: the last one is changed": (
        DUPLICATES,
        _set("theme", "blue"),
        b'{\n  "theme": "dark",\n  "theme": "blue",\n  "n": 1\n}\n',
    ),
    "an item of a one-line array": (
        FOUR_SPACES,
        _set("ports", 1, 8443),
        b'{\n    "name": "web",\n    "ports": [80, 8443],\n    "ratio": 1.50\n}\n',
    ),
}


@pytest.mark.parametrize("case", list(ONE_LINE_EDITS), ids=list(ONE_LINE_EDITS))
def test_one_value_edit_changes_exactly_one_line(tmp_path: Path, case: str) -> None:
    original, updater, expected = ONE_LINE_EDITS[case]
    written = _update(tmp_path / "store.json", original, updater)
    assert written == expected
    changed = [
        (old, new)
        for old, new in zip(original.splitlines(), written.splitlines(), strict=True)
        if old != new
    ]
    assert len(changed) == 1


COMPACT = b'{"a":1.50,"b":[80,443],"c":{"d":"\\u00e9","e":-0},"f":1E22}'


@pytest.mark.parametrize(
    ("updater", "old_span", "new_span"),
    [
        (_set("a", 2), b'"a":1.50', b'"a":2'),
        (_set("c", "d", "x"), b'"d":"\\u00e9"', b'"d":"x"'),
        (_set("b", 0, 81), b"[80,", b"[81,"),
        (_set("f", True), b'"f":1E22', b'"f":true'),
    ],
)
def test_compact_file_changes_only_the_value(
    tmp_path: Path, updater: Callable[[Any], Any], old_span: bytes, new_span: bytes
) -> None:
    written = _update(tmp_path / "store.json", COMPACT, updater)
    assert written == COMPACT.replace(old_span, new_span)


# -- additions and deletions follow their neighbours ------------------------------------------
NEIGHBOURS = {
    "a new key in a tab-indented CRLF object": (
        b'{\r\n\t"a": 1,\r\n\t"b": 2\r\n}\r\n',
        _set("c", {"d": [1, 2]}),
        b'{\r\n\t"a": 1,\r\n\t"b": 2,\r\n\t"c": {\r\n\t\t"d": [\r\n\t\t\t1,\r\n\t\t\t2\r\n'
        b"\t\t]\r\n\t}\r\n}\r\n",
    ),
    "a new key in a compact object": (
        b'{"a":1,"b":2}',
        _set("c", {"d": [1, 2]}),
        b'{"a":1,"b":2,"c":{"d":[1,2]}}',
    ),
    "a new item in a one-line array": (
        FOUR_SPACES,
        lambda doc: {**doc, "ports": [*doc["ports"], 8080]},
        FOUR_SPACES.replace(b"[80, 443]", b"[80, 443, 8080]"),
    ),
    "an item inserted in the middle of an array": (
        b"[\n  1,\n  2,\n  3\n]",
        lambda _doc: [1, 2, 2.5, 3],
        b"[\n  1,\n  2,\n  2.5,\n  3\n]",
    ),
    "the first entry of an empty object": (
        b'{\n    "a": {}\n}\n',
        _set("a", "x", 1),
        b'{\n    "a": {\n        "x": 1\n    }\n}\n',
    ),
    "a key in the middle deleted with its separator": (
        FOUR_SPACES,
        _delete("ports"),
        b'{\n    "name": "web",\n    "ratio": 1.50\n}\n',
    ),
    "the last key deleted with the separator before it": (
        FOUR_SPACES,
        _delete("ratio"),
        b'{\n    "name": "web",\n    "ports": [80, 443]\n}\n',
    ),
    "the first key deleted": (
        COMPACT,
        _delete("a"),
        b'{"b":[80,443],"c":{"d":"\\u00e9","e":-0},"f":1E22}',
    ),
    "an array item deleted": (
        b"[1.0, 2.0, 3.0]\n",
        _delete(1),
        b"[1.0, 3.0]\n",
    ),
    "a deleted duplicate key goes in every occurrence": (
        DUPLICATES,
        _delete("theme"),
        b'{\n  "n": 1\n}\n',
    ),
    "the only key deleted": (b'{\n  "a": 1\n}\n', _delete("a"), b"{}\n"),
}


@pytest.mark.parametrize("case", list(NEIGHBOURS), ids=list(NEIGHBOURS))
def test_additions_and_deletions_follow_their_neighbours(tmp_path: Path, case: str) -> None:
    original, updater, expected = NEIGHBOURS[case]
    assert _update(tmp_path / "store.json", original, updater) == expected


def test_edit_json_keeps_the_format_too(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    path.write_bytes(TABS)
    with edit_json(path) as document:
        document["name"] = "api"
    assert path.read_bytes() == TABS.replace(b'"web"', b'"api"')


def test_explicit_indent_still_writes_the_document_anew(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    path.write_bytes(TABS)
    locked_update_json(path, _set("name", "api"), indent=2)
    expected = {"name": "api", "limits": {"cpu": 2, "memory": "1G"}}
    assert path.read_bytes() == json.dumps(expected, indent=2).encode()


def test_new_file_is_written_with_indent_2(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    locked_update_json(path, _set("a", [1]), default=dict)
    assert path.read_bytes() == b'{\n  "a": [\n    1\n  ]\n}'


def test_no_op_update_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    path.write_bytes(QUIRKY_NUMBERS)
    inode = path.stat().st_ino
    locked_update_json(path, copy.deepcopy)
    with edit_json(path):
        pass
    assert path.stat().st_ino == inode  # never replaced
    assert path.read_bytes() == QUIRKY_NUMBERS


def test_types_that_compare_equal_are_still_changes(tmp_path: Path) -> None:
    # True == 1 == 1.0 and 0.0 == -0.0 in Python; in the file they are different values.
    path = tmp_path / "store.json"
    path.write_bytes(b'{"a": 1, "b": 1, "c": 0.0, "d": true}')
    locked_update_json(path, lambda _doc: {"a": True, "b": 1.0, "c": -0.0, "d": 1})
    assert path.read_bytes() == b'{"a": true, "b": 1.0, "c": -0.0, "d": 1}'


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("y_*.json")))
def test_no_op_update_leaves_every_valid_corpus_file_byte_identical(
    tmp_path: Path, name: str
) -> None:
    original = (CORPUS / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(original)
    inode = path.stat().st_ino
    with edit_json(path):  # also for y_structure_lonely_null, which no updater may return
        pass
    if json.loads(original) is not None:
        locked_update_json(path, lambda document: document)
    assert path.stat().st_ino == inode
    assert path.read_bytes() == original


# -- data JSON or Python cannot carry faithfully ------------------------------------------------
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, float("1e999")])
def test_a_new_non_finite_number_is_refused_and_nothing_written(tmp_path: Path, bad: float) -> None:
    path = tmp_path / "store.json"
    path.write_bytes(FOUR_SPACES)
    with pytest.raises(NonFiniteNumberError) as caught:
        locked_update_json(path, _set("limits", {"cpu": [1, bad]}))
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, FileLockError)
    assert caught.value.path == str(path)
    assert caught.value.location == ("limits", "cpu", 1)
    assert path.read_bytes() == FOUR_SPACES


def test_locked_write_json_refuses_non_finite_numbers(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    with pytest.raises(NonFiniteNumberError):
        locked_write_json(path, {"a": math.nan})
    assert not path.exists()


def test_explicit_indent_keeps_non_finite_literals_already_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    path.write_bytes(NON_STANDARD)
    locked_update_json(path, _set("n", 2), indent=None)
    assert path.read_bytes() == (
        b'{"a": NaN, "b": Infinity, "c": -Infinity, "d": Infinity, "n": 2}'
    )
    with pytest.raises(NonFiniteNumberError):
        locked_update_json(path, _set("n", math.nan), indent=None)


def test_lone_surrogates_are_written_as_escapes(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    path.write_bytes(b'{\n  "a": 1\n}')
    locked_update_json(path, _set("s", "x\ud800y"))
    assert path.read_bytes() == b'{\n  "a": 1,\n  "s": "x\\ud800y"\n}'
    locked_write_json(path, {"\udfff": "\ud800"})
    assert path.read_bytes() == b'{\n  "\\udfff": "\\ud800"\n}'
    assert json.loads(path.read_bytes()) == {"\udfff": "\ud800"}


def test_bytes_on_disk_are_what_the_helper_computes(tmp_path: Path) -> None:
    # apply_edit is what locked_update_json writes: the app uses it to show the diff first.
    path = tmp_path / "store.json"
    path.write_bytes(CRLF)
    expected = apply_edit(CRLF, {"a": 1, "b": "café", "c": "x/y", "d": [None]})
    locked_update_json(path, _set("d", [None]))
    assert path.read_bytes() == expected
    assert os.path.getsize(path) == len(expected)


def test_on_commit_gets_the_bytes_the_file_holds(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    path.write_bytes(TABS)
    seen: list[bytes] = []
    locked_update_json(path, _set("name", "api"), on_commit=seen.append)
    locked_update_json(path, lambda document: document, on_commit=seen.append)  # no-op
    assert seen == [path.read_bytes()] * 2
    assert seen[0] == TABS.replace(b'"web"', b'"api"')


def test_an_update_takes_the_callers_parse_of_bytes_still_on_disk(tmp_path: Path) -> None:
    # A program that shows the document saves an edit of it: the file is not parsed again
    # (seconds at 50 MB) when it holds the bytes the program parsed.
    path = tmp_path / "store.json"
    path.write_bytes(TABS)
    shown = json.loads(TABS)
    seen: list[Any] = []

    def rename(document: Any) -> Any:
        seen.append(document)
        return {**document, "name": "api"}

    locked_update_json(path, rename, parsed=(TABS, shown))
    assert seen[0] is shown
    assert shown["name"] == "web"  # handed over as it is, and not changed by the update
    assert path.read_bytes() == TABS.replace(b'"web"', b'"api"')
    # The file changed since those bytes were read: it is parsed as usual.
    locked_update_json(path, rename, parsed=(TABS, shown))
    assert seen[1] is not shown
    assert seen[1] == {**shown, "name": "api"}


def test_an_update_takes_the_callers_text_of_bytes_still_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The program also has the bytes decoded: the edit works on that text, no decode again
    # (building a 50 MB string holds the GIL, and the program's GUI thread waits).
    path = tmp_path / "store.json"
    path.write_bytes(TABS)

    def decode_again(*_args: Any, **_kwargs: Any) -> str:
        raise AssertionError("the bytes were decoded again")

    monkeypatch.setattr(_pieces, "decode_utf8", decode_again)
    shown = json.loads(TABS)
    locked_update_json(path, _set("name", "api"), parsed=(TABS, shown, TABS.decode()))
    assert path.read_bytes() == TABS.replace(b'"web"', b'"api"')


def test_an_edit_reuses_the_text_a_parse_decoded() -> None:
    text = BOM[3:].decode()
    assert apply_edit(BOM, {"version": 2, "theme": "dark"}, text) == BOM.replace(b"1", b"2")


def test_a_big_file_is_edited_in_place_too(tmp_path: Path) -> None:
    # Over 1 MiB lockcore parses in pieces; the result and the edit are the same.
    records = ",\n".join(
        f'    {{"id": {i}, "ratio": 1.50, "name": "r\\u00e9{i}"}}' for i in range(30_000)
    )
    original = f'{{\n  "a": 1,\n  "a": NaN,\n  "records": [\n{records}\n  ]\n}}\n'.encode()
    assert len(original) > 1024 * 1024
    path = tmp_path / "big.json"
    path.write_bytes(original)
    with edit_json(path) as document:
        assert math.isnan(document["a"])
        document["records"][12_345]["ratio"] = 2
    expected = original.replace(b'{"id": 12345, "ratio": 1.50', b'{"id": 12345, "ratio": 2')
    assert path.read_bytes() == expected


def test_json_update_bytes_is_what_an_update_writes(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    path.write_bytes(CRLF)
    new = {"a": 1, "b": "café", "c": "x/y", "d": [None]}
    expected = json_update_bytes(CRLF, new)
    locked_update_json(path, _set("d", [None]))
    assert path.read_bytes() == expected
    assert json_update_bytes(CRLF, json.loads(CRLF)) is CRLF  # nothing changes
    assert json_update_bytes(None, {"a": 1}) == b'{\n  "a": 1\n}'  # a new file
    assert json_update_bytes(b"{oops", {"a": 1}) == b'{\n  "a": 1\n}'  # replaced, as quarantined
    with pytest.raises(NonFiniteNumberError):
        json_update_bytes(CRLF, {"a": math.inf})


@given(
    value=st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    ascii_only=st.booleans(),
)
def test_a_changed_scalar_is_spelt_as_json_dumps_spells_it(value: Any, ascii_only: bool) -> None:
    # Small stores' edits write scalars without building an encoder: the same text.
    assert _json_write._scalar_text(value, ascii_only=ascii_only) == json.dumps(
        value, ensure_ascii=ascii_only
    )


def test_a_big_member_after_a_small_one_is_walked_not_parsed_at_once() -> None:
    # Every object or array is probed, after small siblings too; one too big for the probe
    # is walked member by member, so that no C call parses it whole (holding the GIL: a
    # 50 MB member after a small one stalled the GUI for seconds).
    document = {"meta": {"v": 1}, "tags": [1, 2], "users": list(range(400)), "n": 1}
    text = json.dumps(document)
    saved = _json_pieces.PROBE_CHARS
    _json_pieces.PROBE_CHARS = 100
    try:
        members = _jsonedit._Editor(text).scan(0).members
        assert _json_pieces.loads_in_pieces(text) == document
    finally:
        _json_pieces.PROBE_CHARS = saved
    assert [member.nested is not None for member in members] == [False, False, True, False]
