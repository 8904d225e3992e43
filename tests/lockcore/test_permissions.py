"""Permission errors propagate unchanged (a ``PermissionError``, not a lock error or a default).

These machines run the tests as root, for whom ``chmod 000`` denies nothing, so the denied side
runs in a child process that drops to the user ``nobody`` after its imports.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from _procs import Worker

import lockcore

StartWorker = Callable[..., Worker]


def test_unwritable_directory_raises_permission_error(
    shared_dir: Path, workers: StartWorker
) -> None:
    data_path = shared_dir / "store.json"
    data_path.write_text('{"count": 1}')
    data_path.chmod(0o666)  # even a writable file: the lock cannot be created beside it

    writer = workers("lockcore", "update-once", data_path, "--timeout", "1", "--as-nobody")
    outcome = writer.expect("committed", "error")

    assert outcome[:3] == ["error", "PermissionError", "False"], outcome
    assert json.loads(data_path.read_text()) == {"count": 1}
    assert sorted(os.listdir(shared_dir)) == ["store.json"]


def test_unreadable_data_file_raises_permission_error_and_releases_the_lock(
    shared_dir: Path, workers: StartWorker
) -> None:
    shared_dir.chmod(0o777)  # nobody may create the lock file, but not read the data
    data_path = shared_dir / "store.json"
    data_path.write_text('{"secret": 1}')
    data_path.chmod(0o600)

    reader = workers("lockcore", "read", data_path, "--timeout", "1", "--as-nobody")
    outcome = reader.expect("read", "error")

    assert outcome[:3] == ["error", "PermissionError", "False"], outcome
    assert sorted(os.listdir(shared_dir)) == ["store.json"], "the lock was left behind"


@pytest.mark.skipif(shutil.which("setfacl") is None, reason="needs setfacl (package acl)")
def test_acl_and_extended_attributes_survive_an_update(
    shared_dir: Path, workers: StartWorker
) -> None:
    shared_dir.chmod(0o777)  # nobody may create the lock file
    data_path = shared_dir / "store.json"
    data_path.write_text('{"count": 1}')
    data_path.chmod(0o600)
    # Readable by nobody alone: the mode now shows the ACL's mask as group bits (0640).
    subprocess.run(["setfacl", "-m", "u:nobody:r,g::---", str(data_path)], check=True)
    os.setxattr(data_path, "user.origin", b"inventory")
    acl = os.getxattr(data_path, "system.posix_acl_access")
    mode = data_path.stat().st_mode

    lockcore.locked_update_json(data_path, lambda data: {**data, "count": data["count"] + 1})

    assert os.getxattr(data_path, "system.posix_acl_access") == acl, "the ACL was lost"
    assert os.getxattr(data_path, "user.origin") == b"inventory"
    assert data_path.stat().st_mode == mode
    reader = workers("lockcore", "read", data_path, "--timeout", "1", "--as-nobody")
    assert reader.expect("read", "error") == ["read", '{"count":', "2}"]


def test_an_update_by_its_owner_keeps_the_set_user_id_bit_a_write_clears(
    shared_dir: Path, workers: StartWorker
) -> None:
    # The temp file is made with the store's mode before it is written (issue 9 §6); a write
    # by a process that may not keep it (not root) clears a set-user-ID bit, which must be
    # put back, as when the mode was set after the write.
    shared_dir.chmod(0o777)
    data_path = shared_dir / "store.json"
    data_path.write_text('{"count": 1}')
    os.chown(data_path, *_nobody_ids())
    data_path.chmod(0o4644)

    writer = workers("lockcore", "update-once", data_path, "--timeout", "5", "--as-nobody")
    outcome = writer.expect("committed", "error")

    assert outcome[0] == "committed", outcome
    assert json.loads(data_path.read_text())["count"] == 2
    assert data_path.stat().st_mode & 0o7777 == 0o4644


def _nobody_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid
