"""Child process for the multi-process tests: ``python _worker.py IMPL MODE PATH [options]``.

Run as a plain script by ``_procs.Worker`` with our interpreter. It speaks a line protocol:
it prints one event per line on stdout (flushed at once) and, in interactive modes, reads one
command per line from stdin. The parent synchronises only on these lines, never on sleeps.

Events: ``ready <pid>``, ``waiting <t>``, ``held <t> <lock inode>``, ``timeout <t> <error>``,
``released <t>``, ``error <ExceptionClass> <is FileLockError> <message>``, ``read <json>``,
``in-updater``, ``committed``, ``done ...``. Times are ``time.monotonic()``, which on Linux is
one clock for every process, so the parent can subtract times taken in different children.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _lockimpls import load_impl

NOBODY_UID = 65534


def emit(*fields: object) -> None:
    print(*fields, flush=True)


def wait_for_command(expected: str) -> None:
    """Block until the parent sends ``expected`` on stdin (EOF means the parent is gone)."""
    line = sys.stdin.readline()
    if not line:
        raise SystemExit(0)
    if line.strip() != expected:
        raise SystemExit(f"expected command {expected!r}, got {line!r}")


def report_error(impl: ModuleType, exc: BaseException) -> None:
    is_lock_error = isinstance(exc, impl.FileLockError)
    message = str(exc).replace("\n", " ")
    emit("error", type(exc).__name__, is_lock_error, message)


def new_lock(impl: ModuleType, path: str, timeout: float) -> Any:
    return impl.FileLock(path, timeout=timeout)


def lock_inode(lock: Any) -> int:
    try:
        return os.stat(lock.lock_path).st_ino
    except OSError:
        return -1


def increment(data: Any) -> Any:
    data["count"] = data.get("count", 0) + 1
    return data


def count_default() -> dict[str, int]:
    return {"count": 0}


def mode_serve(impl: ModuleType, args: argparse.Namespace) -> None:
    """Interactive holder: ``acquire <timeout>``, ``release``, ``exit``."""
    lock: Any = None
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "acquire":
            lock = new_lock(impl, args.path, float(words[1]))
            emit("waiting", time.monotonic())
            try:
                lock.acquire()
            except impl.FileLockError as exc:
                emit("timeout", time.monotonic(), type(exc).__name__)
                lock = None
                continue
            emit("held", time.monotonic(), lock_inode(lock))
        elif words[0] == "release":
            released_at = time.monotonic()
            try:
                lock.release()
            except Exception as exc:
                report_error(impl, exc)
                continue
            emit("released", released_at)
        elif words[0] == "exit":
            return


def mode_increment(impl: ModuleType, args: argparse.Namespace) -> None:
    """``count`` += 1, ``--repeat`` times, with locked_update_json.

    Reports ``done <longest call> <start> <end>`` so the parent can check the runs overlapped.
    """
    began = time.monotonic()
    longest = 0.0
    for _ in range(args.repeat):
        started = time.monotonic()
        impl.locked_update_json(args.path, increment, default=count_default, timeout=args.timeout)
        longest = max(longest, time.monotonic() - started)
    emit("done", longest, began, time.monotonic())


def mode_update_once(impl: ModuleType, args: argparse.Namespace) -> None:
    """One increment; ``--pause`` waits for ``go`` inside the updater (lock held)."""

    def updater(data: Any) -> Any:
        if args.pause:
            emit("in-updater")
            wait_for_command("go")
        return increment(data)

    try:
        result = impl.locked_update_json(
            args.path, updater, default=count_default, timeout=args.timeout
        )
    except Exception as exc:
        report_error(impl, exc)
        return
    emit("committed", json.dumps(result))


def mode_read_then_write(impl: ModuleType, args: argparse.Namespace) -> None:
    """The review's "safe" pattern: ``_load_data()``, work, ``_save_data()`` (two locks)."""
    data = impl.locked_read_json(args.path, default=count_default, timeout=args.timeout)
    emit("read", json.dumps(data))
    if args.pause:
        wait_for_command("go")
    impl.locked_write_json(args.path, increment(data), timeout=args.timeout)
    emit("committed")


def mode_transaction(impl: ModuleType, args: argparse.Namespace) -> None:
    """``--repeat`` increments with the implementation's transaction API.

    lockcore: ``with edit_json(path) as doc``. legacy has none; its callers do what the review
    calls safe — read, then write — so that is what legacy runs here.
    """
    for _ in range(args.repeat):
        if not hasattr(impl, "edit_json"):
            mode_read_then_write(impl, args)
            continue
        with impl.edit_json(args.path, default=count_default, timeout=args.timeout) as doc:
            emit("read", json.dumps(doc))
            if args.pause:
                wait_for_command("go")
            increment(doc)
        emit("committed")


def mode_hammer(impl: ModuleType, args: argparse.Namespace) -> None:
    """After ``go``: increment with no pause for ``--duration`` s; report count, longest wait."""
    wait_for_command("go")
    done = 0
    longest = 0.0
    stop_at = time.monotonic() + args.duration
    while time.monotonic() < stop_at:
        started = time.monotonic()
        impl.locked_update_json(args.path, increment, default=count_default, timeout=args.timeout)
        longest = max(longest, time.monotonic() - started)
        done += 1
    emit("done", done, longest)


def mode_write(impl: ModuleType, args: argparse.Namespace) -> None:
    """One locked_write_json of ``{"count": 1}`` (``--no-durable`` where supported)."""
    kwargs: dict[str, Any] = {"timeout": args.timeout}
    if args.no_durable:
        kwargs["durable"] = False
    impl.locked_write_json(args.path, {"count": 1}, **kwargs)
    emit("committed")


def mode_read(impl: ModuleType, args: argparse.Namespace) -> None:
    try:
        data = impl.locked_read_json(args.path, default=count_default, timeout=args.timeout)
    except Exception as exc:
        report_error(impl, exc)
        return
    emit("read", json.dumps(data))


def mode_thread_wait(impl: ModuleType, args: argparse.Namespace) -> None:
    """Two threads of this process: the first holds for ``--hold`` s, the second waits."""
    first = new_lock(impl, args.path, args.timeout)
    first.acquire()
    acquired_by_second = threading.Event()

    def second() -> None:
        lock = new_lock(impl, args.path, args.timeout)
        lock.acquire()
        acquired_by_second.set()
        lock.release()

    thread = threading.Thread(target=second)
    thread.start()
    # The hold time is the workload being measured (how the second thread waits), not a
    # synchronisation: the test only counts what the waiting thread does meanwhile.
    time.sleep(args.hold)
    released_at = time.monotonic()
    first.release()
    thread.join(timeout=args.timeout + 5)
    emit("done", acquired_by_second.is_set(), released_at)


def drop_to_nobody() -> None:
    """Become ``nobody``: as root, chmod 000 denies nothing, so permission tests need this."""
    os.setgroups([])
    os.setgid(NOBODY_UID)
    os.setuid(NOBODY_UID)


MODES = {
    "serve": mode_serve,
    "increment": mode_increment,
    "update-once": mode_update_once,
    "read-then-write": mode_read_then_write,
    "transaction": mode_transaction,
    "write": mode_write,
    "hammer": mode_hammer,
    "read": mode_read,
    "thread-wait": mode_thread_wait,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("impl")
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("path")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pause", action="store_true")
    parser.add_argument("--no-durable", action="store_true")
    parser.add_argument("--hold", type=float, default=0.5)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--as-nobody", action="store_true")
    parser.add_argument("--barrier", action="store_true", help="start only on a 'go' line")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    impl = load_impl(args.impl)
    if args.as_nobody:
        drop_to_nobody()  # after every import: nobody cannot read root's bytecode caches
    emit("ready", os.getpid())
    if args.barrier:
        wait_for_command("go")  # lets the parent start several workers at the same instant
    MODES[args.mode](impl, args)


if __name__ == "__main__":
    main()
