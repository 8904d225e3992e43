"""The folder of JSON stores: one :class:`StoreEntry` per store, kept current off the GUI thread.

All file-system work (listing, ``stat``, reading documents to check them, ``inspect_lock``, even
asking whether the folder still exists) runs on one worker thread. The GUI thread only sends it
requests and receives finished entries through queued signals, so a slow disk or a dropped network
share never freezes the window.

How much work each kind of change costs (see issue 4, "inspector at scale and under stress"):

- A full scan lists the folder once and inspects only the locks it saw (:mod:`.scanner`); rows are
  handed on in batches, the first one small so that rows appear at once. In a big folder the
  documents are checked afterwards, a time slice at a time, so watcher events are never queued
  behind thousands of reads.
- In a storm no thread of this process reads a file: the watcher's child process reads the
  events and looks at the stores that changed (:mod:`.watch_process`); the worker only takes the
  entries in (once the child has taken over, half a second after a folder is opened).
- Watcher events are merged per store while the worker is busy, so a storm of writes costs one
  look per store per round, not one per event; a document whose (inode, size, mtime_ns) stamp did
  not change is never read again.
- Once a second (or as often as :meth:`StoreDirectory.set_recheck_interval` says: Edit ▸
  Preferences) the worker looks again at the locks whose holder could die without any file
  changing (legacy holders, half-made locks); the rest only every tenth time, as a safety net,
  or every time when the folder is polled and deaths are not seen as events.

The worker is ``scan_worker.py``'s; this module is the GUI side that asks it and keeps the copy
of its entries the models read.
"""

from __future__ import annotations

import functools
import itertools
import operator
import os

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot
from shiboken6 import Shiboken

from inspector.collector import collector_paused
from inspector.display import printable_path
from inspector.services.directory_threads import stopper
from inspector.services.first_listing import BATCH_SIZE, FIRST_BATCH_ROWS
from inspector.services.looks_reader import LooksReader
from inspector.services.scan_worker import (
    FULL_RECHECK_EVERY,
    RECHECK_INTERVAL_MS,
    _ScanWorker,
)
from inspector.services.scanner import (
    store_path_for,
)
from inspector.services.store_entry import (
    StoreEntry,
    StoreHealth,
)
from inspector.services.store_health import (
    HEALTH_CHECK_LIMIT,
)
from inspector.services.watcher import FolderWatcher, ObserverFactory, default_observer_factory
from lockcore import LockState

__all__ = [
    "BATCH_SIZE",
    "FIRST_BATCH_ROWS",
    "HEALTH_CHECK_LIMIT",
    "RECHECK_INTERVAL_MS",
    "StoreDirectory",
    "StoreEntry",
    "StoreHealth",
    "store_path_for",
]


class StoreDirectory(QObject):
    """The stores of one folder, kept live; the GUI-side mirror of the worker's entries."""

    #: (entries: list[StoreEntry]) stores that appeared or changed.
    entries_updated = Signal(object)
    #: (paths: list[str]) stores that are gone (their data, lock and temp files all vanished).
    entries_removed = Signal(object)
    #: (folder: str) now showing this folder; every earlier row was removed before.
    folder_changed = Signal(object)
    #: (available: bool) the folder vanished (False) or is back (True).
    folder_available_changed = Signal(bool)
    #: () a full scan listed every store (their health may still be being checked).
    scan_finished = Signal()
    #: () every document of the last full scan has been checked.
    checks_finished = Signal()
    #: (stores: int, locked: int) counts for the status bar.
    summary_changed = Signal(int, int)
    #: (stale) how many of the locked stores have a stale lock (holder dead) changed
    stale_count_changed = Signal(int)
    #: (path: str) the data file of a store changed on disk (content, size or replaced).
    store_changed_on_disk = Signal(object)
    #: (message: str) something worth telling the user in the status bar.
    status_message = Signal(str)
    #: (read_only: bool, reason: str) whether stores here can be saved and locks broken.
    read_only_changed = Signal(bool, str)
    #: (description: str) how the folder is watched now ("inotify", "polling: ...", ...).
    watch_status_changed = Signal(str)

    # Paths travel as Python objects: a QString cannot carry the lone surrogates a name that is
    # not UTF-8 decodes to (a str or list argument dropped them, and such a folder "vanished").
    _scan_requested = Signal(int, object, bool)
    _refresh_requested = Signal(int, object)
    _recheck_requested = Signal(int, bool)
    _looked_arrived = Signal(int, float, object)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        poll: bool = False,
        observer_factory: ObserverFactory = default_observer_factory,
    ) -> None:
        super().__init__(parent)
        self._generation = 0
        self._folder = ""
        self._recursive = False
        self._available = True
        self._read_only_reason = ""
        self._entries: dict[str, StoreEntry] = {}
        self._locked: set[str] = set()
        self._stale: set[str] = set()  # of those, the locks whose holder is dead
        self._stale_count = 0
        self._summary = (-1, -1)
        self._rechecks = 0
        self._listing = False

        self._thread = QThread()
        self._thread.setObjectName("store-scanner")
        self._worker = _ScanWorker()
        self._worker.moveToThread(self._thread)
        self._scan_requested.connect(self._worker.scan)
        self._refresh_requested.connect(self._worker.refresh)
        self._recheck_requested.connect(self._worker.recheck)
        self._looked_arrived.connect(self._worker.take_looked)
        self._worker.entries_updated.connect(self._on_entries_updated)
        self._worker.entries_checked.connect(self._on_entries_checked)
        self._worker.entries_removed.connect(self._on_entries_removed)
        self._worker.scan_finished.connect(self._on_scan_finished)
        self._worker.checks_finished.connect(self._on_checks_finished)
        self._worker.folder_available.connect(self._on_folder_available)
        self._worker.scan_failed.connect(self._on_scan_failed)
        self._worker.write_problem_changed.connect(self._on_write_problem_changed)
        # finished is emitted on the worker thread itself: its timers are stopped there, or the
        # worker's destruction later (from this thread) would warn that they cannot be.
        self._thread.finished.connect(self._worker.stop_timers, Qt.ConnectionType.DirectConnection)
        self._thread.start()

        self._watcher = FolderWatcher(
            self, poll=poll, observer_factory=observer_factory, looks=True
        )
        self._watcher.paths_changed.connect(self._on_paths_changed)
        self._watcher.stores_looked.connect(self._on_stores_looked)
        self._watcher.looks_channel.connect(self._on_looks_channel)
        self._looks_readers: list[LooksReader] = []
        self._watcher.watch_failed.connect(self.status_message)
        self._watcher.fell_back_to_polling.connect(self.status_message)
        self._watcher.events_lost.connect(self.status_message)
        self._watcher.status_changed.connect(self.watch_status_changed)
        self._watcher.ready.connect(self._on_watcher_ready)
        self._scan_when_watched = False

        self._recheck_timer = QTimer(self)
        self._recheck_timer.setInterval(RECHECK_INTERVAL_MS)
        self._recheck_timer.timeout.connect(self._on_recheck_timeout)

        # Whoever owns this object may destroy it without calling shutdown() (a window deleted
        # or dropped without being closed), or the program may end with it alive: the thread
        # must still end first, or Qt aborts the process (see directory_threads). Not a bound
        # method: by then the Python side of this object can be gone.
        self._stop_threads = stopper(self._thread, self._worker, self._watcher)
        self.destroyed.connect(self._stop_threads)

    # -- public API -------------------------------------------------------------------------

    @property
    def folder(self) -> str:
        """The folder being shown ("" before the first :meth:`set_folder`)."""
        return self._folder

    @property
    def recursive(self) -> bool:
        """Whether stores in subfolders are included."""
        return self._recursive

    @property
    def read_only_reason(self) -> str:
        """Why nothing can be written in the folder (no saving, no breaking), or ""."""
        return self._read_only_reason

    @property
    def listing(self) -> bool:
        """Whether :attr:`entries_updated` is delivering a batch of a listing's rows (while
        it does)."""
        return self._listing

    @property
    def watcher(self) -> FolderWatcher:
        """The watcher of the folder (its status, its mode)."""
        return self._watcher

    @property
    def recheck_interval_ms(self) -> int:
        """How often locks and the folder are looked at again (milliseconds)."""
        return self._recheck_timer.interval()

    def set_recheck_interval(self, milliseconds: int) -> None:
        """Look at locks and the folder again every ``milliseconds`` from now on (a running
        timer starts its wait anew)."""
        self._recheck_timer.setInterval(max(1, milliseconds))

    def entries(self) -> list[StoreEntry]:
        """The current entries, in no particular order."""
        return list(self._entries.values())

    def entry(self, path: str) -> StoreEntry | None:
        """The entry for a data file path, if it is listed."""
        return self._entries.get(path)

    def set_folder(self, folder: str, *, recursive: bool | None = None) -> None:
        """Show the stores of ``folder`` (absolute); rows of the previous folder are removed."""
        folder = os.path.abspath(folder)
        if recursive is not None:
            self._recursive = recursive
        self._generation += 1
        gate = self._worker.watch_gate
        gate.begin(self._generation)
        # Its names are read on the worker's CPU while the watch is put on it here (see
        # watch_gap); with subfolders, once every folder is watched (on the observer's thread).
        if not self._recursive:  # (at once: nothing below waits for the worker)
            self._scan_requested.emit(self._generation, folder, self._recursive)
        if self._entries:
            gone = list(self._entries)
            self._entries.clear()
            self._locked.clear()
            self._stale.clear()
            self.entries_removed.emit(gone)
        self._folder = folder
        self._available = True
        self._set_read_only_reason("")
        self.folder_changed.emit(folder)
        self._emit_summary()
        # The watching child starts once this folder's document pass is done (it watches from
        # this process meanwhile): see FolderWatcher.hold_handover.
        self._watcher.hold_handover(True)
        self._scan_when_watched = False
        self._watcher.start(folder, recursive=self._recursive)
        self._scan_when_watched = self._recursive and not self._watcher.is_ready
        if self._watcher.is_ready:
            gate.watched(self._generation)
            if self._recursive:
                self._scan_requested.emit(self._generation, folder, self._recursive)
        self._recheck_timer.start()

    def set_recursive(self, recursive: bool) -> None:
        """Include (or stop including) stores in subfolders."""
        if recursive != self._recursive and self._folder:
            self.set_folder(self._folder, recursive=recursive)
        self._recursive = recursive

    def refresh(self) -> None:
        """Rescan the whole folder."""
        if self._folder:
            self._scan_requested.emit(self._generation, self._folder, self._recursive)

    def refresh_paths(self, paths: list[str]) -> None:
        """Re-inspect the stores these paths belong to now (e.g. after breaking a lock)."""
        if self._folder:
            self._refresh_requested.emit(self._generation, list(paths))

    def shutdown(self) -> None:
        """Stop watching and end the worker thread; safe to call twice (and done anyway when
        this object is destroyed)."""
        self._recheck_timer.stop()
        self._stop_threads()

    # -- slots ------------------------------------------------------------------------------

    @Slot(object)
    def _on_paths_changed(self, paths: list[str]) -> None:
        self._refresh_requested.emit(self._generation, paths)

    @Slot(float, object)
    def _on_stores_looked(self, began: float, looked: list[tuple[str, StoreEntry | None]]) -> None:
        # Looked at by the watching child process: the worker only takes the entries in.
        self._looked_arrived.emit(self._generation, began, looked)

    @Slot(object)
    def _on_looks_channel(self, fd: int) -> None:
        # Read on the worker's thread, each round handed to the worker there: the GUI thread
        # wakes only for the rows that changed (see looks_reader).
        take = functools.partial(self._worker.take_looked, self._generation)
        self._looks_readers = [r for r in self._looks_readers if Shiboken.isValid(r)]
        self._looks_readers.append(LooksReader(fd, take, self._worker))

    @Slot()
    def _on_watcher_ready(self) -> None:
        self._worker.watch_gate.watched(self._generation)
        if self._scan_when_watched:
            self._scan_when_watched = False
            self._scan_requested.emit(self._generation, self._folder, self._recursive)

    @Slot()
    def _on_recheck_timeout(self) -> None:
        self._rechecks += 1
        # The observer's thread can die under us (its inotify descriptor failed, the watched
        # folder was removed): asking is_alive() is no I/O, so it is safe here.
        if self._available and not self._watcher.check_alive():
            shown = printable_path(self._folder)
            self.status_message.emit(
                self.tr("Watching {folder} stopped unexpectedly; restarting it.").format(
                    folder=shown
                )
            )
            # What changed while nobody watched is found by listing the folder again, once
            # the new watch is in place (the re-checks look at the stores known already).
            self._scan_when_watched = True
            self._watcher.start(self._folder, recursive=self._recursive)
        everything = self._watcher.is_polling or self._rechecks % FULL_RECHECK_EVERY == 0
        self._recheck_requested.emit(self._generation, everything)

    @Slot(int, object, bool)
    def _on_entries_updated(
        self, generation: int, entries: list[StoreEntry], listing: bool
    ) -> None:
        if generation == self._generation:
            self._listing = listing
            try:
                with collector_paused():
                    self._record(entries, checked=False)
            finally:
                self._listing = False
        # Whoever shows these rows has done so by now (they are connected directly). A scan
        # waiting on this batch goes on once what it set off here (the paint's own follow-up,
        # the listing's end) has been handled too: begun at once, the document pass took the
        # interpreter from them (10,000 stores: the first screenful was done ~4 ms later).
        if listing:
            QTimer.singleShot(0, self, self._worker.batch_shown.set)
        else:
            self._worker.batch_shown.set()

    @Slot(int, object)
    def _on_entries_checked(self, generation: int, entries: list[StoreEntry]) -> None:
        if generation == self._generation:
            self._record(entries, checked=True)

    def _record(self, entries: list[StoreEntry], *, checked: bool) -> None:
        """Take in new entries; ``checked``: they come from the document pass after a listing,
        which completes entries -- that is a change on disk only where a known stamp moved."""
        known = self._entries
        # A listing brings thousands of new stores at once: they are taken in bulk, with no
        # Python code run per row (only the few with a lock are looked at one by one).
        paths = list(map(_path_of, entries))
        if known.keys().isdisjoint(paths):
            fresh, fresh_paths = entries, paths
        elif checked and self._complete_listed(entries, paths):
            fresh, fresh_paths = [], []
        else:
            fresh = [entry for entry in entries if entry.path not in known]
            self._record_changes([entry for entry in entries if entry.path in known], checked)
            fresh_paths = list(map(_path_of, fresh))
        known.update(zip(fresh_paths, fresh, strict=True))
        with_lock = list(itertools.compress(fresh, map(_lock_of, fresh)))
        self._locked.update(entry.path for entry in with_lock if entry.is_locked)
        self._stale.update(entry.path for entry in with_lock if _is_stale(entry))
        self.entries_updated.emit(entries)
        self._emit_summary()

    def _complete_listed(self, entries: list[StoreEntry], paths: list[str]) -> bool:
        """Take in a batch of the document pass that only completes listed rows (each known,
        pending, with no stamp, its lock the very object it had): whether it was one. Nothing
        else changes then -- no lock, no stale lock, nothing changed on disk -- so it is taken in
        bulk (one at a time, 4 ms for 10,000 rows)."""
        known = self._entries
        pending = StoreHealth.PENDING
        # One loop, each row looked at once (a pass per fact, over rows just made and not in
        # the processor's caches any more, cost twice as much).
        for path, entry in zip(paths, entries, strict=True):
            old = known.get(path)
            if (
                old is None
                or old.health is not pending
                or old.data_stamp is not None
                or old.lock is not entry.lock
                or old.lock_error != entry.lock_error
            ):
                return False
        known.update(zip(paths, entries, strict=True))
        return True

    def _record_changes(self, entries: list[StoreEntry], checked: bool) -> None:
        """Take in new versions of known entries; tell which changed on disk."""
        known = self._entries
        locked = self._locked
        stale = self._stale
        pending = StoreHealth.PENDING
        for entry in entries:
            path = entry.path
            old = known[path]
            known[path] = entry
            # The document pass hands on its entries with their locks as they were (the very
            # objects): whether the store is locked or stale cannot have changed then.
            if entry.lock is not old.lock or entry.lock_error != old.lock_error:
                if entry.is_locked:
                    locked.add(path)
                else:
                    locked.discard(path)
                if _is_stale(entry):
                    stale.add(path)
                else:
                    stale.discard(path)
            stamp_moved = old.data_stamp != entry.data_stamp and (
                old.data_stamp is not None or not checked
            )
            if stamp_moved or (old.health is not entry.health and old.health is not pending):
                self.store_changed_on_disk.emit(path)

    @Slot(int, object)
    def _on_entries_removed(self, generation: int, paths: list[str]) -> None:
        if generation != self._generation:
            return
        gone = [path for path in paths if self._entries.pop(path, None) is not None]
        if gone:
            self._locked.difference_update(gone)
            self._stale.difference_update(gone)
            self.entries_removed.emit(gone)
            for path in gone:
                self.store_changed_on_disk.emit(path)
            self._emit_summary()

    @Slot(int)
    def _on_scan_finished(self, generation: int) -> None:
        if generation == self._generation:
            self.scan_finished.emit()

    @Slot(int)
    def _on_checks_finished(self, generation: int) -> None:
        if generation == self._generation:
            self._watcher.hold_handover(False)
            self.checks_finished.emit()

    @Slot(int, str)
    def _on_scan_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.status_message.emit(message)

    @Slot(int, str)
    def _on_write_problem_changed(self, generation: int, problem: str) -> None:
        if generation == self._generation:
            self._set_read_only_reason(problem)

    @Slot(int, bool)
    def _on_folder_available(self, generation: int, available: bool) -> None:
        if generation != self._generation or available == self._available:
            return
        self._available = available
        if available:
            self._watcher.start(self._folder, recursive=self._recursive)
            self.status_message.emit(
                self.tr("{folder} is back.").format(folder=printable_path(self._folder))
            )
        else:
            self._watcher.stop(status="not watching: the folder is gone")
            self.status_message.emit(
                self.tr("{folder} no longer exists; waiting for it to come back.").format(
                    folder=printable_path(self._folder)
                )
            )
        self.folder_available_changed.emit(available)

    def _set_read_only_reason(self, reason: str) -> None:
        if reason != self._read_only_reason:
            self._read_only_reason = reason
            self.read_only_changed.emit(bool(reason), reason)

    def _emit_summary(self) -> None:
        summary = (len(self._entries), len(self._locked))
        if summary != self._summary:
            self._summary = summary
            self.summary_changed.emit(*summary)
        if len(self._stale) != self._stale_count:
            self._stale_count = len(self._stale)
            self.stale_count_changed.emit(self._stale_count)

    @property
    def stale_count(self) -> int:
        """How many of the listed stores have a stale lock (its holder is dead)."""
        return self._stale_count


_path_of = operator.attrgetter("path")
_lock_of = operator.attrgetter("lock")


def _is_stale(entry: StoreEntry) -> bool:
    return entry.lock_state is LockState.STALE_DEAD_HOLDER
