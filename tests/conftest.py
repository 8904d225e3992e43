"""Shared test setup: Qt runs offscreen everywhere (CI has no display), and the real-process
harness of ``tests/multiprocess`` serves the lockcore tests too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The harness modules are not a package: make them importable whatever pytest's import mode.
_HARNESS = str(Path(__file__).resolve().parent / "multiprocess")
if _HARNESS not in sys.path:
    sys.path.insert(0, _HARNESS)

from _procs import Worker, worker_pool  # noqa: E402


@pytest.fixture
def workers() -> Iterator[Callable[..., Worker]]:
    """``workers(impl, mode, path, *options, prefix=())`` starts a child; all are reaped."""
    with worker_pool() as start:
        yield start


@pytest.fixture
def data_path(tmp_path: Path) -> Path:
    """A JSON store path in a private directory (nothing exists yet)."""
    return tmp_path / "store.json"


class Tmpfs:
    """A small tmpfs mounted for one test, in a fresh folder under the system's temp folder
    (reachable by an unprivileged child, unlike pytest's per-user folders)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def remount_read_only(self) -> None:
        _mount("-o", "remount,ro", str(self.path))


def _mount(*arguments: str) -> None:
    result = subprocess.run(["mount", *arguments], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def mount_tmpfs() -> Iterator[Callable[[str], Tmpfs]]:
    """``mount_tmpfs("64k")`` mounts a tmpfs of that size; all are unmounted afterwards,
    whatever happens. Skips where mounting is not allowed (it needs CAP_SYS_ADMIN)."""
    mounted: list[Path] = []

    def mount(size: str) -> Tmpfs:
        if shutil.which("mount") is None:
            pytest.skip("mount is not installed")
        mount_point = Path(tempfile.mkdtemp(prefix="lock-inspector-tmpfs-"))
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            mount_point.rmdir()
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        mounted.append(mount_point)
        return Tmpfs(mount_point)

    try:
        yield mount
    finally:
        for mount_point in mounted:
            # -l: something may still have it open (a child, a watcher): detach it anyway.
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False)
            mount_point.rmdir()


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A root-owned folder the unprivileged children of the permission tests can reach and
    read but not write (pytest's own tmp folders are 0700); removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="lock-inspector-shared-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory)
