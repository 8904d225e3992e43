"""What the folder watcher's tests share: both kinds of change source, a write waited for until
the watcher reports it, and real observers polling fast with inotify failing at will."""

from __future__ import annotations

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
