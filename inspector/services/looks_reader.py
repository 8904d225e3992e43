"""The watching child's rounds of looks, read on the store directory's worker thread.

The watching child (:mod:`.watch_process`) looks at the stores that changed and sends the
finished entries. Read from its standard output, each round woke the GUI thread, which only
unpickled it and handed it to the worker thread, which then handed the rows that changed back:
two turns of the GUI thread per round. In a storm whose writers share the window's session that
thread gets about a sixteenth of a CPU, and each turn cost it tens of milliseconds of wall
time, and the storm's last round waited for both (issue 11 section 6). So the child writes its
rounds to a pipe of their own (:class:`~.process_source.ProcessChangeSource` makes it, the child
inherits its writing end), and a :class:`LooksReader` on the worker thread reads it and hands
each round straight to the worker: the GUI thread wakes once a round, for the rows that changed.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QMetaObject, QObject, QSocketNotifier, Qt, Slot

from inspector.services.child_frames import read_frames
from inspector.services.store_entry import StoreEntry

__all__ = ["LooksReader"]

#: (began, [(store, entry or None), ...]): what a round of looks is handed to.
TakeLooked = Callable[[float, list[tuple[str, StoreEntry | None]]], None]

_READ_SIZE = 1 << 16


class LooksReader(QObject):
    """Reads rounds of looks from ``fd`` (its owner: closed at the end of the pipe, or when
    ``owner``'s thread finishes) and hands each to ``take``, on ``owner``'s thread, where it
    becomes ``owner``'s child (deleted with it, or at the end of the pipe). Whoever makes it
    keeps a reference until then: a reader dropped before its first turn there is deleted."""

    def __init__(self, fd: int, take: TakeLooked, owner: QObject) -> None:
        super().__init__()
        self._fd = fd
        self._take = take
        self._owner = owner
        self._buffer = bytearray()
        self._notifier: QSocketNotifier | None = None
        os.set_blocking(fd, False)
        thread = owner.thread()
        self.moveToThread(thread)
        # Its thread may end before the child's end of the pipe closes (the window closing).
        thread.finished.connect(self.close, Qt.ConnectionType.DirectConnection)
        # The notifier is made on the thread that uses it.
        QMetaObject.invokeMethod(self, "_start", Qt.ConnectionType.QueuedConnection)

    @Slot()
    def _start(self) -> None:
        # Owned by ``owner`` from now on (set on the thread both live in), not by whoever made
        # it: it is deleted there, never from another thread while its notifier is in use.
        self.setParent(self._owner)
        if self._fd < 0:
            return
        self._notifier = QSocketNotifier(self._fd, QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)
        self._on_readable()  # what came before the notifier was made

    @Slot()
    def _on_readable(self) -> None:
        while self._fd >= 0:
            try:
                data = os.read(self._fd, _READ_SIZE)
            except BlockingIOError:
                break
            except OSError:
                data = b""
            if not data:  # the child ended (or never started): nothing more will come
                self.close()
                self.deleteLater()
                return
            self._buffer += data
        # Trusted: written by our own child, through a pipe no one else holds.
        read_frames(self._buffer, lambda message: self._handle(pickle.loads(message)))  # noqa: S301

    def _handle(self, message: tuple[Any, ...]) -> None:
        if message[0] == "looked":
            self._take(message[1], message[2])

    @Slot()
    def close(self) -> None:
        """Stop reading and close the pipe (safe twice)."""
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier = None
        fd, self._fd = self._fd, -1
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
