"""bench_inspector's making of the listing's entries (``--only entries``), against making them as
before."""

from __future__ import annotations

import statistics
import time
from typing import Any

from inspector_folder import Folder

# --- making the listing's entries ------------------------------------------------------------


def _entries_as_before(paths: list[str], listing: Any) -> list[Any]:
    """The listing's loop as it was before StoreEntry had its factories: the free stores'
    entries made by calling the class with eleven positional arguments inline (the baseline)."""
    from inspector.services.scanner import entry_from_listing
    from inspector.services.store_entry import StoreEntry, StoreHealth

    names, has_data, has_lock, leftovers = (
        listing.names,
        listing.has_data,
        listing.has_lock,
        listing.leftovers,
    )
    pending, not_checked = StoreHealth.PENDING, "Not checked yet."
    made = []
    for path in paths:
        if path in has_data and path not in has_lock and path not in leftovers:
            made.append(
                StoreEntry(
                    path, names[path], None, "", None, None, pending, not_checked, (), None, None
                )
            )
            continue
        made.append(entry_from_listing(path, listing, None, defer_document=True))
    return made


def bench_entries(folder: Folder, rounds: int = 30) -> list[tuple[str, str, str, str]]:
    """The listing's loop (``entries_from_listing``: an entry for every store, free ones made on
    the spot) against the same loop with the bare positional constructor inline, alternating."""
    from inspector.services.listing import list_folder
    from inspector.services.scanner import entries_from_listing

    listing = list_folder(folder.path)
    paths = listing.ordered()
    now: list[float] = []
    before: list[float] = []
    for _ in range(rounds):
        began = time.perf_counter()
        made = [
            entry
            for _, entry in entries_from_listing(
                paths, listing, None, defer_document=True, known={}
            )
        ]
        now.append(time.perf_counter() - began)
        began = time.perf_counter()
        made_before = _entries_as_before(paths, listing)
        before.append(time.perf_counter() - began)
        assert [e.path for e in made] == [e.path for e in made_before]  # the same entries
    current, baseline = statistics.median(now), statistics.median(before)
    return [
        (
            f"making the listing's {len(paths):,} entries (StoreEntry factories)",
            f"{current * 1000:.2f} ms",
            f"{baseline * 1000:.2f} ms positional call inline",
            f"{current / baseline:.2f}x",
        )
    ]
