"""A lean inotify watcher for one folder: reads the kernel's events in bulk, reports file names.

watchdog builds a Python object per inotify event and passes it through two threads and a
queue; four processes updating stores as fast as they can make some 30,000 events a second,
and that alone kept a CPU busy and the GUI thread waiting for the GIL (issue 4, event storms).
The inspector needs only *which* files changed, so this observer reads the event buffer, takes
the names out of it with ``struct`` and hands each buffer's distinct paths on at once: a few
microseconds per event instead of tens.

It has the small surface of a watchdog observer that :class:`~.watcher.FolderWatcher` uses
(``schedule``, ``start``, ``stop``, ``join``, ``is_alive``, ``emitters``), watches one folder
without its subfolders (recursive watching stays with watchdog), and fails to start with the
``OSError`` an exhausted inotify raises, worded as watchdog words it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import select
import struct
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

IN_CLOSE_WRITE = 0x00000008
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_UNMOUNT = 0x00002000
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ONLYDIR = 0x01000000
IN_CLOEXEC = 0o2000000

#: What the inspector needs to hear about (see watcher._WATCHED_EVENTS for why not modify).
WATCH_MASK = (
    IN_CLOSE_WRITE
    | IN_MOVED_FROM
    | IN_MOVED_TO
    | IN_CREATE
    | IN_DELETE
    | IN_DELETE_SELF
    | IN_MOVE_SELF
    | IN_ONLYDIR
)
_WATCH_ENDED = IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT | IN_IGNORED
_EVENT = struct.Struct("iIII")
#: Pause after each read so that events arrive in bulk (seconds).
GATHER_SECONDS = 0.005
_BUFFER = 256 * 1024


class PathsHandler(Protocol):
    """Receives what the observer saw, on the observer's thread."""

    def on_paths(self, paths: list[str]) -> None: ...

    def on_events_lost(self) -> None: ...


_libc: Any = None


def _load_libc() -> Any:
    global _libc  # noqa: PLW0603 - loaded once, on first use
    if _libc is None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.inotify_init1.argtypes = [ctypes.c_int]
        libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        _libc = libc
    return _libc


def _raise_inotify_error(path: str) -> None:
    code = ctypes.get_errno()
    if code == errno.ENOSPC:
        raise OSError(errno.ENOSPC, "inotify watch limit reached")
    if code == errno.EMFILE:
        raise OSError(errno.EMFILE, "inotify instance limit reached")
    raise OSError(code, os.strerror(code), path)


class LeanInotifyObserver:
    """Watches one folder with inotify on a daemon thread; see the module docstring."""

    def __init__(self) -> None:
        self._path: str | None = None
        self._handler: PathsHandler | None = None
        self._thread: threading.Thread | None = None
        self._fd = -1
        self._wake_read, self._wake_write = -1, -1
        self._fds_lock = threading.Lock()  # stop() must not write to a pipe being closed

    @property
    def emitters(self) -> set[threading.Thread]:
        """The reading thread while it runs (watchdog's observers name theirs so)."""
        return {self._thread} if self._thread is not None and self._thread.is_alive() else set()

    def schedule(
        self,
        event_handler: PathsHandler,
        path: str,
        *,
        recursive: bool = False,
        event_filter: object = None,  # noqa: ARG002 - the watchdog signature; WATCH_MASK applies
    ) -> None:
        if recursive:
            raise ValueError("LeanInotifyObserver watches one folder, not its subfolders")
        self._handler = event_handler
        self._path = path

    def start(self) -> None:
        """Start watching; raises OSError (ENOSPC, EMFILE, ENOENT, ...) if inotify cannot."""
        if self._path is None or self._handler is None:
            raise RuntimeError("schedule() a folder first")
        libc = _load_libc()
        fd = libc.inotify_init1(IN_CLOEXEC)
        if fd < 0:
            _raise_inotify_error(self._path)
        if libc.inotify_add_watch(fd, os.fsencode(self._path), WATCH_MASK) < 0:
            try:
                _raise_inotify_error(self._path)
            finally:
                os.close(fd)
        self._fd = fd
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(
            target=self._run, args=(self._path, self._handler), name="inotify", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end (it wakes at once)."""
        with self._fds_lock:
            if self._wake_write >= 0:
                os.write(self._wake_write, b"x")

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self, folder: str, handler: PathsHandler) -> None:
        poller = select.poll()
        poller.register(self._fd, select.POLLIN)
        poller.register(self._wake_read, select.POLLIN)
        join: Callable[[str, str], str] = os.path.join
        decode = os.fsdecode
        try:
            while True:
                ready = {fd for fd, _ in poller.poll()}
                if self._wake_read in ready:
                    return
                data = os.read(self._fd, _BUFFER)
                names: dict[bytes, None] = {}
                lost = ended = False
                offset, size = 0, len(data)
                while offset < size:
                    _wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
                    offset += 16
                    if length:
                        names[data[offset : offset + length].rstrip(b"\0")] = None
                        offset += length
                    if mask & IN_Q_OVERFLOW:
                        lost = True
                    if mask & _WATCH_ENDED:
                        ended = True
                if names:
                    handler.on_paths([join(folder, decode(name)) for name in names])
                if lost:
                    handler.on_events_lost()
                if ended:
                    # The folder was removed, moved away or unmounted: nothing is watched any
                    # more. The thread ends, and whoever checks is_alive() notices.
                    return
                # Let the next events gather in the kernel's queue for a moment: under a storm
                # this thread then wakes (and takes the GIL) a few hundred times a second at
                # most, instead of once per handful of events.
                time.sleep(GATHER_SECONDS)
        except OSError:
            return
        finally:
            with self._fds_lock:
                for fd in (self._fd, self._wake_read, self._wake_write):
                    os.close(fd)
                self._fd = self._wake_read = self._wake_write = -1
