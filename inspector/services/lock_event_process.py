"""The lock event stream in a process of its own, so that a writer storm never reaches the GUI's
interpreter lock.

In the window's process, the stream's thread took the interpreter lock hundreds of times a second
during a storm, and a loaded machine preempted it while it held it: the GUI thread then waited for
a thread that waited for a CPU (issues 11 §6 and 13). Here :func:`main` runs lockcore's stream
(:func:`lockcore.watch_lock_events`) in a child process started with ``python -m`` (a new
interpreter, never a fork of the Qt process), records the folder's history, and sends what it saw
to its parent in batches, at most every :data:`BATCH_INTERVAL` seconds, through its standard
output: each message a 4-byte length, a byte saying what it holds (events, or a word for the
parent) and a pickle; a batch travels as messages of at most :data:`MESSAGE_EVENTS` events, so
that the parent can take a storm's batch in slices of a few milliseconds each, one slice per
turn of its event loop (:mod:`.lock_event_stream`). The parent starts the child with
``QProcess`` and reads those messages on the GUI thread as they come, so the window's process
holds no thread for the stream at all.

The child ends when its standard input closes: when the parent asks it to stop, and when the
parent dies (even by SIGKILL), since the pipe closes with it. A child that dies (killed, crashed)
is started again at once by :class:`EventProcess`, without re-reading the history and without
announcing the held locks again (the consumer already knows them).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import select
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from inspector.services.child_frames import frame, read_frames
from inspector.services.event_history import EventHistory
from lockcore import LockEvent, watch_lock_events

__all__ = [
    "BATCH_INTERVAL",
    "MAX_RESTARTS",
    "MESSAGE_EVENTS",
    "decode_message",
    "is_events_message",
    "main",
    "read_messages",
]

#: The child sends what it collected at most this often (seconds): the GUI's wake-ups per second.
BATCH_INTERVAL = 0.1
#: A child that keeps dying within a second of its start is given up after this many restarts.
MAX_RESTARTS = 3
#: A batch travels in messages of at most this many events: the parent takes one or a few per
#: turn of its event loop (about a millisecond of its work each), never a storm's whole batch.
MESSAGE_EVENTS = 200
#: The first byte of a message: it holds events (the parent takes those in slices) ...
_EVENTS = b"E"
#: ... or a word for the parent ("ready", "failure"), which it reads at once.
_WORD = b"W"


# -- the child ------------------------------------------------------------------------------


class _Sender:
    """Collects events and sends them to the parent in batches (child side)."""

    def __init__(self, out: Any, history: EventHistory | None, *, recording: bool = True) -> None:
        self._out = out
        self._history = history
        #: Whether the events sent are also written to the history.
        self.recording = recording
        #: Called before each batch goes: the parent's commands apply to the events after them.
        self.before_flush: Callable[[], None] = lambda: None
        self._inbox: list[LockEvent] = []
        self._sent = 0.0

    def send(self, message: tuple[Any, ...]) -> None:
        """Send a word to the parent: ``("ready",)`` or ``("failure", why)``."""
        self._write([_frame(_WORD, message)])

    def send_events(self, events: list[LockEvent]) -> None:
        """Send ``events`` in messages of at most MESSAGE_EVENTS (one write)."""
        self._write(
            _frame(_EVENTS, ("events", events[start : start + MESSAGE_EVENTS]))
            for start in range(0, len(events), MESSAGE_EVENTS)
        )

    def _write(self, frames: Iterable[bytes]) -> None:
        self._out.write(b"".join(frames))
        self._out.flush()

    def add(self, event: LockEvent) -> None:
        self._inbox.append(event)
        self.flush_if_due()

    def flush_if_due(self) -> None:
        if time.monotonic() - self._sent >= BATCH_INTERVAL:
            self.flush()

    def flush(self) -> None:
        self.before_flush()
        self._sent = time.monotonic()
        batch, self._inbox = self._inbox, []
        if batch:
            self.send_events(batch)
            self._record(batch)
        if self._history is not None:
            try:
                self._history.flush()
            except OSError as error:
                self._history_failed(error)

    def set_limits(self, *, keep: bool, max_file_bytes: int) -> None:
        """Record from the next batch on, or not; rotate the history's files at this size."""
        self.recording = keep
        if self._history is not None:
            self._history.max_file_bytes = max_file_bytes

    def _record(self, batch: list[LockEvent]) -> None:
        if self._history is None or not self.recording:
            return
        try:
            self._history.append(batch)
        except OSError as error:  # a full disk, say: the stream goes on, unrecorded
            self._history_failed(error)

    def _history_failed(self, error: OSError) -> None:
        self.send(("failure", f"the history could not be written: {error}"))
        history, self._history = self._history, None
        if history is not None:
            with contextlib.suppress(OSError):
                history.close()

    def close(self) -> None:
        if self._history is not None:
            with contextlib.suppress(OSError):
                self._history.flush()
            self._history.close()


class _Commands:
    """What the parent writes to the child's standard input: one JSON object a line, each the
    history's limits (``keep``, ``max_file_bytes``); its end asks the child to stop."""

    def __init__(self, stdin: int, sender: _Sender) -> None:
        self._stdin = stdin
        self._sender = sender
        self._pending = b""
        #: Standard input closed: the parent asked the child to stop, or died.
        self.parent_gone = False

    def read(self) -> None:
        """Apply the commands that came (never blocks)."""
        while not self.parent_gone and select.select([self._stdin], [], [], 0)[0]:
            data = os.read(self._stdin, 65536)
            if not data:
                self.parent_gone = True
                return
            *lines, self._pending = (self._pending + data).split(b"\n")
            for line in lines:
                command = json.loads(line)
                self._sender.set_limits(
                    keep=command["keep"], max_file_bytes=command["max_file_bytes"]
                )


def main(argv: list[str] | None = None) -> int:
    """Run the stream for the folder described by the JSON in ``argv[0]`` (``folder``,
    ``recursive``, ``report_held``, ``history_root``: None for no history, ``recording``:
    whether events are written to it, ``max_file_bytes``: where its files rotate, ``restore``:
    send the history's events first) until standard input closes."""
    config = json.loads((sys.argv[1:] if argv is None else argv)[0])
    folder: str = config["folder"]
    history = None
    if config["history_root"]:
        history = EventHistory(
            folder, config["history_root"], max_file_bytes=config["max_file_bytes"]
        )
    sender = _Sender(sys.stdout.buffer, history, recording=config["recording"])
    commands = _Commands(sys.stdin.fileno(), sender)
    sender.before_flush = commands.read
    try:
        if history is not None and config["restore"] and sender.recording:
            kept = history.read(config["restore_limit"])
            if kept:
                sender.send_events(kept)

        def should_stop() -> bool:
            # Asked at least every BATCH_INTERVAL, events or not: the moment to send them.
            commands.read()
            sender.flush_if_due()
            return commands.parent_gone

        events = watch_lock_events(
            folder,
            recursive=config["recursive"],
            poll_interval=BATCH_INTERVAL,
            report_held=config["report_held"],
            should_stop=should_stop,
            on_ready=lambda: sender.send(("ready",)),
        )
        for event in events:
            sender.add(event)
        sender.flush()
    except OSError as error:  # the folder vanished or cannot be listed; or the parent is gone
        with contextlib.suppress(OSError):
            sender.send(("failure", str(error)))
        return 1
    finally:
        sender.close()
    return 0


# -- the parent -----------------------------------------------------------------------------


def _frame(kind: bytes, message: tuple[Any, ...]) -> bytes:
    return frame(kind + pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def is_events_message(frame: bytes) -> bool:
    """Whether the encoded message ``frame`` holds events (rather than a word)."""
    return frame[:1] == _EVENTS


def decode_message(frame: bytes) -> tuple[Any, ...]:
    """The message ``frame`` encodes: ``("events", [LockEvent, ...])``, ``("ready",)`` or
    ``("failure", why)``; or, from a child that sends no kind byte (the folder's watching
    child, :mod:`.watch_process`), whatever its pickle holds."""
    # A pickle (protocol 2 and later) starts with its PROTO opcode, never with a kind byte.
    start = 1 if frame[:1] in (_EVENTS, _WORD) else 0
    # Trusted: written by our own child, through a pipe no one else holds.
    return pickle.loads(memoryview(frame)[start:])  # type: ignore[no-any-return]  # noqa: S301


def read_messages(buffer: bytearray, handle: Callable[[tuple[Any, ...]], None]) -> None:
    """Hand every complete message at the start of ``buffer`` to ``handle``, decoded, and
    remove it from ``buffer``."""
    read_frames(buffer, lambda data: handle(decode_message(data)))


if __name__ == "__main__":
    sys.exit(main())
