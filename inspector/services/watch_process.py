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


class _Forwarder:
    """The child's listener: each report goes to the parent as one message, from the reader's
    thread (the main thread only waits for the parent to go)."""

    def __init__(self, out: Any) -> None:
        self._out = out
        self._lock = threading.Lock()

    def send(self, message: tuple[Any, ...]) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock, contextlib.suppress(OSError):  # the parent is gone: we end anyway
            self._out.write(_LENGTH.pack(len(data)) + data)
            self._out.flush()

    def on_paths(self, paths: list[str]) -> None:
        self.send(("paths", paths))

    def on_events_lost(self) -> None:
        self.send(("lost",))

    def on_ready(self) -> None:
        self.send(("ready",))

    def on_failed(self, error: OSError) -> None:
        self.send(("failed", error.errno, error.strerror or str(error)))


def main(argv: list[str] | None = None) -> int:
    """Watch the folder described by the JSON in ``argv[0]`` (``folder``, ``recursive``) and
    report to standard output until standard input closes (0), or until watching ends or fails
    (1, after saying so)."""
    config = json.loads((sys.argv[1:] if argv is None else argv)[0])
    forwarder = _Forwarder(sys.stdout.buffer)
    source = LeanInotifySource()
    try:
        if source.start(config["folder"], forwarder, recursive=config["recursive"]):
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
