"""Writing exactly the caller's bytes under the lock, only over the bytes the caller started
from (issue 10: a raw-text edit is saved as typed and never overwrites another's change)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from lockcore import (
    CorruptJSONError,
    FileChangedError,
    FileLockError,
    list_versions,
    locked_replace_bytes,
    read_version,
)

ORIGINAL = b'\xef\xbb\xbf{\r\n\t"ratio": 1.5,\r\n\t"theme": "dark",\r\n\t"theme": "light"\r\n}\r\n'
TYPED = b'\xef\xbb\xbf{\r\n    "ratio": 1.50,\r\n    "theme": "light"\r\n}\r\n'


def test_the_bytes_given_are_written_exactly(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    store.write_bytes(ORIGINAL)
    os.chmod(store, 0o640)

    assert locked_replace_bytes(store, TYPED, expected=ORIGINAL) == TYPED

    assert store.read_bytes() == TYPED
    assert os.stat(store).st_mode & 0o777 == 0o640
    assert not (tmp_path / "settings.json.lock").exists()


def test_nothing_is_written_when_the_file_holds_other_bytes(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    theirs = ORIGINAL.replace(b'"dark"', b'"blue"')
    store.write_bytes(theirs)

    with pytest.raises(FileChangedError) as raised:
        locked_replace_bytes(store, TYPED, expected=ORIGINAL)

    assert raised.value.path == str(store)
    assert isinstance(raised.value, FileLockError)
    assert isinstance(raised.value, RuntimeError)
    assert store.read_bytes() == theirs
    copy = pickle.loads(pickle.dumps(raised.value))
    assert (type(copy), copy.path, copy.args) == (FileChangedError, str(store), raised.value.args)


def test_nothing_is_written_when_the_file_is_gone_or_appeared(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    with pytest.raises(FileChangedError, match="no longer there"):
        locked_replace_bytes(store, TYPED, expected=ORIGINAL)
    assert not store.exists()

    store.write_bytes(ORIGINAL)
    with pytest.raises(FileChangedError, match="exists now"):
        locked_replace_bytes(store, TYPED, expected=None)
    assert store.read_bytes() == ORIGINAL


def test_a_missing_file_is_created_when_none_was_expected(tmp_path: Path) -> None:
    store = tmp_path / "new.json"
    locked_replace_bytes(store, b"[1, 2]\n", expected=None)
    assert store.read_bytes() == b"[1, 2]\n"


def test_bytes_that_are_not_json_are_never_written(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    store.write_bytes(ORIGINAL)
    for bad in (b'{"a": ', "{\"a\": 'é'}".encode("latin-1"), '{"a": 1}'.encode("utf-16")):
        with pytest.raises(CorruptJSONError):
            locked_replace_bytes(store, bad, expected=ORIGINAL)
    assert store.read_bytes() == ORIGINAL


def test_the_replaced_bytes_are_kept_as_a_version(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    store.write_bytes(ORIGINAL)

    locked_replace_bytes(store, TYPED, expected=ORIGINAL, keep_versions=3)

    versions = list_versions(store)
    assert len(versions) == 1
    assert read_version(store, versions[0].version_id) == ORIGINAL


def test_the_folder_is_never_created(tmp_path: Path) -> None:
    store = tmp_path / "gone" / "settings.json"
    with pytest.raises(FileNotFoundError):
        locked_replace_bytes(store, TYPED, expected=None)
    assert not store.parent.exists()


DAMAGED = b'\xef\xbb\xbf{\r\n\t"ratio": 1.50,\r\n\t"theme": \r\n}\r\n'
REPAIRED = b'\xef\xbb\xbf{\r\n\t"ratio": 1.50,\r\n\t"theme": "dark"\r\n}\r\n'


@pytest.mark.parametrize("keep_versions", [0, 3])
def test_a_repaired_damaged_file_keeps_its_bytes_as_a_quarantine_copy(
    tmp_path: Path, keep_versions: int
) -> None:
    store = tmp_path / "settings.json"
    store.write_bytes(DAMAGED)
    told: list[str] = []

    written = locked_replace_bytes(
        store,
        REPAIRED,
        expected=DAMAGED,
        keep_versions=keep_versions,
        quarantine=True,
        on_quarantine=told.append,
    )

    assert written == REPAIRED
    assert store.read_bytes() == REPAIRED
    [copy] = told
    assert Path(copy).parent == tmp_path
    assert Path(copy).name.startswith("settings.json.corrupt-")
    assert Path(copy).read_bytes() == DAMAGED
    # Kept once, as the quarantine copy (never pruned), not also as a version.
    assert [version.kind.name for version in list_versions(store)] == ["QUARANTINE"]


def test_a_repair_over_changed_bytes_quarantines_nothing(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    store.write_bytes(b'{"theme": "light"}')
    told: list[str] = []
    with pytest.raises(FileChangedError):
        locked_replace_bytes(
            store, REPAIRED, expected=DAMAGED, quarantine=True, on_quarantine=told.append
        )
    assert told == []
    assert store.read_bytes() == b'{"theme": "light"}'
    assert list(tmp_path.glob("*.corrupt-*")) == []


def test_any_bytes_are_replaced_when_the_caller_says_so(tmp_path: Path) -> None:
    """``expected="any"``: what the file holds now is replaced, whatever it is -- valid JSON
    kept as a version, damaged bytes (with ``quarantine``) as a ``.corrupt-*`` copy -- and a
    missing file is written."""
    store = tmp_path / "settings.json"
    theirs = ORIGINAL.replace(b'"dark"', b'"blue"')
    store.write_bytes(theirs)
    told: list[str] = []

    locked_replace_bytes(
        store, TYPED, expected="any", keep_versions=3, quarantine=True, on_quarantine=told.append
    )

    assert store.read_bytes() == TYPED
    assert told == []  # valid JSON is no damage: kept as a version
    [version] = list_versions(store)
    assert read_version(store, version.version_id) == theirs

    store.write_bytes(DAMAGED)
    locked_replace_bytes(
        store, REPAIRED, expected="any", quarantine=True, on_quarantine=told.append
    )
    assert store.read_bytes() == REPAIRED
    [copy] = told
    assert Path(copy).read_bytes() == DAMAGED

    store.unlink()
    locked_replace_bytes(store, TYPED, expected="any")
    assert store.read_bytes() == TYPED
