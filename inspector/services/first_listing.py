"""A folder's first listing, as the store directory's worker hands it on: the first screenful
of rows at once, the rest in batches (:func:`hand_on_fresh`), and the gate that keeps the worker
from reading any file's contents before the folder is watched (:class:`WatchGate`).

No Qt here: the worker (:mod:`.scan_worker`) emits what these hand it.
"""

from __future__ import annotations

import operator
import threading
import time
from collections.abc import Callable

from inspector.services.listing import Listing
from inspector.services.scanner import fresh_entries
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
#: A listing of at most ONE_BATCH_LIMIT stores, listed within ONE_BATCH_WITHIN seconds (the
#: names read, not yet sorted), hands on every row at once, painted as soon as they are taken
#: in: the table is complete sooner (the first batch's pause, its paint, no longer comes before
#: the rest is made), but its first screenful is painted only after every row is made and
#: taken in. The listing so far foretells when that paint comes: sorting, making and taking in
#: the rows and painting them cost some six times what reading the names did (10,000 stores
#: on this 2-core VM, even under load 8-10: names read in 6-7 ms, first screenful painted
#: 39-46 ms after the folder was opened). Measured there (issue 11 section 6, session 9), in one
#: batch: table complete 23-28 ms net (0.98-1.18x the minimal pass), first screenful 40-47 ms;
#: with the first screenful first (before the listing was made from its names alone): complete
#: 40-47 ms (1.73-1.97x), first screenful 25-28 ms. (Before the listing's stages were cut, one
#: batch meant a first screenful of 50-52 ms, 100 ms under load 6, and 10,000 stores went first
#: screenful first.) A bigger folder, or one listed slowly on a busy machine, would paint its
#: first screenful past 50 ms: it hands it on first.
ONE_BATCH_LIMIT = 12000
ONE_BATCH_WITHIN = 0.008
FIRST_BATCH_ROWS = 100
BATCH_SIZE = 100000
BATCH_INTERVAL = 0.25
FIRST_BATCH_WAIT = 0.1
#: (The GUI takes 100,000 rows in ~100 ms: a document pass begun before that slowed both.)
LAST_BATCH_WAIT = 0.5
#: A first listing's rows are made this many at a time (the clock is looked at between two).
_LISTING_CHUNK = 4096

_path_of = operator.attrgetter("path")


class WatchGate:
    """Whether the folder a generation (one :meth:`StoreDirectory.set_folder`) shows is
    watched yet; shared by the GUI thread, which starts the watch, and the worker, which lists.

    Opening a folder, the worker reads its names while the GUI thread puts the watch on it, each
    on a CPU of its own (at 100,000 stores the watch costs the kernel ~9 ms: it marks each name
    it has cached). Nothing but the names is read before the watch is in place: the worker waits
    here before it opens a lock or a document, so that every change to a file's contents comes
    after what the listing read or is reported by the watch. Names that came or went between
    the two are found by :meth:`.Listing.changed_since` and looked at as if reported.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._unwatched: int | None = None  # the generation begun whose folder is not watched
        self._shut = False

    def begin(self, generation: int) -> None:
        """GUI thread: ``generation`` begins, its folder not watched yet (a worker waiting
        for an older one waits no more). A worker whose generations were never begun here
        (on its own, in a test) never waits."""
        with self._condition:
            self._unwatched = generation
            self._condition.notify_all()

    def watched(self, generation: int) -> None:
        """GUI thread: the folder of ``generation`` is watched (or cannot be: nothing more
        will come)."""
        with self._condition:
            if self._unwatched == generation:
                self._unwatched = None
                self._condition.notify_all()

    def shut(self) -> None:
        """The window goes: no worker waits any more."""
        with self._condition:
            self._shut = True
            self._condition.notify_all()

    def is_watched(self, generation: int) -> bool:
        """Whether the folder of ``generation`` is watched (as far as this gate knows)."""
        with self._condition:
            return self._unwatched != generation

    def wait(self, generation: int) -> bool:
        """Worker: wait until the folder of ``generation`` is watched; False when that will
        never be (a newer generation began, the gate was shut)."""
        with self._condition:
            self._condition.wait_for(lambda: self._shut or self._unwatched != generation)
            return not self._shut and self._unwatched is None


def hand_on_fresh(
    listing: Listing,
    entries: dict[str, StoreEntry],
    cache: dict[str, tuple[Stamp, StoreHealth, str]],
    hand_on: Callable[[list[StoreEntry], float], None],
    *,
    one_batch: bool,
) -> tuple[list[str], bool]:
    """Hand on the rows of a big folder listed for the first time (nothing known: every
    row is new) through ``hand_on(rows, wait)`` (``wait``: how long to wait for the GUI to
    show them), as :meth:`_ScanWorker._apply` does -- the first screenful at once (unless
    ``one_batch``), the rest in batches -- but made and recorded into ``entries`` a chunk at
    a time, not one row at a time: the stores in the order people read them, and whether
    any row was handed on. The first screenful is picked before the stores are sorted (the
    sort of 100,000 names is ~50 ms), and is the first rows of that order."""
    handed_on = False
    first = [] if one_batch else listing.first(FIRST_BATCH_ROWS)
    if first:
        made = fresh_entries(first, list(map(listing.name_of, first)), listing, cache)
        entries.update(zip(map(_path_of, made), made, strict=True))
        if made:
            hand_on(made, FIRST_BATCH_WAIT)
            handed_on = True
    paths, names = listing.ordered_named()
    batch: list[StoreEntry] = []
    due = time.monotonic() + BATCH_INTERVAL
    for start in range(len(first), len(paths), _LISTING_CHUNK):
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
