"""Listing a folder of stores: one pass over its names, before anything is opened.

No Qt here. A *store* is a JSON data file ``X.json``; its lock, temporary files and quarantined
copies belong to that store's row (which name is which is lockcore's to say:
:func:`lockcore.classify_store_file`, :func:`lockcore.data_file_flags` for many names at once),
and a store whose data file is missing still has a row while any of those files exist. What a
listing costs is what the folder costs: its names read once (``os.listdir`` where the folder has
no subfolder, else ``scandir``), the few files that are not a lone data file looked at one by
one. :mod:`inspector.services.scanner` makes the rows from a :class:`Listing`.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import operator
import os
import time
from collections.abc import Iterable

from inspector.display import is_printable_ascii, printable_path
from inspector.services.store_entry import (
    Stamp,
)
from lockcore import (
    StoreFileKind,
    classify_store_file,
    data_file_flags,
)

#: A listing of more stores than this makes its rows from copies of their paths and names laid
#: out in the table's order (see Listing.ordered_named); at 10,000 stores it made no difference.
IN_ORDER_COPIES_ABOVE = 20000

#: (inode, device, modification time, change time, link count) of a folder.
FolderStamp = tuple[int, int, int, int, int]

#: A folder's entries are taken this many at a time (see list_folder).
_LISTING_CHUNK = 1024


class Listing:
    """What one pass over a folder found, before anything was opened.

    ``names`` (store path -> its name relative to the folder, printable), ``has_data`` (stores
    whose data file was listed), ``has_lock`` (stores whose lock file was listed),
    ``lock_stamps`` (store path -> (inode, size, mtime_ns) of its lock file) and ``leftovers``
    (store path -> its temp and quarantine files).

    A folder listed by its names alone (:func:`list_folder`: no subfolder, every name
    printable) keeps its data files as the list of their names until ``names`` or ``has_data``
    is asked for: a first listing of a big folder never asks (its rows come from
    :meth:`first`, :meth:`ordered_named`, :meth:`not_plain`, :meth:`name_of` and
    :meth:`has_data_file`), and at 100,000 stores the paths, the dict of names and the set of
    data files cost ~35 ms -- what the rows in order are made of is made then, in that order.
    """

    def __init__(
        self,
        names: dict[str, str],
        has_data: set[str],
        has_lock: set[str],
        lock_stamps: dict[str, Stamp],
        leftovers: dict[str, list[str]],
        *,
        folder: str = "",
    ) -> None:
        self.folder = folder
        self._names = names
        self._has_data = has_data
        self._has_lock = has_lock
        self._lock_stamps = lock_stamps
        self._leftovers = leftovers
        # The names read by name, not classified yet (see names_read): nothing else is known.
        self._unclassified: list[str] | None = None
        # (the folder's path and a separator, its data files' names): not in names nor
        # has_data yet; ``_names`` then holds the other stores (a lock, leftovers) alone.
        self._data_files: tuple[str, list[str]] | None = None
        self._no_data: frozenset[str] | None = None  # of those, the ones with no data file
        self._not_plain: frozenset[str] | None = None
        self._folded: dict[str, str] | None = None
        self._folds_to_itself: bool | None = None
        # What the folder looked like just before its names were read, and the names read by
        # name (listdir), if it was (see watch_gap.names_changed_since).
        self._seen: tuple[FolderStamp, int] | None = None
        self._read_names: list[str] | None = None

    def __repr__(self) -> str:
        return f"Listing({self.store_count()} stores, {len(self.has_lock)} locks)"

    @property
    def names(self) -> dict[str, str]:
        """Store path -> its name relative to the folder (printable)."""
        self._classify()
        self._take_data_files()
        return self._names

    @property
    def has_data(self) -> set[str]:
        """The stores whose data file was listed."""
        self._classify()
        self._take_data_files()
        return self._has_data

    @property
    def has_lock(self) -> set[str]:
        """The stores whose lock file was listed."""
        self._classify()
        return self._has_lock

    @property
    def lock_stamps(self) -> dict[str, Stamp]:
        """Store path -> (inode, size, mtime_ns) of its lock file."""
        self._classify()
        return self._lock_stamps

    @property
    def leftovers(self) -> dict[str, list[str]]:
        """Store path -> its temp and quarantine files."""
        self._classify()
        return self._leftovers

    def names_read(self) -> list[str] | None:
        """Every name of the folder as ``listdir`` gave it, while they are not classified yet
        (the folder was listed by its names alone and nothing else was asked): a first
        screenful can be picked from them before the rest is classified."""
        return self._unclassified

    def _classify(self) -> None:
        """Tell the names read apart (data files in bulk, the few others one by one)."""
        names = self._unclassified
        if names is not None:
            self._unclassified = None
            _take_names(self, names)

    def _take_data_files(self) -> None:
        if self._data_files is not None:
            prefix, data_names = self._data_files
            self._data_files = None
            data_paths = list(map(prefix.__add__, data_names))
            self._names.update(zip(data_paths, data_names, strict=True))
            self._has_data.update(data_paths)
            self._folded = None
            self._folds_to_itself = None  # told of the data files' names alone until now

    def _without_data(self) -> frozenset[str]:
        """The stores whose data file was not listed."""
        self._classify()
        if self._no_data is None:
            if self._data_files is None:
                names, has_data = self._names, self._has_data
                no_data = names.keys() - has_data if len(has_data) < len(names) else ()
                self._no_data = frozenset(no_data)
            else:  # the few other stores, against every data file's name (no Python per name)
                prefix, data_names = self._data_files
                others = {path[len(prefix) :]: path for path in self._names}
                with_data = others.keys() & data_names
                self._no_data = frozenset(others[name] for name in others.keys() - with_data)
        return self._no_data

    def store_count(self) -> int:
        """How many stores were listed."""
        self._classify()
        if self._data_files is None:
            return len(self._names)
        return len(self._data_files[1]) + len(self._without_data())

    def every_store_has_data(self) -> bool:
        """Whether every listed store's data file was listed."""
        return not self._without_data()

    def name_of(self, path: str) -> str:
        """The name of the listed store ``path``."""
        self._classify()
        if self._data_files is not None:
            name = self._names.get(path)
            return path[len(self._data_files[0]) :] if name is None else name
        return self._names[path]

    def has_data_file(self, path: str) -> bool:
        """Whether the data file of the listed store ``path`` was listed."""
        self._classify()
        if self._data_files is not None:
            return path not in self._without_data()
        return path in self._has_data

    def not_plain(self) -> frozenset[str]:
        """The stores that are not a lone data file (a lock, leftovers, no data file): the few
        whose rows :func:`fresh_entries` makes one at a time. Worked out once per listing (over
        every store: at 100,000 stores, once per chunk of rows was half of making them)."""
        if self._not_plain is None:
            without_data = self._without_data()
            self._not_plain = frozenset(self._has_lock.union(self._leftovers, without_data))
        return self._not_plain

    def _names_fold_to_themselves(self) -> bool:
        """Whether every name folds to itself (no capital letter), as in most folders -- told
        by folding all of them joined at once (folding goes a character at a time)."""
        self._classify()
        if self._folds_to_itself is None:
            names = self._data_files[1] if self._data_files is not None else self._names.values()
            every_name = "".join(names)
            self._folds_to_itself = every_name.casefold() == every_name
        return self._folds_to_itself

    def _by_data_file_names(self) -> bool:
        """Whether the order is worked out from the data files' names alone (listed by name,
        every store has its data file): then names are unique and the paths one prefix each."""
        self._classify()
        if self._data_files is not None and self._without_data():
            self._take_data_files()  # a store with no data file: rare, and ordered as any
        return self._data_files is not None

    def _folded_names(self) -> dict[str, str]:
        """Store path -> its name case-folded (the sort key), worked out once per listing: the
        names themselves when they fold to themselves."""
        if self._folded is None:
            names = self.names
            if self._names_fold_to_themselves():
                self._folded = names
            else:
                self._folded = dict(zip(names, map(str.casefold, names.values()), strict=True))
        return self._folded

    def _sorted(self) -> tuple[list[str], list[str], bool]:
        """:meth:`ordered`; each store's name in that order; whether the paths are new strings
        made in that order."""
        if self._by_data_file_names():
            assert self._data_files is not None
            prefix, data_names = self._data_files
            # Sorted as (folded name, path) -- the path is one prefix and the name -- with no
            # key at all when the names are their own folded names.
            names = sorted(data_names)
            if not self._names_fold_to_themselves():
                names.sort(key=str.casefold)
            return list(map(prefix.__add__, names)), names, True
        folded = self._folded_names()
        # Sorting on one string is twice as fast as on a (name, path) tuple; names that fold to
        # the same string ("A.json", "a.json") are rare, and only then is the tuple needed.
        paths = sorted(folded, key=folded.__getitem__)
        keys = list(map(folded.__getitem__, paths))
        if any(map(operator.eq, keys, itertools.islice(keys, 1, None))):
            paths.sort(key=lambda path: (folded[path], path))
            keys = list(map(folded.__getitem__, paths))
        names = keys if folded is self._names else list(map(self._names.__getitem__, paths))
        return paths, names, False

    def ordered(self) -> list[str]:
        """Store paths in the order people read them (by name ignoring case, then by path)."""
        return self._sorted()[0]

    def first(self, count: int) -> list[str]:
        """``ordered()[:count]`` without sorting every store: a first screenful of a big folder
        goes on before the sort (at 100,000 stores ~50 ms). Those are the stores whose folded
        name is at most the ``count``-th smallest one, sorted."""
        if count >= self.store_count():
            return self.ordered()
        if count <= 0:
            return []
        if self._by_data_file_names():
            assert self._data_files is not None
            prefix, data_names = self._data_files
            keys = (
                data_names
                if self._names_fold_to_themselves()
                else list(map(str.casefold, data_names))
            )
            last = heapq.nsmallest(count, keys)[-1]
            chosen = sorted(itertools.compress(data_names, map(last.__ge__, keys)))
            chosen.sort(key=str.casefold)
            return [prefix + name for name in chosen[:count]]
        folded = self._folded_names()
        last = heapq.nsmallest(count, folded.values())[-1]
        candidates = list(itertools.compress(folded, map(last.__ge__, folded.values())))
        candidates.sort(key=lambda path: (folded[path], path))
        return candidates[:count]

    def ordered_named(self) -> tuple[list[str], list[str]]:
        """:meth:`ordered`, and the name of each store. In a folder of more than
        :data:`IN_ORDER_COPIES_ABOVE` stores the strings are made anew in that order: each row
        made, recorded and shown touches its path and name, and in the order of the listing's
        own strings (the folder's, not the table's) every touch missed the caches (at 100,000
        stores, making the rows took 80 ms instead of 25, taking them in on the GUI thread 96
        ms instead of 57)."""
        paths, names, in_order = self._sorted()
        if len(paths) > IN_ORDER_COPIES_ABOVE:
            names = _copies(names)
            if not in_order:
                paths = _copies(paths)
        return paths, names


def folder_seen(folder: str) -> tuple[FolderStamp, int] | None:
    """``folder``'s stamp and when it was taken (``time.time_ns``); None if it cannot be."""
    try:
        st = os.stat(folder)
    except OSError:
        return None
    return (st.st_ino, st.st_dev, st.st_mtime_ns, st.st_ctime_ns, st.st_nlink), time.time_ns()


def _copies(strings: list[str]) -> list[str]:
    """New strings equal to ``strings``, made one after the other (no Python code run per
    string: joining two strings makes a new one, even when the second is empty)."""
    return list(map("".join, zip(strings, itertools.repeat(""))))


def list_folder(folder: str, *, recursive: bool = False) -> Listing:
    """One pass over ``folder`` (``listdir``, or ``scandir`` where there are subfolders): its
    stores and the files folded into each.

    An unreadable subfolder is skipped; an unreadable ``folder`` raises its ``OSError``.
    """
    listing = Listing({}, set(), set(), {}, {}, folder=folder)
    # The data files (nearly every name) are taken a chunk of entries at a time with no Python
    # code run per file -- their names told apart in bulk (lockcore.data_file_flags), folders
    # among them by the entry's type (no stat) -- and their names checked for printing all at
    # once; only the few other names (locks, leftovers, unrelated files) are classified one at
    # a time. (Name by name, 100,000 stores took ~100 ms: 2.5x what the scandir itself takes.)
    if not recursive and _listed_by_name(listing, folder):
        return listing  # its names are classified when first asked for (Listing._classify)
    listing._seen = folder_seen(folder)
    data_paths: list[str] = []
    data_names: list[str] = []
    pending = [(folder, "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            iterator = os.scandir(directory)
        except OSError:
            if directory == folder:
                raise
            continue
        with iterator:
            # A chunk at a time: the entries of a whole folder of 100,000 held at once cost
            # more than the loop they replace (memory that is not in any cache any more).
            while items := list(itertools.islice(iterator, _LISTING_CHUNK)):
                pending += _take_chunk(
                    listing, items, directory, prefix, into=(data_paths, data_names),
                    recursive=recursive,
                )  # fmt: skip
    _take_data_names(listing, data_paths, data_names, by_name=False)
    return listing


def _take_names(listing: Listing, names: list[str]) -> None:
    """Fold ``names``, every name of ``listing``'s folder (which holds no folder), into it."""
    is_data = data_file_flags(names)
    found = list(itertools.compress(names, is_data))
    if len(found) < len(names):
        others = itertools.compress(names, map(operator.not_, is_data))
        _take_other_files(listing, others, listing.folder, "")
    _take_data_names(listing, [], found, by_name=True)


def _take_data_names(
    listing: Listing, data_paths: list[str], data_names: list[str], *, by_name: bool
) -> None:
    """Fold the data files into ``listing``: their ``data_paths`` and ``data_names`` (with
    ``by_name``, their names alone: the paths are made from them)."""
    folder = listing.folder
    # printable_path's own test, for every name at once: it is true of nearly every folder.
    every_name = "".join(data_names)
    printable = is_printable_ascii(every_name)
    if by_name and printable:  # their paths, names and set are made when asked for
        listing._data_files = (os.path.join(folder, ""), data_names)
        listing._folds_to_itself = every_name.casefold() == every_name  # (joined already)
        return
    if by_name:
        data_paths = list(map(os.path.join(folder, "").__add__, data_names))
    if not printable:
        data_names = [
            name if name.isascii() and name.isprintable() else printable_path(name)
            for name in data_names
        ]
    listing._names.update(zip(data_paths, data_names, strict=True))
    listing._has_data.update(data_paths)


def _listed_by_name(listing: Listing, folder: str) -> bool:
    """List ``folder`` (not its subfolders) by its names alone, with ``os.listdir``, when it
    holds no folder: whether it did (else nothing is listed). A folder's link count is two
    plus its subfolders on Linux's local filesystems; where it says nothing (1, as on btrfs)
    or there are subfolders, a folder named like a store must be told from a store by its
    entry's type, and ``scandir`` does that. Asked after the names are read: a subfolder made
    meanwhile shows; one made and removed meanwhile is gone like any file that vanished.
    (``listdir`` makes no entry object per name: at 100,000 stores ~25 ms less than scandir.)"""
    seen = folder_seen(folder)
    if seen is None or seen[0][4] != 2:  # "." and its entry in its parent: no subfolder
        return False
    names = os.listdir(folder)
    if not _no_subfolder(folder):
        return False
    listing._seen = seen
    listing._read_names = listing._unclassified = names
    return True


def listing_of_names(folder: str, names: list[str]) -> Listing:
    """The listing of ``folder`` (which holds no folder) made of ``names``, some of its names:
    the stores those files make."""
    listing = Listing({}, set(), set(), {}, {}, folder=folder)
    _take_names(listing, names)
    return listing


def _no_subfolder(folder: str) -> bool:
    """Whether ``folder`` (its link count) says it holds no folder."""
    try:
        return os.stat(folder).st_nlink == 2  # "." and its entry in its parent
    except OSError:
        return False  # scandir says why


def _take_chunk(
    listing: Listing,
    items: list[os.DirEntry[str]],
    directory: str,
    prefix: str,
    *,
    into: tuple[list[str], list[str]],
    recursive: bool,
) -> list[tuple[str, str]]:
    """Fold ``items`` of ``directory`` into ``listing``, the data files' paths and names onto
    the two lists ``into``; with ``recursive``, the subfolders, as ``(path, prefix)``."""
    data_paths, data_names = into
    item_names = list(map(_name_of_item, items))
    is_data = data_file_flags(item_names)
    data_items = list(itertools.compress(items, is_data))
    subfolders: list[tuple[str, str]] = []
    if len(data_items) < len(items):
        others = itertools.compress(item_names, map(operator.not_, is_data))
        unrelated = _take_other_files(listing, others, directory, prefix)
        if recursive and unrelated:
            by_name = dict(zip(item_names, items, strict=True))
            subfolders = [
                (by_name[name].path, prefix + name + os.sep)
                for name in unrelated
                if by_name[name].is_dir(follow_symlinks=False)
            ]
    # Folders named like a data file are no stores. DirEntry.is_dir with no argument is a C
    # call per entry (with follow_symlinks=False, through a methodcaller, eight times as much);
    # it follows a symbolic link, so the few it calls folders are asked again without following.
    if any(map(_is_dir_followed, data_items)):
        is_folder = [item.is_dir(follow_symlinks=False) for item in data_items]
        if recursive:
            subfolders += (
                (item.path, prefix + item.name + os.sep)
                for item in itertools.compress(data_items, is_folder)
            )
        data_items = list(itertools.compress(data_items, map(operator.not_, is_folder)))
    data_paths += map(_path_of_item, data_items)
    if prefix:
        data_names += map(prefix.__add__, map(_name_of_item, data_items))
    else:
        data_names += map(_name_of_item, data_items)
    return subfolders


def _take_other_files(
    listing: Listing, names: Iterable[str], directory: str, prefix: str
) -> list[str]:
    """Fold the files of ``directory`` named ``names`` that are no data file into ``listing``
    (a lock, a leftover); the names that are nothing of a store."""
    store_names, has_lock, lock_stamps, leftovers = (
        listing._names,
        listing._has_lock,
        listing._lock_stamps,
        listing._leftovers,
    )
    unrelated: list[str] = []
    for name in names:
        classified = classify_store_file(name)
        if classified is None:
            unrelated.append(name)
            continue
        kind, store_name = classified
        store = os.path.join(directory, store_name)
        path = os.path.join(directory, name)
        if kind is StoreFileKind.LOCK:
            has_lock.add(store)
            with contextlib.suppress(OSError):
                st = os.lstat(path)
                lock_stamps[store] = (st.st_ino, st.st_size, st.st_mtime_ns)
        else:
            leftovers.setdefault(store, []).append(path)
        store_names.setdefault(store, printable_path(prefix + store_name))
    return unrelated


_name_of_item = operator.attrgetter("name")
_path_of_item = operator.attrgetter("path")
_is_dir_followed = os.DirEntry.is_dir
