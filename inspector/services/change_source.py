"""What :class:`~.watcher.FolderWatcher` needs from whatever watches a folder for it.

Two kinds of source stand behind this interface: our own lean inotify reader
(:mod:`.inotify`, Linux) and any watchdog observer -- its native one for the platform (FSEvents,
kqueue, ReadDirectoryChangesW, inotify) or its polling one -- through the adapter in
:mod:`.watchdog_source`. The watcher asks a source for four things only: which paths changed,
that reports were lost, that every folder is watched, and that watching failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class ChangeListener(Protocol):
    """Hears what a source saw. Called on the source's own thread: it must only hand on."""

    def on_paths(self, paths: list[str]) -> None:
        """Files or folders that changed (created, removed, moved, written and closed)."""

    def on_events_lost(self) -> None:
        """The system dropped change reports (a queue overflowed): anything may have changed."""

    def on_ready(self) -> None:
        """Every folder asked for is watched now; only for a start() that returned False."""

    def on_failed(self, error: OSError) -> None:
        """Watching cannot go on (inotify ran out of watches, ...); the source has ended."""


class ChangeSource(Protocol):
    """Watches one folder (and its subfolders when asked) from a thread of its own."""

    @property
    def kind(self) -> str:
        """How it watches, for the status bar: "inotify", "FSEvents", "polling", ..."""
        ...

    def start(self, folder: str, listener: ChangeListener, *, recursive: bool) -> bool:
        """Start watching ``folder``; True when every folder is watched on return, False when
        ``listener.on_ready`` follows from the source's thread. Raises OSError (the folder is
        missing, inotify is exhausted, ...) when watching cannot start."""
        ...

    def stop(self) -> None:
        """Ask the source to end; returns at once (see :meth:`join`). Stopping twice is fine."""
        ...

    def join(self, timeout: float | None = None) -> None:
        """Wait up to ``timeout`` seconds for the source's thread to end."""
        ...

    def is_alive(self) -> bool:
        """Whether it still watches: False once stopped, or once it died under us (its folder
        removed, a share dropped). Does no I/O."""
        ...

    def hold_handover(self, held: bool) -> None:
        """While ``held``, start no helper process to watch in its place (the window's document
        pass needs the CPU); released, start one that is due. A source that watches from its
        own thread only has nothing to hold."""
        ...


#: Makes an unstarted source: ``factory(poll, recursive)`` -- one that polls when ``poll``.
SourceFactory = Callable[[bool, bool], ChangeSource]
