"""Making a folder's rows: each store's lock inspected and its document checked, as plain
functions over a :class:`~inspector.services.listing.Listing`.

No Qt here. :class:`~inspector.services.store_directory.StoreDirectory` runs these on its worker
thread; :func:`scan_folder` runs them all at once, which is what a child process uses (the tests
scan a folder as another user, because root reads every file whatever its mode).

:func:`lockcore.inspect_lock` runs only for the stores whose lock file the listing saw -- a free
store costs no lock lookup at all. In a small folder each data file is also ``stat``-ed and read
on the spot. In a big one (over :data:`INLINE_HEALTH_LIMIT` stores) the data files' own facts --
size, time, health -- are left to a second pass (:func:`check_document`), which ``stat``-s and
reads each anyway: every row and every lock is shown first, the document facts follow.

A row is a :class:`~inspector.services.store_entry.StoreEntry`; reading a data file and judging
it is ``store_health.py``'s.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator

from inspector.regular_file import READ_FLAGS
from inspector.services.listing import Listing, list_folder
from inspector.services.store_entry import (
    Stamp,
    StoreEntry,
    StoreHealth,
)
from inspector.services.store_health import (
    _document_health_of,
    missing_health,
)
from lockcore import (
    LockInfo,
    LockState,
    StoreFileKind,
    classify_store_file,
    inspect_lock,
    legacy_temp_path_for,
    lock_path_for,
)

#: Folders with at most this many stores get their documents checked while they are listed (a
#: few ms); bigger folders are listed first and checked right after, in the background.
INLINE_HEALTH_LIMIT = 256

_LEFTOVER_KINDS = frozenset(
    (StoreFileKind.TEMP, StoreFileKind.LEGACY_TEMP, StoreFileKind.QUARANTINE)
)


def store_path_for(path: str) -> str | None:
    """The data file a path belongs to (itself, its lock, a temp or quarantine file), or None."""
    classified = classify_store_file(path)
    return None if classified is None else classified[1]


def is_leftover(path: str) -> bool:
    """Whether ``path`` is a temp or quarantine file of some store."""
    classified = classify_store_file(path)
    return classified is not None and classified[0] in _LEFTOVER_KINDS


def inspect_store_lock(path: str) -> tuple[LockInfo | None, str]:
    """``(info, "")`` for a lock file, ``(None, "")`` when there is none, ``(None, why)``."""
    try:
        info = inspect_lock(path)
    except OSError as exc:
        return None, f"Cannot read the lock: {exc.strerror or exc}."
    except Exception as exc:
        # Whatever a strange lock file makes inspection raise, the row shows it and the scan goes
        # on: one bad file must never hide the others.
        return None, f"Cannot inspect the lock: {exc}."
    if info.state is LockState.FREE:
        return None, ""
    return info, ""


def entry_from_listing(
    path: str,
    listing: Listing,
    health_cache: dict[str, tuple[Stamp, StoreHealth, str]] | None,
    *,
    defer_document: bool = False,
    previous: StoreEntry | None = None,
    reuse_lock: bool = True,
) -> StoreEntry | None:
    """The entry for a listed store; None when it vanished since the listing.

    The data file is ``stat``-ed and, unless ``health_cache`` (path -> (stamp, health, detail))
    knows it unchanged, read and parsed. With ``defer_document`` it is not even ``stat``-ed: the
    entry keeps the document facts of ``previous`` (or is ``PENDING`` without them) until
    :func:`check_document` looks. With ``reuse_lock`` the lock of ``previous`` (the store's
    last entry) is taken over when the lock file's stamp did not change, instead of inspecting
    it again: a rescan after lost events then costs what listing costs. (Whether its holder
    still lives is what the periodic re-checks ask.)
    """
    lock: LockInfo | None = None
    lock_error = ""
    lock_stamp = listing.lock_stamps.get(path)
    if path in listing.has_lock:
        if (
            reuse_lock
            and previous is not None
            and lock_stamp is not None
            and previous.lock_stamp == lock_stamp
            and previous.lock is not None
        ):
            lock = previous.lock
        else:
            lock, lock_error = inspect_store_lock(path)
    found = listing.leftovers.get(path)
    leftovers = tuple(sorted(found)) if found else ()
    if lock is None:
        lock_stamp = None
    if defer_document and listing.has_data_file(path):
        if previous is not None and previous.data_stamp is not None:
            return previous.relisted(
                name=listing.name_of(path),
                lock=lock,
                lock_error=lock_error,
                leftovers=leftovers,
                lock_stamp=lock_stamp,
            )
        return StoreEntry.unchecked(
            path,
            listing.name_of(path),
            lock=lock,
            lock_error=lock_error,
            leftovers=leftovers,
            lock_stamp=lock_stamp,
        )
    return _finish_entry(
        path,
        listing.name_of(path),
        lock,
        lock_error,
        leftovers,
        health_cache=health_cache,
        lock_stamp=lock_stamp,
    )


def entries_from_listing(
    paths: Iterable[str],
    listing: Listing,
    health_cache: dict[str, tuple[Stamp, StoreHealth, str]] | None,
    *,
    defer_document: bool,
    known: dict[str, StoreEntry],
    reuse_lock: bool = True,
) -> Iterator[tuple[str, StoreEntry | None]]:
    """``(path, entry_from_listing(path, ...))`` for each of ``paths``, ``known`` holding each
    store's previous entry.

    A folder is mostly free stores listed for the first time: their entries are made here on
    the spot, with nothing looked up twice (a third of what listing 10,000 stores cost).
    """
    names, has_data, has_lock, leftovers = (
        listing.names,
        listing.has_data,
        listing.has_lock,
        listing.leftovers,
    )
    unchecked = StoreEntry.unchecked
    for path in paths:
        previous = known.get(path)
        if (
            defer_document
            and previous is None
            and path in has_data
            and path not in has_lock
            and path not in leftovers
        ):
            yield path, unchecked(path, names[path])
            continue
        yield (
            path,
            entry_from_listing(
                path,
                listing,
                health_cache,
                defer_document=defer_document,
                previous=previous,
                reuse_lock=reuse_lock,
            ),
        )


def fresh_entries(
    paths: list[str],
    names: list[str],
    listing: Listing,
    health_cache: dict[str, tuple[Stamp, StoreHealth, str]] | None,
) -> list[StoreEntry]:
    """The entries of ``paths`` (in that order, named by ``names``, one for each) in a folder
    listed for the first time, the documents left to :func:`check_document`: what
    :func:`entries_from_listing` gives with ``defer_document`` and nothing known, stores that
    vanished since the listing left out.

    Made in bulk: the free stores between two others (a lock, leftovers, no data file) are
    made in one go, and only those others one at a time -- in a big folder that is a few
    hundred of 100,000.
    """
    others = listing.not_plain()
    made: list[StoreEntry] = []
    start = 0
    for position in itertools.compress(itertools.count(), map(others.__contains__, paths)):
        made += StoreEntry.unchecked_many(paths[start:position], names[start:position])
        entry = entry_from_listing(paths[position], listing, health_cache, defer_document=True)
        if entry is not None:
            made.append(entry)
        start = position + 1
    made += StoreEntry.unchecked_many(paths[start:], names[start:])
    return made


def check_document(
    entry: StoreEntry, health_cache: dict[str, tuple[Stamp, StoreHealth, str]]
) -> StoreEntry | None:
    """``entry`` with its data file's facts as they are now (the same object when unchanged);
    None when nothing of the store is left."""
    if entry.health is not StoreHealth.PENDING and entry.data_stamp is not None:
        try:
            st = os.stat(entry.path)
        except OSError:
            pass  # gone or unreadable now: _finish_entry says which
        else:
            if entry.data_stamp == (st.st_ino, st.st_size, st.st_mtime_ns):
                return entry
    read = _read_document(entry.path, health_cache)
    if read is not None:
        return entry.checked(*read)
    return _finish_entry(
        entry.path,
        entry.name,
        entry.lock,
        entry.lock_error,
        entry.leftovers,
        health_cache=health_cache,
        lock_stamp=entry.lock_stamp,
    )


def inspect_store(
    path: str,
    name: str,
    leftover_candidates: set[str],
    health_cache: dict[str, tuple[Stamp, StoreHealth, str]] | None,
) -> StoreEntry | None:
    """A fresh, complete entry for one store (after a change); None when nothing of it is left."""
    leftover_candidates.add(legacy_temp_path_for(path))
    leftovers = tuple(sorted(p for p in leftover_candidates if os.path.lexists(p)))
    try:
        st = os.lstat(lock_path_for(path))
    except OSError:
        lock_stamp = None
    else:
        lock_stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
    lock, lock_error = inspect_store_lock(path)
    return _finish_entry(
        path,
        name,
        lock,
        lock_error,
        leftovers,
        health_cache=health_cache,
        lock_stamp=lock_stamp if lock is not None else None,
    )


def _finish_entry(
    path: str,
    name: str,
    lock: LockInfo | None,
    lock_error: str,
    leftovers: tuple[str, ...],
    *,
    health_cache: dict[str, tuple[Stamp, StoreHealth, str]] | None,
    lock_stamp: Stamp | None,
) -> StoreEntry | None:
    read = _read_document(path, health_cache)
    if read is not None:
        st, health, detail = read
        return StoreEntry.with_document(
            path,
            name,
            lock=lock,
            lock_error=lock_error,
            st=st,
            health=health,
            health_detail=detail,
            leftovers=leftovers,
            lock_stamp=lock_stamp,
        )
    # It could not be opened, or fstat failed: look again, to say why.
    try:
        fd = os.open(path, READ_FLAGS)
    except FileNotFoundError:
        lock_exists = lock is not None or lock_error or os.path.lexists(lock_path_for(path))
        if not lock_exists and not leftovers:
            return None
        health, detail = missing_health(path)
        return StoreEntry.without_document(
            path,
            name,
            lock=lock,
            lock_error=lock_error,
            health=health,
            health_detail=detail,
            leftovers=leftovers,
            lock_stamp=lock_stamp,
        )
    except OSError:
        fd = -1  # it exists but cannot be opened (permission): stat it, say why it cannot be read
    try:
        st = os.fstat(fd) if fd >= 0 else os.stat(path)
    except OSError as exc:
        if fd >= 0:
            os.close(fd)
        return StoreEntry.without_document(
            path,
            name,
            lock=lock,
            lock_error=lock_error,
            health=StoreHealth.UNREADABLE,
            health_detail=f"{exc.strerror or exc}.",
            leftovers=leftovers,
            lock_stamp=lock_stamp,
        )
    try:
        health, detail = _cached_health_of(path, fd, st, health_cache)
    finally:
        if fd >= 0:
            os.close(fd)
    return StoreEntry.with_document(
        path,
        name,
        lock=lock,
        lock_error=lock_error,
        st=st,
        health=health,
        health_detail=detail,
        leftovers=leftovers,
        lock_stamp=lock_stamp,
    )


def _read_document(
    path: str, health_cache: dict[str, tuple[Stamp, StoreHealth, str]] | None
) -> tuple[os.stat_result, StoreHealth, str] | None:
    """The data file's ``stat`` and its health with the reason, from one open (open, fstat,
    read, close: a separate stat and an open that fstat-ed again cost six system calls a
    document); None when it cannot be opened or ``fstat``-ed (:func:`_finish_entry` says why).
    A document whose stamp ``health_cache`` knows is not read."""
    try:
        fd = os.open(path, READ_FLAGS)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        health, detail = _cached_health_of(path, fd, st, health_cache)
    except OSError:
        return None
    finally:
        os.close(fd)
    return st, health, detail


def _cached_health_of(
    path: str,
    fd: int,
    st: os.stat_result,
    health_cache: dict[str, tuple[Stamp, StoreHealth, str]] | None,
) -> tuple[StoreHealth, str]:
    """:func:`_document_health_of` the open ``fd``, unless ``health_cache`` knows its stamp
    (then nothing is read); what is found is remembered there."""
    stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
    cached = health_cache.get(path) if health_cache is not None else None
    if cached is not None and cached[0] == stamp:
        return cached[1], cached[2]
    health, detail = _document_health_of(path, fd, st)
    if health_cache is not None:
        health_cache[path] = (stamp, health, detail)
    return health, detail


def iter_scan(folder: str, *, recursive: bool = False) -> Iterator[StoreEntry]:
    """Every store of ``folder``, fully inspected and checked, in name order."""
    listing = list_folder(folder, recursive=recursive)
    for path in listing.ordered():
        entry = entry_from_listing(path, listing, None)
        if entry is not None:
            yield entry


def scan_folder(folder: str, *, recursive: bool = False) -> list[StoreEntry]:
    """:func:`iter_scan` as a list (synchronous; for tools and child processes)."""
    return list(iter_scan(os.path.abspath(folder), recursive=recursive))


def write_problem(folder: str) -> str:
    """Why stores in ``folder`` cannot be saved nor locks broken here, or "" when they can.

    Saving creates a lock file and a temp file beside the store and renames it over the store;
    breaking unlinks a lock file: all of them need write and search permission on the folder and
    a filesystem mounted read-write.
    """
    try:
        info = os.statvfs(folder)
    except OSError as exc:
        return f"Cannot check the folder: {exc.strerror or exc}."
    if info.f_flag & os.ST_RDONLY:
        return "The folder is on a read-only filesystem."
    if not os.access(folder, os.W_OK | os.X_OK):
        return "You may not create or remove files in this folder (permission denied)."
    return ""
