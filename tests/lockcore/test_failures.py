"""Bad conditions give a clear error and lose nothing: a full disk, a read-only filesystem,
an immutable file, a vanished directory, non-UTF-8 bytes.

Every failure here is real: a tiny tmpfs really fills up, a remounted tmpfs really refuses
writes, ``chattr +i`` really refuses even root. Mounting needs CAP_SYS_ADMIN, which root on
these machines and CI has; elsewhere those cases are skipped with the reason.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lockcore import CorruptJSONError, FileLock, locked_read_json, locked_update_json


def _bump(data: dict) -> dict:
    data["count"] += 1
    return data


@pytest.fixture
def tiny_tmpfs(mount_tmpfs: Any) -> Path:
    """A 64 KiB tmpfs of our own; unmounted afterwards whatever happens."""
    return mount_tmpfs("64k").path


def _fill(directory: Path) -> None:
    """Fill the filesystem until a write fails with ENOSPC."""
    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        with pytest.raises(OSError) as raised:  # noqa: PT012 - the loop is what fills it
            while True:
                os.write(fd, b"\0" * 4096)
        assert raised.value.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_full_disk_raises_and_keeps_the_old_data(tiny_tmpfs: Path) -> None:
    store = tiny_tmpfs / "store.json"
    store.write_text(json.dumps({"count": 1, "pad": ""}))
    _fill(tiny_tmpfs)

    def grow(data: dict) -> dict:
        data["pad"] = "x" * 32_768  # cannot fit any more
        return data

    with pytest.raises(OSError) as raised:
        locked_update_json(store, grow, timeout=2)

    assert raised.value.errno == errno.ENOSPC
    assert json.loads(store.read_text()) == {"count": 1, "pad": ""}
    assert sorted(os.listdir(tiny_tmpfs)) == ["filler", "store.json"], "temp or lock left"


def test_read_only_filesystem_raises_and_changes_nothing(tiny_tmpfs: Path) -> None:
    store = tiny_tmpfs / "store.json"
    store.write_text('{"count": 1}')
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_tmpfs)], check=True)

    with pytest.raises(OSError) as raised:
        locked_update_json(store, _bump, timeout=2)

    assert raised.value.errno == errno.EROFS
    assert json.loads(store.read_text()) == {"count": 1}
    assert sorted(os.listdir(tiny_tmpfs)) == ["store.json"]


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    """Files made immutable with chattr +i during a test; always made mutable again."""
    made: list[Path] = []
    yield made
    for path in made:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def test_immutable_data_file_raises_permission_error_and_leaves_no_temp(
    tmp_path: Path, immutable: list[Path]
) -> None:
    store = tmp_path / "store.json"
    store.write_text('{"count": 1}')
    result = subprocess.run(["chattr", "+i", str(store)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"this filesystem has no immutable flag: {result.stderr.strip()}")
    immutable.append(store)

    with pytest.raises(PermissionError):
        locked_update_json(store, _bump, timeout=2)

    assert json.loads(store.read_text()) == {"count": 1}
    assert sorted(os.listdir(tmp_path)) == ["store.json"], "temp or lock left behind"


def test_directory_vanishing_between_updates_is_recreated(tmp_path: Path) -> None:
    store = tmp_path / "gone" / "store.json"
    locked_update_json(store, lambda _data: {"count": 1}, default=dict)
    shutil.rmtree(tmp_path / "gone")

    assert locked_read_json(store, default={"count": 0}) == {"count": 0}
    assert locked_update_json(store, _bump, default=lambda: {"count": 0}) == {"count": 1}


def test_directory_removed_while_holding_the_lock_fails_cleanly(tmp_path: Path) -> None:
    store = tmp_path / "gone" / "store.json"
    locked_update_json(store, lambda _data: {"count": 1}, default=dict)

    def remove_everything(data: dict) -> dict:
        shutil.rmtree(tmp_path / "gone")
        return _bump(data)

    with pytest.raises(OSError):
        locked_update_json(store, remove_everything)
    assert not (tmp_path / "gone").exists()
    with FileLock(store, timeout=1):  # nothing stale is left in the way
        pass


def test_non_utf8_bytes_are_reported_and_kept(tmp_path: Path) -> None:
    store = tmp_path / "store.json"
    raw = b'{"name": "caf\xe9"}'
    store.write_bytes(raw)

    with pytest.raises(CorruptJSONError, match="not UTF-8"):
        locked_update_json(store, _bump)
    assert locked_read_json(store, default={"fallback": True}) == {"fallback": True}
    assert store.read_bytes() == raw


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        # Valid JSON that Python will not turn into objects: an integer longer than
        # sys.get_int_max_str_digits() (a ValueError), nesting deeper than the recursion limit.
        (
            b'{"n": ' + b"9" * 5000 + b"}",
            "valid JSON, but too large or deep for Python: an integer of 5,000 digits",
        ),
        (
            b"[" * 100_000 + b"]" * 100_000,
            "valid JSON, but too large or deep for Python: nesting 100,000 levels deep",
        ),
    ],
    ids=["5000-digit-integer", "100000-deep"],
)
def test_json_python_cannot_parse_is_refused_with_its_path_and_kept(
    tmp_path: Path, raw: bytes, words: str
) -> None:
    store = tmp_path / "store.json"
    store.write_bytes(raw)

    with pytest.raises(CorruptJSONError, match=words) as refused:
        locked_update_json(store, _bump)
    assert refused.value.path == str(store)
    assert locked_read_json(store, default={"fallback": True}) == {"fallback": True}
    assert store.read_bytes() == raw


def test_a_symlinked_store_is_replaced_not_followed_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Following the link would let anyone who can plant one in a shared folder pick the file a
    # root writer overwrites; the link is replaced (as the reviewed module did), with a warning.
    target = tmp_path / "elsewhere.json"
    target.write_text('{"count": 1}')
    store = tmp_path / "store.json"
    store.symlink_to(target)

    with caplog.at_level("WARNING", logger="lockcore"):
        locked_update_json(store, _bump)
    assert not store.is_symlink()
    assert json.loads(store.read_text()) == {"count": 2}
    assert target.read_text() == '{"count": 1}'
    assert f"{store} is a symbolic link to {target}" in caplog.text


def test_huge_document_round_trips(tmp_path: Path) -> None:
    store = tmp_path / "big.json"
    document = {"items": [{"id": n, "text": "é" * 50} for n in range(100_000)]}
    locked_update_json(store, lambda _data: document, default=dict, durable=False)
    assert locked_read_json(store)["items"][99_999]["id"] == 99_999
