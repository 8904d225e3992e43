"""Any watchdog observer as a :class:`~.change_source.ChangeSource`.

watchdog gives the platform's native observer (FSEvents on macOS, kqueue on the BSDs,
ReadDirectoryChangesW on Windows, inotify on Linux) and a polling one. The adapter asks each for
the few event types the inspector needs and turns them into paths; watchdog's handler runs on the
observer's thread, so it only hands them on to the listener.
"""

from __future__ import annotations

import os

import watchdog.events
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
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from inspector.services.change_source import ChangeListener

#: How often a polled folder is looked at (seconds).
POLL_INTERVAL = 1.0

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
WATCHED_EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileClosedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    *_EVENTS_LOST,
]
_EVENT_TYPE_EVENTS_LOST = "events_lost"  # watchdog.events.EVENT_TYPE_EVENTS_LOST (>= 7.1)

#: How the status bar names each of watchdog's observers.
_KINDS = {
    "InotifyObserver": "inotify",
    "FSEventsObserver": "FSEvents",
    "KqueueObserver": "kqueue",
    "WindowsApiObserver": "ReadDirectoryChangesW",
    "PollingObserver": "polling",
    "PollingObserverVFS": "polling",
}


class _HandOn(FileSystemEventHandler):
    """Runs on the observer's thread: turns events into paths for the listener, nothing else."""

    def __init__(self, listener: ChangeListener) -> None:
        super().__init__()
        self._listener = listener

    def dispatch(self, event: FileSystemEvent) -> None:
        if event.event_type == _EVENT_TYPE_EVENTS_LOST:
            # Its path is the watched folder, not a change.
            self._listener.on_events_lost()
            return
        dest = getattr(event, "dest_path", "")
        if dest:
            self._listener.on_paths([os.fsdecode(event.src_path), os.fsdecode(dest)])
        else:
            self._listener.on_paths([os.fsdecode(event.src_path)])


class WatchdogSource:
    """A watchdog observer seen as a change source."""

    def __init__(self, observer: BaseObserver) -> None:
        self._observer = observer
        self.kind = _KINDS.get(type(observer).__name__, type(observer).__name__)

    def start(self, folder: str, listener: ChangeListener, *, recursive: bool) -> bool:
        """Start watching; watchdog's observers watch every folder before they return."""
        # (InotifyObserver raises an exhausted inotify's OSError from schedule.)
        self._observer.schedule(
            _HandOn(listener), folder, recursive=recursive, event_filter=WATCHED_EVENTS
        )
        try:
            self._observer.start()
        except BaseException:
            self.stop()
            self.join(2.0)
            raise
        return True

    def stop(self) -> None:
        self._observer.stop()

    def join(self, timeout: float | None = None) -> None:
        if self._observer.is_alive():
            self._observer.join(timeout)

    def hold_handover(self, held: bool) -> None:
        """Nothing to hold: it hands its watching over to no process."""

    def is_alive(self) -> bool:
        # The observer's thread outlives its emitters: inotify's emitter stops when the watched
        # folder is removed, and then nothing is watched although the observer still runs.
        emitters = self._observer.emitters
        return (
            self._observer.is_alive()
            and bool(emitters)
            and all(emitter.is_alive() for emitter in emitters)
        )


def watchdog_observer_factory(poll: bool, recursive: bool) -> WatchdogSource:  # noqa: ARG001
    """watchdog's polling observer when ``poll``, else its native one for this platform."""
    if poll:
        return WatchdogSource(PollingObserver(timeout=POLL_INTERVAL))
    return WatchdogSource(Observer())
