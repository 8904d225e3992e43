"""Replacing a store's bytes with exactly the caller's, under its lock, only if the file still
holds the bytes the caller started from (a compare-and-swap).

An editor that lets a person type the file's text (indentation, spacing, a number's spelling,
a repeated key taken out) must write those very bytes: a document-level update cannot, because
the document it hands over is the same as before. Under the lock the file is read as it is now
and compared with ``expected``; only when they are equal is ``data`` written, the way of every
lockcore write: atomically, durably, keeping the file's owner, mode, ACL and extended
attributes, and the replaced bytes as a version when asked.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Literal

from lockcore import _atomic, _interrupts, _json, _json_codec, _versions
from lockcore._acquire import CancelCheck, OnWait
from lockcore._errors import CorruptJSONError, FileChangedError
from lockcore._lock import DEFAULT_TIMEOUT, FileLock


def locked_replace_bytes(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    expected: bytes | Literal["any"] | None,
    timeout: float = DEFAULT_TIMEOUT,
    durable: bool = True,
    stale_after: float | None = None,
    cancel_check: CancelCheck | None = None,
    on_wait: OnWait | None = None,
    keep_versions: int = 0,
    versions_max_bytes: int = _versions.DEFAULT_VERSIONS_MAX_BYTES,
    quarantine: bool = False,
    on_quarantine: _json.OnQuarantine | None = None,
) -> bytes:
    """Write ``data`` as the whole file, under its lock, if the file holds exactly
    ``expected`` (None: if there is no file; ``"any"``: whatever it holds, or no file); returns
    ``data``.

    ``data`` must be valid JSON (UTF-8, with or without a BOM): CorruptJSONError otherwise,
    and nothing is written. Raises FileChangedError, writing nothing, when the file read under
    the lock is not ``expected``. Writing what the file already holds writes nothing.
    ``timeout``, ``cancel_check``, ``on_wait``, ``durable``, ``stale_after``,
    ``keep_versions`` and ``versions_max_bytes`` are those of :func:`locked_update_json`. The
    folder is never created.

    ``quarantine=True``: ``expected`` is not valid JSON (a damaged file the caller repaired by
    typing over it). Its bytes are kept as ``<path>.corrupt-<time>-<id>`` beside the file, as
    ``locked_update_json(on_corrupt="quarantine")`` keeps them (never pruned, kept whatever
    ``keep_versions`` says, and not as a version), under the lock and before the replace;
    ``on_quarantine`` is told the copy's path. With ``expected="any"`` (the caller replaces
    the file whatever it holds: a person chose to discard another's change), the bytes found
    are kept as that copy only if they are not valid JSON (valid ones as a version, when
    ``keep_versions`` asks for versions).
    """
    path = os.fspath(path)
    # CorruptJSONError: a store is never given bytes that are not JSON
    _json_codec.parse(path, data)
    lock = FileLock(path, timeout, stale_after=stale_after, create_parents=False)
    with lock.acquisition(cancel_check=cancel_check, on_wait=on_wait):
        original = _atomic.read_bytes(path)
        any_bytes = isinstance(expected, str)  # "any"
        if not any_bytes and original != expected:
            now = "is no longer there" if original is None else "holds other bytes than expected"
            if expected is None and original is not None:
                now = "exists now"
            raise FileChangedError(
                f"nothing written to {path}: it {now} (another process changed it)", path
            )
        if original == data:
            return data
        if quarantine and original is not None and (not any_bytes or _damaged(path, original)):
            _quarantine_and_replace(
                path,
                original,
                data,
                durable=durable,
                before_replace=lock.verify,
                on_quarantine=on_quarantine,
            )
        else:
            _versions.replace_keeping_version(
                path,
                original,
                data,
                keep=keep_versions,
                max_bytes=versions_max_bytes,
                durable=durable,
                before_replace=lock.verify,
            )
    if durable:
        _atomic.sync_directory(path)
    return data


@_interrupts.critical
def _quarantine_and_replace(
    path: str,
    damaged: bytes,
    data: bytes,
    *,
    durable: bool,
    before_replace: Callable[[], None],
    on_quarantine: _json.OnQuarantine | None,
) -> None:
    """Keep ``damaged`` as a quarantine copy, tell ``on_quarantine``, then write ``data``
    (the damaged bytes are kept as that copy: not as a version too).

    One critical step: our caller's ``with`` block is none, and a signal let through between
    the copy and the replace left a copy of bytes the file still held -- one more at each
    retry -- and the caller untold of it.
    """
    copy_path = _atomic.quarantine(path, damaged, durable=durable)
    if on_quarantine is not None:
        on_quarantine(copy_path)
    _atomic.write_atomic(path, data, durable=durable, before_replace=before_replace)


def _damaged(path: str, raw: bytes) -> bool:
    """Whether ``raw`` is not valid JSON (parsed in pieces when big, as an update parses)."""
    try:
        _json_codec.parse(path, raw)
    except CorruptJSONError:
        return True
    return False
