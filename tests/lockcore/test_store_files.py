"""Which files belong to a store: ``classify_store_file`` (and ``data_file_flags``, the same
question for a whole folder's names) and ``list_stores`` on real folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lockcore import (
    StoreFile,
    StoreFileKind,
    _atomic,
    classify_store_file,
    data_file_flags,
    legacy_temp_path_for,
    list_stores,
    locked_update_json,
    locked_write_json,
)


@pytest.mark.parametrize(
    ("name", "store", "kind"),
    [
        ("a.json", "a.json", StoreFileKind.DATA),
        ("a.json.lock", "a.json", StoreFileKind.LOCK),
        ("a.json.tmp", "a.json", StoreFileKind.LEGACY_TEMP),
        ("a.json.3f9a0c1b2d4e.tmp", "a.json", StoreFileKind.TEMP),
        ("a.json.corrupt-20250101T120000-ab12cd", "a.json", StoreFileKind.QUARANTINE),
        ("b.v2.json.lock", "b.v2.json", StoreFileKind.LOCK),
        ("x.json.corrupt-1.json.lock", "x.json.corrupt-1.json", StoreFileKind.LOCK),
    ],
)
def test_classify_names_every_kind(name: str, store: str, kind: StoreFileKind) -> None:
    assert classify_store_file(name) == (kind, store)
    in_folder = os.path.join("/srv", name)
    assert classify_store_file(in_folder) == (kind, os.path.join("/srv", store))
    assert classify_store_file(Path(in_folder)) == (kind, os.path.join("/srv", store))


@pytest.mark.parametrize(
    "name",
    [
        "notes.txt",
        "a.jsonl",
        "a.json.bak",
        "a.json.lock.k3j2h1.tmp",  # a name lockcore stopped making before the app existed
        "a.json.NOT-HEX.tmp",
        "a.lock",
        "a.tmp",
    ],
)
def test_classify_ignores_files_that_are_not_a_stores(name: str) -> None:
    assert classify_store_file(name) is None


def test_the_names_lockcore_makes_are_the_names_it_classifies(tmp_path: Path) -> None:
    """A temp file caught mid-write and a quarantined copy are classified as what they are."""
    path = tmp_path / "s.json"
    path.write_bytes(b"{broken")
    locked_update_json(path, lambda d: {**d, "ok": 1}, on_corrupt="quarantine")
    seen = [n for n in os.listdir(tmp_path) if n != "s.json"]
    assert [classify_store_file(n) for n in seen] == [(StoreFileKind.QUARANTINE, "s.json")]

    # lockcore's temp name: catch it by listing the folder from the before-replace hook.
    def spy() -> None:
        for name in os.listdir(tmp_path):
            if name.endswith(".tmp"):
                seen.append(name)

    _atomic.write_atomic(str(path), b"{}", durable=False, before_replace=spy)
    temp_names = [n for n in seen if n.endswith(".tmp")]
    assert len(temp_names) == 1
    assert classify_store_file(temp_names[0]) == (StoreFileKind.TEMP, "s.json")
    assert legacy_temp_path_for(path) == str(path) + ".tmp"


def test_a_process_writes_a_store_through_one_temp_name_and_draws_another_when_it_is_taken(
    tmp_path: Path,
) -> None:
    """One unpredictable temp name per store and process, not one per write (each name made
    stays in the kernel's dentry cache: issue 9 §6); a file or link planted at it is left alone
    and the write goes through a fresh name."""
    path = tmp_path / "s.json"
    path.write_bytes(b"{}")
    seen: list[str] = []

    def spy() -> None:
        seen.extend(
            name
            for name in os.listdir(tmp_path)
            if name.endswith(".tmp") and not (tmp_path / name).is_symlink()
        )

    for count in range(3):
        _atomic.write_atomic(str(path), b'{"n": %d}' % count, durable=False, before_replace=spy)
    assert len(seen) == 3
    assert len(set(seen)) == 1
    assert classify_store_file(seen[0]) == (StoreFileKind.TEMP, "s.json")

    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (tmp_path / seen[0]).symlink_to(victim)  # someone who saw the name plants a link there
    _atomic.write_atomic(str(path), b'{"n": 9}', durable=False, before_replace=spy)
    assert seen[3] != seen[0]
    assert victim.read_bytes() == b"precious"
    assert (tmp_path / seen[0]).is_symlink()
    assert path.read_bytes() == b'{"n": 9}'
    _atomic.write_atomic(str(path), b'{"n": 10}', durable=False, before_replace=spy)
    assert seen[4] == seen[3]  # the fresh name is the store's from now on


def test_list_stores_groups_each_stores_files(tmp_path: Path) -> None:
    locked_write_json(tmp_path / "a.json", {})
    (tmp_path / "a.json.corrupt-20250101T000000-aaaaaa").write_bytes(b"{")
    (tmp_path / "orphan.json.lock").write_text("99999999\n")
    (tmp_path / "legacy.json.tmp").write_text("{}")
    (tmp_path / "readme.txt").write_text("not a store")
    (tmp_path / "folder.json").mkdir()  # a folder is never a store
    (tmp_path / "sub").mkdir()
    locked_write_json(tmp_path / "sub" / "b.json", [])

    flat = list_stores(tmp_path)
    assert list(flat) == [str(tmp_path / n) for n in ("a.json", "legacy.json", "orphan.json")]
    a_json = str(tmp_path / "a.json")
    assert flat[a_json][0] == StoreFile(a_json, StoreFileKind.DATA, a_json)
    assert [f.kind for f in flat[a_json]] == [
        StoreFileKind.DATA,
        StoreFileKind.QUARANTINE,
    ]
    assert [f.kind for f in flat[str(tmp_path / "legacy.json")]] == [StoreFileKind.LEGACY_TEMP]

    deep = list_stores(tmp_path, recursive=True)
    assert list(deep)[-1] == str(tmp_path / "sub" / "b.json")


def test_list_stores_of_a_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        list_stores(tmp_path / "gone")


# Names built of the pieces lockcore's names are made of, so that every kind comes up.
_NAME_PIECES = st.sampled_from(
    ["a", "json", ".json", ".lock", ".tmp", ".3f9a", ".corrupt-1", ".version-2", "\u00e9", "-"]
)


@given(st.lists(st.lists(_NAME_PIECES, max_size=6).map("".join), max_size=40))
def test_data_file_flags_say_what_classify_says_of_each_name(names: list[str]) -> None:
    flags = data_file_flags(names)
    assert flags == [
        (classified := classify_store_file(name)) is not None
        and classified[0] is StoreFileKind.DATA
        for name in names
    ]
