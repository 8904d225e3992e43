"""Reading stores for display, and the plain words of the save service."""

import errno
import json
import os
from typing import Any

import pytest

from inspector.display import describe_holder
from inspector.document import json_values
from inspector.document.conversion import NotConvertibleError, convert_to_utf8
from inspector.document.json_values import (
    ConversionRefusedError,
    JsonType,
    convert_value,
    json_equal,
    parse_scalar,
)
from inspector.document.loader import load_document
from inspector.document.parsing import classify_bytes, detect_indent
from inspector.document.results import NO_DOCUMENT, DocumentKind
from inspector.document.save_messages import describe_save_error, waiting_message
from inspector.document.save_types import _GaveUpWaitingError
from lockcore import CorruptJSONError, LockFormat, LockInfo, LockState


def holder(**changes: Any) -> LockInfo:
    fields: dict[str, Any] = {
        "path": "/s/settings.json",
        "lock_path": "/s/settings.json.lock",
        "state": LockState.HELD_ALIVE,
        "format": LockFormat.LOCKCORE,
        "pid": 4711,
        "hostname": "here",
        "process_name": "python3",
        "cmdline": ("python3", "/opt/sync.py", "--fast"),
        "holder_alive": True,
        "created": 1.0,
        "identity": None,
        "content": b"4711\n",
        "reason": "PID 4711 is alive",
        "inspected_at": 2.0,
    }
    fields.update(changes)
    return LockInfo(**fields)


@pytest.mark.parametrize(
    ("text", "indent"),
    [('{"a": 1}', None), ('{\n  "a": 1\n}', 2), ('{\n    "a": 1\n}', 4), ("[\n]", 2)],
)
def test_detect_indent(text: str, indent: int | None) -> None:
    assert detect_indent(text) == indent


def test_classify_valid_corrupt_and_not_utf8() -> None:
    valid = classify_bytes("/s/a.json", b'\xef\xbb\xbf{"a": 1}')  # a BOM is fine
    assert valid.kind is DocumentKind.VALID
    assert valid.document == {"a": 1}
    corrupt = classify_bytes("/s/a.json", b'{"a": }')
    assert corrupt.kind is DocumentKind.CORRUPT
    assert corrupt.document is NO_DOCUMENT
    assert corrupt.error is not None
    assert (corrupt.error.line, corrupt.error.column) == (1, 7)
    binary = classify_bytes("/s/a.json", b'{"a":\n "\xff"}')
    assert binary.kind is DocumentKind.NOT_UTF8
    assert binary.error is not None
    assert (binary.error.line, binary.error.column) == (2, 3)
    # its text as shown is not its bytes: never edited and saved as if it were
    assert not binary.kind.repairable


def test_load_missing_unreadable_and_huge(tmp_path: Any) -> None:
    assert load_document(str(tmp_path / "nope.json")).kind is DocumentKind.MISSING
    assert load_document(str(tmp_path)).kind is DocumentKind.UNREADABLE
    big = tmp_path / "big.json"
    big.write_text(json.dumps(list(range(1000))))
    loaded = load_document(str(big), size_limit=100)
    assert loaded.kind is DocumentKind.TOO_LARGE
    assert "read-only" in loaded.message
    assert loaded.document is NO_DOCUMENT


def test_waiting_message_names_lock_pid_and_script() -> None:
    message = waiting_message("/s/settings.json", holder(), 3.4)
    assert message == "waiting for settings.json.lock held by PID 4711, sync.py, 3 s"
    other = holder(state=LockState.HELD_OTHER_HOST, hostname="build-03", cmdline=())
    assert describe_holder(other) == "PID 4711, python3 on build-03"
    assert describe_holder(None) == "another process"


def test_an_integer_python_will_not_parse_is_shown_where_it_is(tmp_path) -> None:
    path = tmp_path / "big-number.json"
    path.write_text('{\n  "a": 1,\n  "n": ' + "7" * 4400 + "\n}\n")
    loaded = load_document(str(path))
    assert loaded.kind is DocumentKind.TOO_COMPLEX
    assert loaded.error is not None
    assert (loaded.error.line, loaded.error.column) == (3, 8)
    assert loaded.message == (
        "big-number.json is valid JSON, too large/deep to edit here: an integer of 4,400 digits "
        "(Python parses at most 4,300) (line 3, column 8). Shown read-only."
    )
    assert loaded.text.startswith('{\n  "a": 1')  # the raw view still shows it all


def test_loading_what_is_not_a_file_neither_blocks_nor_reads(tmp_path) -> None:
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)  # opening it plainly would wait for a writer forever
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")  # reading it plainly would fill memory
    folder = tmp_path / "folder.json"
    folder.mkdir()
    for path, kind in ((pipe, "a named pipe"), (zero, "a character device"), (folder, "a folder")):
        loaded = load_document(str(path))
        assert loaded.kind is DocumentKind.UNREADABLE
        assert loaded.message == f"{path.name} is {kind}, not a file: there is nothing to show."
        assert loaded.document is NO_DOCUMENT


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (_GaveUpWaitingError("/s/settings.json", holder(), 61.2), "PID 4711, sync.py kept"),
        (CorruptJSONError("bad", "/s/settings.json", lineno=3, colno=9), "line 3, column 9"),
        (PermissionError(errno.EACCES, "denied"), "permission denied"),
        (OSError(errno.ENOSPC, "full"), "the disk is full"),
        (OSError(errno.EIO, "Input/output error"), "Input/output error"),
        (TypeError("x"), "unexpected TypeError"),
    ],
)
def test_save_errors_in_plain_words(error: BaseException, words: str) -> None:
    message = describe_save_error("/s/settings.json", error)
    assert words in message
    assert message.endswith(".") or "Reload" in message
    assert "Nothing was written" in message


def test_json_equal_takes_one_object_as_equal_without_serialising_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # After a merged save the model compares the merge with the document it shows: members
    # the merge shares with it are one object, not serialised twice (seconds at 50 MB).
    shared = [{"id": i, "tags": ["a", "b"]} for i in range(100)]
    monkeypatch.setattr(json_values, "marshal", None)  # any serialising would fail
    assert json_equal({"users": shared, "n": 1}, {"users": shared, "n": 1})
    assert json_equal(shared, shared)


def test_json_equal_respects_types() -> None:
    assert not json_equal(1, 1.0)
    assert not json_equal(True, 1)
    assert json_equal({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]})
    assert json_equal(float("nan"), float("nan"))


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        ("12", JsonType.INTEGER, 12),
        (" 3.0 ", JsonType.INTEGER, 3),
        (2.0, JsonType.INTEGER, 2),
        ("2.5", JsonType.FLOAT, 2.5),
        (7, JsonType.FLOAT, 7.0),
        (3, JsonType.STRING, "3"),
        ({"a": 1}, JsonType.STRING, '{"a": 1}'),
        ("yes", JsonType.BOOLEAN, True),
        (0, JsonType.BOOLEAN, False),
        ([1, 2], JsonType.OBJECT, {"0": 1, "1": 2}),
        ('{"a": [1]}', JsonType.OBJECT, {"a": [1]}),
        ("[1, 2]", JsonType.ARRAY, [1, 2]),
        ({}, JsonType.ARRAY, []),
        (3, JsonType.ARRAY, [3]),
        ("hello", JsonType.ARRAY, ["hello"]),
        (None, JsonType.INTEGER, 0),
        ("x", JsonType.NULL, None),
    ],
)
def test_convert_value(value: Any, target: JsonType, expected: Any) -> None:
    assert json_equal(convert_value(value, target), expected)


@pytest.mark.parametrize(
    ("value", "target", "why"),
    [
        ("hello world", JsonType.INTEGER, "not a number"),
        ("hello world", JsonType.FLOAT, "not a number"),
        (2.7, JsonType.INTEGER, "not a whole number"),
        ("2.7", JsonType.INTEGER, "not a whole number"),
        ("NaN", JsonType.FLOAT, "not a number"),
        (10**400, JsonType.FLOAT, "too large"),
        (2**53 + 1, JsonType.FLOAT, "digits"),
        ("maybe", JsonType.BOOLEAN, "not true or false"),
        (5, JsonType.BOOLEAN, "only 0 and 1"),
        ("hello", JsonType.OBJECT, "not the text of an object"),
        (True, JsonType.OBJECT, "would be lost"),
        ("[1]", JsonType.OBJECT, "not the text of an object"),
        ({"a": 1}, JsonType.ARRAY, "keys"),
        (3, JsonType.OBJECT, "would be lost"),
        ([1], JsonType.INTEGER, "would be lost"),
    ],
)
def test_convert_value_refuses_what_would_be_lost(value: Any, target: JsonType, why: str) -> None:
    with pytest.raises(ConversionRefusedError, match=why):
        convert_value(value, target)


@pytest.mark.parametrize(
    ("typed", "json_type"),
    [
        ("NaN", JsonType.FLOAT),
        ("Infinity", JsonType.INTEGER),
        ("-Infinity", JsonType.FLOAT),
        ("1e999", JsonType.FLOAT),
        ("-1E400", JsonType.INTEGER),
        ("1e-999", JsonType.FLOAT),
        ("NaN", JsonType.NULL),
        ("1e999", JsonType.NULL),
    ],
)
def test_parse_scalar_refuses_numbers_json_cannot_write(typed: str, json_type: JsonType) -> None:
    with pytest.raises(ValueError, match=r"finite|too small"):
        parse_scalar(typed, json_type)
    assert parse_scalar("0e-999", JsonType.FLOAT) == 0.0  # a zero that is a zero
    assert parse_scalar("-0.0", JsonType.FLOAT) == 0.0


def test_parse_scalar() -> None:
    assert parse_scalar("  7 ", JsonType.FLOAT) == 7
    assert parse_scalar("1e3", JsonType.INTEGER) == 1000.0
    assert parse_scalar("TRUE", JsonType.BOOLEAN) is True
    assert parse_scalar("[1]", JsonType.NULL) == [1]
    assert parse_scalar("hello", JsonType.NULL) == "hello"
    with pytest.raises(ValueError, match="not a number"):
        parse_scalar("true", JsonType.INTEGER)


@pytest.mark.parametrize(
    ("raw", "source", "document"),
    [
        ('{"a": "Café €"}'.encode("cp1252"), "Windows-1252 (Latin-1)", {"a": "Café €"}),
        (b'{"a": "\x81\xe9"}', "ISO 8859-1 (Latin-1)", {"a": "\x81é"}),  # no cp1252 letter
        ('[\n\t"ü"\n]'.encode("utf-32"), "UTF-32 (LE)", ["ü"]),
        ('{"a": 1}'.encode("utf-16-be"), "UTF-16 (BE)", {"a": 1}),
    ],
    ids=["windows-1252", "iso-8859-1", "utf-32", "utf-16-be-no-bom"],
)
def test_conversion_reads_each_encoding(raw: bytes, source: str, document: Any) -> None:
    converted = convert_to_utf8(raw)
    assert (converted.source, converted.document) == (source, document)


@pytest.mark.parametrize(
    ("raw", "words"),
    [(b'{"a": 1}', "UTF-8 text already"), (b"\xff\xfe\x00garbage", "is not valid JSON")],
)
def test_conversion_refuses_what_it_cannot_convert(raw: bytes, words: str) -> None:
    with pytest.raises(NotConvertibleError, match=words):
        convert_to_utf8(raw)
