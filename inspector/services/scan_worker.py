"""The store directory's worker: on its own thread it owns the authoritative entries, lists the
folder (handing rows on in batches, the first one small), checks documents and re-checks locks a
time slice at a time, and looks again at what the watcher reports. See
:class:`~inspector.services.store_directory.StoreDirectory` for the costs."""

from __future__ import annotations

import operator
import os
import stat
import threading
import time
from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from inspector.collector import collector_paused, freeze_survivors
from inspector.display import printable_path
from inspector.services.document_pass import DocumentPass
from inspector.services.first_listing import (
    BATCH_INTERVAL,
    BATCH_SIZE,
    FIRST_BATCH_ROWS,
    FIRST_BATCH_WAIT,
    LAST_BATCH_WAIT,
    ONE_BATCH_LIMIT,
    ONE_BATCH_WITHIN,
    hand_on_new_rows,
)
from inspector.services.listing import Listing, list_folder
from inspector.services.rechecks import RecheckQueue
from inspector.services.scanner import (
    INLINE_HEALTH_LIMIT,
    entries_from_listing,
    inspect_store,
    is_leftover,
    store_path_for,
    write_problem,
)
from inspector.services.store_entry import (
    Stamp,
    StoreEntry,
    StoreHealth,
)
from inspector.services.watch_gap import WatchGate, names_changed_since

#: How often locks whose holder can die silently are re-inspected, the folder's existence and
#: write access are checked, and the observer's liveness too.
RECHECK_INTERVAL_MS = 1000
#: Every this many rechecks, every lock is re-inspected (a safety net for missed events).
FULL_RECHECK_EVERY = 10
#: The background health check reads documents for at most this long before it lets queued
#: events through (seconds); it hands its results on every BATCH_INTERVAL.
HEALTH_SLICE = 0.02
#: Stores the watcher reports are looked at in rounds at least this far apart (seconds): a
#: lone change at once, a storm's in some ten rounds a second, each round every store that
#: changed since the last. Each look takes the interpreter lock for every system call it makes,
#: and on a loaded machine each time the GUI thread may wait for it (issue 11 §6).
REFRESH_ROUND_GAP = 0.1


_path_of = operator.attrgetter("path")


class _ScanWorker(QObject):
    """Owns the authoritative entries; every slot runs on the worker thread."""

    # Lists travel as one Python object: a ``list`` signal argument is converted to a
    # QVariantList and back, element by element (7 ms for 10,000 entries).
    #: (generation, entries: list[StoreEntry], listing: bool) new or changed entries;
    #: ``listing``: a batch of a listing's rows (the last one before scan_finished).
    entries_updated = Signal(int, object, bool)
    #: (generation, entries: list[StoreEntry]) what the document pass after a listing found.
    entries_checked = Signal(int, object)
    #: (generation, paths: list[str]) stores that no longer exist.
    entries_removed = Signal(int, object)
    #: (generation) a full scan listed every store.
    scan_finished = Signal(int)
    #: (generation) every document of the last full scan has been checked.
    checks_finished = Signal(int)
    #: (generation, available) the folder exists (again) or vanished.
    folder_available = Signal(int, bool)
    #: (generation, message) the folder exists but could not be listed.
    scan_failed = Signal(int, str)
    #: (generation, problem) why nothing can be written in the folder, "" when it can.
    write_problem_changed = Signal(int, str)

    def __init__(self) -> None:
        super().__init__()
        self._generation = -1
        self._folder = ""
        self._recursive = False
        self._available: bool | None = None
        self._identity: tuple[int, int] | None = None
        self._needs_scan = False
        self._write_problem: str | None = None
        self._entries: dict[str, StoreEntry] = {}
        # data path -> (stamp, health, detail): a document that did not change is not re-read.
        self._health_cache: dict[str, tuple[Stamp, StoreHealth, str]] = {}
        self._pending_paths: dict[str, None] = {}  # insertion-ordered set
        self._last_round = 0.0  # when the last round of looks began (monotonic)
        # store -> when this worker last began to look at it (monotonic: the same clock in every
        # process), and when the last full scan began: a look the watching child began earlier
        # is older than what is known here, and is not taken.
        self._looked_at: dict[str, float] = {}
        self._scan_began = 0.0
        self._pass = DocumentPass()
        self._recheck_queue = RecheckQueue()
        # The folders stores were listed in (with subfolders): see _is_or_was_a_folder.
        self._store_folders: set[str] | None = None
        #: Set by the GUI thread once it has shown a batch (see _apply).
        self.batch_shown = threading.Event()
        #: Opened by the GUI thread once the folder is watched (see watch_gap.WatchGate).
        self.watch_gate = WatchGate()
        # Parented timers move to the worker thread with the worker.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self._on_refresh_timer_timeout)
        self._health_timer = QTimer(self)
        self._health_timer.setSingleShot(True)
        self._health_timer.setInterval(0)
        self._health_timer.timeout.connect(self._on_health_timer_timeout)
        self._recheck_timer = QTimer(self)
        self._recheck_timer.setSingleShot(True)
        self._recheck_timer.setInterval(0)
        self._recheck_timer.timeout.connect(self._on_recheck_timer_timeout)

    @Slot(int, object, bool)
    def scan(self, generation: int, folder: str, recursive: bool) -> None:
        """A full scan that inspects every lock again (opening a folder, F5)."""
        if generation != self._generation:
            self._pass.end()  # another folder's: what it checked is no one's now
            self._generation = generation
            self._folder = folder
            self._recursive = recursive
            self._available = None
            self._identity = None
            self._write_problem = None
            self._entries.clear()
            self._health_cache.clear()
            self._looked_at.clear()
            self._pending_paths.clear()
            self._recheck_queue.clear()
        self._full_scan(reuse_locks=False)

    @Slot(int, object)
    def refresh(self, generation: int, paths: list[str]) -> None:
        if generation != self._generation:
            return
        # Only collect here: every refresh request queued behind a slow look is merged into one
        # round, so a storm of events costs one look per store, not one per event.
        self._pending_paths.update(dict.fromkeys(paths))
        if not self._refresh_timer.isActive():
            wait = self._last_round + REFRESH_ROUND_GAP - time.monotonic()
            self._refresh_timer.start(max(0, round(wait * 1000)))

    @Slot(int, float, object)
    def take_looked(
        self, generation: int, began: float, looked: list[tuple[str, StoreEntry | None]]
    ) -> None:
        """Take in the entries of stores the watcher's child process began to look at at
        ``began`` (monotonic; None: gone), but not where this worker looked later (a break's
        refresh, a re-check): the child's older look would undo what is known to be newer."""
        if generation != self._generation or not self._available or began < self._scan_began:
            return
        looked_at = self._looked_at
        self._apply((path, entry) for path, entry in looked if looked_at.get(path, 0.0) <= began)

    @Slot(int, bool)
    def recheck(self, generation: int, everything: bool) -> None:
        if generation != self._generation:
            return
        if not self._check_available():
            return
        self._check_write_problem()
        if self._needs_scan:
            self._full_scan()
            return
        # A slice at a time (see rechecks).
        self._recheck_queue.add(self._entries.values(), everything=everything)
        if self._recheck_queue and not self._recheck_timer.isActive():
            self._recheck_timer.start()

    @Slot()
    def _on_recheck_timer_timeout(self) -> None:
        self._apply(self._recheck_queue.take_slice(self._entries, self._look_again_now))
        if self._recheck_queue:
            self._recheck_timer.start()

    def _look_again_now(self, path: str) -> tuple[str, StoreEntry | None]:
        # Only the stores looked at are marked: a look the watching child began earlier at
        # what else of a store changed is still taken where the re-check only saw its lock.
        self._looked_at[path] = time.monotonic()
        return self._look_again(path)

    @Slot()
    def stop_timers(self) -> None:
        """Stop every timer; runs on the worker thread as it finishes (timers belong to it)."""
        for timer in (self._refresh_timer, self._health_timer, self._recheck_timer):
            timer.stop()
        self._pass.end()

    # -- internals -------------------------------------------------------------------------

    @Slot()
    def _on_refresh_timer_timeout(self) -> None:
        self._last_round = time.monotonic()
        paths = list(self._pending_paths)
        self._pending_paths.clear()
        touched: dict[str, set[str]] = {}
        needs_full_scan = False
        for path in paths:
            store = store_path_for(path)
            if store is not None and self._in_scope(store):
                touched.setdefault(store, set()).add(path)
            elif os.path.normpath(path) == os.path.normpath(self._folder):
                needs_full_scan = True
            elif self._recursive and self._is_or_was_a_folder(path):
                # A subfolder appeared, vanished or moved: its stores come and go with it. (Not
                # any name that is no store: each lockcore update writes its document through an
                # unnamed temp file, which inotify names "#<inode>" -- a full scan each round of
                # a storm.)
                needs_full_scan = True
        if needs_full_scan:
            self._full_scan()
            return
        if not self._available:
            return
        began = self._last_round
        self._looked_at.update(dict.fromkeys(touched, began))
        self._apply(self._look_again(store, touched[store]) for store in touched)

    def _is_or_was_a_folder(self, path: str) -> bool:
        """Whether ``path`` (no store) is a folder now, or was one with stores below it (moved
        away: nothing else reports those stores gone)."""
        if os.path.isdir(path):
            return True
        folders = self._store_folders
        if folders is None:
            # Every folder between a store and the watched one, worked out once a full scan
            # (a store in a folder that came since is listed by the scan its coming caused).
            folders = set()
            top = os.path.normpath(self._folder)
            for parent in {os.path.dirname(store) for store in self._entries}:
                folder = parent
                while folder not in folders and len(folder) > len(top):
                    folders.add(folder)
                    folder = os.path.dirname(folder)
            self._store_folders = folders
        return os.path.normpath(path) in folders

    def _look_again(self, path: str, touched: Iterable[str] = ()) -> tuple[str, StoreEntry | None]:
        old = self._entries.get(path)
        candidates = set(old.leftovers) if old is not None else set()
        candidates.update(p for p in touched if is_leftover(p))
        name = old.name if old is not None else printable_path(os.path.relpath(path, self._folder))
        return path, inspect_store(path, name, candidates, self._health_cache)

    def _in_scope(self, store: str) -> bool:
        directory = os.path.dirname(store)
        if self._recursive:
            return os.path.commonpath([directory, self._folder]) == os.path.normpath(self._folder)
        return os.path.normpath(directory) == os.path.normpath(self._folder)

    def _check_available(self) -> bool:
        try:
            st = os.stat(self._folder)
        except OSError:
            identity = None
        else:
            identity = (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None
        if (
            identity is not None
            and self._identity is not None
            and identity != self._identity
            and self._available
        ):
            # Removed and made again between two looks (a share dropped and came back): what
            # was watched is gone, so everything starts over as if it had vanished.
            self._set_available(available=False)
        self._identity = identity
        if (identity is not None) != self._available:
            self._set_available(available=identity is not None)
        return identity is not None

    def _set_available(self, *, available: bool) -> None:
        came_back = available and self._available is False
        self._available = available
        if available:
            self._needs_scan = True
            if came_back:
                # The listing that follows reads no file before the new watch is in place,
                # and finds what changed before it was (see watch_gap), as a first one does.
                self.watch_gate.watch_lost(self._generation)
        else:
            # The rows go first, then the folder is said gone: whoever is told it is gone
            # (a banner) finds no row of it left (told the other way round, a table showed
            # the banner above the gone folder's rows for a moment).
            self._pass.end()  # what it checked is of a folder that is no more
            self._write_problem = None
            if self._entries:
                gone = list(self._entries)
                self._entries.clear()
                self._health_cache.clear()
                self.entries_removed.emit(self._generation, gone)
        self.folder_available.emit(self._generation, available)

    def _check_write_problem(self) -> None:
        problem = write_problem(self._folder)
        if problem != self._write_problem:
            self._write_problem = problem
            self.write_problem_changed.emit(self._generation, problem)

    def _full_scan(self, *, reuse_locks: bool = True) -> None:
        self._scan_began = time.monotonic()
        self._store_folders = None
        self._needs_scan = False
        # A pass that did not finish never will. What it checked is known here as checked and
        # is handed on now: held back, the listing below would find it unchanged and say
        # nothing, and the table would show those rows as they were before for good.
        if self._pass.results:
            self.entries_checked.emit(self._generation, self._pass.results)
        self._pass.end()
        if not self._check_available():
            self.scan_finished.emit(self._generation)
            self._checks_finished()
            return
        self._needs_scan = False
        self._check_write_problem()
        self._pass.pause_collector()  # until the last document is checked (see document_pass)
        try:
            self._list(reuse_locks=reuse_locks)
        except BaseException:
            self._pass.end()
            raise

    def _checks_finished(self) -> None:
        """Every document of the last full scan is checked (or there were none): say so, and
        let the collector run again."""
        self.checks_finished.emit(self._generation)
        self._pass.end()

    def _list(self, *, reuse_locks: bool) -> None:
        began, began_cpu = time.monotonic(), time.thread_time()
        generation = self._generation
        # Names read while the watch is put on the folder: see watch_gap.
        watched_before = self.watch_gate.is_watched(generation)
        try:
            listing = list_folder(self._folder, recursive=self._recursive)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            message = QCoreApplication.translate(
                "StoreDirectory", "Cannot list {folder}: {reason}."
            ).format(folder=printable_path(self._folder), reason=reason)
            self.scan_failed.emit(self._generation, message)
            self.scan_finished.emit(self._generation)
            self._checks_finished()
            return
        waiting = time.monotonic()
        gap_to_close = not watched_before and self.watch_gate.wait(generation)
        began += time.monotonic() - waiting  # (what ONE_BATCH_WITHIN weighs is the listing)
        self._drop([path for path in self._entries if path not in listing.names])
        rows = None
        if not self._entries:  # every row new: made in bulk
            rows = hand_on_new_rows(
                listing, self._entries, self._health_cache, self._hand_on,
                began=(began, began_cpu),
                one_batch_limits=(ONE_BATCH_LIMIT, ONE_BATCH_WITHIN),
            )  # fmt: skip
        defer = listing.store_count() > INLINE_HEALTH_LIMIT
        if rows is not None:
            ordered, handed_on = rows
        else:
            ordered = listing.ordered()
            handed_on = self._apply(
                entries_from_listing(
                    ordered,
                    listing,
                    self._health_cache,
                    defer_document=defer,
                    known=self._entries,
                    reuse_lock=reuse_locks,
                ),
                listing=True,
            )
        self.scan_finished.emit(self._generation)
        if defer:
            if handed_on:
                # Not while the GUI takes in the last rows: both would take twice as long.
                self.batch_shown.wait(LAST_BATCH_WAIT)
            # In the order the rows are read, so the rows on screen are completed first.
            if listing.every_store_has_data():
                self._pass.begin(ordered)
            else:
                self._pass.begin(path for path in ordered if listing.has_data_file(path))
        if gap_to_close:
            self._close_gap(listing)
        if self._pass.queue:
            self._health_timer.start()
        else:
            self._checks_finished()

    @Slot()
    def _on_health_timer_timeout(self) -> None:
        # Each slice makes thousands of rows (none in a reference cycle) that live on: with the
        # collector running, its passes over them (and everything else alive) took 40 % of a
        # pass over 100,000 documents.
        with collector_paused():
            self._check_documents()
        freeze_survivors()

    def _check_documents(self) -> None:
        document_pass = self._pass
        gone = document_pass.check(self._entries, self._looked_at, self._health_cache, HEALTH_SLICE)
        if gone:
            self.entries_removed.emit(self._generation, gone)
        now = time.monotonic()
        results, queue = document_pass.results, document_pass.queue
        if results and (not queue or now - document_pass.handed_on >= BATCH_INTERVAL):
            document_pass.handed_on = now
            self.entries_checked.emit(self._generation, results)
            document_pass.results = []
        if queue:
            self._health_timer.start()
        else:
            self._checks_finished()

    def _drop(self, gone: list[str]) -> None:
        """Forget the stores ``gone`` (listed no more) and say so."""
        if gone:
            for path in gone:
                del self._entries[path]
            self.entries_removed.emit(self._generation, gone)

    def _hand_on(self, rows: list[StoreEntry], wait: float) -> None:
        """Hand on a first listing's rows; wait up to ``wait`` s for the GUI to show them."""
        self.batch_shown.clear()
        self.entries_updated.emit(self._generation, rows, True)
        if wait:
            self.batch_shown.wait(wait)

    def _close_gap(self, listing: Listing) -> None:
        """Look at the names that came or went between the listing and the watch as if the
        watch had reported them (the folder itself: a whole listing tells)."""
        changed = names_changed_since(listing)
        if changed is None:
            changed = [self._folder]
        if changed:
            self.refresh(self._generation, changed)

    def _apply(
        self, results: Iterable[tuple[str, StoreEntry | None]], *, listing: bool = False
    ) -> bool:
        """Record fresh entries (None: the store is gone) and hand on what changed, batched;
        whether any was handed on. ``listing``: the first rows go at once, in a small batch."""
        changed: list[StoreEntry] = []
        removed: list[str] = []
        entries = self._entries
        clock = time.monotonic
        first = listing
        due = clock() + BATCH_INTERVAL
        handed_on = False
        for path, entry in results:
            if entry is None:
                if entries.pop(path, None) is not None:
                    removed.append(path)
                    self._health_cache.pop(path, None)
                continue
            if not entry.same_as(entries.get(path)):
                entries[path] = entry
                changed.append(entry)
                if first:
                    if len(changed) < FIRST_BATCH_ROWS:
                        continue
                elif len(changed) < BATCH_SIZE and clock() < due:
                    continue
                self.batch_shown.clear()
                self.entries_updated.emit(self._generation, changed, listing)
                handed_on = True
                if first:
                    self.batch_shown.wait(FIRST_BATCH_WAIT)
                    first = False
                changed = []
                due = clock() + BATCH_INTERVAL
        if removed:
            self.entries_removed.emit(self._generation, removed)
        if changed:
            self.batch_shown.clear()
            self.entries_updated.emit(self._generation, changed, listing)
            handed_on = True
        return handed_on
