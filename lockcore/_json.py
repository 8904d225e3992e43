"""The reviewed JSON helpers, and ``edit_json``, built on ``FileLock`` and ``_atomic``; what
the bytes mean and what bytes a document becomes is ``_json_codec``'s.

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

import logging
import os
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Literal

from lockcore import _atomic, _interrupts, _json_codec, _versions
from lockcore._acquire import CancelCheck, OnWait
from lockcore._errors import CorruptJSONError
from lockcore._json_codec import KeepFormat
from lockcore._lock import DEFAULT_TIMEOUT, FileLock, lock_for_update

logger = logging.getLogger("lockcore")

Default = Any | Callable[[], Any]
ReadCorrupt = Literal["default", "raise"]
UpdateCorrupt = Literal["raise", "quarantine"]
OnQuarantine = Callable[[str], None]
"""Told the path of the copy that keeps a corrupt file's bytes (``on_corrupt="quarantine"``)."""
OnCommit = Callable[[bytes], None]
"""Told the bytes the file holds when an update ends (written, or unchanged)."""


def _default_value(default: Default) -> Any:
    if callable(default):
        return default()
    return {} if default is None else default


#: What :func:`_load_locked` read: (the bytes, None when there is no file; their document;
#: their text when the parse decoded it -- without a BOM; the file's ``os.lstat`` from the
#: read, None when unknown, for the write under the same lock). A tuple, not a record built
#: on every update (issue 9 §6).
_Loaded = tuple[bytes | None, Any, str | None, os.stat_result | None]
_NOTHING_LOADED: _Loaded = (None, None, None, None)


Parsed = tuple[bytes, Any] | tuple[bytes, Any, str]
"""A caller's own parse: ``(bytes, document)`` or ``(bytes, document, text)``."""


def _load_locked(path: str, *, durable: bool, parsed: Parsed | None = None) -> _Loaded:
    """Read the data file under our lock: its bytes, document, text and status (``_Loaded``).

    ``parsed``: the caller's ``(bytes, document[, text])``; when the file holds those bytes,
    their document (and text) is taken, not parsed (or decoded) again. When the file is
    missing but a legacy writer died after writing ``X.json.tmp``, that temp file holds the
    newest complete data: put it in place rather than start from the default.
    """
    raw, status = _atomic.read_bytes_and_status(path)
    if raw is not None:
        if parsed is not None and raw == parsed[0]:
            _raw, document, *decoded = parsed
            return raw, document, decoded[0] if decoded else None, status
        document, text = _json_codec.parse_text(path, raw)
        return raw, document, text, status
    leftover = _atomic.legacy_leftover(path)
    if leftover is None:
        return _NOTHING_LOADED
    temp_path, leftover_raw = leftover
    try:
        data, text = _json_codec.parse_text(temp_path, leftover_raw)
    except CorruptJSONError:
        logger.warning("%s is missing and %s is not valid JSON; left it alone", path, temp_path)
        return _NOTHING_LOADED
    _atomic.adopt_leftover(temp_path, path, durable=durable)
    logger.warning("recovered %s from %s, left by an interrupted legacy write", path, temp_path)
    return leftover_raw, data, text, None


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
            raw, document, _text, _status = _load_locked(path, durable=True)
        except CorruptJSONError as error:
            if on_corrupt == "raise":
                raise
            logger.warning("%s; returning the default and leaving the file untouched", error)
            return _default_value(default)
    return _default_value(default) if raw is None else document


def recover_interrupted_write(
    path: str | os.PathLike[str],
    timeout: float = DEFAULT_TIMEOUT,
    *,
    durable: bool = True,
    cancel_check: CancelCheck | None = None,
    on_wait: OnWait | None = None,
) -> bool:
    """Finish a legacy write that died between its unlink and its rename, under the lock.

    The reviewed module writes ``X.json.tmp``, unlinks ``X.json``, then renames; a writer killed
    in between leaves no data file and a complete temp file holding the newest data. This puts
    that temp file in place (durably with ``durable``). Returns True when it did; False when
    there is nothing to recover: the data file exists, or there is no temp file. Raises
    CorruptJSONError (``.path`` the temp file) when the temp file is not valid JSON, leaving both
    as they are, and FileNotFoundError when the folder is gone (it is never created).
    ``cancel_check`` and ``on_wait`` watch the wait for the lock, as for
    :meth:`FileLock.acquire`. ``locked_read_json`` and updates do the same on the way, silently.
    """
    path = os.fspath(path)
    lock = FileLock(path, timeout, create_parents=False)
    with lock.acquisition(cancel_check=cancel_check, on_wait=on_wait):
        if os.path.lexists(path):
            return False
        leftover = _atomic.legacy_leftover(path)
        if leftover is None:
            return False
        temp_path, raw = leftover
        _json_codec.parse(temp_path, raw)
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
    keep_versions: int = 0,
    versions_max_bytes: int = _versions.DEFAULT_VERSIONS_MAX_BYTES,
) -> None:
    """Replace a JSON document atomically under its lock (not atomic with an earlier read).

    The whole file is written anew with ``indent``. NaN or ±Infinity anywhere in ``data``
    raises NonFiniteNumberError (JSON cannot carry them) and nothing is written; strings with
    lone surrogates are written as ``\\ud800`` escapes. ``keep_versions``: see
    :func:`locked_update_json`.
    """
    path = os.fspath(path)
    raw = _json_codec.serialize(path, data, indent)
    with FileLock(path, timeout, create_parents=create_parents) as lock:
        replaced = _atomic.read_bytes(path) if keep_versions > 0 else None
        _versions.replace_keeping_version(
            path,
            None if replaced == raw else replaced,
            raw,
            keep=keep_versions,
            max_bytes=versions_max_bytes,
            durable=durable,
            before_replace=lock.verify,
        )
    if durable:
        _atomic.sync_directory(path)


@_interrupts.protected_contextmanager
def edit_json(
    path: str | os.PathLike[str],
    default: Default = None,
    timeout: float = DEFAULT_TIMEOUT,
    indent: int | KeepFormat | None = "keep",
    *,
    durable: bool = True,
    on_corrupt: UpdateCorrupt = "raise",
    stale_after: float | None = None,
    create_parents: bool = True,
    cancel_check: CancelCheck | None = None,
    on_wait: OnWait | None = None,
    on_quarantine: OnQuarantine | None = None,
    keep_versions: int = 0,
    versions_max_bytes: int = _versions.DEFAULT_VERSIONS_MAX_BYTES,
) -> Generator[Any, None, None]:
    """Hold the lock across read, change and write: ``with edit_json(p) as doc: doc["n"] += 1``.

    The document (or the default, when the file is missing) is yielded for changing in place,
    so it must be a dict or a list; it is written when the block ends without an exception, and
    only if it changed. An exception leaves the file as it was. The file keeps its format, and
    the keyword options are those of :func:`locked_update_json`.
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
            keep_versions=keep_versions,
            versions_max_bytes=versions_max_bytes,
        ),
    ) as draft:
        yield draft.document


@_interrupts.protected
def locked_update_json(
    path: str | os.PathLike[str],
    updater: Callable[[Any], Any],
    default: Default = None,
    timeout: float = DEFAULT_TIMEOUT,
    indent: int | KeepFormat | None = "keep",
    *,
    durable: bool = True,
    on_corrupt: UpdateCorrupt = "raise",
    stale_after: float | None = None,
    create_parents: bool = True,
    cancel_check: CancelCheck | None = None,
    on_wait: OnWait | None = None,
    on_quarantine: OnQuarantine | None = None,
    on_commit: OnCommit | None = None,
    keep_versions: int = 0,
    versions_max_bytes: int = _versions.DEFAULT_VERSIONS_MAX_BYTES,
    parsed: Parsed | None = None,
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

    ``indent="keep"`` (the default) edits the file's own text: only the values that changed
    are rewritten; everything else (number and string spellings such as ``1.50``, ``1e3``,
    ``\\u00e9``, ``NaN``; whitespace, key order, CRLF, a UTF-8 BOM, the final newline) stays
    byte-identical, and new entries copy their neighbours' indentation and separators. A new
    file (or a quarantined one) is written with indent 2. An explicit ``indent`` (an int, or
    None for one line) writes the whole document anew in that style. A new or changed value
    that is NaN or ±Infinity raises NonFiniteNumberError and nothing is written (such literals
    already in the file are kept); lone surrogates are written as ``\\ud800`` escapes. With
    duplicate keys, the last occurrence is the one Python reads and the one that is changed;
    the others stay as they are, and deleting the key deletes them all.

    ``on_commit``, if given, is called before the lock is released with the bytes the file
    holds when the update ends: those just written, or the original when nothing needed
    writing (so a caller can show exactly what is on disk without reading it again).

    ``keep_versions=N`` (opt-in; 0, the default, keeps none) keeps the bytes a write replaces
    as a version beside the store, under the lock and before the replace, with the store's
    owner, mode, ACL and extended attributes; the oldest beyond N versions or beyond
    ``versions_max_bytes`` in total are removed (a version larger than that is not kept). See
    :func:`list_versions`, :func:`read_version`, ``lockcore history`` and ``lockcore restore``.
    A corrupt file's bytes are kept as its quarantine copy instead.

    ``parsed=(raw, document)``: the caller's own parse of bytes it read before (a program that
    shows a document and saves an edit of it). When the file still holds exactly ``raw``,
    ``document`` -- which must be what ``raw`` parses to -- is handed to the updater as it is
    (the very object, not a copy) instead of parsing the file again, which takes seconds for
    tens of megabytes. The bytes written do not depend on it: edits are still applied to the
    file's own text. ``parsed=(raw, document, text)`` also hands over ``raw`` decoded (without
    its BOM), which the edit then does not decode again (a 50 MB string built holding the GIL).
    """
    # One critical step from the lock to the directory sync: a signal waits for the end of
    # the steps it lands in (taking the lock and reading; writing, giving back and syncing),
    # and the lock is never left half taken or given back. Two things in it stay
    # interruptible, as any code of the program's own: the wait for the lock, and the updater
    # (called through _run_updater; a KeyboardInterrupt there writes nothing). Not
    # edit_json's transaction, whose generator, context manager and option record were ~200
    # of every update's ~2,000 bytecodes (issue 9 §6); the steps are the same functions.
    try:
        path = os.fspath(path)
        lock = lock_for_update(path, timeout, stale_after, create_parents)
        # The signal dispatcher stays in place from the lock to the directory sync after it.
        kept = durable and _interrupts.keep_installed()
        try:
            # acquire() then try is safe here: no signal is run between the two.
            lock.acquire(cancel_check=cancel_check, on_wait=on_wait)
            try:
                original, document, parsed_ok, text, status = _open_for_update(
                    path,
                    default,
                    durable=durable,
                    on_corrupt=on_corrupt,
                    on_quarantine=on_quarantine,
                    parsed=parsed,
                )
                # A signal held back while the lock was taken and the store read runs now,
                # before the updater: held back for those steps only, not for as long as the
                # updater takes (then nothing is written, and the lock is given back).
                _interrupts.deliver_pending()
                updated = _run_updater(updater, document)
                if updated is None:
                    raise TypeError(
                        f"the updater for {path} returned None; return the document to "
                        "write (nothing was written)"
                    )
                wrote = _write_if_changed(
                    path,
                    lock,
                    original,
                    updated,
                    parsed_ok=parsed_ok,
                    indent=indent,
                    text=text,
                    status=status,
                    durable=durable,
                    keep_versions=keep_versions,
                    versions_max_bytes=versions_max_bytes,
                    on_commit=on_commit,
                )
            finally:
                lock.release()
            if wrote and durable:
                _atomic.sync_directory(path)
        finally:
            if kept:
                _interrupts.stop_keeping(kept)
    finally:
        _interrupts.deliver_pending()
    return updated


@_interrupts.interruptible
def _run_updater(updater: Callable[[Any], Any], document: Any) -> Any:
    """The caller's updater, which a signal interrupts at once, as any code of the program's
    own (the update around it is a critical step)."""
    return updater(document)


@dataclass(slots=True)
class _Draft:
    path: str
    document: Any


@dataclass(slots=True)
class _Options:
    durable: bool
    on_corrupt: UpdateCorrupt
    stale_after: float | None
    create_parents: bool
    cancel_check: CancelCheck | None
    on_wait: OnWait | None
    on_quarantine: OnQuarantine | None
    on_commit: OnCommit | None = None
    keep_versions: int = 0
    versions_max_bytes: int = _versions.DEFAULT_VERSIONS_MAX_BYTES
    parsed: Parsed | None = None


@_interrupts.protected_contextmanager
def _transaction(
    path: str | os.PathLike[str],
    default: Default,
    timeout: float,
    indent: int | KeepFormat | None,
    options: _Options,
) -> Generator[_Draft, None, None]:
    """Lock, read, yield the draft; on a clean exit write what the draft holds, if it changed."""
    path = os.fspath(path)
    durable = options.durable
    lock = FileLock(
        path, timeout, stale_after=options.stale_after, create_parents=options.create_parents
    )
    # The signal dispatcher stays in place from the lock to the directory sync after it.
    kept = durable and _interrupts.keep_installed()
    try:
        # A with block, not acquire() then try: a signal between those two would keep the lock.
        # Without hooks the lock itself is the context manager (acquisition()'s wrapper adds a
        # layer of calls, and nothing else, to every update).
        hooked = options.cancel_check is not None or options.on_wait is not None
        with (
            lock.acquisition(cancel_check=options.cancel_check, on_wait=options.on_wait)
            if hooked
            else lock
        ):
            original, document, parsed_ok, text, status = _open_for_update(
                path,
                default,
                durable=durable,
                on_corrupt=options.on_corrupt,
                on_quarantine=options.on_quarantine,
                parsed=options.parsed,
            )
            draft = _Draft(path, document)
            yield draft
            wrote = _write_if_changed(
                path,
                lock,
                original,
                draft.document,
                parsed_ok=parsed_ok,
                indent=indent,
                text=text,
                status=status,
                durable=durable,
                keep_versions=options.keep_versions,
                versions_max_bytes=options.versions_max_bytes,
                on_commit=options.on_commit,
            )
        if wrote and durable:
            _atomic.sync_directory(path)
    finally:
        _interrupts.stop_keeping(kept)


def _open_for_update(
    path: str,
    default: Default,
    *,
    durable: bool,
    on_corrupt: UpdateCorrupt,
    on_quarantine: OnQuarantine | None,
    parsed: Parsed | None,
) -> tuple[bytes | None, Any, bool, str | None, os.stat_result | None]:
    """(the file's bytes or None, the document or the default, whether the bytes parsed, their
    text when the parse decoded it, the file's ``lstat`` when the read learnt it)."""
    try:
        raw, document, text, status = _load_locked(path, durable=durable, parsed=parsed)
    except CorruptJSONError as error:
        if on_corrupt != "quarantine":
            raise
        bad = _atomic.read_bytes(path) or b""
        copy_path = _atomic.quarantine(path, bad, durable=durable)
        logger.warning("%s; kept the original bytes in %s", error, copy_path)
        if on_quarantine is not None:
            on_quarantine(copy_path)
        return bad, _default_value(default), False, None, None
    if raw is None:
        return None, _default_value(default), False, None, None
    return raw, document, True, text, status


def _write_if_changed(
    path: str,
    lock: FileLock,
    original: bytes | None,
    document: Any,
    *,
    parsed_ok: bool,
    indent: int | KeepFormat | None,
    text: str | None,
    status: os.stat_result | None,
    durable: bool,
    keep_versions: int,
    versions_max_bytes: int,
    on_commit: OnCommit | None,
) -> bool:
    """An update's last step under its lock: write ``document`` over ``original`` (the bytes
    read, ``parsed_ok`` when they parsed) if that changes them, then tell ``on_commit``;
    returns whether it wrote."""
    raw = _json_codec.render(path, original if parsed_ok else None, document, indent, text=text)
    wrote = raw is not original and raw != original
    if wrote:
        _versions.replace_keeping_version(
            path,
            original if parsed_ok else None,
            raw,
            keep=keep_versions,
            max_bytes=versions_max_bytes,
            durable=durable,
            before_replace=lock.verify,
            status=status,
        )
    if on_commit is not None:
        on_commit(raw)
    return wrote
