"""A small writer process for ``lock-inspector --demo``: takes real locks and updates a store.

Modes:

``update``   every ``--interval`` seconds, take the store's lockcore lock, keep it ``--hold``
             seconds (so people see it held), and update the document (a counter, a timestamp).
``hold``     take the lockcore lock, print ``held``, and keep it until killed (the demo SIGKILLs
             it to leave a stale lock behind).
``legacy``   write a bare-PID lock file the way the old ``file_lock.py`` did and keep it while
             alive (the legacy format, held by a live writer); removed on SIGTERM.

Every mode exits on its own when the inspector that started it goes away.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import os
import random
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any

from lockcore import FileLock, lock_path_for, locked_update_json

_PR_SET_NAME = 15


def _set_process_name(name: str) -> None:
    """Show ``name`` as the process name (what the inspector's Process column displays)."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(libc_name, use_errno=True)
        libc.prctl(_PR_SET_NAME, name.encode()[:15], 0, 0, 0)


class _Stop(Exception):
    pass


def _raise_stop(_signum: int, _frame: object) -> None:
    raise _Stop


def _parent_gone(parent: int) -> bool:
    return os.getppid() != parent


def _sleep(seconds: float, parent: int) -> None:
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if _parent_gone(parent):
            raise _Stop
        time.sleep(min(0.25, left))


def _bump(document: Any, field: str) -> Any:
    if not isinstance(document, dict):
        document = {}
    if field == "agents":
        agents = document.setdefault("agents", {})
        name = random.choice(["planner", "reviewer", "indexer"])  # noqa: S311 - demo data
        agent = agents.setdefault(name, {"runs": 0})
        agent["runs"] = int(agent.get("runs", 0)) + 1
        agent["last_heartbeat"] = time.strftime("%H:%M:%S")
    else:
        document[field] = int(document.get(field, 0)) + 1
        document["updated_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
    return document


def _run_update(path: str, interval: float, hold: float, field: str, parent: int) -> None:
    _sleep(random.uniform(0, interval), parent)  # noqa: S311 - spread the writers out
    while True:
        with FileLock(path, timeout=30):
            _sleep(hold, parent)
            locked_update_json(path, lambda doc: _bump(doc, field), default=dict)
        _sleep(interval, parent)


def _run_hold(path: str, parent: int) -> None:
    with FileLock(path, timeout=30):
        print("held", flush=True)
        while True:
            _sleep(3600, parent)


def _run_legacy(path: str, parent: int) -> None:
    lock_path = lock_path_for(path)
    fd = os.open(lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
        os.close(fd)
        print("held", flush=True)
        while True:
            _sleep(3600, parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one demo writer until it is stopped or its parent exits."""
    parser = argparse.ArgumentParser(prog="python -m inspector.demo.writer")
    parser.add_argument("mode", choices=["update", "hold", "legacy"])
    parser.add_argument("path")
    parser.add_argument("--interval", type=float, default=3.0)
    parser.add_argument("--hold", type=float, default=0.5)
    parser.add_argument("--field", default="counter")
    parser.add_argument("--name", default="")
    parser.add_argument("--parent", type=int, default=0, help="exit when this PID is gone")
    args = parser.parse_args(argv)
    if args.name:
        _set_process_name(args.name)
    parent = args.parent or os.getppid()
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        if args.mode == "update":
            _run_update(args.path, args.interval, args.hold, args.field, parent)
        elif args.mode == "hold":
            _run_hold(args.path, parent)
        else:
            _run_legacy(args.path, parent)
    except _Stop:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
