"""Kept versions (``keep_versions=N``): what they hold, who may read them, how they are bounded,
and ``lockcore history`` / ``lockcore restore``."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import lockcore
import lockcore._versions
from lockcore import StoreFileKind, list_stores, list_versions, read_version
from lockcore._cli import main

NOBODY_UID = 65534


def versions_of(path: Path) -> list[lockcore.StoreVersion]:
    return [v for v in list_versions(path) if v.kind is StoreFileKind.VERSION]


def add(key: str, value: object) -> Callable[[dict[str, object]], dict[str, object]]:
    return lambda document: {**document, key: value}


def test_each_write_keeps_the_bytes_it_replaced_newest_first(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    store.write_text('{"n": 0}\n')
    for n in (1, 2, 3):
        lockcore.locked_update_json(store, add("n", n), keep_versions=10)

    kept = versions_of(store)

    assert [read_version(store, v.version_id) for v in kept] == [
        b'{"n": 2}\n',
        b'{"n": 1}\n',
        b'{"n": 0}\n',
    ]
    assert all(v.program for v in kept), "the program that saved over it is recorded"
    assert [v.size for v in kept] == [9, 9, 9]
    assert kept[0].replaced_at >= kept[-1].replaced_at


def test_no_versions_unless_asked_and_none_for_an_unchanged_write(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    lockcore.locked_write_json(store, {"n": 0})
    lockcore.locked_update_json(store, add("n", 1))
    lockcore.locked_update_json(store, add("n", 1), keep_versions=5)  # nothing changes

    assert list_versions(store) == []
    assert sorted(os.listdir(tmp_path)) == ["settings.json"]


def test_edit_json_and_locked_write_json_keep_versions_too(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    lockcore.locked_write_json(store, {"n": 0}, indent=None)
    lockcore.locked_write_json(store, {"n": 1}, indent=None, keep_versions=3)
    with lockcore.edit_json(store, keep_versions=3) as document:
        document["n"] = 2

    assert [json.loads(read_version(store, v.version_id)) for v in versions_of(store)] == [
        {"n": 1},
        {"n": 0},
    ]


def test_versions_are_bounded_by_count_and_by_total_size(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    lockcore.locked_write_json(store, {"n": 0})
    for n in range(1, 8):
        lockcore.locked_update_json(store, add("n", n), keep_versions=3)
    assert [json.loads(read_version(store, v.version_id))["n"] for v in versions_of(store)] == [
        6,
        5,
        4,
    ]

    big = tmp_path / "big.json"
    padding = "x" * 1000
    for n in range(4):  # three versions of ~1 kB each replaced
        lockcore.locked_update_json(
            big, add("pad", padding + str(n)), keep_versions=10, versions_max_bytes=2500
        )
    kept = versions_of(big)
    assert [json.loads(read_version(big, v.version_id))["pad"][-1] for v in kept] == ["2", "1"]

    # One version bigger than the whole budget is not kept (and the older ones go).
    lockcore.locked_update_json(big, add("pad", "y"), keep_versions=10, versions_max_bytes=100)
    assert versions_of(big) == []


def test_versions_are_folded_into_their_store_never_listed_as_stores(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    lockcore.locked_write_json(store, {"n": 0})
    lockcore.locked_update_json(store, add("n", 1), keep_versions=2)
    (version,) = versions_of(store)

    assert lockcore.classify_store_file(version.path) == (StoreFileKind.VERSION, str(store))
    listing = list_stores(tmp_path)
    assert list(listing) == [str(store)]
    assert [f.kind for f in listing[str(store)]] == [StoreFileKind.DATA, StoreFileKind.VERSION]


def test_quarantined_copies_are_listed_beside_the_versions(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    store.write_text("{broken")
    lockcore.locked_update_json(store, add("n", 1), on_corrupt="quarantine", keep_versions=5)

    (copy,) = list_versions(store)

    assert copy.kind is StoreFileKind.QUARANTINE
    assert read_version(store, copy.version_id) == b"{broken"


def test_read_version_reads_only_this_stores_versions(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    (tmp_path / "other.txt").write_text("not a version")
    lockcore.locked_write_json(store, {"n": 0})

    for name in ("/../other.txt", ".version-20260101T000000.000000-abc", ".lock", ""):
        with pytest.raises(FileNotFoundError):
            read_version(store, name)


def test_a_secret_stores_versions_keep_its_mode_owner_and_stay_unreadable_to_others(
    shared_dir: Path,
) -> None:
    shared_dir.chmod(0o777)
    store = shared_dir / "secret.json"
    store.write_text('{"token": "s3cret"}')
    store.chmod(0o600)
    os.chown(store, 0, 0)

    lockcore.locked_update_json(store, add("token", "new"), keep_versions=5)

    (version,) = versions_of(store)
    st = os.stat(version.path)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert (st.st_uid, st.st_gid) == (0, 0)
    reader = subprocess.run(
        [sys.executable, "-c", _READ_AS_NOBODY, version.path],
        capture_output=True,
        text=True,
        check=False,
    )
    assert reader.stdout.strip() == "PermissionError", reader.stderr


@pytest.mark.skipif(shutil.which("setfacl") is None, reason="needs setfacl (package acl)")
def test_versions_carry_the_stores_acl_and_extended_attributes(shared_dir: Path) -> None:
    shared_dir.chmod(0o777)
    store = shared_dir / "store.json"
    store.write_text('{"n": 0}')
    store.chmod(0o600)
    subprocess.run(["setfacl", "-m", "u:nobody:r,g::---", str(store)], check=True)
    os.setxattr(store, "user.origin", b"inventory")
    acl = os.getxattr(store, "system.posix_acl_access")

    lockcore.locked_update_json(store, add("n", 1), keep_versions=5)

    (version,) = versions_of(store)
    assert os.getxattr(version.path, "system.posix_acl_access") == acl
    assert os.getxattr(version.path, "user.origin") == b"inventory"
    assert stat.S_IMODE(os.stat(version.path).st_mode) == stat.S_IMODE(store.stat().st_mode)
    reader = subprocess.run(
        [sys.executable, "-c", _READ_AS_NOBODY, version.path],
        capture_output=True,
        text=True,
        check=False,
    )
    assert reader.stdout.strip() == '{"n": 0}', reader.stderr


_READ_AS_NOBODY = f"""
import os, sys
os.setgroups([]); os.setgid({NOBODY_UID}); os.setuid({NOBODY_UID})
try:
    print(open(sys.argv[1]).read())
except PermissionError:
    print("PermissionError")
"""


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_cli_history_lists_versions_and_restore_writes_one_back(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    lockcore.locked_write_json(store, {"theme": "dark"})
    lockcore.locked_update_json(store, add("theme", "light"), keep_versions=5)

    code, text = run("history", str(store))
    assert code == 0
    (version,) = versions_of(store)
    assert version.version_id in text
    code, listed = run("history", "--json", str(store))
    assert json.loads(listed)[0]["version"] == version.version_id

    code, text = run("restore", str(store), version.version_id)

    assert code == 0, text
    assert json.loads(store.read_text()) == {"theme": "dark"}
    # The restore is a write like any other: the state it replaced is kept, so it can be undone.
    assert json.loads(read_version(store, versions_of(store)[0].version_id)) == {"theme": "light"}


def test_cli_restore_of_an_unknown_version_is_a_usage_error(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    lockcore.locked_write_json(store, {"theme": "dark"})

    code, _text = run("restore", str(store), ".version-nope")

    assert code == 2
    assert json.loads(store.read_text()) == {"theme": "dark"}


def test_cli_history_of_a_store_without_versions(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    lockcore.locked_write_json(store, {})

    assert run("history", str(store)) == (0, f"{store}: no kept versions\n")


def test_a_write_that_fails_keeps_no_version_and_removes_none(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    lockcore.locked_write_json(store, {"n": 0})
    lockcore.locked_update_json(store, add("n", 1), keep_versions=1)
    (older,) = versions_of(store)
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    marked = subprocess.run(["chattr", "+i", str(store)], capture_output=True, check=False)
    if marked.returncode != 0:
        pytest.skip(f"no immutable attribute here: {marked.stderr.decode().strip()}")
    try:
        with pytest.raises(PermissionError):  # replacing an immutable file: EPERM, even as root
            lockcore.locked_update_json(store, add("n", 2), keep_versions=1)
    finally:
        subprocess.run(["chattr", "-i", str(store)], check=True)

    assert versions_of(store) == [older]
    assert json.loads(store.read_text()) == {"n": 1}


def test_the_program_is_named_as_people_know_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for argv0, expected in (
        ("/usr/bin/sync-agent", "sync-agent"),
        ("/srv/app/inventory.py", "inventory"),
        ("/opt/inspector/__main__.py", "inspector"),
        ("-c", "python"),
        ("", "python"),
        ("/tmp/we ird;name", "we_ird_name"),
    ):
        monkeypatch.setattr(sys, "argv", [argv0])
        assert lockcore._versions.program_name() == expected
