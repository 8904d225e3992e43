"""A first listing's rows made in bulk (scanner.fresh_entries) are the rows made one at a time."""

from __future__ import annotations

import os
import shutil
import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.services.scanner import entries_from_listing, fresh_entries, list_folder
from lockcore import lock_path_for

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
        paths = listing.ordered()
        for path in vanishing:  # gone between the listing and the look at its lock
            os.unlink(path)
        one_at_a_time = [
            entry
            for _, entry in entries_from_listing(paths, listing, {}, defer_document=True, known={})
            if entry is not None
        ]
        # Made in two pieces, as the worker does (a first screenful, then the rest).
        in_bulk = fresh_entries(paths[:cut], listing, {}) + fresh_entries(paths[cut:], listing, {})
        # A store whose data file was listed keeps its row until its document is checked;
        # one listed by its lock alone is looked at at once.
        expected = len(kinds) - kinds.count("lock only, vanished")
        assert len(in_bulk) == len(one_at_a_time) == expected
        for bulk, single in zip(in_bulk, one_at_a_time, strict=True):
            assert bulk.same_as(single), (bulk, single)
    finally:
        shutil.rmtree(folder)
