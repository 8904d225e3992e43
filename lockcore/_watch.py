"""Where lock events come from: a folder watched with inotify (else polled), driving a tracker.

:func:`watch_lock_events` is the stream ``lockcore watch`` prints and the app's Lock Events dock
shows; :class:`lockcore._events.LockEventTracker` decides what the changes it reports mean.
inotify is read through ctypes (``_platform``'s libc), never a third-party watcher: lockcore has
no dependency for it, and only the names of changed files are needed.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import select
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lockcore import _platform
from lockcore._events import LockEvent, LockEventTracker
from lockcore._store_files import StoreFileKind, classify_store_file, list_stores

_IN_MODIFY = 0x2
_IN_ATTRIB = 0x4
_IN_CLOSE_WRITE = 0x8
_IN_MOVED_FROM = 0x40
_IN_MOVED_TO = 0x80
_IN_CREATE = 0x100
_IN_DELETE = 0x200
_IN_DELETE_SELF = 0x400
_IN_MOVE_SELF = 0x800
_IN_Q_OVERFLOW = 0x4000
_IN_IGNORED = 0x8000
_IN_ONLYDIR = 0x01000000
_IN_ISDIR = 0x40000000
_IN_NONBLOCK = 0o4000
_IN_CLOEXEC = 0o2000000
_FOLDER_EVENTS = (
    _IN_MODIFY
    | _IN_ATTRIB
    | _IN_CLOSE_WRITE
    | _IN_MOVED_FROM
    | _IN_MOVED_TO
    | _IN_CREATE
    | _IN_DELETE
    | _IN_DELETE_SELF
    | _IN_MOVE_SELF
    | _IN_ONLYDIR
)
_HEADER = struct.Struct("iIII")


@dataclass
class _Change:
    """What a batch of folder events said about one store's lock."""

    locks_removed: int = 0


class _FolderInotify:
    """The folders of a watch, through inotify; raises OSError where inotify cannot be used."""

    def __init__(self, folder: str, *, recursive: bool) -> None:
        libc = _platform._libc
        if libc is None or not hasattr(libc, "inotify_init1") or "inotify" in _platform.WITHOUT:
            raise OSError(errno.ENOSYS, "inotify is not available")
        self._libc = libc
        self._recursive = recursive
        self._folders: dict[int, str] = {}
        fd = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if fd < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))
        self.fd = fd
        try:
            self._add_tree(folder)
        except OSError:
            os.close(fd)
            raise

    def _add_tree(self, folder: str) -> None:
        self._add(folder)
        if self._recursive:
            for root, folders, _files in os.walk(folder):
                for name in folders:
                    with contextlib.suppress(OSError):  # gone, or unreadable: not watched
                        self._add(os.path.join(root, name))

    def _add(self, folder: str) -> None:
        wd = self._libc.inotify_add_watch(self.fd, os.fsencode(folder), _FOLDER_EVENTS)
        if wd < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code), folder)
        self._folders[wd] = folder

    def read(self, timeout: float) -> tuple[dict[str, _Change], bool]:
        """Changed stores (with their lock creations/removals), and whether events were lost."""
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        if not poller.poll(max(0, int(timeout * 1000))):
            return {}, False
        changes: dict[str, _Change] = {}
        lost = False
        with contextlib.suppress(BlockingIOError):
            while buffer := os.read(self.fd, 65536):
                lost |= self._parse(buffer, changes)
        return changes, lost

    def _parse(self, buffer: bytes, changes: dict[str, _Change]) -> bool:
        lost = False
        offset = 0
        while offset + _HEADER.size <= len(buffer):
            wd, mask, _cookie, length = _HEADER.unpack_from(buffer, offset)
            raw_name = buffer[offset + _HEADER.size : offset + _HEADER.size + length]
            offset += _HEADER.size + length
            if mask & _IN_Q_OVERFLOW:
                lost = True
                continue
            folder = self._folders.get(wd)
            if folder is None:
                continue
            if mask & _IN_IGNORED:
                self._folders.pop(wd, None)
                continue
            name = os.fsdecode(raw_name.rstrip(b"\0"))
            if not name:
                continue
            path = os.path.join(folder, name)
            if mask & _IN_ISDIR:
                if self._recursive and mask & (_IN_CREATE | _IN_MOVED_TO):
                    with contextlib.suppress(OSError):
                        self._add_tree(path)
                    lost = True  # files made in it before its watch: look at everything
                continue
            classified = classify_store_file(path)
            if classified is None:
                continue
            kind, store = classified
            if kind not in (StoreFileKind.DATA, StoreFileKind.LOCK):
                continue
            change = changes.setdefault(store, _Change())
            if kind is StoreFileKind.LOCK:
                change.locks_removed += bool(mask & (_IN_DELETE | _IN_MOVED_FROM))
        return lost

    def close(self) -> None:
        os.close(self.fd)


def watch_lock_events(
    folder: str | os.PathLike[str],
    *,
    recursive: bool = False,
    poll_interval: float = 0.5,
    report_held: bool = True,
    should_stop: Callable[[], bool] = lambda: False,
    on_ready: Callable[[], None] | None = None,
    tracker: LockEventTracker | None = None,
) -> Iterator[LockEvent]:
    """Yield the events of the stores in ``folder`` as they happen, until ``should_stop()``.

    Watches with inotify where it can (every change is seen within about a millisecond, short
    holds included), else looks at every store each ``poll_interval`` seconds (holds shorter
    than that are missed; their writes are still reported). ``should_stop`` is asked at least
    every ``poll_interval`` seconds. Held locks are judged for staleness on the same beat.
    ``on_ready`` is called once the folder is watched and its stores are known: every change
    from then on is reported. The generator must be iterated for ``on_ready`` to be called.
    """
    top = os.fspath(folder)
    tracker = tracker or LockEventTracker()
    try:
        source: _FolderInotify | None = _FolderInotify(top, recursive=recursive)
    except OSError:
        source = None
    try:
        initial = tracker.prime(list_stores(top, recursive=recursive), report_held=report_held)
        if on_ready is not None:
            on_ready()
        yield from initial
        yield from tracker.check_stale()
        while not should_stop():
            if source is not None:
                changes, lost = source.read(poll_interval)
                if lost:
                    tracker.events_lost()
                    changes = _everything(top, recursive, tracker, changes)
            else:
                time.sleep(poll_interval)
                changes = _everything(top, recursive, tracker, {})
            for store, change in changes.items():
                yield from tracker.notice(store, locks_removed=change.locks_removed)
            if tracker.due_stale_check():
                yield from tracker.check_stale()
    finally:
        if source is not None:
            source.close()


def _everything(
    top: str, recursive: bool, tracker: LockEventTracker, changes: dict[str, _Change]
) -> dict[str, _Change]:
    """Every store known or listed now, keeping what the events said about them."""
    try:
        listed = list_stores(top, recursive=recursive)
    except OSError:
        listed = {}
    for store in [*tracker.stores, *listed]:
        changes.setdefault(store, _Change())
    return changes
