"""A folder's first listing, as the store directory's worker hands it on: the first screenful
of rows at once (:func:`first_screenful`: picked from the names before they are classified),
the rest in batches (:func:`hand_on_fresh`).

No Qt here: the worker (:mod:`.scan_worker`) emits what these hand it.
"""

from __future__ import annotations

import operator
import os
import time
from collections.abc import Callable
from typing import Literal

from inspector.display import is_printable_ascii
from inspector.services.listing import Listing, listing_of_names
from inspector.services.scanner import INLINE_HEALTH_LIMIT, fresh_entries
from inspector.services.store_entry import Stamp, StoreEntry, StoreHealth

#: A listing (but see ONE_BATCH_LIMIT) hands on its first FIRST_BATCH_ROWS rows (in the
#: order people read them: more than a screenful) as soon as they are made, then the rest
#: when it is done or, in a folder that takes longer, every BATCH_INTERVAL seconds (or on
#: reaching BATCH_SIZE rows). Each batch costs the GUI a repaint of the table (~10 ms for 40
#: rows) whatever its size, and painting while the worker lists slows both (they share one
#: interpreter): after each batch the worker waits (at most FIRST_BATCH_WAIT seconds after the
#: first, LAST_BATCH_WAIT after the last) until the GUI has taken it in -- and painted it, see
#: MainWindow. (100,000 rows cost the GUI ~40 ms taken at once, 20,000 a third of that: in
#: batches of 20,000 a listing of 100,000 stores took five such pauses and as many repaints,
#: each taking the interpreter from the worker making the next rows.)
#: A listing of at most ONE_BATCH_LIMIT stores, listed within ONE_BATCH_WITHIN seconds of the
#: worker's CPU (the names read, not yet sorted), hands on every row at once, painted as soon as
#: they are taken in: the table is complete sooner (the first batch's pause, its paint, no
#: longer comes before the rest is made), but its first screenful is painted only after every
#: row is made and taken in. The listing's CPU time foretells when that paint comes: sorting,
#: making and taking in the rows and painting them cost some five to six times what listing
#: them did, on any machine. Its wall time does not: it swings with the interpreter lock the
#: GUI thread takes meanwhile to put the watch on (10,000 stores on this 2-core VM, session 11:
#: listed in 5.8-6.9 ms of CPU but 5.8-9.5 ms of wall time, first screenful painted 31-41 ms
#: after the folder was opened, whatever the wall time; tested on the wall time against 8 ms,
#: half the openings sent the first screenful first, and the table was complete at 1.6x the
#: minimal pass instead of 0.9x). A machine so busy that the listing took more than
#: ONE_BATCH_BUSY times ONE_BATCH_WITHIN of wall time would paint one batch late: it, too,
#: hands the first screenful on first. Measured in session 9, in one batch: table complete
#: 23-28 ms net (0.98-1.18x the minimal pass), first screenful 40-47 ms; with the first
#: screenful first: complete 40-47 ms (1.73-1.97x), first screenful 25-28 ms. A bigger folder,
#: or one listed slowly by a slow or busy machine, would paint its first screenful past 50 ms:
#: it hands it on first.
ONE_BATCH_LIMIT = 12000
ONE_BATCH_WITHIN = 0.008
ONE_BATCH_BUSY = 2.0
FIRST_BATCH_ROWS = 100
BATCH_SIZE = 100000
BATCH_INTERVAL = 0.25
FIRST_BATCH_WAIT = 0.1
#: (The GUI takes 100,000 rows in ~100 ms: a document pass begun before that slowed both.)
LAST_BATCH_WAIT = 0.5
#: A first listing's rows are made this many at a time (the clock is looked at between two).
_LISTING_CHUNK = 4096

_path_of = operator.attrgetter("path")

#: The first screenful is picked from about this many times as many names as it has rows
#: (see first_screenful): enough that a folder whose stores have a lock and leftovers each
#: still gives a screenful, few enough to classify at once (a microsecond or two a name).
_NAMES_PER_ROW = 8
#: From at most this many names, taken evenly through the folder's, the bound is picked.
_SAMPLE = 1024
#: A bound that leaves more names than this per row (names with capitals sort before every
#: lower-case name until folded) gives up: the first screenful is then picked as before.
_MOST_NAMES_PER_ROW = 40


def first_screenful(listing: Listing, count: int) -> tuple[list[str], list[str], Listing]:
    """The first ``count`` stores in the order people read them (``listing.ordered()[:count]``),
    their names, and the listing to make their rows from.

    A big folder read by its names alone is not classified for this (at 100,000 stores ~25 ms
    of the first screenful's wait): the names whose stores can be among the first are picked
    from the names read, and only they are classified (:func:`.listing_of_names`). Those are
    the names that fold to at most a bound -- the name of a sample's few smallest, such that
    some ``_NAMES_PER_ROW`` times ``count`` names are below it -- or that begin with the store
    name the bound begins with: every file of a store begins with the store's name, so every
    file of a store whose name is at most the bound is picked. If the stores picked are not
    ``count`` (the bound was too low), a higher one is tried; names that are not all ASCII
    (whose folding can make them smaller), or too many picked, and the listing is classified
    whole, as it is afterwards anyway."""
    names = listing.names_read()
    if names is not None and len(names) > count * _NAMES_PER_ROW:
        picked = _first_from_names(listing.folder, names, count)
        if picked is not None:
            return picked
    first = listing.first(count)
    return first, list(map(listing.name_of, first)), listing


def _first_from_names(
    folder: str, names: list[str], count: int
) -> tuple[list[str], list[str], Listing] | None:
    # ASCII: folding is lower-casing, and never makes a name smaller (a name whose folded self
    # is below a bound is below it itself); printable: shown, and ordered, as it is.
    if not is_printable_ascii("".join(names)):
        return None
    step = max(1, len(names) // _SAMPLE)
    sample = sorted(map(str.lower, names[::step]))
    rank = count * _NAMES_PER_ROW * len(sample) // len(names)
    while True:
        picked = _first_below(folder, names, count, sample[min(rank, len(sample) - 1)])
        if picked is False:
            return None
        if picked is not None or rank >= len(sample) - 1:
            return picked
        rank = rank * 4 + 1


def _first_below(
    folder: str, names: list[str], count: int, bound: str
) -> tuple[list[str], list[str], Listing] | Literal[False] | None:
    """The first ``count`` stores of ``folder`` whose ``names`` are all printable ASCII, their
    names and listing, picked from the names that fold to at most ``bound`` (or begin with the
    store name that begins it); None if fewer than ``count`` stores are at most ``bound``;
    False if the names below the bound are too many to pick from."""
    # Below ``below``: the names folded at most ``bound``, and those that begin with the store
    # name that begins ``bound`` (its shortest beginning ending in ".json"; the next character
    # of an ASCII name is below "\x80"): every file of a store at most ``bound``.
    end = bound.find(".json")
    below = bound[: end + 5] + "\x80" if end >= 0 else bound + "\x00"
    raw = [name for name in names if name < below]  # (quicker than filter: 1.4 ms, 2.7)
    if len(raw) > count * _MOST_NAMES_PER_ROW:
        return False
    candidates = [name for name in raw if name.lower() < below]
    picked = listing_of_names(folder, candidates)
    paths, picked_names = picked.ordered_named()
    prefix_length = len(os.path.join(folder, ""))
    if len(paths) >= count and paths[count - 1][prefix_length:].lower() <= bound:
        return paths[:count], picked_names[:count], picked
    return None


def hand_on_new_rows(
    listing: Listing,
    entries: dict[str, StoreEntry],
    cache: dict[str, tuple[Stamp, StoreHealth, str]],
    hand_on: Callable[[list[StoreEntry], float], None],
    *,
    began: tuple[float, float],
    one_batch_limits: tuple[int, float] = (ONE_BATCH_LIMIT, ONE_BATCH_WITHIN),
) -> tuple[list[str], bool] | None:
    """Hand on the rows of a folder listed for the first time (nothing known: every row is
    new; see :func:`hand_on_fresh`), whose names were begun to be read at ``began``
    (``time.monotonic()`` and the worker's ``time.thread_time()``): the stores in the order
    people read them, and whether any row was handed on (``one_batch_limits``:
    ``ONE_BATCH_LIMIT`` and ``ONE_BATCH_WITHIN``). None for a folder of at most
    ``INLINE_HEALTH_LIMIT`` stores, whose documents are checked as its rows are made: the
    caller makes them (a big folder's first screenful, handed on already, is in ``entries``)."""
    most_stores, within = one_batch_limits
    names_read = listing.names_read()
    first = 0
    if names_read is not None and len(names_read) > most_stores:
        # A big folder read by its names: its first screenful goes before the names are
        # classified (see first_screenful).
        first = hand_on_first(listing, entries, cache, hand_on)
    if listing.store_count() <= INLINE_HEALTH_LIMIT:
        return None
    # The listing so far foretells the rest (see ONE_BATCH_WITHIN).
    one_batch = not first and listing.store_count() <= most_stores
    if one_batch:
        cpu = time.thread_time() - began[1]
        one_batch = cpu <= within and time.monotonic() - began[0] <= ONE_BATCH_BUSY * within
    if not (first or one_batch):
        first = hand_on_first(listing, entries, cache, hand_on)
    ordered, handed_on = hand_on_fresh(listing, entries, cache, hand_on, first=first)
    return ordered, handed_on or first > 0


def hand_on_first(
    listing: Listing,
    entries: dict[str, StoreEntry],
    cache: dict[str, tuple[Stamp, StoreHealth, str]],
    hand_on: Callable[[list[StoreEntry], float], None],
) -> int:
    """Hand on the first screenful of rows of a big folder listed for the first time (see
    :func:`hand_on_fresh`), recorded into ``entries``: how many stores it has."""
    first, first_names, first_listing = first_screenful(listing, FIRST_BATCH_ROWS)
    if first:
        made = fresh_entries(first, first_names, first_listing, cache)
        entries.update(zip(map(_path_of, made), made, strict=True))
        if made:
            hand_on(made, FIRST_BATCH_WAIT)
    return len(first)


def hand_on_fresh(
    listing: Listing,
    entries: dict[str, StoreEntry],
    cache: dict[str, tuple[Stamp, StoreHealth, str]],
    hand_on: Callable[[list[StoreEntry], float], None],
    *,
    first: int,
) -> tuple[list[str], bool]:
    """Hand on the rows of a big folder listed for the first time (nothing known: every
    row is new) through ``hand_on(rows, wait)`` (``wait``: how long to wait for the GUI to
    show them), as :meth:`_ScanWorker._apply` does -- after the ``first`` rows, handed on by
    :func:`hand_on_first` (none: every row at once), the rest in batches -- but made and
    recorded into ``entries`` a chunk at a time, not one row at a time: the stores in the order
    people read them, and whether any row was handed on here. The first screenful is picked
    before the stores are sorted (the sort of 100,000 names is ~50 ms), and is the first rows
    of that order."""
    handed_on = False
    paths, names = listing.ordered_named()
    batch: list[StoreEntry] = []
    due = time.monotonic() + BATCH_INTERVAL
    for start in range(first, len(paths), _LISTING_CHUNK):
        chunk = paths[start : start + _LISTING_CHUNK]
        made = fresh_entries(chunk, names[start : start + _LISTING_CHUNK], listing, cache)
        # The chunk's paths are the rows' own unless a store vanished since the listing.
        keys = chunk if len(made) == len(chunk) else map(_path_of, made)
        entries.update(zip(keys, made, strict=True))
        batch += made
        more = start + _LISTING_CHUNK < len(paths)
        if more and batch and (len(batch) >= BATCH_SIZE or time.monotonic() >= due):
            hand_on(batch, 0.0)
            handed_on = True
            batch = []
            due = time.monotonic() + BATCH_INTERVAL
    if batch:
        hand_on(batch, 0.0)
        handed_on = True
    return paths, handed_on
