"""A folder listed in bulk (listing.list_folder) is the folder listed one name at a time; a first
listing's rows made in bulk (scanner.fresh_entries) are the rows made one at a time."""

from __future__ import annotations

import contextlib
import operator
import os
import pathlib
import shutil
import tempfile
import unittest.mock

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from inspector.display import printable_path
from inspector.services import first_listing as first_listing_module
from inspector.services import listing as listing_module
from inspector.services.first_listing import first_screenful
from inspector.services.listing import Listing, list_folder
from inspector.services.scanner import entries_from_listing, fresh_entries
from lockcore import StoreFileKind, classify_store_file, lock_path_for

#: What a store of the generated folder has besides (or instead of) its data file.
KINDS = (
    "plain",
    "legacy lock",
    "lockcore-looking lock",
    "temp file",
    "lock only",
    "vanished",
    "lock only, vanished",
)


def make_folder(folder: str, kinds: list[str]) -> list[str]:
    """One store per kind in ``kinds``; the paths of those to remove after listing."""
    vanishing: list[str] = []
    for number, kind in enumerate(kinds):
        path = os.path.join(folder, f"S{number:03d}.json" if number % 3 else f"s{number:03d}.json")
        if not kind.startswith("lock only"):
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(f'{{"n": {number}}}')
        if kind in ("legacy lock", "lock only", "lock only, vanished"):
            with open(lock_path_for(path), "w", encoding="ascii") as handle:
                handle.write(f"{os.getpid()}\n")
        elif kind == "lockcore-looking lock":
            with open(lock_path_for(path), "w", encoding="ascii") as handle:
                handle.write("999999999\nlockcore 1\nhost elsewhere.example\n")
        elif kind == "temp file":
            with open(path + ".tmp", "w", encoding="utf-8") as handle:
                handle.write("{}")
        elif kind == "vanished":
            with open(lock_path_for(path), "w", encoding="ascii") as handle:
                handle.write(f"{os.getpid()}\n")
            vanishing += [path, lock_path_for(path)]
        if kind == "lock only, vanished":
            vanishing.append(lock_path_for(path))
    return vanishing


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(KINDS), max_size=40), st.integers(0, 40))
def test_rows_made_in_bulk_are_the_rows_made_one_at_a_time(kinds: list[str], cut: int) -> None:
    folder = tempfile.mkdtemp(prefix="fresh-entries-")
    try:
        vanishing = make_folder(folder, kinds)
        listing = list_folder(folder)
        # The same folder as a first listing sees it: its data files' names never made into
        # paths, a dict and a set (asked only what a first listing asks).
        first_listing = list_folder(folder)
        paths = listing.ordered()
        for path in vanishing:  # gone between the listing and the look at its lock
            os.unlink(path)
        one_at_a_time = [
            entry
            for _, entry in entries_from_listing(paths, listing, {}, defer_document=True, known={})
            if entry is not None
        ]
        # Made in two pieces, as the worker does (a first screenful -- from the few names
        # that can be in it, when there are enough names -- then the rest).
        first, first_names, listed_first = first_screenful(first_listing, cut)
        ordered, names = first_listing.ordered_named()
        assert ordered == paths
        assert first == paths[:cut]
        in_bulk = fresh_entries(first, first_names, listed_first, {}) + fresh_entries(
            ordered[cut:], names[cut:], first_listing, {}
        )
        # A store whose data file was listed keeps its row until its document is checked;
        # one listed by its lock alone is looked at at once.
        expected = len(kinds) - kinds.count("lock only, vanished")
        assert len(in_bulk) == len(one_at_a_time) == expected
        for bulk, single in zip(in_bulk, one_at_a_time, strict=True):
            assert bulk.same_as(single), (bulk, single)
    finally:
        shutil.rmtree(folder)


def listed_name_by_name(folder: str, *, recursive: bool) -> Listing:
    """What list_folder finds, one entry classified at a time by lockcore (as it was made
    before it took names in bulk): the reference the bulk listing must agree with."""
    listing = Listing({}, set(), set(), {}, {})
    pending = [(folder, "")]
    while pending:
        directory, prefix = pending.pop()
        with os.scandir(directory) as iterator:
            for item in iterator:
                classified = classify_store_file(item.name)
                if classified is None or (
                    classified[0] is StoreFileKind.DATA and item.is_dir(follow_symlinks=False)
                ):
                    if recursive and item.is_dir(follow_symlinks=False):
                        pending.append((item.path, prefix + item.name + os.sep))
                    continue
                kind, store_name = classified
                store = os.path.join(directory, store_name)
                if kind is StoreFileKind.DATA:
                    listing.has_data.add(store)
                    listing.names[store] = printable_path(prefix + item.name)
                    continue
                if kind is StoreFileKind.LOCK:
                    listing.has_lock.add(store)
                    st = item.stat(follow_symlinks=False)
                    listing.lock_stamps[store] = (st.st_ino, st.st_size, st.st_mtime_ns)
                else:
                    listing.leftovers.setdefault(store, []).append(item.path)
                listing.names.setdefault(store, printable_path(prefix + store_name))
    return listing


def make_odd_folder(folder: pathlib.Path) -> None:
    """More entries than one chunk, a lock, leftovers, an unrelated file, unprintable names."""
    for number in range(2500):
        (folder / f"s{number:04d}.json").write_text("{}", encoding="utf-8")
    (folder / "s0007.json.lock").write_text(f"{os.getpid()}\n", encoding="ascii")
    (folder / "gone.json.lock").write_text("1\n", encoding="ascii")
    (folder / "s0008.json.tmp").write_text("{}", encoding="utf-8")
    (folder / "notes.txt").write_text("", encoding="utf-8")
    (folder / "bell\a.json").write_text("{}", encoding="utf-8")  # not printable as it is
    os.close(os.open(os.path.join(os.fsencode(folder), b"latin-\xe9.json"), os.O_CREAT))
    (folder / "linked-file.json").symlink_to(folder / "s0001.json")


def assert_listed_as_name_by_name(
    folder: pathlib.Path, *, recursive: bool, without_scandir: bool = False
) -> Listing:
    reference = listed_name_by_name(str(folder), recursive=recursive)
    with contextlib.ExitStack() as stack:
        if without_scandir:
            stack.enter_context(
                unittest.mock.patch.object(os, "scandir", side_effect=AssertionError("scandir"))
            )
        bulk = list_folder(str(folder), recursive=recursive)
        first_listing = list_folder(str(folder), recursive=recursive)
    # What a first listing asks, before (and without) the names and the set of data files.
    order = reference.ordered()
    assert first_listing.store_count() == len(reference.names)
    assert first_listing.not_plain() == frozenset(
        (reference.names.keys() - reference.has_data)
        | reference.has_lock
        | reference.leftovers.keys()
    )
    for path in first_listing.not_plain():
        assert first_listing.name_of(path) == reference.names[path]
        assert first_listing.has_data_file(path) == (path in reference.has_data)
    assert first_listing.every_store_has_data() == (reference.has_data == reference.names.keys())
    assert first_listing.first(7) == order[:7]
    assert first_listing.ordered_named() == (order, [reference.names[path] for path in order])
    assert bulk.names == reference.names
    assert bulk.has_data == reference.has_data
    assert bulk.has_lock == reference.has_lock
    assert bulk.lock_stamps == reference.lock_stamps
    assert bulk.leftovers == reference.leftovers
    assert bulk.ordered() == reference.ordered()
    return bulk


def test_a_listing_taken_in_bulk_is_the_listing_name_by_name(tmp_path: pathlib.Path) -> None:
    make_odd_folder(tmp_path)
    folder_like_store = tmp_path / "folder.json"  # a folder named like a store is none
    folder_like_store.mkdir()
    (folder_like_store / "inner.json").write_text("{}", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.json").write_text("{}", encoding="utf-8")
    (tmp_path / "linked-folder.json").symlink_to(folder_like_store)  # a link is a file here
    for recursive in (False, True):
        assert_listed_as_name_by_name(tmp_path, recursive=recursive)
    listed = list_folder(str(tmp_path)).has_data
    assert str(folder_like_store) not in listed
    assert str(tmp_path / "linked-folder.json") in listed
    assert str(folder_like_store / "inner.json") in list_folder(str(tmp_path), recursive=True).names


def test_a_folder_with_no_subfolder_is_listed_by_its_names_alone(tmp_path: pathlib.Path) -> None:
    make_odd_folder(tmp_path)
    assert_listed_as_name_by_name(tmp_path, recursive=False, without_scandir=True)


def test_a_folder_made_while_the_names_are_read_is_no_store(tmp_path: pathlib.Path) -> None:
    make_odd_folder(tmp_path)
    read_names = os.listdir

    def folder_made_meanwhile(path: str) -> list[str]:
        (tmp_path / "late.json").mkdir()
        return read_names(path)

    with unittest.mock.patch.object(os, "listdir", folder_made_meanwhile):
        listing = list_folder(str(tmp_path))
    assert str(tmp_path / "late.json") not in listing.names
    assert listing.names == listed_name_by_name(str(tmp_path), recursive=False).names


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet="aAbB\u00df\u1e9e_", min_size=1, max_size=4), min_size=1, max_size=60
    ),
    st.integers(0, 70),
    st.booleans(),
)
def test_a_listings_first_rows_and_its_rows_in_order_are_its_order(
    stems: list[str], count: int, copies: bool
) -> None:
    # Names that fold to the same string ("a", "A"; "\u00df", "ss") are ordered by path.
    listing = Listing({}, set(), set(), {}, {})
    for stem in stems:
        path = os.path.join("/folder", stem + ".json")
        listing.names[path] = stem + ".json"
        listing.has_data.add(path)
    order = listing.ordered()
    assert order == sorted(listing.names, key=lambda path: (listing.names[path].casefold(), path))
    assert listing.first(count) == order[:count]
    copies_above = 0 if copies else 10**9
    with unittest.mock.patch.object(listing_module, "IN_ORDER_COPIES_ABOVE", copies_above):
        paths, names = listing.ordered_named()
    assert paths == order
    assert names == [listing.names[path] for path in order]
    if copies:  # laid out anew, in this order
        assert not any(map(operator.is_, paths, order))


@pytest.mark.parametrize("capitals", [False, True, "lock only"])
def test_a_first_listing_is_ordered_from_its_names_alone(
    tmp_path: pathlib.Path, capitals: bool | str
) -> None:
    # Every store has its data file (one of them a lock too): ordered from the data files'
    # names, without a dict of every store -- names that fold alike ordered by path.
    for number in range(300):
        (tmp_path / f"s{number:03d}.json").write_text("{}", encoding="utf-8")
    (tmp_path / "s007.json.lock").write_text(f"{os.getpid()}\n", encoding="ascii")
    if capitals == "lock only":  # the only capitals: a store with no data file
        (tmp_path / "Zed.json.lock").write_text(f"{os.getpid()}\n", encoding="ascii")
    elif capitals:
        for name in ("Ab.json", "ab.json", "AB.json", "aB.json", "Zz.json", "S007.json"):
            (tmp_path / name).write_text("{}", encoding="utf-8")
    assert_listed_as_name_by_name(tmp_path, recursive=False, without_scandir=True)


#: Names a folder may hold: stores (some with capitals, which fold), their locks and leftovers,
#: names that begin with another store's name, unrelated files; rarely not ASCII or printable.
_STEMS = st.text(alphabet="abAB-_.", min_size=1, max_size=4) | st.sampled_from(["a.json", "A.JSON"])
_SUFFIXES = st.sampled_from(
    [".json", ".json", ".json", ".json.lock", ".json.tmp", ".json.0a1b2c.tmp", ".json.json",
     ".json.corrupt-20261206T000000-1a2b", ".txt", ""]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_STEMS, _SUFFIXES), min_size=30, max_size=150),
    st.integers(1, 6),
    st.sampled_from([1, 2, 4096]),
    st.sampled_from(["", "", "", "a\u00df.json", "b\x07.json"]),
)
def test_a_first_screenful_picked_from_the_names_is_the_first_rows_of_the_order(
    files: list[tuple[str, str]], count: int, sample: int, odd_name: str
) -> None:
    # Only the names that can be in it are classified; whatever the names, and however few
    # the sample they are bounded from (a bound too low is raised), the same rows.
    odd = [odd_name] if odd_name else []
    names = list(dict.fromkeys([stem + suffix for stem, suffix in files] + odd))
    folder = "/nowhere/listed"  # (no file is looked at but a lock's stamp: none here)
    reference = Listing({}, set(), set(), {}, {}, folder=folder)
    listing_module._take_names(reference, list(names))
    listing = Listing({}, set(), set(), {}, {}, folder=folder)
    listing._unclassified = list(names)
    with (
        unittest.mock.patch.object(first_listing_module, "_SAMPLE", sample),
        # (a bound that leaves many names gives up to spare time, not to be right)
        unittest.mock.patch.object(first_listing_module, "_MOST_NAMES_PER_ROW", 10**6),
    ):
        paths, first_names, listed = first_screenful(listing, count)
    order = reference.ordered()
    assert paths == order[:count]
    assert first_names == [reference.names[path] for path in paths]
    if listed is not listing:  # picked from the names: nothing else of them classified
        event("picked from the names")
        assert listing.names_read() == names
    for path in paths:
        assert listed.has_data_file(path) == (path in reference.has_data)
        assert listed.leftovers.get(path) == reference.leftovers.get(path)
        assert (path in listed.has_lock) == (path in reference.has_lock)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_STEMS, _SUFFIXES), min_size=1, max_size=60), st.integers(1, 6), st.data()
)
def test_the_first_rows_below_any_bound_are_the_first_rows_of_the_order(
    files: list[tuple[str, str]], count: int, data: st.DataObject
) -> None:
    # Whatever the bound -- often the name of a store (or of one of its files) among the first
    # rows, whose other files are beyond it -- the rows picked below it are the first rows
    # with all their files, or none are picked.
    names = list(dict.fromkeys(stem + suffix for stem, suffix in files))
    bound = data.draw(st.sampled_from(names)).lower()
    folder = "/nowhere/listed"
    reference = Listing({}, set(), set(), {}, {}, folder=folder)
    listing_module._take_names(reference, list(names))
    with unittest.mock.patch.object(first_listing_module, "_MOST_NAMES_PER_ROW", 10**6):
        picked = first_listing_module._first_below(folder, names, count, bound)
    order = reference.ordered()
    if picked is None:  # the bound is too low: fewer than count stores at most it
        assert len(order) < count or order[count - 1][len(folder) + 1 :].lower() > bound
        return
    assert picked is not False
    paths, first_names, listed = picked
    assert paths == order[:count]
    assert first_names == [reference.names[path] for path in paths]
    for path in paths:
        assert listed.has_data_file(path) == (path in reference.has_data)
        assert listed.leftovers.get(path) == reference.leftovers.get(path)
        assert (path in listed.has_lock) == (path in reference.has_lock)
