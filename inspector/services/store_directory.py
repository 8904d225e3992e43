"""The folder of JSON stores: one :class:`StoreEntry` per store, kept current off the GUI thread.

A *store* is a JSON data file ``X.json``. Its lock ``X.json.lock``, temporary files
(``X.json.tmp`` from the legacy writer, ``X.json.<random>.tmp`` and ``X.json.lock.<random>.tmp``
from lockcore) and quarantined copies (``X.json.corrupt-<stamp>``) belong to that store's row, they
are not stores themselves. A store whose data file is missing still has a row while any of its
lock or temporary files exist, because that is exactly the state someone needs to see.

All file-system work (listing, ``stat``, reading documents to check them, ``inspect_lock``) runs on
one worker thread. The GUI thread only sends it requests and receives finished entries through
queued signals, so a slow disk or a network share never freezes the window.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import re
from collections.abc import Iterable

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from inspector.services.watcher import FolderWatcher
from lockcore import LockInfo, inspect_lock, lock_path_for

#: Documents larger than this are not parsed to check their health (they are still listed).
HEALTH_CHECK_LIMIT = 8 * 1024 * 1024
#: How often locked stores are re-inspected (a killed legacy holder changes no file) and the
#: folder's existence is checked.
RECHECK_INTERVAL_MS = 1000
#: Entries are handed to the GUI in batches of this size during a full scan, so the first rows
#: appear at once in a big folder.
BATCH_SIZE = 200

_LEFTOVER_RE = re.compile(r"^(?P<store>.+\.json)\.(?:tmp|(?:lock\.)?[^./]+\.tmp|corrupt-.+)$")


class StoreHealth(enum.Enum):
    """What reading the data file found."""

    VALID = "valid JSON"
    CORRUPT = "corrupt"
    RECOVERABLE = "interrupted write — recoverable"
    MISSING = "missing"
    UNREADABLE = "unreadable"
    NOT_CHECKED = "large — not checked"


@dataclasses.dataclass(frozen=True)
class StoreEntry:
    """A snapshot of one store: its lock, its data file and the files folded into its row."""

    path: str  #: absolute path of the data file ``X.json`` (the row's identity; may hold
    #: surrogate escapes for bytes that are not UTF-8 -- use it for I/O, not for display)
    name: str  #: path relative to the watched folder, printable
    lock: LockInfo | None  #: None when the lock could not be inspected (see lock_error)
    lock_error: str  #: why the lock could not be inspected, else ""
    size: int | None  #: data file size in bytes, None when missing or unreadable
    mtime: float | None  #: data file modification time (epoch seconds)
    health: StoreHealth
    health_detail: str  #: a plain sentence: the parse error with line and column, ...
    leftovers: tuple[str, ...]  #: temp and quarantine files of this store (absolute paths)
    data_stamp: tuple[int, int, int] | None  #: (inode, size, mtime_ns) of the data file

    @property
    def is_locked(self) -> bool:
        """Whether a lock file exists (held, stale, foreign, half-written or unreadable)."""
        return self.lock is not None and self.lock.is_locked

    @property
    def legacy_tmp_path(self) -> str:
        """Where the legacy writer leaves its interrupted write."""
        return self.path + ".tmp"

    def same_as(self, other: StoreEntry | None) -> bool:
        """Whether ``other`` shows the same thing (ignoring when each was inspected)."""
        if other is None:
            return False
        return dataclasses.replace(self, lock=_comparable(self.lock)) == dataclasses.replace(
            other, lock=_comparable(other.lock)
        )


def _comparable(info: LockInfo | None) -> LockInfo | None:
    return None if info is None else dataclasses.replace(info, inspected_at=0.0)


def printable_path(path: str) -> str:
    """``path`` safe to show: bytes that are not UTF-8 (surrogate escapes) become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def store_path_for(path: str) -> str | None:
    """The data file a path belongs to (itself, its lock, a temp or quarantine file), or None."""
    directory, name = os.path.split(path)
    if name.endswith(".json"):
        return path
    if name.endswith(".json.lock"):
        return os.path.join(directory, name[: -len(".lock")])
    match = _LEFTOVER_RE.match(name)
    if match:
        return os.path.join(directory, match["store"])
    return None


def _is_leftover(path: str) -> bool:
    name = os.path.basename(path)
    return not name.endswith((".json", ".json.lock")) and _LEFTOVER_RE.match(name) is not None


def _check_document(raw: bytes) -> tuple[StoreHealth, str]:
    try:
        json.loads(raw)
    except UnicodeDecodeError as exc:
        return StoreHealth.CORRUPT, f"Not UTF-8 text (byte {exc.start})."
    except json.JSONDecodeError as exc:
        return StoreHealth.CORRUPT, f"{exc.msg} at line {exc.lineno}, column {exc.colno}."
    except RecursionError:
        return StoreHealth.CORRUPT, "Nested too deeply to parse."
    return StoreHealth.VALID, "Valid JSON."


class _ScanWorker(QObject):
    """Owns the authoritative entries; every slot runs on the worker thread."""

    #: (generation, entries: list[StoreEntry]) new or changed entries.
    entries_updated = Signal(int, list)
    #: (generation, paths: list[str]) stores that no longer exist.
    entries_removed = Signal(int, list)
    #: (generation) a full scan finished.
    scan_finished = Signal(int)
    #: (generation, available) the folder exists (again) or vanished.
    folder_available = Signal(int, bool)
    #: (generation, message) the folder exists but could not be listed.
    scan_failed = Signal(int, str)

    def __init__(self) -> None:
        super().__init__()
        self._generation = -1
        self._folder = ""
        self._recursive = False
        self._available: bool | None = None
        self._entries: dict[str, StoreEntry] = {}
        # data path -> (stamp, health, detail): a document that did not change is not re-read.
        self._health_cache: dict[str, tuple[tuple[int, int, int], StoreHealth, str]] = {}

    @Slot(int, str, bool)
    def scan(self, generation: int, folder: str, recursive: bool) -> None:
        if generation != self._generation:
            self._generation = generation
            self._folder = folder
            self._recursive = recursive
            self._available = None
            self._entries.clear()
            self._health_cache.clear()
        self._full_scan()

    @Slot(int, list)
    def refresh(self, generation: int, paths: list[str]) -> None:
        if generation != self._generation:
            return
        touched: dict[str, set[str]] = {}
        needs_full_scan = False
        for path in paths:
            store = store_path_for(path)
            if store is not None and self._in_scope(store):
                touched.setdefault(store, set()).add(path)
            elif os.path.normpath(path) == os.path.normpath(self._folder):
                needs_full_scan = True
            elif self._recursive:
                # A subfolder appeared, vanished or moved: its stores come and go with it.
                needs_full_scan = True
        if needs_full_scan:
            self._full_scan()
            return
        if not self._available:
            return
        self._update(self._inspect_store(store, touched[store]) for store in touched)

    @Slot(int)
    def recheck(self, generation: int) -> None:
        if generation != self._generation:
            return
        was_available = self._available
        if not self._check_available():
            return
        if not was_available:
            self._full_scan()
            return
        self._update(
            self._inspect_store(entry.path, ())
            for entry in list(self._entries.values())
            if entry.is_locked or entry.lock is None
        )

    # -- internals -------------------------------------------------------------------------

    def _in_scope(self, store: str) -> bool:
        directory = os.path.dirname(store)
        if self._recursive:
            return os.path.commonpath([directory, self._folder]) == os.path.normpath(self._folder)
        return os.path.normpath(directory) == os.path.normpath(self._folder)

    def _check_available(self) -> bool:
        available = os.path.isdir(self._folder)
        if available != self._available:
            self._available = available
            self.folder_available.emit(self._generation, available)
            if not available and self._entries:
                gone = list(self._entries)
                self._entries.clear()
                self._health_cache.clear()
                self.entries_removed.emit(self._generation, gone)
        return available

    def _list_stores(self) -> dict[str, set[str]]:
        stores: dict[str, set[str]] = {}
        pending = [self._folder]
        while pending:
            directory = pending.pop()
            try:
                with os.scandir(directory) as it:
                    for item in it:
                        if item.is_dir(follow_symlinks=False):
                            if self._recursive:
                                pending.append(item.path)
                            continue
                        store = store_path_for(item.path)
                        if store is not None:
                            stores.setdefault(store, set()).add(item.path)
            except OSError as exc:
                # An unreadable subfolder is skipped; an unreadable top folder is reported.
                if directory == self._folder:
                    reason = exc.strerror or str(exc)
                    self.scan_failed.emit(
                        self._generation, f"Cannot list {printable_path(directory)}: {reason}."
                    )
                continue
        return stores

    def _full_scan(self) -> None:
        if not self._check_available():
            self.scan_finished.emit(self._generation)
            return
        listed = self._list_stores()
        gone = [path for path in self._entries if path not in listed]
        if gone:
            for path in gone:
                del self._entries[path]
            self.entries_removed.emit(self._generation, gone)
        self._update(
            (self._inspect_store(store, files) for store, files in sorted(listed.items())),
            first_batch=min(BATCH_SIZE, 50),
        )
        self.scan_finished.emit(self._generation)

    def _update(
        self, entries: Iterable[StoreEntry | tuple[str, None]], first_batch: int = 0
    ) -> None:
        changed: list[StoreEntry] = []
        removed: list[str] = []
        limit = first_batch or BATCH_SIZE
        for item in entries:
            if isinstance(item, tuple):
                path = item[0]
                if self._entries.pop(path, None) is not None:
                    removed.append(path)
                continue
            if not item.same_as(self._entries.get(item.path)):
                self._entries[item.path] = item
                changed.append(item)
                if len(changed) >= limit:
                    self.entries_updated.emit(self._generation, changed)
                    changed = []
                    limit = BATCH_SIZE
        if removed:
            self.entries_removed.emit(self._generation, removed)
        if changed:
            self.entries_updated.emit(self._generation, changed)

    def _inspect_store(self, path: str, touched: Iterable[str]) -> StoreEntry | tuple[str, None]:
        """A fresh entry for ``path``, or ``(path, None)`` when nothing of the store is left."""
        old = self._entries.get(path)
        candidates = set(old.leftovers if old else ()) | {p for p in touched if _is_leftover(p)}
        candidates.add(path + ".tmp")
        leftovers = tuple(sorted(p for p in candidates if os.path.lexists(p)))

        lock: LockInfo | None = None
        lock_error = ""
        try:
            lock = inspect_lock(path)
        except OSError as exc:
            lock_error = f"Cannot read the lock: {exc.strerror or exc}."
        except Exception as exc:
            # Whatever a strange lock file makes inspection raise, the row shows it and the
            # scan goes on: one bad file must never hide the others.
            lock_error = f"Cannot inspect the lock: {exc}."
        lock_exists = lock.is_locked if lock is not None else os.path.lexists(lock_path_for(path))

        size: int | None = None
        mtime: float | None = None
        stamp: tuple[int, int, int] | None = None
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if not lock_exists and not leftovers:
                return (path, None)
            health, detail = self._missing_health(path)
        except OSError as exc:
            health, detail = StoreHealth.UNREADABLE, f"{exc.strerror or exc}."
        else:
            size, mtime = st.st_size, st.st_mtime
            stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
            health, detail = self._data_health(path, stamp)
        return StoreEntry(
            path=path,
            name=printable_path(os.path.relpath(path, self._folder)),
            lock=lock,
            lock_error=lock_error,
            size=size,
            mtime=mtime,
            health=health,
            health_detail=detail,
            leftovers=leftovers,
            data_stamp=stamp,
        )

    def _data_health(self, path: str, stamp: tuple[int, int, int]) -> tuple[StoreHealth, str]:
        cached = self._health_cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1], cached[2]
        if stamp[1] > HEALTH_CHECK_LIMIT:
            health, detail = (
                StoreHealth.NOT_CHECKED,
                f"{stamp[1] / 1e6:.1f} MB: too large to check while listing.",
            )
        else:
            try:
                with open(path, "rb") as handle:
                    raw = handle.read(HEALTH_CHECK_LIMIT + 1)
            except OSError as exc:
                return StoreHealth.UNREADABLE, f"{exc.strerror or exc}."
            health, detail = _check_document(raw)
        self._health_cache[path] = (stamp, health, detail)
        return health, detail

    @staticmethod
    def _missing_health(path: str) -> tuple[StoreHealth, str]:
        legacy_tmp = path + ".tmp"
        name = printable_path(os.path.basename(legacy_tmp))
        try:
            with open(legacy_tmp, "rb") as handle:
                raw = handle.read(HEALTH_CHECK_LIMIT + 1)
        except FileNotFoundError:
            return StoreHealth.MISSING, "The data file does not exist."
        except OSError as exc:
            return StoreHealth.MISSING, f"The data file does not exist; {name}: {exc.strerror}."
        health, detail = _check_document(raw)
        if health is StoreHealth.VALID:
            return (
                StoreHealth.RECOVERABLE,
                f"The data file is missing, but {name} holds a complete document from an "
                "interrupted write.",
            )
        return StoreHealth.MISSING, f"The data file does not exist; {name} is not valid: {detail}"


class StoreDirectory(QObject):
    """The stores of one folder, kept live; the GUI-side mirror of the worker's entries."""

    #: (entries: list[StoreEntry]) stores that appeared or changed.
    entries_updated = Signal(list)
    #: (paths: list[str]) stores that are gone (their data, lock and temp files all vanished).
    entries_removed = Signal(list)
    #: (folder: str) now showing this folder; every earlier row was removed before.
    folder_changed = Signal(object)
    #: (available: bool) the folder vanished (False) or is back (True).
    folder_available_changed = Signal(bool)
    #: () a full scan finished.
    scan_finished = Signal()
    #: (stores: int, locked: int) counts for the status bar.
    summary_changed = Signal(int, int)
    #: (path: str) the data file of a store changed on disk (content, size or replaced).
    store_changed_on_disk = Signal(object)
    #: (message: str) something worth telling the user in the status bar.
    status_message = Signal(str)

    _scan_requested = Signal(int, str, bool)
    _refresh_requested = Signal(int, list)
    _recheck_requested = Signal(int)

    def __init__(self, parent: QObject | None = None, *, poll: bool = False) -> None:
        super().__init__(parent)
        self._generation = 0
        self._folder = ""
        self._recursive = False
        self._available = True
        self._entries: dict[str, StoreEntry] = {}

        self._thread = QThread()
        self._thread.setObjectName("store-scanner")
        self._worker = _ScanWorker()
        self._worker.moveToThread(self._thread)
        self._scan_requested.connect(self._worker.scan)
        self._refresh_requested.connect(self._worker.refresh)
        self._recheck_requested.connect(self._worker.recheck)
        self._worker.entries_updated.connect(self._on_entries_updated)
        self._worker.entries_removed.connect(self._on_entries_removed)
        self._worker.scan_finished.connect(self._on_scan_finished)
        self._worker.folder_available.connect(self._on_folder_available)
        self._worker.scan_failed.connect(self._on_scan_failed)
        self._thread.start()

        self._watcher = FolderWatcher(self, poll=poll)
        self._watcher.paths_changed.connect(self._on_paths_changed)
        self._watcher.watch_failed.connect(self.status_message)
        self._watcher.fell_back_to_polling.connect(self.status_message)

        self._recheck_timer = QTimer(self)
        self._recheck_timer.setInterval(RECHECK_INTERVAL_MS)
        self._recheck_timer.timeout.connect(self._on_recheck_timeout)

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
    def is_available(self) -> bool:
        """False while the folder does not exist."""
        return self._available

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
        if self._entries:
            gone = list(self._entries)
            self._entries.clear()
            self.entries_removed.emit(gone)
        self._folder = folder
        self._available = True
        self.folder_changed.emit(folder)
        self._emit_summary()
        self._watcher.start(folder, recursive=self._recursive)
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
        """Stop watching and end the worker thread; safe to call twice."""
        self._recheck_timer.stop()
        self._watcher.stop()
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()

    # -- slots ------------------------------------------------------------------------------

    @Slot(list)
    def _on_paths_changed(self, paths: list[str]) -> None:
        self._refresh_requested.emit(self._generation, paths)

    @Slot()
    def _on_recheck_timeout(self) -> None:
        self._recheck_requested.emit(self._generation)

    @Slot(int, list)
    def _on_entries_updated(self, generation: int, entries: list[StoreEntry]) -> None:
        if generation != self._generation:
            return
        for entry in entries:
            old = self._entries.get(entry.path)
            self._entries[entry.path] = entry
            if old is not None and (old.data_stamp, old.health) != (entry.data_stamp, entry.health):
                self.store_changed_on_disk.emit(entry.path)
        self.entries_updated.emit(entries)
        self._emit_summary()

    @Slot(int, list)
    def _on_entries_removed(self, generation: int, paths: list[str]) -> None:
        if generation != self._generation:
            return
        gone = [path for path in paths if self._entries.pop(path, None) is not None]
        if gone:
            self.entries_removed.emit(gone)
            for path in gone:
                self.store_changed_on_disk.emit(path)
            self._emit_summary()

    @Slot(int)
    def _on_scan_finished(self, generation: int) -> None:
        if generation == self._generation:
            self.scan_finished.emit()

    @Slot(int, str)
    def _on_scan_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.status_message.emit(message)

    @Slot(int, bool)
    def _on_folder_available(self, generation: int, available: bool) -> None:
        if generation != self._generation or available == self._available:
            return
        self._available = available
        if available:
            self._watcher.start(self._folder, recursive=self._recursive)
            self.status_message.emit(f"{printable_path(self._folder)} is back.")
        else:
            self._watcher.stop()
            self.status_message.emit(
                f"{printable_path(self._folder)} no longer exists; waiting for it to come back."
            )
        self.folder_available_changed.emit(available)

    def _emit_summary(self) -> None:
        locked = sum(1 for entry in self._entries.values() if entry.is_locked)
        self.summary_changed.emit(len(self._entries), locked)
