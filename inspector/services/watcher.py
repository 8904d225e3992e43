"""Hand watchdog's file events to the GUI thread, coalesced per path.

watchdog calls its handlers on the observer's own thread. Touching Qt objects or the file system
there would race the GUI, so the handler below does exactly one thing: emit a Qt signal with the
path (a queued connection carries it to the GUI thread). Bursts -- an atomic write is a create,
several modifies, a close and a rename -- are folded into one batch per path by a short timer, so
the inspector looks at each file once per burst.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

#: How long a burst of events for one path may last before the batch is handed on. Short enough
#: that a lock taken by another process shows well within 100 ms.
COALESCE_MS = 15

# Opened / closed-without-write events are deliberately not requested: the inspector's own reads
# of a lock file would otherwise wake it again, forever. Closed-after-write is kept because a
# killed lock holder's descriptor is closed by the kernel, and that is often the only event.
_WATCHED_EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileClosedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]


class _SignalBridge(QObject):
    """Lives on the GUI thread; its signal is emitted from the observer thread.

    Paths travel as Python objects, not QStrings: a file name that is not valid UTF-8 decodes
    to lone surrogates, which a QString cannot carry.
    """

    #: (path) watchdog saw something happen at ``path``.
    path_touched = Signal(object)


class _EmitOnlyHandler(FileSystemEventHandler):
    """Runs on the observer thread: only emits, never touches Qt state or the disk."""

    def __init__(self, bridge: _SignalBridge) -> None:
        super().__init__()
        self._bridge = bridge  # a Python reference keeps the bridge alive while we run

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._bridge.path_touched.emit(os.fsdecode(event.src_path))
        dest = getattr(event, "dest_path", "")
        if dest:
            self._bridge.path_touched.emit(os.fsdecode(dest))


class FolderWatcher(QObject):
    """Watches one folder with a watchdog observer and reports coalesced path batches."""

    #: (paths: list[str]) files or folders that changed during the last burst, each once.
    paths_changed = Signal(list)
    #: (message: str) watching could not start (folder gone, inotify limits, ...).
    watch_failed = Signal(str)
    #: (message: str) inotify could not be used; the folder is polled instead.
    fell_back_to_polling = Signal(str)

    def __init__(self, parent: QObject | None = None, *, poll: bool = False) -> None:
        super().__init__(parent)
        self.poll = poll
        self._bridge = _SignalBridge()
        self._bridge.path_touched.connect(self._on_path_touched)
        self._observer: BaseObserver | None = None
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
        return self._observer is not None and self._observer.is_alive()

    def start(self, folder: str, *, recursive: bool = False) -> bool:
        """(Re)start watching ``folder``; returns False and emits ``watch_failed`` on failure."""
        self.stop()
        self.folder = folder
        self.recursive = recursive
        shown = folder.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        try:
            self._observer = self._start_observer(folder, recursive, poll=self.poll)
        except FileNotFoundError:
            self.watch_failed.emit(f"Cannot watch {shown}: it does not exist.")
            return False
        except OSError as exc:
            if self.poll:
                self.watch_failed.emit(f"Cannot watch {shown}: {exc.strerror or exc}")
                return False
            # inotify watch or instance limit reached, or not supported here: poll instead.
            try:
                self._observer = self._start_observer(folder, recursive, poll=True)
            except OSError as poll_exc:
                self.watch_failed.emit(f"Cannot watch {shown}: {poll_exc.strerror or poll_exc}")
                return False
            self.fell_back_to_polling.emit(
                f"inotify unavailable ({exc.strerror or exc}); polling {shown} instead."
            )
        return True

    def _start_observer(self, folder: str, recursive: bool, *, poll: bool) -> BaseObserver:
        observer = PollingObserver(timeout=0.5) if poll else Observer()
        observer.schedule(
            _EmitOnlyHandler(self._bridge),
            folder,
            recursive=recursive,
            event_filter=_WATCHED_EVENTS,
        )
        observer.start()
        return observer

    def stop(self) -> None:
        """Stop the observer (if any) and drop pending events."""
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            # The observer thread only ever emits a queued signal, so waiting briefly is safe;
            # it must not outlive the bridge it emits through.
            observer.join(timeout=2.0)
        self._pending.clear()
        self._timer.stop()

    @Slot(object)
    def _on_path_touched(self, path: str) -> None:
        self._pending[path] = None
        # Not restarted on every event: a steady stream of events still flushes every
        # COALESCE_MS, so the table never lags a busy file by more than that.
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _flush(self) -> None:
        if self._pending:
            paths = list(self._pending)
            self._pending.clear()
            self.paths_changed.emit(paths)
