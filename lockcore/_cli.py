"""``python -m lockcore``: lock status and hand breaking for hosts without a display.

Exit status, for monitoring checks: ``status`` gives 0 when every lock is free or held by a
holder that is alive or cannot be checked, 1 when a lock is stale or unreadable (a person should
look), 2 on a usage or I/O error, and with ``--schemas`` 3 when a store breaks its JSON Schema
(or names one that cannot be used). ``break`` gives 0 when the lock is gone, 1 when it refused or
was not confirmed, 2 on a usage or I/O error. A reader that stops early (``| head``) ends the
output quietly, with the status it would have had.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

from lockcore import __version__
from lockcore._break import break_stale_lock
from lockcore._errors import FileLockError, HolderAliveError, LockChangedError
from lockcore._events import LockEvent
from lockcore._inspect import inspect_lock
from lockcore._json import locked_update_json
from lockcore._lock_content import LOCK_SUFFIX
from lockcore._lockinfo import LockInfo, LockState, this_host
from lockcore._schemas import SCHEMA_MAP_NAME, SchemaCheck, check_schema
from lockcore._store_files import StoreFileKind, classify_store_file, list_stores
from lockcore._versions import list_versions, read_version
from lockcore._watch import watch_lock_events

EXIT_OK = 0
EXIT_REFUSED = 1
#: ``status``: at least one lock is stale or unreadable
EXIT_ATTENTION = 1
EXIT_USAGE = 2
#: ``status --schemas``: a store breaks its schema, or its schema cannot be used
EXIT_SCHEMA_ERRORS = 3
#: Locks a person should look at: their holder is dead, or nobody can tell who holds them.
_NEEDS_ATTENTION = (LockState.STALE_DEAD_HOLDER, LockState.UNREADABLE)


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


def _stores_named(target: str, *, recursive: bool) -> list[str] | None:
    """The stores ``target`` names: a folder's, or the one store of a file; None if neither."""
    if os.path.isdir(target):
        return list(_stores(target, recursive=recursive))
    classified = classify_store_file(target)
    if classified is None:
        return None
    store = classified[1]
    if not (os.path.lexists(store) or os.path.lexists(store + LOCK_SUFFIX)):
        return None
    return [store]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _status(args: argparse.Namespace, out: TextIO) -> int:
    stores = _stores_named(args.directory, recursive=args.recursive)
    if stores is None:
        print(f"lockcore: {args.directory} is neither a directory nor a store", file=sys.stderr)
        return EXIT_USAGE
    now = time.time()
    infos = [inspect_lock(path) for path in stores]
    code = EXIT_ATTENTION if any(info.state in _NEEDS_ATTENTION for info in infos) else EXIT_OK
    checks = {info.path: _check_schema(info.path) for info in infos} if args.schemas else {}
    if any(_schema_failed(check) for check in checks.values()):
        code = EXIT_SCHEMA_ERRORS
    base = args.directory if os.path.isdir(args.directory) else os.path.dirname(args.directory)
    with _quiet_when_the_reader_stops():
        if args.json:
            records = [_as_json(info, now) for info in infos]
            for record in records:
                if args.schemas:
                    record["schema"] = _schema_json(checks[record["path"]])
            json.dump(records, out, indent=2)
            out.write("\n")
        else:
            _print_table(infos, base or ".", now, out)
            if args.schemas:
                _print_schema_checks(checks, base or ".", out)
        out.flush()
    return code


def _print_table(infos: list[LockInfo], base: str, now: float, out: TextIO) -> None:
    rows = [("FILE", "STATE", "PID", "PROCESS", "AGE", "WHY")]
    for info in infos:
        rows.append(
            (
                _printable(os.path.relpath(info.path, base)),
                info.state.value,
                str(info.pid) if info.pid is not None else "-",
                _printable(info.process_name or "-"),
                _format_age(info.age(now)),
                _printable(info.reason) if info.is_locked else "",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:5], widths, strict=True)]
        print("  ".join([*cells, row[5]]).rstrip(), file=out)
    counts = Counter(info.state for info in infos)
    summary = ", ".join(f"{counts[state]} {state.value}" for state in LockState if counts[state])
    print(f"\n{_plural(len(infos), 'store')}" + (f": {summary}" if summary else ""), file=out)


def _check_schema(path: str) -> SchemaCheck | str:
    """The store's schema check, or why its content could not be checked."""
    try:
        with open(path, "rb") as handle:
            document = json.loads(handle.read())
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable ({error.strerror or error})"
    except ValueError:
        return "not valid JSON"
    return check_schema(path, document)


def _schema_failed(check: SchemaCheck | str) -> bool:
    """Errors, or a schema named but unusable; not a store without one, nor a web address."""
    if isinstance(check, str):
        return False  # the health column's business, not the schema's
    if check.source is not None and check.source.not_fetched is not None:
        return False
    return bool(check.errors) or check.problem is not None


def _schema_json(check: SchemaCheck | str) -> dict[str, Any]:
    if isinstance(check, str):
        return {"checked": False, "problem": check}
    return {
        "checked": check.valid is not None,
        "schema": check.source.path if check.source is not None else None,
        "found_by": check.source.how if check.source is not None else None,
        "valid": check.valid,
        "problem": check.problem,
        "errors": [{"pointer": e.pointer, "message": e.message, "keyword": e.keyword}
                   for e in check.errors],
        "truncated": check.truncated,
    }  # fmt: skip


def _print_schema_checks(checks: dict[str, SchemaCheck | str], directory: str, out: TextIO) -> None:
    print("\nSCHEMAS", file=out)
    for path, check in checks.items():
        name = _printable(os.path.relpath(path, directory))
        if isinstance(check, str):
            print(f"{name}: not checked: {check}", file=out)
            continue
        print(f"{name}: {check.summary()}", file=out)
        for error in check.errors:
            print(f"  {_printable(error.pointer) or '(root)'}: {_printable(error.message)}",
                  file=out)  # fmt: skip
    failing = sum(_schema_failed(check) for check in checks.values())
    print(f"\n{_plural(len(checks), 'store')} checked, {failing} failing their schema", file=out)


@contextlib.contextmanager
def _quiet_when_the_reader_stops() -> Iterator[None]:
    """``lockcore status DIR | head``: the reader closed the pipe; stop without a traceback."""
    try:
        yield
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit: point it at nothing.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)


def _describe(info: LockInfo, now: float) -> str:
    alive = {True: "alive", False: "dead", None: "cannot be verified"}[info.holder_alive]
    # A garbage lock file must not drive the terminal: every line's control bytes escaped.
    lines = info.content.decode("ascii", "backslashreplace").rstrip().split("\n")
    content = "\n    ".join(_printable(line) for line in lines)
    return (
        f"lock:    {_printable(info.lock_path)}\n"
        f"state:   {info.state.value} ({_printable(info.reason)})\n"
        f"holder:  {_printable(info.describe_holder())}, {alive}\n"
        f"command: {_printable(' '.join(info.cmdline)) or '-'}\n"
        f"age:     {_format_age(info.age(now))}\n"
        f"content:\n    " + content
    )


def _break(args: argparse.Namespace, out: TextIO) -> int:
    classified = classify_store_file(args.file)  # the lock or another file of the store
    path = args.file if classified is None else classified[1]
    info = inspect_lock(path)
    if info.state is LockState.FREE:
        if not os.path.lexists(path):
            print(f"lockcore: {_printable(path)}: no such store", file=sys.stderr)
            return EXIT_USAGE
        print(f"{_printable(path)} is not locked", file=out)
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
        with _library_warnings_silenced():
            break_stale_lock(path, info, force=force)
    except (LockChangedError, HolderAliveError) as error:
        print(f"refused: {_printable(str(error))}", file=out)
        return EXIT_REFUSED
    print(f"removed {_printable(info.lock_path)}", file=out)
    return EXIT_OK


@contextlib.contextmanager
def _library_warnings_silenced() -> Iterator[None]:
    """The CLI says what it did itself; lockcore's log line would say it a second time (on
    stderr, through logging's last-resort handler, when nothing configured logging)."""
    library_logger = logging.getLogger("lockcore")
    handler = logging.NullHandler()
    library_logger.addHandler(handler)
    try:
        yield
    finally:
        library_logger.removeHandler(handler)


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


#: ``lockcore restore`` keeps the version it replaces among this many, so a restore can be undone.
RESTORE_KEEPS_VERSIONS = 20


def _history(args: argparse.Namespace, out: TextIO) -> int:
    """The kept versions and quarantined copies of FILE, newest first."""
    path = _store_of(args.file)
    versions = list_versions(path)
    if args.json:
        rows = [
            {
                "version": version.version_id,
                "kind": "version" if version.kind is StoreFileKind.VERSION else "quarantine",
                "saved_at": version.saved_at,
                "replaced_at": version.replaced_at,
                "size": version.size,
                "program": version.program,
                "path": version.path,
            }
            for version in versions
        ]
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    if not versions:
        print(f"{_printable(path)}: no kept versions", file=out)
        return EXIT_OK
    print(f"{'SAVED':<19} {'SIZE':>10}  {'REPLACED BY':<20} VERSION", file=out)
    for version in versions:
        saved = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(version.saved_at))
        who = (
            "(quarantined corrupt bytes)"
            if version.kind is StoreFileKind.QUARANTINE
            else version.program or "-"
        )
        print(
            f"{saved:<19} {version.size:>10}  {_printable(who):<20} "
            f"{_printable(version.version_id)}",
            file=out,
        )
    return EXIT_OK


def _restore(args: argparse.Namespace, out: TextIO) -> int:
    """Write a kept version back as a normal locked update, keeping the state it replaces."""
    path = _store_of(args.file)
    raw = read_version(path, args.version)
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        print(
            f"lockcore: {args.version} is not valid JSON ({error}); not restored", file=sys.stderr
        )
        return EXIT_USAGE
    locked_update_json(
        path,
        lambda _current: document,
        indent="keep",
        create_parents=False,
        keep_versions=RESTORE_KEEPS_VERSIONS,
    )
    print(f"restored {_printable(path)} from {_printable(args.version)}", file=out)
    return EXIT_OK


def _store_of(target: str) -> str:
    classified = classify_store_file(target)
    return target if classified is None else classified[1]


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
    status = commands.add_parser(
        "status",
        help="show the lock state of every store in DIR (or of one store); exit 1 if any is "
        "stale or unreadable",
    )
    status.add_argument("directory", metavar="DIR|FILE")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument("-r", "--recursive", action="store_true", help="include subfolders")
    status.add_argument(
        "--schemas",
        action="store_true",
        help="also check each store against its JSON Schema ($schema, X.schema.json or "
        f"the folder's {SCHEMA_MAP_NAME}); exit {EXIT_SCHEMA_ERRORS} if one fails",
    )
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
    history = commands.add_parser(
        "history", help="list the kept versions (and quarantined copies) of FILE, newest first"
    )
    history.add_argument("file", metavar="FILE", help="the data file")
    history.add_argument("--json", action="store_true", help="machine-readable output")
    restore = commands.add_parser(
        "restore",
        help="write VERSION of FILE back (a locked update; the current state is kept as a version)",
    )
    restore.add_argument("file", metavar="FILE", help="the data file")
    restore.add_argument("version", metavar="VERSION", help="a version as 'history' lists it")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    try:
        if args.command == "status":
            return _status(args, out)
        if args.command == "watch":
            return _watch(args, out)
        if args.command == "history":
            return _history(args, out)
        if args.command == "restore":
            return _restore(args, out)
        return _break(args, out)
    except (OSError, FileLockError) as error:
        print(f"lockcore: {_printable(str(error))}", file=sys.stderr)
        return EXIT_USAGE
