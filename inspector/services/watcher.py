"""Hand a change source's reports to the GUI thread, coalesced per path.

A change source (:mod:`.change_source`) reports on its own thread. Touching Qt objects or the
file system there would race the GUI, so the listener below does exactly one thing: hand the
paths to a Qt signal (a queued connection carries it to the GUI thread). Bursts -- an atomic
write is a create, several modifies, a close and a rename -- are folded into one batch per path
by a short timer, so the inspector looks at each file once per burst.

Which source: on Linux our lean inotify reader (:mod:`.inotify`), which moves to a child process
once the folder is listed (:mod:`.process_source`); where inotify is missing,
watchdog's native observer for the platform (FSEvents, kqueue, ReadDirectoryChangesW); and
polling when asked (``--poll``), when that native observer cannot start, or when inotify cannot
be used. A network share (NFS, SMB, sshfs, 9p, ...) reports only changes made by this machine,
so such folders are polled; and when the inotify watch or instance limit is reached -- when the
source starts, or as it watches subfolders on its thread -- the folder is polled instead. Either
way the status says so. A source can also die under us (its folder removed, a share dropped):
:meth:`FolderWatcher.check_alive` notices, without I/O.
"""

from __future__ import annotations

import errno
import os
import threading

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from inspector.services import inotify
from inspector.services.change_source import ChangeSource, SourceFactory
from inspector.services.mounts import MOUNTINFO, NETWORK_FILESYSTEMS, filesystem_type
from inspector.services.process_source import ProcessChangeSource
from inspector.services.store_entry import StoreEntry
from inspector.services.watchdog_source import POLL_INTERVAL, watchdog_observer_factory
from inspector.translation import QT_TRANSLATE_NOOP

#: Makes an unstarted change source: ``factory(poll, recursive)`` -- a polling one when ``poll``.
ObserverFactory = SourceFactory


def default_observer_factory(poll: bool, recursive: bool) -> ChangeSource:
    """watchdog's polling observer when ``poll``; else the lean inotify reader where inotify
    exists (see inotify.py) -- in a child process once the folder is listed (see
    process_source.py) --, and watchdog's native observer for the platform where not."""
    if poll or not inotify.available():
        return watchdog_observer_factory(poll, recursive)
    return ProcessChangeSource()


#: How long a burst of events may last before the batch is handed on. Short enough that a lock
#: taken by another process shows well within 100 ms; long enough that a storm of writes costs
#: the table a few updates a second per store, not hundreds.
COALESCE_MS = 40
#: What an exhausted inotify raises (watchdog's own words for these errno values; translated
#: where they are shown).
_INOTIFY_EXHAUSTED = {
    errno.ENOSPC: QT_TRANSLATE_NOOP("FolderWatcher", "inotify watch limit reached"),
    errno.EMFILE: QT_TRANSLATE_NOOP("FolderWatcher", "inotify instance limit reached"),
}


class _SignalBridge(QObject):
    """Lives on the GUI thread; its signals are emitted from the change source's thread.

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
    #: (start: int) the source of that start watches every folder asked for.
    watching = Signal(int)
    #: (start: int, error: OSError) the source of that start cannot go on (out of watches).
    watch_failed = Signal(int, object)
    #: (start: int, began: float, looked: list[tuple[str, StoreEntry | None]]) stores the
    #: source of that start began to look at itself at ``began`` (``time.monotonic()``).
    stores_looked = Signal(int, float, object)
    #: (start: int, fd: int) the source of that start sends its rounds of looks on this pipe.
    looks_channel = Signal(int, object)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._paths: dict[str, None] = {}  # insertion-ordered set

    def add(self, *paths: str) -> None:
        """Source's thread: remember the paths; wake the GUI if it is not awake already."""
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


class _HandToBridge:
    """The listener of a source: on the source's thread, only hands its reports to the bridge."""

    def __init__(self, bridge: _SignalBridge, start: int, *, wants_looks: bool) -> None:
        self._bridge = bridge  # a Python reference keeps the bridge alive while we run
        self._start = start  # which FolderWatcher.start this source belongs to
        #: Whether a source that can look at the stores that changed (the watching child
        #: process) sends their entries (:meth:`on_looked`) instead of their paths.
        self.wants_looks = wants_looks

    def on_paths(self, paths: list[str]) -> None:
        self._bridge.add(*paths)

    def on_events_lost(self) -> None:
        self._bridge.events_lost.emit()

    def on_ready(self) -> None:
        self._bridge.watching.emit(self._start)

    def on_failed(self, error: OSError) -> None:
        self._bridge.watch_failed.emit(self._start, error)

    def on_looked(self, began: float, looked: list[tuple[str, StoreEntry | None]]) -> None:
        self._bridge.stores_looked.emit(self._start, began, looked)

    def on_looks_channel(self, fd: int) -> None:
        self._bridge.looks_channel.emit(self._start, fd)


class FolderWatcher(QObject):
    """Watches a folder (and its subfolders when asked) and reports coalesced path batches."""

    #: (paths: list[str]) files or folders that changed during the last burst, each once (a
    #: Python list: a QVariantList would drop the lone surrogates of names not UTF-8).
    paths_changed = Signal(object)
    #: (message: str) watching could not start (folder gone, ...).
    watch_failed = Signal(str)
    #: (message: str) the usual source cannot be used here (limit reached, network filesystem,
    #: no native events): polling.
    fell_back_to_polling = Signal(str)
    #: (description: str) how the folder is watched now, for the status bar.
    status_changed = Signal(str)
    #: (message: str) the system dropped change reports: the whole folder is looked at again.
    events_lost = Signal(str)
    #: () every folder asked for is watched (see :attr:`is_ready`).
    ready = Signal()
    #: (began: float, looked: list[tuple[str, StoreEntry | None]]) stores of the folder the
    #: source began to look at itself at ``began`` (``time.monotonic()``, the same clock in
    #: every process), each with its entry (None: nothing of it is left); only with ``looks``.
    stores_looked = Signal(float, object)
    #: (fd: int) a pipe on which the source's child sends its rounds of looks, to be read off
    #: the GUI thread (:mod:`.looks_reader`); whoever listens owns (closes) it. Only with
    #: ``looks``; a round sent there never comes as :attr:`stores_looked`.
    looks_channel = Signal(object)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        poll: bool = False,
        observer_factory: ObserverFactory = default_observer_factory,
        mountinfo: str = MOUNTINFO,
        looks: bool = False,
    ) -> None:
        """``observer_factory`` makes the change sources: :func:`default_observer_factory`, or
        ``watchdog_source.watchdog_observer_factory`` for watchdog's native observer (what runs
        where inotify is missing) on any platform. ``looks``: whoever listens takes
        :attr:`stores_looked` too, so a source that can look at the stores that changed (the
        watching child process of a single folder) reports their entries, not their paths."""
        super().__init__(parent)
        self.poll = poll
        self._looks = looks
        self._factory = observer_factory
        self._mountinfo = mountinfo
        self._bridge = _SignalBridge()
        self._bridge.paths_waiting.connect(self._on_paths_waiting)
        self._bridge.events_lost.connect(self._on_events_lost)
        self._bridge.watching.connect(self._on_source_ready)
        self._bridge.watch_failed.connect(self._on_source_failed)
        self._bridge.stores_looked.connect(self._on_stores_looked)
        self._bridge.looks_channel.connect(self._on_looks_channel)
        self._source: ChangeSource | None = None
        self._starts = 0  # tells a stopped source's late reports from the current one's
        self._ready = False
        self._polling = False
        self._status = self.tr("not watching")
        self._handover_held = False
        self._pending: dict[str, None] = {}  # insertion-ordered set
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COALESCE_MS)
        self._timer.timeout.connect(self._flush)
        self.folder: str | None = None
        self.recursive = False

    @property
    def is_watching(self) -> bool:
        """Whether a source is watching :attr:`folder`."""
        return self._source is not None and self._source.is_alive()

    @property
    def is_polling(self) -> bool:
        """Whether the folder is polled (asked for, a network filesystem, or inotify failed)."""
        return self._source is not None and self._polling

    @property
    def source(self) -> ChangeSource | None:
        """The change source watching :attr:`folder` now (None when not watching)."""
        return self._source

    @property
    def status(self) -> str:
        """How the folder is watched now, in words."""
        return self._status

    @property
    def is_ready(self) -> bool:
        """Whether every folder asked for is watched: a listing made from now on misses no
        change. The lean inotify source watches subfolders on its own thread after
        :meth:`start`, and :attr:`ready` is emitted when it has; otherwise (a single folder,
        watchdog's observers, polling, a start that failed) the watcher is ready when
        :meth:`start` returns."""
        return self._ready

    def start(self, folder: str, *, recursive: bool = False) -> bool:
        """(Re)start watching ``folder``; returns False and emits ``watch_failed`` on failure."""
        self.stop()
        self.folder = folder
        self.recursive = recursive
        poll_reason = ""
        if self.poll:
            poll_reason = self.tr("asked for (--poll)")
        else:
            fstype = filesystem_type(folder, self._mountinfo)
            if fstype in NETWORK_FILESYSTEMS:
                poll_reason = self.tr("network filesystem ({type})").format(type=fstype)
        source = self._factory(bool(poll_reason), recursive)
        try:
            ready = self._start_source(source, folder, recursive)
        except (FileNotFoundError, NotADirectoryError):
            self._fail(
                self.tr("Cannot watch {folder}: it does not exist.").format(folder=_shown(folder))
            )
            return False
        except OSError as exc:
            if poll_reason:
                self._fail_with(folder, exc)
                return False
            # inotify's watch or instance limit reached, or no native events here: poll instead.
            return self._fall_back_to_polling(source.kind, exc)
        if not poll_reason and source.kind == "polling":
            # watchdog's Observer is its polling one where the system has no change events.
            poll_reason = self.tr("no native file system events here")
        if poll_reason:
            self._polling = True
            self._set_status(self._polling_status(poll_reason))
            if not self.poll:
                self.fell_back_to_polling.emit(
                    self.tr("Polling {folder} every {seconds} s: {reason}.").format(
                        folder=_shown(folder), seconds=f"{POLL_INTERVAL:g}", reason=poll_reason
                    )
                )
        else:
            self._set_status(self.tr("watching ({kind})").format(kind=source.kind))
        if ready:
            self._set_ready()
        return True

    def _fall_back_to_polling(self, kind: str, error: OSError) -> bool:
        """The ``kind`` source cannot watch :attr:`folder` (``error``): poll it instead, and
        say why."""
        assert self.folder is not None
        folder = self.folder
        exhausted = _INOTIFY_EXHAUSTED.get(error.errno or 0)
        why = self.tr(exhausted) if exhausted else error.strerror or str(error)
        self._stop_source()
        try:
            self._start_source(self._factory(True, self.recursive), folder, self.recursive)
        except OSError as poll_exc:
            self._fail_with(folder, poll_exc)
            return False
        self._polling = True
        reason = self.tr("{kind} unavailable: {why}").format(kind=kind, why=why)
        self._set_status(self._polling_status(reason))
        self.fell_back_to_polling.emit(
            self.tr("Polling {folder} every {seconds} s instead of {kind}: {why}.").format(
                folder=_shown(folder), seconds=f"{POLL_INTERVAL:g}", kind=kind, why=why
            )
        )
        self._set_ready()
        return True

    @Slot(int)
    def _on_source_ready(self, start: int) -> None:
        if start == self._starts and self._source is not None:
            self._set_ready()

    @Slot(int, object)
    def _on_source_failed(self, start: int, error: OSError) -> None:
        if start == self._starts and self._source is not None:
            self._fall_back_to_polling(self._source.kind, error)

    @Slot(int, float, object)
    def _on_stores_looked(
        self, start: int, began: float, looked: list[tuple[str, StoreEntry | None]]
    ) -> None:
        if start == self._starts and self._source is not None:
            self.stores_looked.emit(began, looked)

    @Slot(int, object)
    def _on_looks_channel(self, start: int, fd: int) -> None:
        if start == self._starts and self._source is not None:
            self.looks_channel.emit(fd)
        else:
            os.close(fd)

    def _set_ready(self) -> None:
        if not self._ready:
            self._ready = True
            self.ready.emit()

    def check_alive(self) -> bool:
        """False when a source that should be running has died (no I/O: safe anywhere)."""
        return self._source is None or self._source.is_alive()

    def hold_handover(self, held: bool) -> None:
        """Keep a source that hands its watching over to a child process from starting that
        child while ``held`` (see :meth:`.ProcessChangeSource.hold_handover`), now and for
        the sources started later."""
        self._handover_held = held
        if self._source is not None:
            self._source.hold_handover(held)

    def _start_source(self, source: ChangeSource, folder: str, recursive: bool) -> bool:
        """Start ``source`` as the current one; whether it watches everything already."""
        self._starts += 1
        self._source = source
        try:
            ready = source.start(
                folder,
                _HandToBridge(self._bridge, self._starts, wants_looks=self._looks),
                recursive=recursive,
            )
        except BaseException:
            self._stop_source()
            raise
        if self._handover_held:
            self.hold_handover(True)
        return ready

    def _stop_source(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            source.stop()
            # The source's thread only ever hands on to the bridge, so waiting briefly is safe;
            # it must not outlive the bridge it emits through.
            source.join(2.0)

    def _polling_status(self, reason: str) -> str:
        return self.tr("polling every {seconds} s ({reason})").format(
            seconds=f"{POLL_INTERVAL:g}", reason=reason
        )

    def _fail_with(self, folder: str, error: OSError) -> None:
        self._fail(
            self.tr("Cannot watch {folder}: {reason}").format(
                folder=_shown(folder), reason=error.strerror or str(error)
            )
        )

    def _fail(self, message: str) -> None:
        self._set_status(self.tr("not watching"))
        self.watch_failed.emit(message)
        self._set_ready()  # nothing more will come: whoever waits must not wait forever

    def _set_status(self, status: str) -> None:
        if status != self._status:
            self._status = status
            self.status_changed.emit(status)

    def stop(self, *, status: str | None = None) -> None:
        """Stop the source (if any) and drop pending events; ``status`` says why (default:
        "not watching")."""
        self._stop_source()
        self._polling = False
        self._ready = False
        self._pending.clear()
        self._bridge.take()
        self._timer.stop()
        self._set_status(self.tr("not watching") if status is None else status)

    @Slot()
    def _on_paths_waiting(self) -> None:
        # The paths stay with the bridge until the flush: while they wait there, the source
        # does not wake this thread again, however many events arrive.
        # Not restarted on every event: a steady stream of events still flushes every
        # COALESCE_MS, so the table never lags a busy file by more than that.
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _on_events_lost(self) -> None:
        # The folder itself "changed": whoever listens looks at everything again.
        if self.folder is not None and self._source is not None:
            if self.folder not in self._pending:  # said once per batch, however many overflows
                self.events_lost.emit(
                    self.tr(
                        "Changes in {folder} came faster than they could be followed; "
                        "looking at every store again."
                    ).format(folder=_shown(self.folder))
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
