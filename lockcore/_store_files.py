"""Which files belong to a store, and what each one is: the one place that knows their names.

A store is a JSON data file ``X.json``. Beside it live, at times:

* ``X.json.lock`` -- its lock (the reviewed module's name, shared by both kinds of process);
* ``X.json.<hex>.tmp`` -- a write by lockcore in progress, or one cut short by a crash;
* ``X.json.tmp`` -- the reviewed module's temp file; a complete one with no ``X.json`` beside it
  is the newest data of a legacy write that died between its unlink and its rename;
* ``X.json.corrupt-<stamp>-<hex>`` -- the bytes of an unparseable file, kept when an update was
  told to quarantine them (``on_corrupt="quarantine"``);
* ``X.json.version-<stamp>-<hex>[-<program>]`` -- a version the store held before a write that
  was told to keep versions (``keep_versions=N``), see :func:`lockcore.list_versions`.

Programs that list, watch or clean a folder of stores ask here instead of spelling these names
themselves, so that a change of name in lockcore cannot leave them behind.
"""

from __future__ import annotations

import enum
import itertools
import os
import re
from collections.abc import Iterable
from typing import NamedTuple

from lockcore._lock_content import LOCK_SUFFIX

DATA_SUFFIX = ".json"
LEGACY_TEMP_SUFFIX = ".tmp"
_QUARANTINE_MARK = ".corrupt-"
_VERSION_MARK = ".version-"
_LOCK_NAME_SUFFIX = DATA_SUFFIX + LOCK_SUFFIX
_LEGACY_TEMP_NAME_SUFFIX = DATA_SUFFIX + LEGACY_TEMP_SUFFIX
_TEMP_RE = re.compile(r"(?P<store>.+\.json)\.[0-9a-f]+\.tmp", re.DOTALL)


class StoreFileKind(enum.Enum):
    """What a file beside a store is."""

    DATA = "data file"
    LOCK = "lock file"
    TEMP = "lockcore temp file"
    LEGACY_TEMP = "legacy temp file"
    QUARANTINE = "quarantined copy"
    VERSION = "kept version"


class StoreFile(NamedTuple):
    """One file of a store: its ``path``, its kind, the ``store`` (data file) it belongs to --
    ``(path, *classify_store_file(path))``."""

    path: str
    kind: StoreFileKind
    store: str


def classify_store_file(  # noqa: PLR0911 - one return per kind of file
    path: str | os.PathLike[str],
) -> tuple[StoreFileKind, str] | None:
    """``(kind, store)``: what ``path`` is to the store (data file) it belongs to; None for an
    unrelated file. ``store`` is spelled like ``path``: a bare name for a bare name, a path in
    the same folder for a path.

    Judged by the name alone, with no I/O: a folder named ``X.json`` is the caller's to tell
    apart (``DirEntry.is_dir``). A plain tuple, not a :class:`StoreFile`, because a listing
    calls this for every entry of a folder that may hold 100,000 stores.
    """
    if not isinstance(path, str):
        path = os.fspath(path)
    if path.endswith(DATA_SUFFIX):  # the common case first: the name is not even needed
        return StoreFileKind.DATA, path
    name = path.rpartition(os.sep)[2]
    if DATA_SUFFIX + "." not in name:
        return None
    if name.endswith(_LOCK_NAME_SUFFIX):
        return StoreFileKind.LOCK, path[: -len(LOCK_SUFFIX)]
    if name.endswith(_LEGACY_TEMP_NAME_SUFFIX):
        return StoreFileKind.LEGACY_TEMP, path[: -len(LEGACY_TEMP_SUFFIX)]
    if name.endswith(".tmp"):
        match = _TEMP_RE.fullmatch(name)
        if match is None:
            return None
        return StoreFileKind.TEMP, path[: len(path) - len(name)] + match["store"]
    mark = name.find(DATA_SUFFIX + _QUARANTINE_MARK)
    if mark >= 0:
        store_name = name[: mark + len(DATA_SUFFIX)]
        return StoreFileKind.QUARANTINE, path[: len(path) - len(name)] + store_name
    mark = name.find(DATA_SUFFIX + _VERSION_MARK)
    if mark >= 0:
        store_name = name[: mark + len(DATA_SUFFIX)]
        return StoreFileKind.VERSION, path[: len(path) - len(name)] + store_name
    return None


def data_file_flags(names: Iterable[str]) -> list[bool]:
    """For each of ``names``, whether it is a data file's (``classify_store_file`` says
    :attr:`StoreFileKind.DATA`), judged by the name alone for a whole folder at once: no Python
    code runs per name (a listing of 100,000 names classified one call at a time took 30 ms).
    A folder named like a data file is the caller's to tell apart, as for
    :func:`classify_store_file`."""
    return list(map(str.endswith, names, itertools.repeat(DATA_SUFFIX)))


def legacy_temp_path_for(path: str | os.PathLike[str]) -> str:
    """The reviewed module's temp file for the data file ``path``: ``X.json.tmp``."""
    return os.fspath(path) + LEGACY_TEMP_SUFFIX


def temp_path_for(path: str, token: str) -> str:
    """lockcore's temp file for one write of ``path``; ``token`` is lower-case hex."""
    return f"{path}.{token}.tmp"


def quarantine_path_for(path: str, stamp: str, token: str) -> str:
    """Where the unparseable bytes of ``path`` are kept: ``X.json.corrupt-<stamp>-<token>``."""
    return f"{path}{_QUARANTINE_MARK}{stamp}-{token}"


def version_path_for(path: str, stamp: str, token: str, program: str) -> str:
    """Where a kept version of ``path`` goes: ``X.json.version-<stamp>-<token>[-<program>]``."""
    suffix = f"-{program}" if program else ""
    return f"{path}{_VERSION_MARK}{stamp}-{token}{suffix}"


def list_stores(
    folder: str | os.PathLike[str], *, recursive: bool = False
) -> dict[str, list[StoreFile]]:
    """The stores in ``folder``: each data file's path -> its files that exist, sorted by path.

    A store is listed while any of its files exists, so a lock, temp or quarantined copy whose
    data file is missing (the state someone needs to see) has its entry. Stores are sorted by
    path; subfolders (with ``recursive``) follow their folder's own stores. An unreadable
    subfolder is skipped; an unreadable ``folder`` raises its OSError.
    """
    top = os.fspath(folder)
    found: dict[str, list[StoreFile]] = {}
    pending = [top]
    while pending:
        directory = pending.pop(0)
        subfolders: list[str] = []
        here: dict[str, list[StoreFile]] = {}
        try:
            iterator = os.scandir(directory)
        except OSError:
            if directory == top:
                raise
            continue
        with iterator:
            for item in iterator:
                # By name first (no I/O): most entries of a big folder are stores' files.
                classified = classify_store_file(item.name)
                if classified is None or item.is_dir(follow_symlinks=False):
                    if recursive and item.is_dir(follow_symlinks=False):
                        subfolders.append(item.path)
                    continue
                kind, store_name = classified
                store = os.path.join(directory, store_name)
                files = here.get(store)
                if files is None:
                    here[store] = [StoreFile(item.path, kind, store)]
                else:
                    files.append(StoreFile(item.path, kind, store))
        for store in sorted(here):
            files = here[store]
            if len(files) > 1:
                files.sort()
            found[store] = files
        pending[0:0] = sorted(subfolders)
    return found
