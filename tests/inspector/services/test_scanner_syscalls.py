"""What checking a document costs the kernel: counted by strace around a real scan."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")


def syscalls_of_scans(folders: list[Path], trace: Path) -> list[int]:
    """How many file system calls a child makes scanning each of ``folders`` (every document
    checked), counted between markers once its imports are done.

    Only the scans are counted: the interpreter's start and imports are not the scanner's, and
    their count varies. An import lists a folder on sys.path again (openat, fstat, close) when
    that folder's mtime changed since it last looked, which any process creating or removing a
    file there at that moment causes: once under load, a scan of 250 stores counted 3 calls
    more than this way.
    """
    code = """
import os, sys
from inspector.services.scanner import scan_folder
marks, folders = sys.argv[1], sys.argv[2:]
scan_folder(folders[0])  # warm: whatever the first scan imports or caches
for number, folder in enumerate(folders):
    try:
        os.stat(f"{marks}-{number}")  # a marker in the trace: a file that is not there
    except FileNotFoundError:
        pass
    scan_folder(folder)
try:
    os.stat(f"{marks}-end")
except FileNotFoundError:
    pass
"""
    marks = str(trace.parent / "no-such-mark")
    subprocess.run(
        [
            *("strace", "-f", "-qq", "-o", str(trace)),
            # The calls a document check makes; not getdents64 (a bigger folder takes one more),
            # nor the allocator's brk/mmap, which vary with the heap and not with the stores.
            *("-e", "trace=openat,open,newfstatat,fstat,statx,lstat,stat,read,pread64,close"),
            *(sys.executable, "-c", code, marks, *map(str, folders)),
        ],
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    names = [f"{marks}-{number}" for number in range(len(folders))] + [f"{marks}-end"]
    counts: list[int] = []
    counting = -1
    for line in trace.read_text().splitlines():
        if "resumed>" in line:  # a call split by another thread's: counted at its start
            continue
        if counting + 1 < len(names) and f'"{names[counting + 1]}"' in line:
            counting += 1
            counts.append(0)
        elif counting >= 0:
            counts[-1] += 1
    assert len(counts) == len(names), counts
    return counts[:-1]


def test_checking_a_document_costs_four_system_calls(tmp_path: Path) -> None:
    # open, fstat, read, close: the stamp and the bytes from one open (a separate stat, and an
    # open that fstat-ed again and read twice, made it seven).
    folders = []
    for stores in (50, 250):
        folder = tmp_path / f"f{stores}"
        folder.mkdir()
        for number in range(stores):
            (folder / f"s{number:04d}.json").write_text(f'{{"n": {number}}}')
        folders.append(folder)
    fifty, two_hundred_fifty = syscalls_of_scans(folders, tmp_path / "strace.txt")
    per_store = (two_hundred_fifty - fifty) / 200
    assert per_store <= 4.0, per_store
