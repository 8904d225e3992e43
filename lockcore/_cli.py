"""``python -m lockcore``: lock status and hand breaking for hosts without a display."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from lockcore import __version__
from lockcore._break import break_stale_lock
from lockcore._errors import FileLockError, HolderAliveError, LockChangedError
from lockcore._events import LockEvent, watch_lock_events
from lockcore._holder import LockInfo, LockState, inspect_lock, this_host
from lockcore._store_files import classify_store_file, list_stores

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2


def _stores(directory: str, *, recursive: bool) -> Iterable[str]:
    """The data files of the stores in ``directory`` (see :func:`lockcore.list_stores`)."""
    return list_stores(directory, recursive=recursive)


def _format_age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def _as_json(info: LockInfo, now: float) -> dict[str, Any]:
    return {
        "path": info.path,
        "lock_path": info.lock_path,
        "state": info.state.name.lower(),
        "format": info.format.value,
        "pid": info.pid,
        "hostname": info.hostname,
        "process_name": info.process_name,
        "cmdline": list(info.cmdline),
        "holder_alive": info.holder_alive,
        "age_seconds": info.age(now),
        "reason": info.reason,
    }


def _status(args: argparse.Namespace, out: TextIO) -> int:
    if not os.path.isdir(args.directory):
        print(f"lockcore: {args.directory} is not a directory", file=sys.stderr)
        return EXIT_USAGE
    now = time.time()
    infos = [inspect_lock(path) for path in _stores(args.directory, recursive=args.recursive)]
    if args.json:
        json.dump([_as_json(info, now) for info in infos], out, indent=2)
        out.write("\n")
        return EXIT_OK
    rows = [("FILE", "STATE", "PID", "PROCESS", "AGE", "WHY")]
    for info in infos:
        rows.append(
            (
                os.path.relpath(info.path, args.directory),
                info.state.value,
                str(info.pid) if info.pid is not None else "-",
                info.process_name or "-",
                _format_age(info.age(now)),
                info.reason if info.is_locked else "",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:5], widths, strict=True)]
        print("  ".join([*cells, row[5]]).rstrip(), file=out)
    locked = sum(info.is_locked for info in infos)
    print(f"\n{len(infos)} stores, {locked} locked", file=out)
    return EXIT_OK


def _describe(info: LockInfo, now: float) -> str:
    alive = {True: "alive", False: "dead", None: "cannot be verified"}[info.holder_alive]
    content = info.content.decode("ascii", "replace").rstrip()
    return (
        f"lock:    {info.lock_path}\n"
        f"state:   {info.state.value} ({info.reason})\n"
        f"holder:  {info.describe_holder()}, {alive}\n"
        f"command: {' '.join(info.cmdline) or '-'}\n"
        f"age:     {_format_age(info.age(now))}\n"
        f"content:\n    " + content.replace("\n", "\n    ")
    )


def _break(args: argparse.Namespace, out: TextIO) -> int:
    classified = classify_store_file(args.file)  # the lock or another file of the store
    path = args.file if classified is None else classified[1]
    info = inspect_lock(path)
    if info.state is LockState.FREE:
        print(f"{path} is not locked", file=out)
        return EXIT_OK
    print(_describe(info, time.time()), file=out)
    force = False
    if info.state is not LockState.STALE_DEAD_HOLDER:
        if not args.force:
            print(
                "\nrefused: the holder is alive or cannot be verified; "
                "use --force if you are sure no process is using it",
                file=out,
            )
            return EXIT_REFUSED
        force = True
    if not args.yes and not _confirm(f"\nbreak this lock{' by force' if force else ''}? [y/N] "):
        print("nothing removed", file=out)
        return EXIT_REFUSED
    try:
        break_stale_lock(path, info, force=force)
    except (LockChangedError, HolderAliveError) as error:
        print(f"refused: {error}", file=out)
        return EXIT_REFUSED
    print(f"removed {info.lock_path}", file=out)
    return EXIT_OK


def _watch(args: argparse.Namespace, out: TextIO) -> int:
    """Print the folder's lock events as they happen, until interrupted (SIGINT, SIGTERM)."""
    if not os.path.isdir(args.directory):
        print(f"lockcore: {args.directory} is not a directory", file=sys.stderr)
        return EXIT_USAGE
    try:
        for event in watch_lock_events(args.directory, recursive=args.recursive):
            if args.json:
                out.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
            else:
                out.write(_event_line(event, args.directory) + "\n")
            out.flush()  # a pipe reader sees each event as it happens
    except KeyboardInterrupt:
        return EXIT_OK
    return EXIT_OK


def _event_line(event: LockEvent, directory: str) -> str:
    """One event for people: time, what, which store, whose, how long."""
    stamp = time.strftime("%H:%M:%S", time.localtime(event.time))
    stamp += f".{int(event.time % 1 * 1000):03d}"
    parts = [stamp, event.event.value.ljust(9), _printable(os.path.relpath(event.store, directory))]
    if event.pid is not None:
        parts.append(
            f"PID {event.pid}" + (f" ({_printable(event.process)})" if event.process else "")
        )
    if event.host and event.host != this_host():
        parts.append(f"on {_printable(event.host)}")
    if event.duration_s is not None:
        parts.append(f"after {event.duration_s * 1000:.1f} ms")
    if event.size is not None:
        parts.append(f"{event.size} bytes")
    if event.by_us:
        parts.append("by us")
    if event.reason:
        parts.append(f"({_printable(event.reason)})")
    return "  ".join(parts)


def _printable(text: str) -> str:
    """Control characters escaped: a file name or lock content must not drive the terminal."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _confirm(question: str) -> bool:
    if not sys.stdin or not sys.stdin.isatty():
        print(f"{question.strip()} (no terminal: pass --yes to confirm)")
        return False
    return input(question).strip().lower() in ("y", "yes")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lockcore", description="Inspect and repair lock files of shared JSON stores."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser("status", help="show the lock state of every store in DIR")
    status.add_argument("directory", metavar="DIR")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument("-r", "--recursive", action="store_true", help="include subfolders")
    breaking = commands.add_parser("break", help="break the lock of FILE if its holder is dead")
    breaking.add_argument("file", metavar="FILE", help="the data file (or its .lock)")
    breaking.add_argument(
        "--force", action="store_true", help="also break a live or unverifiable holder's lock"
    )
    breaking.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    watching = commands.add_parser(
        "watch", help="print lock events (taken, released, stale, written, ...) until interrupted"
    )
    watching.add_argument("directory", metavar="DIR")
    watching.add_argument("--json", action="store_true", help="one JSON object per line")
    watching.add_argument("-r", "--recursive", action="store_true", help="include subfolders")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    try:
        if args.command == "status":
            return _status(args, out)
        if args.command == "watch":
            return _watch(args, out)
        return _break(args, out)
    except (OSError, FileLockError) as error:
        print(f"lockcore: {error}", file=sys.stderr)
        return EXIT_REFUSED
