"""A lean inotify watcher for a folder (and its subfolders): reads the kernel's events in bulk,
reports file names.

watchdog builds a Python object per inotify event and passes it through two threads and a
queue; four processes updating stores as fast as they can make some 30,000 events a second,
and that alone kept a CPU busy and the GUI thread waiting for the GIL (issue 4, event storms).
The inspector needs only *which* files changed, so this source reads the event buffer, takes
the names out of it with ``struct`` and hands each buffer's distinct paths on at once: a few
microseconds per event instead of tens.

It is a :class:`~.change_source.ChangeSource`, and fails to start with the ``OSError`` an
exhausted inotify raises, worded as watchdog words it. It exists on Linux only
(:func:`available`); elsewhere the watcher uses watchdog's native observer.

Recursive watching puts one watch on each subfolder (not following symbolic links), as watchdog
does. ``start`` watches the folder itself and returns; the thread then walks the subfolders
(some 20 µs each: ten thousand of them would have frozen the window for 0.2 s) and calls the
listener's ``on_ready`` once every folder is watched, before it reads any event -- whoever
lists the folder waits for that, so nothing changes unseen between the listing and the watches.
A subfolder made or moved in later is watched as soon as its event is read (its own path is
reported too, so whoever listens looks into it); one moved out or removed loses its watches. If
inotify runs out of watches on the way, the listener's ``on_failed`` gets the ``OSError`` and
the thread ends. When the kernel's queue overflows, the tree is watched afresh before
``on_events_lost`` is called, so subfolders made while events were dropped are watched too.
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import os
import select
import struct
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from inspector.services.change_source import ChangeListener

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
IN_ISDIR = 0x40000000
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
_OVERFLOW_OR_ENDED = IN_Q_OVERFLOW | _WATCH_ENDED
_EVENT = struct.Struct("iIII")
#: Pause after each read so that events arrive in bulk (seconds).
GATHER_SECONDS = 0.005
#: The pause while events keep coming (more were waiting after the last pause): a storm.
STORM_GATHER_SECONDS = 0.05
_BUFFER = 256 * 1024
#: The longest event a read returns: its header and a name of NAME_MAX bytes, NUL-padded.
_LONGEST_EVENT = _EVENT.size + 256 + 16


# lockcore binds inotify too (``_platform.ReleaseWatch``, which sleeps until one lock file
# changes). The two share only this loading and three constants: one is a pooled, non-blocking
# instance polled with a timeout for a single file, the other a reader thread over a folder tree
# that parses names. Sharing would mean the app importing lockcore's private modules, or lockcore
# -- a lock library whose public API is about locks -- publishing an inotify binding; a dozen
# lines twice is the smaller cost.
_libc: Any = None


def available() -> bool:
    """Whether this system has inotify for the lean source (Linux with a C library that binds
    it); where not, the watcher takes watchdog's native observer for the platform."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return hasattr(_load_libc(), "inotify_init1")
    except (OSError, AttributeError):  # no C library, or one without inotify
        return False


def _load_libc() -> Any:
    global _libc  # noqa: PLW0603 - loaded once, on first use
    if _libc is None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.inotify_init1.argtypes = [ctypes.c_int]
        libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        libc.inotify_rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]
        _libc = libc
    return _libc


def _raise_inotify_error(path: str) -> None:
    _raise_for(ctypes.get_errno(), path)


def _raise_for(code: int, path: str) -> None:
    if code == errno.ENOSPC:
        raise OSError(errno.ENOSPC, "inotify watch limit reached")
    if code == errno.EMFILE:
        raise OSError(errno.EMFILE, "inotify instance limit reached")
    raise OSError(code, os.strerror(code), path)


#: Why a subfolder's watch could not be added that only means it is not there to watch.
_GONE = {errno.ENOENT, errno.ENOTDIR, errno.EACCES, errno.ELOOP}


def _watch_below(
    fd: int, top: str, dirs: dict[int, str], stopped: Callable[[], bool] = lambda: False
) -> None:
    """Watch every folder below ``top`` (records wd -> path in ``dirs``) until ``stopped()``;
    raises OSError when inotify is exhausted. Folders that vanish or cannot be read meanwhile
    are skipped."""
    libc = _load_libc()
    pending = [top]
    while pending and not stopped():
        try:
            with os.scandir(pending.pop()) as entries:
                below = [entry.path for entry in entries if entry.is_dir(follow_symlinks=False)]
        except OSError:
            continue
        for path in below:
            wd = libc.inotify_add_watch(fd, os.fsencode(path), WATCH_MASK)
            if wd < 0:
                code = ctypes.get_errno()
                if code in _GONE:
                    continue
                _raise_for(code, path)
            dirs[wd] = path
            pending.append(path)


@dataclasses.dataclass
class _Batch:
    paths: list[str] = dataclasses.field(default_factory=list)  # what changed, once each
    came: list[str] = dataclasses.field(default_factory=list)  # subfolders made or moved in
    lost: bool = False  # the kernel's queue overflowed
    ended: bool = False  # the folder itself is no longer watched


class LeanInotifySource:
    """Watches a folder with inotify on a daemon thread; see the module docstring."""

    kind = "inotify"

    def __init__(self, *, storm_gather: float = STORM_GATHER_SECONDS) -> None:
        """``storm_gather``: the pause between two reads while events keep coming (seconds)."""
        self._storm_gather = storm_gather
        self._recursive = False
        self._dirs: dict[int, str] = {}  # watch descriptor -> the folder it watches
        self._thread: threading.Thread | None = None
        self._fd = -1
        self._wake_read, self._wake_write = -1, -1
        self._fds_lock = threading.Lock()  # stop() must not write to a pipe being closed
        self._stopping = threading.Event()  # ends a long first walk through the subfolders

    def start(self, folder: str, listener: ChangeListener, *, recursive: bool) -> bool:
        """Start watching; raises OSError (ENOSPC, EMFILE, ENOENT, ...) if inotify cannot.
        Returns True for one folder; with subfolders, False: they are watched on the thread,
        which then calls ``listener.on_ready``."""
        if self._thread is not None:
            raise RuntimeError("a source watches once; make a new one")
        self._recursive = recursive
        libc = _load_libc()
        fd = libc.inotify_init1(IN_CLOEXEC)
        if fd < 0:
            _raise_inotify_error(folder)
        root = libc.inotify_add_watch(fd, os.fsencode(folder), WATCH_MASK)
        if root < 0:
            try:
                _raise_inotify_error(folder)
            finally:
                os.close(fd)
        self._dirs = {root: folder}
        self._fd = fd
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(
            target=self._run, args=(root, folder, listener), name="inotify", daemon=True
        )
        self._thread.start()
        return not recursive

    def stop(self) -> None:
        """Ask the thread to end (it wakes at once)."""
        self._stopping.set()
        with self._fds_lock:
            if self._wake_write >= 0:
                os.write(self._wake_write, b"x")

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def hold_handover(self, held: bool) -> None:
        """Nothing to hold: it hands its watching over to no process."""

    def _run(self, root: int, folder: str, listener: ChangeListener) -> None:
        try:
            if self._recursive:
                try:
                    self._watch_subfolders(folder)
                except OSError as error:
                    listener.on_failed(error)
                    return
                if self._stopping.is_set():
                    return
                listener.on_ready()
            self._read_events(root, listener)
        except OSError:
            # Reading the events failed: the thread ends, and whoever checks is_alive() notices.
            return
        finally:
            with self._fds_lock:
                for fd in (self._fd, self._wake_read, self._wake_write):
                    os.close(fd)
                self._fd = self._wake_read = self._wake_write = -1

    def _read_events(self, root: int, listener: ChangeListener) -> None:
        """Hand on what the kernel reports until stopped or until watching ends."""
        poller = select.poll()
        poller.register(self._fd, select.POLLIN)
        poller.register(self._wake_read, select.POLLIN)
        storm = False
        while True:
            ready = {fd for fd, _ in poller.poll()}
            if self._wake_read in ready:
                return
            data = os.read(self._fd, _BUFFER)
            batch = self._parse(data, root)
            if not self._hand_on(batch, root, listener):
                return
            if len(data) > _BUFFER - _LONGEST_EVENT:
                # The read was full: the queue holds more (a reader that waited for a CPU in a
                # storm finds up to four reads' worth). Read on before pausing: the kernel's
                # queue overflows once it holds 16,384 events, and each overflow costs a look
                # at every file of the folder.
                storm = True
                continue
            # Let the next events gather in the kernel's queue for a moment. A lone change is
            # handed on at once; in a storm (events were waiting again after the last pause)
            # this thread wakes some twenty times a second: each wake takes the interpreter
            # lock, and on a loaded machine a thread that holds it may wait for a CPU while
            # the GUI thread waits for it (issue 11 §6). The watcher coalesces for longer
            # than that anyway, and the kernel's queue holds far more than a pause brings.
            time.sleep(self._storm_gather if storm else GATHER_SECONDS)
            storm = bool(poller.poll(0))

    def _hand_on(self, batch: _Batch, root: int, listener: ChangeListener) -> bool:
        """Watch the subfolders that came and tell the listener; False once watching ended."""
        failure: OSError | None = None
        try:
            for path in batch.came:
                self._watch_new_folder(path)
            if batch.lost and self._recursive:
                # Subfolders made or moved in while events were dropped have no watch, and
                # ones moved away keep a stale path: watch the tree afresh before the loss is
                # reported, so the rescan it causes is followed by what happens next (watchdog
                # reconciles its watches the same way).
                self._rewatch_tree(root)
        except OSError as error:
            failure = error
        if batch.paths:
            listener.on_paths(batch.paths)
        if failure is not None:
            listener.on_failed(failure)
            return False
        if batch.lost:
            listener.on_events_lost()
        # The folder itself removed, moved away or unmounted: nothing is watched any more. The
        # thread ends, and whoever checks is_alive() notices.
        return not batch.ended

    def _parse(self, data: bytes, root: int) -> _Batch:
        """What one read of the event buffer says (subfolders moved away are unwatched here).

        A storm repeats a few names thousands of times (a locked update makes some eleven
        events): each name is made a path once per read, not once per event (a third of the
        reader's CPU in a 16-writer storm)."""
        if not self._recursive and len(self._dirs) == 1:
            return self._parse_one_folder(data, root)
        batch = _Batch()
        # (folder, the name as read, NUL padding and all) in the order first seen
        names: dict[tuple[str, bytes], None] = {}
        dirs, recursive = self._dirs, self._recursive
        join: Callable[[str, str], str] = os.path.join
        decode = os.fsdecode
        unpack_from = _EVENT.unpack_from
        offset, size = 0, len(data)
        while offset < size:
            wd, mask, _cookie, length = unpack_from(data, offset)
            offset += 16
            folder = dirs.get(wd)
            if length:
                raw = data[offset : offset + length]
                offset += length
                if folder is not None:
                    names[(folder, raw)] = None
                    if recursive and mask & IN_ISDIR:
                        path = join(folder, decode(raw.rstrip(b"\0")))
                        if mask & (IN_CREATE | IN_MOVED_TO):
                            batch.came.append(path)
                        elif mask & IN_MOVED_FROM:
                            self._unwatch_below(path)
            if mask & IN_Q_OVERFLOW:
                batch.lost = True
            if mask & _WATCH_ENDED:
                if wd == root:
                    batch.ended = True
                elif mask & IN_IGNORED:
                    dirs.pop(wd, None)  # a subfolder removed, or moved and unwatched
        paths = (join(folder, decode(raw.rstrip(b"\0"))) for folder, raw in names)
        batch.paths = list(dict.fromkeys(paths))
        return batch

    def _parse_one_folder(self, data: bytes, root: int) -> _Batch:
        """:meth:`_parse` when one folder is watched (no subfolders: the watching child's
        case), with less per event: every named event is that folder's (no watch to look up,
        no subfolder to follow), and a name is made a path by adding it to the folder's. In a
        16-writer storm the reader parses some 200,000 events a second: this is most of the
        watching child's CPU, and in the window's own session that child gets no more than its
        share beside the writers (issue 11 section 6): 2.0-2.1 -> 1.2 ms of CPU for a read of
        4,870 storm events."""
        batch = _Batch()
        names: dict[bytes, None] = {}  # the names as read, NUL padding and all, first seen first
        unpack_from = _EVENT.unpack_from
        offset, size = 0, len(data)
        while offset < size:
            wd, mask, _cookie, length = unpack_from(data, offset)
            offset += 16
            if length:
                end = offset + length
                if wd == root:
                    names[data[offset:end]] = None
                offset = end
            if mask & _OVERFLOW_OR_ENDED:
                if mask & IN_Q_OVERFLOW:
                    batch.lost = True
                if mask & _WATCH_ENDED and wd == root:
                    batch.ended = True
        folder = self._dirs[root]
        prefix = folder if folder.endswith("/") else folder + "/"
        decode = os.fsdecode
        batch.paths = list(dict.fromkeys([prefix + decode(raw.rstrip(b"\0")) for raw in names]))
        return batch

    def _watch_new_folder(self, path: str) -> None:
        wd = _load_libc().inotify_add_watch(self._fd, os.fsencode(path), WATCH_MASK)
        if wd < 0:
            code = ctypes.get_errno()
            if code in _GONE:
                return
            _raise_for(code, path)
        self._dirs[wd] = path
        self._watch_subfolders(path)

    def _rewatch_tree(self, root: int) -> None:
        """Watch every folder below the watched one as it is now; forget watches of folders
        no longer there. Raises OSError when inotify is exhausted."""
        fresh = {root: self._dirs[root]}
        _watch_below(self._fd, fresh[root], fresh, self._stopping.is_set)
        libc = _load_libc()
        for wd in self._dirs.keys() - fresh.keys():
            libc.inotify_rm_watch(self._fd, wd)
        self._dirs = fresh

    def _watch_subfolders(self, top: str) -> None:
        """Watch every folder below ``top``; raises OSError when inotify is exhausted."""
        _watch_below(self._fd, top, self._dirs, self._stopping.is_set)

    def _unwatch_below(self, path: str) -> None:
        """Forget the watches of ``path`` and everything below it (it moved away)."""
        below = path + "/"
        libc = _load_libc()
        for wd, folder in list(self._dirs.items()):
            if folder == path or folder.startswith(below):
                libc.inotify_rm_watch(self._fd, wd)
                del self._dirs[wd]
