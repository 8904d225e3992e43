"""What the folder watcher's tests share: both kinds of change source, a write waited for until
the watcher reports it, and real observers polling fast with inotify failing at will."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from inspector.services.inotify import LeanInotifySource
from inspector.services.watchdog_source import WatchdogSource, watchdog_observer_factory
from inspector.services.watcher import FolderWatcher, default_observer_factory

#: Both kinds of change source: ours (Linux) and watchdog's native observer for the platform
#: (what runs where inotify is missing; InotifyObserver here), through the same interface.
BOTH_SOURCES = pytest.mark.parametrize(
    "factory", [default_observer_factory, watchdog_observer_factory], ids=["lean", "watchdog"]
)


def write_and_see(qtbot, watcher: FolderWatcher, path) -> None:
    """Write a store at ``path`` and wait until the watcher reports it (polling: within 5 s)."""
    with qtbot.waitSignal(
        watcher.paths_changed,
        timeout=5000,
        check_params_cb=lambda paths: str(path) in paths,
    ):
        path.write_text("{}")


def fast_polling_factory(inotify_error: OSError | None = None):
    """Real observers; polling every 0.1 s; inotify failing as an exhausted one does."""
    from watchdog.observers.polling import PollingObserver

    class ExhaustedInotify(LeanInotifySource):
        def start(self, *_args, **_kwargs):
            raise inotify_error

    def factory(poll, recursive):
        if poll:
            return WatchdogSource(PollingObserver(timeout=0.1))
        return ExhaustedInotify() if inotify_error is not None else LeanInotifySource()

    return factory


class Collector:
    """A change listener that keeps every path it is told of, for another thread to wait on;
    lost events fail the reader's thread, failures are kept for the test to look at."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self._seen: set[str] = set()
        self._changed = threading.Condition()
        self.watching = threading.Event()
        self.failures: list[OSError] = []

    def on_paths(self, paths: list[str]) -> None:
        with self._changed:
            self.paths.extend(paths)
            self._seen.update(paths)
            self._changed.notify_all()

    def on_events_lost(self) -> None:
        raise AssertionError("no events were lost")

    def on_ready(self) -> None:
        self.watching.set()

    def on_failed(self, error: OSError) -> None:
        self.failures.append(error)

    def wait_for(self, *paths: Any, timeout: float = 5) -> bool:
        """Wait until every one of ``paths`` was told of (at most ``timeout`` seconds)."""
        wanted = set(map(str, paths))
        with self._changed:
            return self._changed.wait_for(lambda: wanted <= self._seen, timeout=timeout)
