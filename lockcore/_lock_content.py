"""What a lock file says: its name, the content lockcore writes and how any content is read.

The reviewed protocol puts the holder's PID, in decimal, on the first line of ``X.json.lock``.
lockcore keeps that line and adds facts on later lines::

    4711
    lockcore 1
    host build-03
    name sync.py
    started 1732660000.120000
    created 1732660001.456789
    token 5f0c2e9a7d3b41c8

``name`` is the holder's program as it was when it took the lock: shown for a holder that can no
longer be asked (it died, or runs on another host), so that whoever breaks a stale lock sees
whose it was. It is never evidence of anything. Nothing read here is verified: ``_holder``
judges it.
"""

from __future__ import annotations

import os
import re
import time
from itertools import repeat
from typing import NamedTuple

from lockcore import _tokens
from lockcore._lockinfo import LockFormat, this_host
from lockcore._process import (
    own_pid,
    own_start_ticks,
    own_start_time,
    read_process_facts,
    script_name,
    this_boot,
)

LOCK_SUFFIX = ".lock"
#: The value of a lock file's ``kernel-lock`` line when its holder could not take ``flock``.
NO_KERNEL_LOCK = "none"
FORMAT_MARKER = "lockcore 1"
#: The most of a lock file anyone reads; ours are about 100 bytes.
MAX_LOCK_BYTES = 4096


class ParsedLock(NamedTuple):
    """The facts a lock file's content states; nothing here is verified.

    A named tuple, not a frozen dataclass: one is made for every lock judged, and a frozen
    dataclass's ``__init__`` (a ``object.__setattr__`` per field) cost more than the parse.
    """

    format: LockFormat
    pid: int | None = None
    hostname: str | None = None
    started: float | None = None
    created: float | None = None
    name: str | None = None
    #: False when the holder wrote that it could not take a kernel lock (``kernel-lock none``)
    kernel_lock: bool = True
    #: the holder's start in clock ticks since boot, and that boot's identity
    start_ticks: int | None = None
    boot: str | None = None


def lock_path_for(path: str | os.PathLike[str]) -> str:
    """The lock file that guards ``path``: ``X.json`` is guarded by ``X.json.lock``."""
    return os.fspath(path) + LOCK_SUFFIX


_own_name: tuple[int, str] | None = None
#: The longest program name a lock file records.
MAX_NAME_CHARS = 80


def _own_program() -> str:
    global _own_name  # noqa: PLW0603 - cached per PID, as the start time
    pid = own_pid()
    if _own_name is None or _own_name[0] != pid:
        name, cmdline = read_process_facts(pid)
        _own_name = (pid, recordable_name(script_name(name, cmdline) or ""))
    return _own_name[1]


def recordable_name(name: str) -> str:
    """``name`` fit for one ASCII line of a lock file: other characters become ``?``."""
    shown = "".join(char if " " <= char <= "~" else "?" for char in name[:MAX_NAME_CHARS])
    return shown.strip()


#: The lines of our lock files that never change for this process, made at its first lock
#: (forgotten by a forked child, whose PID and start differ): no PID check on every lock.
_own_facts: bytes | None = None


def _own_fact_lines() -> bytes:
    """The lines of our lock files that never change for this process."""
    global _own_facts  # noqa: PLW0603 - made once per process
    facts = _own_facts
    if facts is None:
        pid = own_pid()
        name = _own_program()
        lines = [
            str(pid),
            FORMAT_MARKER,
            f"host {this_host()}",
            *([f"name {name}"] if name else []),
            f"started {own_start_time():.6f}",
            *([f"start-ticks {ticks}"] if (ticks := own_start_ticks()) is not None else []),
            *([f"boot {boot}"] if (boot := this_boot()) else []),
        ]
        facts = _own_facts = ("\n".join(lines) + "\n").encode("ascii")
    return facts


def _forget_own_facts_in_child() -> None:
    global _own_facts  # noqa: PLW0603 - the parent's PID and start are the parent's
    _own_facts = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_own_facts_in_child)


def new_lock_token() -> str:
    """A fresh ``token``: tells two lock files of one holder apart."""
    return _tokens.token_hex(8)


def new_lock_content(*, kernel_lock: bool = True, token: str | None = None) -> bytes:
    """The content of a lock file this process is about to hold, stamped now.

    ``kernel_lock=False`` (the filesystem refused ``flock``) is written down as
    ``kernel-lock none``, so that judges know a free kernel lock proves nothing here.
    ``token`` is the lock file's own (a fresh one by default).
    """
    stamp = b"created %.6f\ntoken %s\n" % (
        time.time(),
        (token or _tokens.token_hex(8)).encode("ascii"),
    )
    if not kernel_lock:
        stamp += f"kernel-lock {NO_KERNEL_LOCK}\n".encode("ascii")
    # Made once per process: looked up here, not through a call, on every lock (issue 9 §6).
    return (_own_facts or _own_fact_lines()) + stamp


#: content -> what it states, for the lock files judged lately: a folder's locks are judged
#: again every second (the app's re-checks) and each look used to parse them anew.
_parsed_memory: dict[bytes, ParsedLock] = {}
#: Past this many remembered contents the memory is cleared.
PARSED_MEMORY_LIMIT = 4096
_UNKNOWN_FORMAT = ParsedLock(LockFormat.UNKNOWN)
_new_tuple = tuple.__new__


def parse_lock_content(content: bytes) -> ParsedLock:
    parsed = _parsed_memory.get(content)
    if parsed is None:
        parsed = _parse_lock_content(content)
        if len(_parsed_memory) >= PARSED_MEMORY_LIMIT:
            _parsed_memory.clear()
        _parsed_memory[content] = parsed
    return parsed


#: A line's value: anything but what ``str.splitlines`` ends an ASCII line at.
_VALUE = r"([^\n\r\x0b\x0c\x1c\x1d\x1e]*)"
#: A lock file exactly as lockcore writes one (its lines in its order, each at most once):
#: matched in one call, where the general parse splits, partitions and looks up line by line
#: (a folder listed anew parses every lock file once). What it does not match is parsed in
#: full; both give the same result (a Hypothesis property checks it).
_AS_LOCKCORE_WRITES = re.compile(
    rf"(\d+)\n{FORMAT_MARKER}\nhost {_VALUE}\n(?:name {_VALUE}\n)?started {_VALUE}\n"
    rf"(?:start-ticks {_VALUE}\n)?(?:boot {_VALUE}\n)?created {_VALUE}\ntoken {_VALUE}\n"
    rf"(?:kernel-lock {_VALUE}\n)?"
)


def _parse_lock_content(content: bytes) -> ParsedLock:
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        return _UNKNOWN_FORMAT
    written = _AS_LOCKCORE_WRITES.fullmatch(text)
    if written is None:
        return _parse_lock_lines(text)
    pid, host, name, started, ticks, boot, created, _token, kernel_lock = written.groups()
    return _new_tuple(
        ParsedLock,
        (
            LockFormat.LOCKCORE,
            int(pid),
            host or None,
            _float_or_none(started),
            _float_or_none(created),
            name or None,
            kernel_lock != NO_KERNEL_LOCK,
            int(ticks) if ticks is not None and ticks.isdigit() else None,
            boot or None,
        ),
    )


def _parse_lock_lines(text: str) -> ParsedLock:
    """The general parse of a lock file's (ASCII) text: any lines, in any order."""
    lines = text.splitlines()
    if not lines or not lines[0].strip().isdigit():
        return _UNKNOWN_FORMAT
    pid = int(lines[0].strip())
    if len(lines) < 2 or lines[1].strip() != FORMAT_MARKER:
        if any(line.strip() for line in lines[1:]):
            return ParsedLock(LockFormat.UNKNOWN, pid=pid)
        return ParsedLock(LockFormat.LEGACY, pid=pid)
    facts = {key: value for key, _, value in map(str.partition, lines[2:], repeat(" "))}
    ticks = facts.get("start-ticks")
    # (tuple.__new__: the named tuple's own __new__ is a Python function; a folder listed anew
    # parses every lock file once)
    return _new_tuple(
        ParsedLock,
        (
            LockFormat.LOCKCORE,
            pid,
            facts.get("host") or None,
            _float_or_none(facts.get("started")),
            _float_or_none(facts.get("created")),
            facts.get("name") or None,
            facts.get("kernel-lock") != NO_KERNEL_LOCK,
            int(ticks) if ticks is not None and ticks.isdigit() else None,
            facts.get("boot") or None,
        ),
    )


def _float_or_none(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def forget_parsed_contents() -> None:
    """Forget every content parsed: the next parse of each is a first one."""
    _parsed_memory.clear()
