"""The reviewed JSON helpers, and ``edit_json``, built on ``FileLock`` and ``_atomic``.

Guarantees, for every process that uses these functions or the reviewed module on one store:

* A reader holding the lock sees the last complete write, never a partial one. Writes replace
  the file atomically, so even a reader that ignores the lock sees the old or the new bytes.
* ``locked_update_json`` and ``edit_json`` hold the lock across read, change and write: no
  update is lost. Separate ``locked_read_json`` and ``locked_write_json`` calls are two
  transactions: another process may write between them, and that write is then overwritten.
* A write that has returned survives a crash or power cut (``durable=True``, the default);
  ``durable=False`` skips the fsyncs for data that may be lost, not corrupted, on power loss.
* Bytes that do not parse are never destroyed: updates refuse them (or quarantine a copy first).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from lockcore import _atomic
from lockcore._acquire import CancelCheck, OnWait
from lockcore._classify import classify_json
from lockcore._errors import CorruptJSONError
from lockcore._lock import DEFAULT_TIMEOUT, FileLock

logger = logging.getLogger("lockcore")

Default = Any | Callable[[], Any]
ReadCorrupt = Literal["default", "raise"]
UpdateCorrupt = Literal["raise", "quarantine"]
OnQuarantine = Callable[[str], None]
"""Told the path of the copy that keeps a corrupt file's bytes (``on_corrupt="quarantine"``)."""


def _default_value(default: Default) -> Any:
    if callable(default):
        return default()
    return {} if default is None else default


def _parse(path: str, raw: bytes) -> Any:
    """The document in ``raw``, or CorruptJSONError saying what the bytes are instead.

    Non-standard JSON (NaN, Infinity) is returned, as Python's json module and the reviewed
    module accept it. Valid JSON this Python cannot parse (an integer longer than
    ``sys.get_int_max_str_digits``, nesting deeper than the recursion limit), UTF-16 text and
    other bytes that are not UTF-8 are refused like invalid JSON: never overwritten unasked.
    """
    check = classify_json(raw)
    if not check.kind.parsed:
        raise CorruptJSONError(
            f"{path} is {check.reason}", path, lineno=check.line, colno=check.column
        )
    return check.document


def _serialize(data: Any, indent: int | None) -> bytes:
    return json.dumps(data, indent=indent, ensure_ascii=False).encode("utf-8")


def _load_locked(path: str, *, durable: bool) -> tuple[bytes | None, Any]:
    """Read the data file under our lock: (raw bytes or None, parsed document or None).

    When the file is missing but a legacy writer died after writing ``X.json.tmp``, that temp
    file holds the newest complete data: put it in place rather than start from the default.
    """
    raw = _atomic.read_bytes(path)
    if raw is not None:
        return raw, _parse(path, raw)
    leftover = _atomic.legacy_leftover(path)
    if leftover is None:
        return None, None
    temp_path, leftover_raw = leftover
    try:
        data = _parse(temp_path, leftover_raw)
    except CorruptJSONError:
        logger.warning("%s is missing and %s is not valid JSON; left it alone", path, temp_path)
        return None, None
    _atomic.adopt_leftover(temp_path, path, durable=durable)
    logger.warning("recovered %s from %s, left by an interrupted legacy write", path, temp_path)
    return leftover_raw, data


def locked_read_json(
    path: str | os.PathLike[str],
    default: Default = None,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    on_corrupt: ReadCorrupt = "default",
    create_parents: bool = True,
) -> Any:
    """Read a JSON document under its lock; ``default`` (a value or a factory) if missing.

    Invalid JSON returns the default, as the reviewed module did, and logs a warning; the bytes
    are never touched. ``on_corrupt="raise"`` raises CorruptJSONError instead. Other I/O errors
    (permission denied, ...) are raised, not hidden behind the default. ``create_parents``: see
    :class:`FileLock`.
    """
    path = os.fspath(path)
    with FileLock(path, timeout, create_parents=create_parents):
        try:
            raw, data = _load_locked(path, durable=True)
        except CorruptJSONError as error:
            if on_corrupt == "raise":
                raise
            logger.warning("%s; returning the default and leaving the file untouched", error)
            return _default_value(default)
    return _default_value(default) if raw is None else data


def recover_interrupted_write(
    path: str | os.PathLike[str], timeout: float = DEFAULT_TIMEOUT, *, durable: bool = True
) -> bool:
    """Finish a legacy write that died between its unlink and its rename, under the lock.

    The reviewed module writes ``X.json.tmp``, unlinks ``X.json``, then renames; a writer killed
    in between leaves no data file and a complete temp file holding the newest data. This puts
    that temp file in place (durably with ``durable``). Returns True when it did; False when
    there is nothing to recover: the data file exists, or there is no temp file. Raises
    CorruptJSONError (``.path`` the temp file) when the temp file is not valid JSON, leaving both
    as they are, and FileNotFoundError when the folder is gone (it is never created).
    ``locked_read_json`` and updates do the same on the way, silently.
    """
    path = os.fspath(path)
    with FileLock(path, timeout, create_parents=False):
        if os.path.lexists(path):
            return False
        leftover = _atomic.legacy_leftover(path)
        if leftover is None:
            return False
        temp_path, raw = leftover
        _parse(temp_path, raw)
        _atomic.adopt_leftover(temp_path, path, durable=durable)
    logger.warning("recovered %s from %s, left by an interrupted legacy write", path, temp_path)
    return True


def locked_write_json(
    path: str | os.PathLike[str],
    data: Any,
    timeout: float = DEFAULT_TIMEOUT,
    indent: int | None = 2,
    *,
    durable: bool = True,
    create_parents: bool = True,
) -> None:
    """Replace a JSON document atomically under its lock (not atomic with an earlier read)."""
    path = os.fspath(path)
    raw = _serialize(data, indent)
    with FileLock(path, timeout, create_parents=create_parents) as lock:
        _atomic.write_atomic(path, raw, durable=durable, before_replace=lock.verify)
    if durable:
        _atomic.sync_directory(path)


@contextmanager
def edit_json(
    path: str | os.PathLike[str],
    default: Default = None,
    timeout: float = DEFAULT_TIMEOUT,
    indent: int | None = 2,
    *,
    durable: bool = True,
    on_corrupt: UpdateCorrupt = "raise",
    stale_after: float | None = None,
    create_parents: bool = True,
    cancel_check: CancelCheck | None = None,
    on_wait: OnWait | None = None,
    on_quarantine: OnQuarantine | None = None,
) -> Iterator[Any]:
    """Hold the lock across read, change and write: ``with edit_json(p) as doc: doc["n"] += 1``.

    The document (or the default, when the file is missing) is yielded for changing in place,
    so it must be a dict or a list; it is written when the block ends without an exception, and
    only if it changed. An exception leaves the file as it was. The keyword options are those
    of :func:`locked_update_json`.
    """
    with _transaction(
        path,
        default,
        timeout,
        indent,
        _Options(
            durable=durable,
            on_corrupt=on_corrupt,
            stale_after=stale_after,
            create_parents=create_parents,
            cancel_check=cancel_check,
            on_wait=on_wait,
            on_quarantine=on_quarantine,
        ),
    ) as draft:
        yield draft.document


def locked_update_json(
    path: str | os.PathLike[str],
    updater: Callable[[Any], Any],
    default: Default = None,
    timeout: float = DEFAULT_TIMEOUT,
    indent: int | None = 2,
    *,
    durable: bool = True,
    on_corrupt: UpdateCorrupt = "raise",
    stale_after: float | None = None,
    create_parents: bool = True,
    cancel_check: CancelCheck | None = None,
    on_wait: OnWait | None = None,
    on_quarantine: OnQuarantine | None = None,
) -> Any:
    """Apply ``updater`` to the document under its lock and write what it returns.

    Nothing is written when the updater raises, or returns None (TypeError: return the
    document), or returns a document equal to the file's current bytes. Invalid JSON raises
    CorruptJSONError and leaves the file untouched; ``on_corrupt="quarantine"`` instead copies
    the bytes to ``<path>.corrupt-<time>-<id>`` beside it, tells ``on_quarantine`` that path,
    and hands the updater the default. Returns the written document.

    Waiting for the lock: ``cancel_check`` and ``on_wait`` as for :meth:`FileLock.acquire`
    (LockCancelled when cancelled; nothing is read or written then). ``create_parents=False``
    raises FileNotFoundError when the file's folder is missing instead of creating it.
    """
    with _transaction(
        path,
        default,
        timeout,
        indent,
        _Options(
            durable=durable,
            on_corrupt=on_corrupt,
            stale_after=stale_after,
            create_parents=create_parents,
            cancel_check=cancel_check,
            on_wait=on_wait,
            on_quarantine=on_quarantine,
        ),
    ) as draft:
        updated = updater(draft.document)
        if updated is None:
            raise TypeError(
                f"the updater for {draft.path} returned None; return the document to write "
                "(nothing was written)"
            )
        draft.document = updated
    return updated


@dataclass
class _Draft:
    path: str
    document: Any


@dataclass(frozen=True)
class _Options:
    durable: bool
    on_corrupt: UpdateCorrupt
    stale_after: float | None
    create_parents: bool
    cancel_check: CancelCheck | None
    on_wait: OnWait | None
    on_quarantine: OnQuarantine | None


@contextmanager
def _transaction(
    path: str | os.PathLike[str],
    default: Default,
    timeout: float,
    indent: int | None,
    options: _Options,
) -> Iterator[_Draft]:
    """Lock, read, yield the draft; on a clean exit write what the draft holds, if it changed."""
    path = os.fspath(path)
    durable = options.durable
    lock = FileLock(
        path, timeout, stale_after=options.stale_after, create_parents=options.create_parents
    )
    lock.acquire(cancel_check=options.cancel_check, on_wait=options.on_wait)
    try:
        original, document = _open_for_update(path, default, options)
        draft = _Draft(path, document)
        yield draft
        wrote = _commit(path, lock, original, draft.document, indent, durable=durable)
    finally:
        lock.release()
    if wrote and durable:
        _atomic.sync_directory(path)


def _open_for_update(path: str, default: Default, options: _Options) -> tuple[bytes | None, Any]:
    try:
        raw, data = _load_locked(path, durable=options.durable)
    except CorruptJSONError as error:
        if options.on_corrupt != "quarantine":
            raise
        bad = _atomic.read_bytes(path) or b""
        copy_path = _atomic.quarantine(path, bad, durable=options.durable)
        logger.warning("%s; kept the original bytes in %s", error, copy_path)
        if options.on_quarantine is not None:
            options.on_quarantine(copy_path)
        return bad, _default_value(default)
    return raw, _default_value(default) if raw is None else data


def _commit(
    path: str,
    lock: FileLock,
    original: bytes | None,
    document: Any,
    indent: int | None,
    *,
    durable: bool,
) -> bool:
    """Write ``document`` unless the file already holds exactly these bytes; True if written."""
    raw = _serialize(document, indent)
    if raw == original:
        return False
    _atomic.write_atomic(path, raw, durable=durable, before_replace=lock.verify)
    return True
