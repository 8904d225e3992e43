"""What one uncontended update asks of the kernel (issue 9, §6), counted with ``strace``.

A child process updates a store many times under ``strace -f``; only the calls between two
marks (a ``stat`` of a path that does not exist) are counted, so the interpreter's start, the
imports and the first updates (which make the keep-alive thread and learn the filesystem) are
not. These are counts, not timings: the same on a loaded machine as on a quiet one.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UPDATES = 50
_MARK_START = "/nonexistent-lockcore-test-counting-starts"
_MARK_END = "/nonexistent-lockcore-test-counting-ends"

_CHILD = f"""
import contextlib, os, sys
import lockcore

path, durable = sys.argv[1], sys.argv[2] == "durable"

def increment(document):
    document["count"] = document.get("count", 0) + 1
    return document

for _ in range(20):
    lockcore.locked_update_json(path, increment, default=dict, durable=durable)
with contextlib.suppress(OSError):
    os.stat({_MARK_START!r})
for _ in range({UPDATES}):
    lockcore.locked_update_json(path, increment, default=dict, durable=durable)
with contextlib.suppress(OSError):
    os.stat({_MARK_END!r})
"""


def _syscalls_per_update(tmp_path: Path, *, durable: bool) -> dict[str, float]:
    """Each system call's count per update; ``"<name> store"``: those naming the data file."""
    tmp_path.mkdir(exist_ok=True)
    store = tmp_path / "store.json"
    store.write_text('{"count": 0}', encoding="utf-8")
    log = tmp_path / "strace.log"
    mode = "durable" if durable else "fast"
    subprocess.run(
        ["strace", "-f", "-qq", "-o", str(log), sys.executable, "-c", _CHILD, str(store), mode],
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    counts: collections.Counter[str] = collections.Counter()
    counting = False
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if _MARK_START in line:
            counting = True
        elif _MARK_END in line:
            break
        elif counting and (call := re.match(r"\d+\s+(\w+)\(", line)):
            counts[call.group(1)] += 1
            if f'"{store}"' in line:
                counts[f"{call.group(1)} store"] += 1
    assert counting, "the child never reached its first mark"
    return {name: count / UPDATES for name, count in counts.items()}


@pytest.mark.parametrize("durable", [False, True], ids=["fast", "durable"])
def test_an_update_asks_the_kernel_for_no_random_bytes_of_its_own(
    tmp_path: Path, durable: bool
) -> None:
    # The lock file's token and the temp file's name come from random bytes drawn a block at
    # a time (one getrandom per hundreds of names), not one getrandom each.
    per_update = _syscalls_per_update(tmp_path, durable=durable)
    assert per_update.get("getrandom", 0) <= 1 / UPDATES, per_update


def test_a_durable_update_syncs_the_new_file_and_its_directory_once_each(tmp_path: Path) -> None:
    per_update = _syscalls_per_update(tmp_path, durable=True)
    syncs = per_update.get("fsync", 0) + per_update.get("fdatasync", 0)
    assert syncs == 2, per_update


def test_an_update_without_fsync_syncs_nothing(tmp_path: Path) -> None:
    per_update = _syscalls_per_update(tmp_path, durable=False)
    assert per_update.get("fsync", 0) + per_update.get("fdatasync", 0) == 0, per_update


@pytest.mark.parametrize("durable", [False, True], ids=["fast", "durable"])
def test_an_update_looks_at_the_data_file_once(tmp_path: Path, durable: bool) -> None:
    # Its owner, mode and kind (a symbolic link or not) come from the descriptor it was read
    # through, under the same lock: no lstat of it again before the write.
    per_update = _syscalls_per_update(tmp_path, durable=durable)
    looks = {call: n for call, n in per_update.items() if call.endswith(" store")}
    assert looks.get("newfstatat store", 0) + looks.get("lstat store", 0) == 0, looks
    assert looks.get("openat store", 0) == 1, looks


def test_a_durable_update_swaps_the_signal_dispatcher_in_and_out_once(tmp_path: Path) -> None:
    # The dispatcher stays in place from the lock to the directory sync after the release:
    # not taken away at the release and put back for the sync (two rt_sigaction more).
    fast = _syscalls_per_update(tmp_path / "fast", durable=False)
    durable = _syscalls_per_update(tmp_path / "durable", durable=True)
    assert 0 < durable.get("rt_sigaction", 0) == fast.get("rt_sigaction", 0), (fast, durable)


@pytest.mark.skipif(shutil.which("setfacl") is None, reason="needs setfacl (package acl)")
def test_the_new_file_has_its_mode_owner_and_acl_before_its_first_byte(tmp_path: Path) -> None:
    # Made private, written, then opened up (chmod 0640 before the ACL was copied), the new
    # bytes of a 0600 store with an ACL (u:nobody:r, g::---) were readable by the owning group
    # for a moment. Now the temp file is made with the store's mode and gets its ACL before the
    # write; an update of a plain 0644 store needs no chmod at all (issue 9 §6).
    store = tmp_path / "store.json"
    store.write_text('{"count": 0}', encoding="utf-8")
    os.chmod(store, 0o644)
    plain = _syscalls_per_update(tmp_path / "plain", durable=False)
    assert plain.get("fchmod", 0) == 0, plain

    store.chmod(0o600)
    subprocess.run(["setfacl", "-m", "u:nobody:r,g::---", str(store)], check=True)
    log = tmp_path / "acl.strace"
    child = (
        "import lockcore, sys\n"
        "lockcore.locked_update_json(sys.argv[1], lambda d: {**d, 'count': 1}, durable=False)\n"
    )
    subprocess.run(
        ["strace", "-f", "-qq", "-o", str(log), sys.executable, "-c", child, str(store)],
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    temp_fd = None
    order: list[str] = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        opened = re.search(r'openat\(AT_FDCWD, "[^"]*\.tmp", [^)]*\) = (\d+)', line)
        if opened:
            temp_fd = opened.group(1)
        elif temp_fd is not None and (call := re.match(rf"\d+\s+(\w+)\({temp_fd}, ", line)):
            order.append(call.group(1))
            if call.group(1) == "close":
                break
    assert "fsetxattr" in order, order
    assert order.index("fsetxattr") < order.index("write"), order
    assert "fchmod" not in order[order.index("write") :], order
    assert os.getxattr(store, "system.posix_acl_access")
    assert stat.S_IMODE(store.stat().st_mode) == 0o640  # the ACL's mask, as before the update
