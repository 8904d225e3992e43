"""Removing one occurrence of a repeated key from a store, under its lock.

``{"theme": "dark", "theme": "light"}`` is valid JSON that Python (and JavaScript) read as
``{"theme": "light"}``: a document-level update cannot say "remove the first one", because the
document it hands over has only the last. This is the byte-level edit for that choice: under
the lock it reads the file as it is now, checks that the key still has the occurrences the
caller saw (same object, same count, same values in the same order), and writes the file
without exactly that member and one separator; every other byte stays. The write goes the way
of every lockcore write: atomically, durably, keeping the file's owner, mode, ACL and extended
attributes, and the replaced bytes as a version when asked.
"""

from __future__ import annotations

import marshal
import os
from typing import Any

from lockcore import _atomic, _duplicate_text, _json_codec, _versions
from lockcore._acquire import CancelCheck, OnWait
from lockcore._errors import DuplicateKeyChangedError
from lockcore._lock import DEFAULT_TIMEOUT, FileLock


def locked_remove_duplicate_key(
    path: str | os.PathLike[str],
    duplicate: _duplicate_text.DuplicateKey,
    occurrence: int,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    durable: bool = True,
    stale_after: float | None = None,
    cancel_check: CancelCheck | None = None,
    on_wait: OnWait | None = None,
    keep_versions: int = 0,
    versions_max_bytes: int = _versions.DEFAULT_VERSIONS_MAX_BYTES,
) -> bytes:
    """Remove the ``occurrence``-th (from 0, in the text's order) of the repeated key
    ``duplicate`` (as :func:`find_duplicate_keys` reported it) from the file, under its lock.

    Only that member and one separator go; every other byte stays. Removing the last
    occurrence makes the one before it the value programs read. Returns the bytes the file now
    holds.

    Raises DuplicateKeyChangedError, writing nothing, when the file (read under the lock) no
    longer has exactly the occurrences ``duplicate`` lists at its ``location`` (another process
    changed one, removed one, added one, or the file is gone); CorruptJSONError when it is no
    longer valid JSON; ValueError when ``occurrence`` is not one of them. ``timeout``,
    ``cancel_check``, ``on_wait``, ``durable``, ``stale_after``, ``keep_versions`` and
    ``versions_max_bytes`` are those of :func:`locked_update_json`. The folder is never
    created.
    """
    path = os.fspath(path)
    if not 0 <= occurrence < len(duplicate.values):
        raise ValueError(
            f"{duplicate.key!r} occurs {len(duplicate.values)} times; there is no occurrence "
            f"{occurrence}"
        )
    lock = FileLock(path, timeout, stale_after=stale_after, create_parents=False)
    with lock.acquisition(cancel_check=cancel_check, on_wait=on_wait):
        original = _atomic.read_bytes(path)
        if original is None:
            raise _changed(path, duplicate, "the file is no longer there")
        _json_codec.parse(path, original)  # CorruptJSONError: never edited as if it were JSON
        current = next(
            (
                found
                for found in _duplicate_text.find_duplicate_keys(original)
                if found.location == duplicate.location and found.key == duplicate.key
            ),
            None,
        )
        if current is None:
            raise _changed(path, duplicate, "the key no longer occurs more than once there")
        if not _same_values(current.values, duplicate.values):
            raise _changed(path, duplicate, "another program changed its occurrences")
        raw = _duplicate_text.remove_duplicate_key(
            original, duplicate.location, duplicate.key, occurrence
        )
        _versions.replace_keeping_version(
            path,
            original,
            raw,
            keep=keep_versions,
            max_bytes=versions_max_bytes,
            durable=durable,
            before_replace=lock.verify,
        )
    if durable:
        _atomic.sync_directory(path)
    return raw


def _same_values(seen: tuple[Any, ...], now: tuple[Any, ...]) -> bool:
    """Equal with JSON's types: ``1``, ``1.0`` and ``true`` differ (``==`` calls them equal)."""
    if len(seen) != len(now):
        return False
    try:
        return marshal.dumps(list(seen), 2) == marshal.dumps(list(now), 2)
    except ValueError:  # not marshallable (a subclass a caller built): plain equality
        return seen == now


def _changed(
    path: str, duplicate: _duplicate_text.DuplicateKey, why: str
) -> DuplicateKeyChangedError:
    where = "".join(f"[{step!r}]" for step in duplicate.location)
    which = f"key {duplicate.key!r} in {where}" if where else f"key {duplicate.key!r}"
    return DuplicateKeyChangedError(
        f"nothing removed from {path}: {why} ({which})",
        path,
        location=duplicate.location,
        key=duplicate.key,
    )
