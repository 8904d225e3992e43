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


def syscalls_of_a_scan(folder: Path, summary: Path) -> int:
    """How many file system calls a child that scans ``folder`` (every document checked)
    makes."""
    code = (
        "import sys; from inspector.services.scanner import scan_folder; scan_folder(sys.argv[1])"
    )
    subprocess.run(
        [
            *("strace", "-f", "-qq", "-c", "-o", str(summary)),
            # The calls a document check makes; not getdents64 (a bigger folder takes one more),
            # nor the allocator's brk/mmap, which vary with the heap and not with the stores.
            *("-e", "trace=openat,open,newfstatat,fstat,statx,lstat,stat,read,pread64,close"),
            *(sys.executable, "-c", code, str(folder)),
        ],
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    total = summary.read_text().strip().splitlines()[-1].split()
    assert total[-1] == "total", total
    return int(total[3])


def test_checking_a_document_costs_four_system_calls(tmp_path: Path) -> None:
    # open, fstat, read, close: the stamp and the bytes from one open (a separate stat, and an
    # open that fstat-ed again and read twice, made it seven).
    counts = {}
    for stores in (50, 250):
        folder = tmp_path / f"f{stores}"
        folder.mkdir()
        for number in range(stores):
            (folder / f"s{number:04d}.json").write_text(f'{{"n": {number}}}')
        counts[stores] = syscalls_of_a_scan(folder, tmp_path / f"strace-{stores}.txt")
    per_store = (counts[250] - counts[50]) / 200
    assert per_store <= 4.0, per_store
