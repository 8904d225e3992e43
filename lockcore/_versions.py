"""Kept versions of a store: the bytes each write replaced, beside the store, bounded.

A write told to keep versions (``keep_versions=N`` on ``locked_update_json``, ``edit_json`` and
``locked_write_json``) first copies the bytes it is about to replace to
``X.json.version-<stamp>-<id>-<program>``, under the store's lock and before the replace, so
that a version exists for every state the store was replaced from. The copy gets the store's
owner, mode, POSIX ACL and extended attributes (a 0600 secret store's versions are 0600 too),
is created private (0600) and exclusively (never through a planted symlink), and keeps the
store's modification time: the time that content was saved. The oldest versions beyond
``keep_versions`` or beyond ``versions_max_bytes`` in total are removed by the same writer.

Versions are never stores: :func:`lockcore.list_stores` folds them into their store as
:attr:`StoreFileKind.VERSION`. The ``.corrupt-*`` copies of quarantined bytes are listed
beside them by :func:`list_versions` as :attr:`StoreFileKind.QUARANTINE`.
"""

from __future__ import annotations

import calendar
import contextlib
import errno
import os
import re
import secrets
import stat
import sys
import time
from collections.abc import Callable, Iterator
from typing import NamedTuple

from lockcore import _atomic, _interrupts, _platform
from lockcore._store_files import StoreFileKind, classify_store_file, version_path_for

#: Kept versions of one store may take at most this many bytes in total, by default.
DEFAULT_VERSIONS_MAX_BYTES = 10 * 1024 * 1024
_PROGRAM_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_PROGRAM_MAX = 40
_VERSION_NAME = re.compile(
    r"\.version-(?P<stamp>\d{8}T\d{6}\.\d{6})-(?P<token>[0-9a-f]+)(?:-(?P<program>[A-Za-z0-9_-]*))?"
)
_QUARANTINE_NAME = re.compile(r"\.corrupt-(?P<stamp>\d{8}T\d{6})-(?P<token>[0-9a-f]+)")


class StoreVersion(NamedTuple):
    """One earlier state of a store, kept beside it.

    ``version_id`` names it for :func:`read_version` (and ``lockcore restore``); ``kind`` is
    :attr:`StoreFileKind.VERSION` for a kept version, :attr:`StoreFileKind.QUARANTINE` for
    the bytes of a corrupt file an update replaced. ``saved_at`` is when that content was
    written (the store's mtime then; a quarantined copy's own time), ``replaced_at`` when the
    write that replaced it ran, ``program`` the program that made that write ("" unknown).
    """

    version_id: str
    path: str
    kind: StoreFileKind
    saved_at: float
    replaced_at: float
    size: int
    program: str


def program_name() -> str:
    """This program's name as versions record it: ``sys.argv[0]``'s file name, or its package's
    for ``python -m package``; letters, digits, ``-`` and ``_`` only."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    name = os.path.basename(argv0)
    if name == "__main__.py":
        name = os.path.basename(os.path.dirname(argv0))
    name = name.removesuffix(".py")
    if name.startswith("-"):  # ``python -c`` has "-c" for argv[0]
        name = ""
    return _PROGRAM_UNSAFE.sub("_", name)[:_PROGRAM_MAX].strip("_-") or "python"


def list_versions(path: str | os.PathLike[str]) -> list[StoreVersion]:
    """The kept versions and quarantined copies of the store ``path``, newest first.

    Reads only the folder and each file's status: no lock is needed (a version, once written,
    never changes; one removed meanwhile is left out). A missing folder raises its OSError.
    """
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    store = os.path.join(directory, os.path.basename(path))
    found: list[StoreVersion] = []
    with os.scandir(directory) as entries:
        for entry in entries:
            version = _version_of(store, entry)
            if version is not None:
                found.append(version)
    found.sort(key=lambda version: (version.replaced_at, version.version_id), reverse=True)
    return found


def read_version(path: str | os.PathLike[str], version_id: str) -> bytes:
    """The bytes of the kept version (or quarantined copy) ``version_id`` of the store ``path``.

    FileNotFoundError when the store has no such version (a removed one, or a name that is not
    one of its versions: only files beside the store can be read this way).
    """
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    store = os.path.join(directory, os.path.basename(path))
    candidate = os.path.join(directory, os.path.basename(path) + version_id)
    classified = classify_store_file(candidate)
    if (
        os.sep in version_id
        or classified is None
        or classified[1] != store
        or classified[0] not in (StoreFileKind.VERSION, StoreFileKind.QUARANTINE)
    ):
        raise FileNotFoundError(errno.ENOENT, f"{path} has no version {version_id!r}", candidate)
    data = _atomic.read_bytes(candidate)
    if data is None:
        raise FileNotFoundError(errno.ENOENT, f"{path} has no version {version_id!r}", candidate)
    return data


def _version_of(store: str, entry: os.DirEntry[str]) -> StoreVersion | None:
    classified = classify_store_file(entry.path)
    if classified is None or classified[1] != store:
        return None
    kind = classified[0]
    version_id = entry.name[len(os.path.basename(store)) :]
    if kind is StoreFileKind.VERSION:
        match = _VERSION_NAME.fullmatch(version_id)
    elif kind is StoreFileKind.QUARANTINE:
        match = _QUARANTINE_NAME.fullmatch(version_id)
    else:
        return None
    if match is None:
        return None
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError:
        return None  # removed meanwhile
    if not stat.S_ISREG(st.st_mode):
        return None
    replaced_at = _parse_stamp(
        match["stamp"], utc=kind is StoreFileKind.VERSION, fallback=st.st_mtime
    )
    program = match.groupdict().get("program") or ""
    return StoreVersion(version_id, entry.path, kind, st.st_mtime, replaced_at, st.st_size, program)


def _parse_stamp(stamp: str, *, utc: bool, fallback: float) -> float:
    """The ``stamp`` of a version's name (UTC) or a quarantine copy's (local time) as a time;
    ``fallback`` if it is not one."""
    whole, _, fraction = stamp.partition(".")
    try:
        parsed = time.strptime(whole, "%Y%m%dT%H%M%S")
        seconds = calendar.timegm(parsed) if utc else time.mktime(parsed)
    except ValueError:
        return fallback
    return seconds + (int(fraction) / 1e6 if fraction.isdigit() else 0.0)


def replace_keeping_version(
    path: str,
    replaced: bytes | None,
    data: bytes,
    *,
    keep: int,
    max_bytes: int = DEFAULT_VERSIONS_MAX_BYTES,
    durable: bool,
    before_replace: Callable[[], None],
    status: os.stat_result | None = None,
) -> None:
    """Every locked write's last step, under the store's lock: keep ``replaced`` as a version
    (see :func:`version_kept`), then replace ``path`` with ``data`` atomically
    (``before_replace``: the lock's check that it is still ours; ``status``: ``path``'s
    ``lstat`` read under this lock, if known). The caller syncs the directory after releasing
    the lock."""
    if keep < 1 or replaced is None:
        # Nothing to keep: the write alone, without building version_kept's context manager
        # (a generator and its wrapper, ~2 µs of every small update; issue 9 §6).
        _atomic.write_atomic(
            path, data, durable=durable, before_replace=before_replace, status=status
        )
        return
    _replace_with_version(
        path,
        replaced,
        data,
        keep=keep,
        max_bytes=max_bytes,
        durable=durable,
        before_replace=before_replace,
        status=status,
    )


@_interrupts.critical
def _replace_with_version(
    path: str,
    replaced: bytes,
    data: bytes,
    *,
    keep: int,
    max_bytes: int,
    durable: bool,
    before_replace: Callable[[], None],
    status: os.stat_result | None,
) -> None:
    # One critical step: the version, the replace and the pruning change together or not at
    # all. Only their parts were (locked_write_json's ``with FileLock`` block is none): a
    # signal between them left a version of bytes the store still held, or removed the
    # version of bytes just replaced.
    with version_kept(path, replaced, keep=keep, max_bytes=max_bytes, durable=durable):
        _atomic.write_atomic(
            path, data, durable=durable, before_replace=before_replace, status=status
        )


@contextlib.contextmanager
def version_kept(
    path: str,
    replaced: bytes | None,
    *,
    keep: int,
    max_bytes: int = DEFAULT_VERSIONS_MAX_BYTES,
    durable: bool,
) -> Iterator[str | None]:
    """Around the write that replaces ``path``: keep ``replaced`` (the bytes it holds now) as
    a version first, yielding its path (None when nothing is kept: ``keep`` < 1, no bytes, or
    more than ``max_bytes``); call it under the store's lock.

    When the write fails, the version goes too (the store still holds those bytes) and no
    older version is removed; when it succeeds, the oldest beyond ``keep`` and ``max_bytes``
    are. The directory is made durable by the caller's own ``sync_directory`` after its
    replace.
    """
    if keep < 1 or replaced is None:
        yield None
        return
    version_path = None if len(replaced) > max_bytes else _write_version(path, replaced, durable)
    try:
        yield version_path
    except BaseException:
        if version_path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(version_path)
        raise
    prune_versions(path, keep=keep, max_bytes=max_bytes)


@_interrupts.critical
def _write_version(path: str, data: bytes, durable: bool) -> str | None:
    """Write ``data`` beside ``path`` as a version with ``path``'s owner, mode, ACL,
    extended attributes and mtime; None when ``path`` is gone."""
    try:
        existing = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return None
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _platform.NOFOLLOW | _platform.CLOEXEC
    program = program_name()
    for _attempt in range(100):
        version_path = version_path_for(path, stamp, secrets.token_hex(3), program)
        try:
            fd = os.open(version_path, flags, 0o600)
        except FileExistsError:
            continue
        break
    else:
        raise FileExistsError(f"could not create a version file beside {path}")
    try:
        try:
            _atomic._write_all(fd, data)
            _atomic._copy_permissions(fd, existing)
            _atomic._copy_extended_attributes(path, fd)
            os.utime(fd, ns=(existing.st_atime_ns, existing.st_mtime_ns))
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(version_path)
        raise
    return version_path


def prune_versions(path: str, *, keep: int, max_bytes: int) -> list[str]:
    """Remove the oldest kept versions of ``path`` beyond ``keep`` and ``max_bytes`` in total
    (quarantined copies are never removed: they may be the only copy of someone's data).
    Returns the paths removed."""
    versions = [v for v in list_versions(path) if v.kind is StoreFileKind.VERSION]
    removed: list[str] = []
    total = 0
    for index, version in enumerate(versions):
        total += version.size
        if index >= keep or total > max_bytes:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(version.path)
                removed.append(version.path)
    return removed
