"""The least a judge of lock files must do, shared by the listing's minimal pass
(inspector_listing) and the ``inspect_lock`` benchmark (lockcore_inspect_bench)."""

from __future__ import annotations

import fcntl
import os


def minimal_liveness(lock_paths: list[str]) -> int:
    """Open, read and close each lock file, and try its holder's kernel lock (a lockcore lock)
    or ``kill(pid, 0)`` (a bare PID). Returns how many holders are alive."""
    alive = 0
    for lock in lock_paths:
        fd = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
        try:
            lines = os.read(fd, 4096).split(b"\n", 2)
            if len(lines) > 1 and lines[1] == b"lockcore 1":
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    alive += 1
                else:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            else:
                try:
                    os.kill(int(lines[0]), 0)
                    alive += 1
                except ProcessLookupError:
                    pass
        finally:
            os.close(fd)
    return alive
