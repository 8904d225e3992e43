"""The folder's inotify reader in a process of its own (the child side; the parent side is
:mod:`.process_source`).

A storm of 16 writers makes some 70,000 inotify events a second (about eleven per locked update).
Read by a thread of the window's process, they kept that thread taking the interpreter lock twenty
times a second, and on a loaded machine a thread preempted while it holds the lock makes the GUI
thread wait until it gets a CPU back (issue 11 §6). Here :func:`main` runs the same reader
(:class:`~.inotify.LeanInotifySource`) in a child process started with ``python -m`` (a new
interpreter, never a fork of the Qt process, importing no Qt), and sends each of its reports to the
parent through standard output as one message: a 4-byte length and a pickle, as the lock event
process sends its own (:func:`.lock_event_process.read_messages` reads both).

When the kernel's queue overflows (a storm's reader waiting for a CPU on a loaded machine can fall
a quarter of a second behind, which is all a queue of 16,384 events holds), the child of a single
folder finds what changed itself: it keeps the ``(inode, size, mtime_ns)`` of every file of the
folder as of its start or last overflow, lists and ``stat``-s the folder again, and reports the
files whose stamp differs (or that came or went) as changed paths. So an overflow costs the
window a look at the stores that changed, not a rescan of every store in the window's process
(some 100 ms of the interpreter lock at 10,000 stores, several times a second in a storm).
With subfolders the loss itself is reported, and the window rescans.

Messages: ``("paths", [path, ...])``, ``("lost",)`` (the kernel dropped events), ``("ready",)``
(every folder asked for is watched), ``("failed", errno, words)`` (watching cannot start or go
on), ``("ended",)`` (the folder itself was removed or moved away). The child ends when its
standard input closes: when the parent asks it to stop, and when the parent dies (even by
SIGKILL), since the pipe closes with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import select
import struct
import sys
import threading
from typing import Any

from inspector.services.inotify import LeanInotifySource

__all__ = ["main"]

#: How often the child checks that its reader still runs (seconds).
ALIVE_CHECK_SECONDS = 0.5
_LENGTH = struct.Struct("<I")


Stamps = dict[str, tuple[int, int, int] | None]


def folder_stamps(folder: str) -> Stamps:
    """``(inode, size, mtime_ns)`` of each entry of ``folder`` (None: it could not be
    ``stat``-ed, it went meanwhile); raises the folder's own ``OSError``."""
    stamps: Stamps = {}
    with os.scandir(folder) as iterator:
        for item in iterator:
            try:
                st = item.stat(follow_symlinks=False)
            except OSError:
                stamps[item.path] = None
            else:
                stamps[item.path] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return stamps


def changed_paths(before: Stamps, after: Stamps) -> list[str]:
    """The paths that came, went, or whose stamp differs between two :func:`folder_stamps`."""
    return [
        path for path in before.keys() | after.keys() if before.get(path, 0) != after.get(path, 0)
    ]


class _Forwarder:
    """The child's listener: each report goes to the parent as one message, from the reader's
    thread (the main thread only waits for the parent to go). Once asked to keep the folder's
    stamps, it tells what changed when events were lost."""

    def __init__(self, out: Any, folder: str) -> None:
        self._out = out
        self._lock = threading.Lock()
        self._folder = folder
        self._stamps: Stamps | None = None
        self._stamps_lock = threading.Lock()

    def keep_stamps(self) -> None:
        """Take the folder's stamps now (it is watched already: whatever changes after this is
        either reported or differs at the next overflow)."""
        with self._stamps_lock, contextlib.suppress(OSError):
            self._stamps = folder_stamps(self._folder)

    def send(self, message: tuple[Any, ...]) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock, contextlib.suppress(OSError):  # the parent is gone: we end anyway
            self._out.write(_LENGTH.pack(len(data)) + data)
            self._out.flush()

    def on_paths(self, paths: list[str]) -> None:
        self.send(("paths", paths))

    def on_events_lost(self) -> None:
        changed: list[str] | None = None
        with self._stamps_lock:
            before = self._stamps
            if before is not None:
                try:
                    after: Stamps | None = folder_stamps(self._folder)
                except OSError:  # the folder went (the reader sees that too)
                    after = None
                self._stamps = after
                if after is not None:
                    changed = changed_paths(before, after)
        if changed is None:
            self.send(("lost",))
        elif changed:
            self.send(("paths", changed))

    def on_ready(self) -> None:
        self.send(("ready",))

    def on_failed(self, error: OSError) -> None:
        self.send(("failed", error.errno, error.strerror or str(error)))


def main(argv: list[str] | None = None) -> int:
    """Watch the folder described by the JSON in ``argv[0]`` (``folder``, ``recursive``) and
    report to standard output until standard input closes (0), or until watching ends or fails
    (1, after saying so)."""
    config = json.loads((sys.argv[1:] if argv is None else argv)[0])
    folder, recursive = config["folder"], config["recursive"]
    forwarder = _Forwarder(sys.stdout.buffer, folder)
    source = LeanInotifySource()
    try:
        if source.start(folder, forwarder, recursive=recursive):
            forwarder.keep_stamps()
            forwarder.on_ready()
    except OSError as error:
        forwarder.on_failed(error)
        return 1
    stdin = sys.stdin.fileno()
    try:
        while source.is_alive():
            if select.select([stdin], [], [], ALIVE_CHECK_SECONDS)[0] and not os.read(stdin, 4096):
                return 0  # the parent asked us to stop, or died
        # The folder was removed or moved away, or reading failed: watching ended.
        forwarder.send(("ended",))
        return 1
    finally:
        source.stop()
        source.join(1.0)


if __name__ == "__main__":
    sys.exit(main())
