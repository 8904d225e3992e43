"""The folder's inotify reader in a process of its own (the child side; the parent side is
:mod:`.process_source`).

A storm of 16 writers makes some 70,000 inotify events a second (about eleven per locked update).
Read by a thread of the window's process, they kept that thread taking the interpreter lock twenty
times a second, and on a loaded machine a thread preempted while it holds the lock makes the GUI
thread wait until it gets a CPU back (issue 11 §6). Here :func:`main` runs the same reader
(:class:`~.inotify.LeanInotifySource`) in a child process started with ``python -m`` (a new
interpreter, never a fork of the Qt process, importing no Qt), and sends each of its reports to the
parent through standard output as one message: a 4-byte length and a pickle
(:func:`read_messages` reads them).

When the kernel's queue overflows (a storm's reader waiting for a CPU on a loaded machine can fall
a quarter of a second behind, which is all a queue of 16,384 events holds), the child of a single
folder finds what changed itself: it keeps the ``(inode, size, mtime_ns)`` of every file of the
folder as of its start or last overflow, lists and ``stat``-s the folder again, and reports the
files whose stamp differs (or that came or went) as changed paths. So an overflow costs the
window a look at the stores that changed, not a rescan of every store in the window's process
(some 100 ms of the interpreter lock at 10,000 stores, several times a second in a storm).
With subfolders the loss itself is reported, and the window rescans.

Asked to (``look``, a single folder), the child also looks at the stores that changed, as the
window's scanner would (:func:`.scanner.inspect_store`: the lock judged, the document read and
checked), in rounds (:class:`RoundSchedule`: four a second in a storm, the last as soon as it is
over), and sends the finished entries (``("looked", began, [(store, entry or None), ...])``,
``began`` the round's ``time.monotonic()``): in a storm the window's process then only takes in
rows, and no thread of it reads a file (issue 11 §6). Of the paths that are no store of the
folder only the folder itself is sent on, as a path: the window does nothing with the others
(see :meth:`_Looker.look`).

Messages: ``("paths", [path, ...])`` (in the same rounds: a storm's paths reach the window
four times a second, not at every read), ``("lost",)`` (the kernel dropped events), ``("ready",)``
(every folder asked for is watched), ``("failed", errno, words)`` (watching cannot start or go
on), ``("ended",)`` (the folder itself was removed or moved away). The child ends when its
standard input closes: when the parent asks it to stop, and when the parent dies (even by
SIGKILL), since the pipe closes with it. The rounds of looks go to a pipe of their own when the
parent passes one (``looks_fd``): the window's worker thread reads them, and its GUI thread
no longer wakes for each round only to hand it on (see :mod:`.looks_reader`).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import select
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from inspector.display import printable_path
from inspector.services.child_frames import frame, read_frames
from inspector.services.inotify import LeanInotifySource
from inspector.services.listing import list_folder
from inspector.services.scanner import inspect_store, is_leftover, store_path_for
from inspector.services.store_entry import Stamp, StoreEntry, StoreHealth

__all__ = ["main", "read_messages"]

#: How often the child checks that its reader still runs (seconds).
ALIVE_CHECK_SECONDS = 0.5
#: Stores are looked at in rounds at least this far apart (seconds): a lone change at once, each
#: round every store that changed since the last (the window's scanner does the same, see
#: scan_worker.REFRESH_ROUND_GAP). See :class:`RoundSchedule` for a storm's rounds.
LOOK_ROUND_GAP = 0.1
#: While changes keep coming (a storm), rounds are this far apart (seconds): each round costs
#: the window's GUI thread a turn (the rows taken in, the table repainted: some 3-5 ms of its
#: CPU), and with busy writers in the window's own session that thread gets a sixteenth of a
#: CPU, so each turn costs it tens of milliseconds of wall time -- the storm's stalls (issue 11
#: section 6). Four rounds a second instead of ten.
STORM_ROUND_GAP = 0.25
#: Once no change has come for this long (seconds), the storm is taken to be over and what
#: changed is looked at without waiting for STORM_ROUND_GAP: the table shows a storm's end as
#: soon as before (sooner, on average). Longer than the reader's pause between two reads in a
#: storm (CHILD_STORM_GATHER_SECONDS), so that a storm still going is not mistaken for quiet.
QUIET_SECONDS = 0.04
#: The reader's pause between two reads while events keep coming (seconds). In the window's
#: process it pauses 50 ms (inotify.STORM_GATHER_SECONDS: each read there takes the interpreter
#: lock from the GUI thread); here a read takes nothing from the window, and a long pause only
#: holds back the storm's last changes: they wait for it, then for the next round of looks.
CHILD_STORM_GATHER_SECONDS = 0.02


Stamps = dict[str, tuple[int, int, int] | None]


class RoundSchedule:
    """When the next round of looks is due: a lone change at once (unless a round was less
    than :data:`LOOK_ROUND_GAP` ago); while changes keep coming, a round every
    :data:`STORM_ROUND_GAP`; once they stop for :data:`QUIET_SECONDS`, a last round then.
    Times are ``time.monotonic()`` seconds."""

    def __init__(self) -> None:
        self.last_round = float("-inf")
        self.last_change = float("-inf")

    def changed(self, now: float) -> None:
        """A change was reported at ``now``."""
        self.last_change = now

    def round_began(self, now: float) -> None:
        self.last_round = now

    def due(self) -> float:
        """When the next round may begin (if anything waits to be looked at)."""
        storm_over = min(self.last_round + STORM_ROUND_GAP, self.last_change + QUIET_SECONDS)
        return max(self.last_round + LOOK_ROUND_GAP, storm_over)


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
        self.looks_out: Any = None  # see send_looks
        self._lock = threading.Lock()
        self.folder = folder
        self._stamps: Stamps | None = None
        self._stamps_lock = threading.Lock()
        self.pending: dict[str, None] = {}  # insertion-ordered set, under ``_lock``
        self.schedule = RoundSchedule()  # its changes noted under ``_lock``
        self.wake_read, self._wake_write = os.pipe()

    def take_pending(self) -> list[str]:
        with self._lock:
            paths = list(self.pending)
            self.pending.clear()
        return paths

    def keep_stamps(self) -> None:
        """Take the folder's stamps now (it is watched already: whatever changes after this is
        either reported or differs at the next overflow)."""
        with self._stamps_lock, contextlib.suppress(OSError):
            self._stamps = folder_stamps(self.folder)

    def send(self, message: tuple[Any, ...]) -> None:
        data = frame(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        with self._lock, contextlib.suppress(OSError):  # the parent is gone: we end anyway
            self._out.write(data)
            self._out.flush()

    def send_looks(self, message: tuple[Any, ...]) -> None:
        """A round of looks: on the looks' own pipe when the parent gave one (``looks_fd``:
        read by the window's worker thread, not its GUI thread), else as any message."""
        if self.looks_out is None:
            self.send(message)
            return
        data = frame(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        with contextlib.suppress(OSError):  # the parent is gone: we end anyway
            self.looks_out.write(data)
            self.looks_out.flush()

    def on_paths(self, paths: list[str]) -> None:
        # Gathered for the main thread's next round (RoundSchedule), looked at or sent on.
        with self._lock:
            wake = not self.pending
            self.pending.update(dict.fromkeys(paths))
            self.schedule.changed(time.monotonic())
        if wake:
            os.write(self._wake_write, b"x")

    def on_events_lost(self) -> None:
        changed: list[str] | None = None
        with self._stamps_lock:
            before = self._stamps
            if before is not None:
                try:
                    after: Stamps | None = folder_stamps(self.folder)
                except OSError:  # the folder went (the reader sees that too)
                    after = None
                self._stamps = after
                if after is not None:
                    changed = changed_paths(before, after)
        if changed is None:
            self.send(("lost",))
        elif changed:
            self.on_paths(changed)

    def on_ready(self) -> None:
        self.send(("ready",))

    def on_failed(self, error: OSError) -> None:
        self.send(("failed", error.errno, error.strerror or str(error)))


class _Looker:
    """Looks at the stores of one folder that changed, as the window's scanner would."""

    def __init__(self, folder: str) -> None:
        self._folder = os.path.normpath(folder)
        self._health_cache: dict[str, tuple[Stamp, StoreHealth, str]] = {}
        # store -> its temp and quarantine files, as listed now and reported since.
        listing = list_folder(folder)
        self._leftovers = {store: set(paths) for store, paths in listing.leftovers.items()}

    def look(self, paths: list[str]) -> tuple[list[tuple[str, StoreEntry | None]], list[str]]:
        """(store, fresh entry or None) for each store ``paths`` belong to; and the paths
        that belong to no store of the folder but matter to the window (the folder itself).

        The others are dropped: in a single folder the window's scanner does nothing with them,
        and a storm makes one each update -- lockcore writes a document through an unnamed temp
        file, which inotify names ``#<inode>`` -- so sending them cost the GUI thread a message
        and the scanner a round of nothing, some ten times a second."""
        touched: dict[str, set[str]] = {}
        others: list[str] = []
        for path in paths:
            store = store_path_for(path)
            if store is not None and os.path.dirname(store) == self._folder:
                touched.setdefault(store, set()).add(path)
            elif store is not None or os.path.normpath(path) == self._folder:
                others.append(path)
        looked: list[tuple[str, StoreEntry | None]] = []
        for store, changed in touched.items():
            candidates = self._leftovers.get(store, set())
            candidates.update(path for path in changed if is_leftover(path))
            name = printable_path(os.path.basename(store))
            entry = inspect_store(store, name, candidates, self._health_cache)
            if entry is None or not entry.leftovers:
                self._leftovers.pop(store, None)
            else:
                self._leftovers[store] = set(entry.leftovers)
            if entry is None:
                self._health_cache.pop(store, None)
            looked.append((store, entry))
        return looked, others


def _rounds_until_stopped(
    source: LeanInotifySource, forwarder: _Forwarder, looker: _Looker | None, stdin: int
) -> int:
    """Hand on what the reader reports, a round at a time (looked at when there is a
    ``looker``, else as paths), until the parent goes (0) or watching ends (1)."""
    schedule = forwarder.schedule
    while source.is_alive():
        due = schedule.due() - time.monotonic() if forwarder.pending else None
        timeout = ALIVE_CHECK_SECONDS if due is None else max(0.0, due)
        readable = select.select([stdin, forwarder.wake_read], [], [], timeout)[0]
        if stdin in readable and not os.read(stdin, 4096):
            return 0  # the parent asked us to stop, or died
        if forwarder.wake_read in readable:
            os.read(forwarder.wake_read, 4096)
        began = time.monotonic()
        if not forwarder.pending or began < schedule.due():
            continue
        schedule.round_began(began)
        _hand_on_round(forwarder, looker, began)
    # The folder was removed or moved away, or reading failed: watching ended (after what was
    # reported before).
    if forwarder.pending:
        _hand_on_round(forwarder, looker, time.monotonic())
    forwarder.send(("ended",))
    return 1


def _hand_on_round(forwarder: _Forwarder, looker: _Looker | None, began: float) -> None:
    paths = forwarder.take_pending()
    if looker is None:
        forwarder.send(("paths", paths))
        return
    looked, others = looker.look(paths)
    if looked:
        # When the look began (CLOCK_MONOTONIC, the parent's clock too): the parent keeps
        # what it looked at later itself.
        forwarder.send_looks(("looked", began, looked))
    if others:
        forwarder.send(("paths", others))


def main(argv: list[str] | None = None) -> int:
    """Watch the folder described by the JSON in ``argv[0]`` (``folder``, ``recursive``,
    ``look``: look at the stores that changed, a single folder only; ``looks_fd``: a pipe
    inherited from the parent, where the rounds of looks go) and report to standard output
    until standard input closes (0), or until watching ends or fails (1, after saying so)."""
    config = json.loads((sys.argv[1:] if argv is None else argv)[0])
    folder, recursive = config["folder"], config["recursive"]
    forwarder = _Forwarder(sys.stdout.buffer, folder)
    if config.get("looks_fd") is not None:
        forwarder.looks_out = os.fdopen(config["looks_fd"], "wb")
    source = LeanInotifySource(storm_gather=CHILD_STORM_GATHER_SECONDS)
    looker: _Looker | None = None
    try:
        ready = source.start(folder, forwarder, recursive=recursive)
        if not recursive:
            forwarder.keep_stamps()
            if config.get("look"):
                # Made before the parent hears "ready" and stops its own reader: a folder that
                # cannot be listed now is a failure to watch, not a child dying later.
                looker = _Looker(folder)
        if ready:
            forwarder.on_ready()
    except OSError as error:
        source.stop()
        forwarder.on_failed(error)
        return 1
    try:
        return _rounds_until_stopped(source, forwarder, looker, sys.stdin.fileno())
    finally:
        source.stop()
        source.join(1.0)


def read_messages(buffer: bytearray, handle: Callable[[tuple[Any, ...]], None]) -> None:
    """Parent side: hand every complete message at the start of ``buffer`` to ``handle`` and
    remove it from ``buffer`` (what is left is the start of a message still coming)."""
    # Trusted: written by our own child, through a pipe no one else holds.
    read_frames(buffer, lambda message: handle(pickle.loads(message)))  # noqa: S301


if __name__ == "__main__":
    sys.exit(main())
