"""Hand watchdog's file events to the GUI thread, coalesced per path.

watchdog calls its handlers on the observer's own thread. Touching Qt objects or the file system
there would race the GUI, so the handler below does exactly one thing: emit a Qt signal with the
path (a queued connection carries it to the GUI thread). Bursts -- an atomic write is a create,
several modifies, a close and a rename -- are folded into one batch per path by a short timer, so
the inspector looks at each file once per burst.

inotify is not always there to use. A network share (NFS, SMB, sshfs, 9p, ...) reports only
changes made by this machine, so such folders are polled; and when the inotify watch or instance
limit is reached -- when the inotify observer starts, or as it watches subfolders on its thread --
the folder is polled instead. Either way the status says so. An observer can also die under us
(its folder removed, a share dropped): :meth:`FolderWatcher.check_alive` notices, without I/O.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Callable, Collection
from typing import Any, Protocol

import watchdog.events
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers.polling import PollingObserver

from inspector.services.inotify import LeanInotifyObserver

#: How often a polled folder is looked at (seconds).
POLL_INTERVAL = 1.0
#: Filesystems on which inotify misses changes made by other machines: these are polled.
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "9p",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "davfs",
        "fuse.sshfs",
        "fuse.rclone",
        "fuse.davfs2",
        "fuse.glusterfs",
        "fuse.ceph",
        "fuse.s3fs",
    }
)
MOUNTINFO = "/proc/self/mountinfo"


class WatchObserver(Protocol):
    """What FolderWatcher uses of an observer: watchdog's, or the lean inotify one."""

    @property
    def emitters(self) -> Collection[Any]: ...

    def schedule(
        self,
        event_handler: Any,
        path: str,
        *,
        recursive: bool = False,
        event_filter: list[type[FileSystemEvent]] | None = None,
    ) -> object: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def join(self, timeout: float | None = None) -> None: ...

    def is_alive(self) -> bool: ...


#: Makes an unstarted observer: ``factory(poll, recursive)`` -- a polling one when ``poll``.
ObserverFactory = Callable[[bool, bool], WatchObserver]


def default_observer_factory(poll: bool, recursive: bool) -> WatchObserver:  # noqa: ARG001
    """watchdog's polling observer; else the lean inotify observer (see inotify.py). Both
    watch subfolders too when scheduled so."""
    if poll:
        return PollingObserver(timeout=POLL_INTERVAL)
    return LeanInotifyObserver()


def _unescape_mount_field(field: str) -> str:
    # mountinfo writes space, tab, newline and backslash as octal escapes (\040 ...).
    if "\\" not in field:
        return field
    out: list[str] = []
    index = 0
    while index < len(field):
        if field[index] == "\\" and field[index + 1 : index + 4].isdigit():
            out.append(chr(int(field[index + 1 : index + 4], 8)))
            index += 4
        else:
            out.append(field[index])
            index += 1
    return "".join(out)


#: Links followed at most when looking for a path's filesystem (Linux's own limit is 40).
_MAX_LINKS_FOLLOWED = 40


def _read_mounts(mountinfo: str) -> list[tuple[str, str]] | None:
    """(mount point, filesystem type) of every line of ``mountinfo``; None if unreadable."""
    mounts: list[tuple[str, str]] = []
    try:
        with open(mountinfo, encoding="utf-8", errors="surrogateescape") as handle:
            for line in handle:
                left, separator, right = line.partition(" - ")
                fields = left.split()
                if not separator or len(fields) < 5 or not right.split():
                    continue
                mounts.append((_unescape_mount_field(fields[4]), right.split()[0]))
    except OSError:
        return None
    return mounts


def _mounted_type(path: str, mounts: list[tuple[str, str]]) -> str | None:
    best, best_type = -1, None
    for mount_point, fstype in mounts:
        inside = path == mount_point or path.startswith(mount_point.rstrip("/") + "/")
        # Later lines are mounted over earlier ones at the same point.
        if inside and len(mount_point) >= best:
            best, best_type = len(mount_point), fstype
    return best_type


def _follow_first_link(path: str, mounts: list[tuple[str, str]]) -> str | None:
    """``path`` with its first symbolic link component replaced by the link's target, or None
    when no component is a link. Uses ``readlink`` alone, and stops at a network mount."""
    parts = path.strip("/").split("/")
    prefix = "/"
    for index, part in enumerate(parts):
        prefix = os.path.join(prefix, part)
        if _mounted_type(prefix, mounts) in NETWORK_FILESYSTEMS:
            return None
        try:
            target = os.readlink(prefix)
        except OSError:  # not a link, or not there
            continue
        rest = parts[index + 1 :]
        return os.path.normpath(os.path.join(os.path.dirname(prefix), target, *rest))
    return None


def filesystem_type(path: str, mountinfo: str = MOUNTINFO) -> str | None:
    """The type of the filesystem ``path`` (absolute) is on, from ``mountinfo``; None if unknown.

    Symbolic links on the way are followed (``~/shared`` -> ``/mnt/nfs/team``), but with
    ``readlink`` alone, and never inside a network mount: a share that stopped answering
    cannot block this, which runs on the GUI thread.
    """
    mounts = _read_mounts(mountinfo)
    if mounts is None:
        return None
    path = os.path.normpath(path)
    for _ in range(_MAX_LINKS_FOLLOWED):
        fstype = _mounted_type(path, mounts)
        followed = None if fstype in NETWORK_FILESYSTEMS else _follow_first_link(path, mounts)
        if followed is None:
            return fstype
        path = followed
    return _mounted_type(path, mounts)  # a link loop: where the last link pointed


#: How long a burst of events may last before the batch is handed on. Short enough that a lock
#: taken by another process shows well within 100 ms; long enough that a storm of writes costs
#: the table a few updates a second per store, not hundreds.
COALESCE_MS = 40
#: What an exhausted inotify raises (watchdog's own words for these errno values).
_INOTIFY_EXHAUSTED = {
    errno.ENOSPC: "inotify watch limit reached",
    errno.EMFILE: "inotify instance limit reached",
}

# Opened / closed-without-write events are deliberately not requested: the inspector's own reads
# of a lock file would otherwise wake it again, forever. Closed-after-write is kept because a
# killed lock holder's descriptor is closed by the kernel, and that is often the only event.
#
# Modified events are not requested either: an update is some ten events, a storm of them
# overflows the kernel's queue, and every change that matters ends in another event -- a writer
# closes what it wrote (closed-after-write), replaces the data file (moved), or creates and
# removes the lock. (A lock file is written right after it is created; the inspector looks at it
# a coalescing interval later, and a lock seen empty is re-checked every second anyway.)
#
# watchdog >= 7.1 reports a kernel queue overflow (or a full ReadDirectoryChangesW buffer) as an
# EventsLostEvent -- but only to a watch whose event filter names it. Older versions report no
# loss at all, and have no such class.
_EVENTS_LOST: list[type[FileSystemEvent]] = (
    [watchdog.events.EventsLostEvent] if hasattr(watchdog.events, "EventsLostEvent") else []
)
_WATCHED_EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileClosedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    *_EVENTS_LOST,
]


class _SignalBridge(QObject):
    """Lives on the GUI thread; its signals are emitted from the observer thread.

    Paths are collected in a set under a lock and the GUI is woken once per batch, not once per
    event: an update through lockcore is some ten inotify events, and four writers make tens of
    thousands a second -- one queued call each would keep the GUI thread busy with them alone.
    Paths travel as Python objects, not QStrings: a file name that is not valid UTF-8 decodes to
    lone surrogates, which a QString cannot carry.
    """

    #: () paths are waiting in :meth:`take`.
    paths_waiting = Signal()
    #: () the kernel dropped events (inotify queue overflow): anything may have changed.
    events_lost = Signal()
    #: (start: int) the observer of that start watches every folder asked for.
    watching = Signal(int)
    #: (start: int, error: OSError) the observer of that start ran out of inotify watches.
    watch_failed = Signal(int, object)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._paths: dict[str, None] = {}  # insertion-ordered set

    def add(self, *paths: str) -> None:
        """Observer thread: remember the paths; wake the GUI if it is not awake already."""
        with self._lock:
            wake = not self._paths
            self._paths.update(dict.fromkeys(paths))
        if wake:
            self.paths_waiting.emit()

    def take(self) -> list[str]:
        """GUI thread: every path collected since the last call."""
        with self._lock:
            paths = list(self._paths)
            self._paths.clear()
        return paths


_EVENT_TYPE_EVENTS_LOST = "events_lost"  # watchdog.events.EVENT_TYPE_EVENTS_LOST (>= 7.1)


class _EmitOnlyHandler(FileSystemEventHandler):
    """Runs on the observer thread: only hands paths on, never touches Qt state or the disk."""

    def __init__(self, bridge: _SignalBridge, start: int) -> None:
        super().__init__()
        self._bridge = bridge  # a Python reference keeps the bridge alive while we run
        self._start = start  # which FolderWatcher.start this observer belongs to

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type == _EVENT_TYPE_EVENTS_LOST:
            return  # its path is the watched folder, not a change: on_events_lost handles it
        dest = getattr(event, "dest_path", "")
        if dest:
            self._bridge.add(os.fsdecode(event.src_path), os.fsdecode(dest))
        else:
            self._bridge.add(os.fsdecode(event.src_path))

    # The lean inotify observer hands on a whole buffer of paths at once.
    def on_paths(self, paths: list[str]) -> None:
        self._bridge.add(*paths)

    # watchdog >= 7.1 passes an EventsLostEvent; our lean observer passes nothing.
    def on_events_lost(self, event: object = None) -> None:  # noqa: ARG002
        self._bridge.events_lost.emit()

    def on_watching(self) -> None:
        self._bridge.watching.emit(self._start)

    def on_watch_failed(self, error: OSError) -> None:
        self._bridge.watch_failed.emit(self._start, error)


class FolderWatcher(QObject):
    """Watches a folder (and its subfolders when asked) and reports coalesced path batches."""

    #: (paths: list[str]) files or folders that changed during the last burst, each once.
    paths_changed = Signal(list)
    #: (message: str) watching could not start (folder gone, ...).
    watch_failed = Signal(str)
    #: (message: str) inotify cannot be used here (limit reached, network filesystem): polling.
    fell_back_to_polling = Signal(str)
    #: (description: str) how the folder is watched now, for the status bar.
    status_changed = Signal(str)
    #: (message: str) the system dropped change reports: the whole folder is looked at again.
    events_lost = Signal(str)
    #: () every folder asked for is watched (see :attr:`is_ready`).
    ready = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        poll: bool = False,
        observer_factory: ObserverFactory = default_observer_factory,
        mountinfo: str = MOUNTINFO,
    ) -> None:
        super().__init__(parent)
        self.poll = poll
        self._factory = observer_factory
        self._mountinfo = mountinfo
        self._bridge = _SignalBridge()
        self._bridge.paths_waiting.connect(self._on_paths_waiting)
        self._bridge.events_lost.connect(self._on_events_lost)
        self._bridge.watching.connect(self._on_observer_watching)
        self._bridge.watch_failed.connect(self._on_observer_watch_failed)
        self._observer: WatchObserver | None = None
        self._starts = 0  # tells a stopped observer's late reports from the current one's
        self._ready = False
        self._polling = False
        self._status = "not watching"
        self._pending: dict[str, None] = {}  # insertion-ordered set
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COALESCE_MS)
        self._timer.timeout.connect(self._flush)
        self.folder: str | None = None
        self.recursive = False

    @property
    def is_watching(self) -> bool:
        """Whether an observer is running for :attr:`folder`."""
        return self._observer is not None and _alive(self._observer)

    @property
    def is_polling(self) -> bool:
        """Whether the folder is polled (asked for, a network filesystem, or inotify failed)."""
        return self._observer is not None and self._polling

    @property
    def status(self) -> str:
        """How the folder is watched now, in words."""
        return self._status

    @property
    def is_ready(self) -> bool:
        """Whether every folder asked for is watched: a listing made from now on misses no
        change. The lean inotify observer watches subfolders on its own thread after
        :meth:`start`, and :attr:`ready` is emitted when it has; otherwise (a single folder,
        polling, a start that failed) the watcher is ready when :meth:`start` returns."""
        return self._ready

    def start(self, folder: str, *, recursive: bool = False) -> bool:
        """(Re)start watching ``folder``; returns False and emits ``watch_failed`` on failure."""
        self.stop()
        self.folder = folder
        self.recursive = recursive
        poll_reason = ""
        if self.poll:
            poll_reason = "asked for (--poll)"
        else:
            fstype = filesystem_type(folder, self._mountinfo)
            if fstype in NETWORK_FILESYSTEMS:
                poll_reason = f"network filesystem ({fstype})"
        try:
            self._observer = self._start_observer(folder, recursive, poll=bool(poll_reason))
        except (FileNotFoundError, NotADirectoryError):
            self._fail(f"Cannot watch {_shown(folder)}: it does not exist.")
            return False
        except OSError as exc:
            if poll_reason:
                self._fail(f"Cannot watch {_shown(folder)}: {exc.strerror or exc}")
                return False
            # inotify watch or instance limit reached, or not supported here: poll instead.
            return self._fall_back_to_polling(exc)
        if poll_reason:
            self._polling = True
            self._set_status(f"polling every {POLL_INTERVAL:g} s ({poll_reason})")
            if not self.poll:
                self.fell_back_to_polling.emit(
                    f"Polling {_shown(folder)} every {POLL_INTERVAL:g} s instead of inotify: "
                    f"{poll_reason}."
                )
            self._set_ready()
        else:
            self._set_status("watching (inotify)")
            if not (recursive and isinstance(self._observer, LeanInotifyObserver)):
                # The folder itself is watched once start() returns; only the lean observer's
                # subfolders come later (watchdog's observers report nothing).
                self._set_ready()
        return True

    def _fall_back_to_polling(self, error: OSError) -> bool:
        """inotify cannot watch :attr:`folder` (``error``): poll it instead, and say why."""
        assert self.folder is not None
        folder = self.folder
        why = _INOTIFY_EXHAUSTED.get(error.errno or 0, error.strerror or str(error))
        observer, self._observer = self._observer, None
        if observer is not None:
            _stop_observer(observer)
        try:
            self._observer = self._start_observer(folder, self.recursive, poll=True)
        except OSError as poll_exc:
            self._fail(f"Cannot watch {_shown(folder)}: {poll_exc.strerror or poll_exc}")
            return False
        self._polling = True
        reason = f"inotify unavailable: {why}"
        self._set_status(f"polling every {POLL_INTERVAL:g} s ({reason})")
        self.fell_back_to_polling.emit(
            f"Polling {_shown(folder)} every {POLL_INTERVAL:g} s instead of inotify: {reason}."
        )
        self._set_ready()
        return True

    @Slot(int)
    def _on_observer_watching(self, start: int) -> None:
        if start == self._starts and self._observer is not None:
            self._set_ready()

    @Slot(int, object)
    def _on_observer_watch_failed(self, start: int, error: OSError) -> None:
        if start == self._starts and self._observer is not None:
            self._fall_back_to_polling(error)

    def _set_ready(self) -> None:
        if not self._ready:
            self._ready = True
            self.ready.emit()

    def check_alive(self) -> bool:
        """False when an observer that should be running has died (no I/O: safe anywhere)."""
        return self._observer is None or _alive(self._observer)

    def _start_observer(self, folder: str, recursive: bool, *, poll: bool) -> WatchObserver:
        observer = self._factory(poll, recursive)
        self._starts += 1
        observer.schedule(
            _EmitOnlyHandler(self._bridge, self._starts),
            folder,
            recursive=recursive,
            event_filter=_WATCHED_EVENTS,
        )
        try:
            observer.start()
        except BaseException:
            _stop_observer(observer)
            raise
        return observer

    def _fail(self, message: str) -> None:
        self._set_status("not watching")
        self.watch_failed.emit(message)
        self._set_ready()  # nothing more will come: whoever waits must not wait forever

    def _set_status(self, status: str) -> None:
        if status != self._status:
            self._status = status
            self.status_changed.emit(status)

    def stop(self, *, status: str = "not watching") -> None:
        """Stop the observer (if any) and drop pending events."""
        observer, self._observer = self._observer, None
        self._polling = False
        self._ready = False
        if observer is not None:
            _stop_observer(observer)
        self._pending.clear()
        self._bridge.take()
        self._timer.stop()
        self._set_status(status)

    @Slot()
    def _on_paths_waiting(self) -> None:
        # The paths stay with the bridge until the flush: while they wait there, the observer
        # does not wake this thread again, however many events arrive.
        # Not restarted on every event: a steady stream of events still flushes every
        # COALESCE_MS, so the table never lags a busy file by more than that.
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _on_events_lost(self) -> None:
        # The folder itself "changed": whoever listens looks at everything again.
        if self.folder is not None and self._observer is not None:
            if self.folder not in self._pending:  # said once per batch, however many overflows
                self.events_lost.emit(
                    f"Changes in {_shown(self.folder)} came faster than they could be followed; "
                    "looking at every store again."
                )
            self._pending[self.folder] = None
            if not self._timer.isActive():
                self._timer.start()

    @Slot()
    def _flush(self) -> None:
        self._pending.update(dict.fromkeys(self._bridge.take()))
        if self._pending:
            paths = list(self._pending)
            self._pending.clear()
            self.paths_changed.emit(paths)


def _shown(folder: str) -> str:
    """The folder for a message: bytes that are not UTF-8 shown as replacement characters."""
    return folder.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _alive(observer: WatchObserver) -> bool:
    # The observer thread outlives its emitters: inotify's emitter stops when the watched folder
    # is deleted, and then nothing is watched although the observer still runs.
    emitters = observer.emitters
    return observer.is_alive() and bool(emitters) and all(e.is_alive() for e in emitters)


def _stop_observer(observer: WatchObserver) -> None:
    observer.stop()
    if observer.is_alive():
        # The observer thread only ever emits a queued signal, so waiting briefly is safe; it
        # must not outlive the bridge it emits through.
        observer.join(timeout=2.0)
