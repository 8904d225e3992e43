"""The gap between reading a folder's names and watching it (issue 11 section 6).

Opening a folder, the store directory's worker reads its names while the GUI thread puts the
watch on it, each on a CPU of its own (at 100,000 stores the watch costs the kernel ~9 ms: it
marks each name it has cached). Nothing falls between the two: the worker reads no file's
contents before the watch is in place (:class:`WatchGate`), and the names that came or went
meanwhile are found (:func:`names_changed_since`) and looked at as if the watch had reported
them.

No Qt here.
"""

from __future__ import annotations

import os
import threading

from inspector.services.listing import Listing, folder_seen

#: A folder changed less than this before its names were read (nanoseconds) may change again
#: without its times moving: the filesystem's clock moves by ticks (a few milliseconds on
#: ext4, xfs and tmpfs; a second or two on old ext3 inodes, FAT, HFS+).
RECENT_CHANGE_NS = 2_500_000_000


class WatchGate:
    """Whether the folder a generation (one :meth:`StoreDirectory.set_folder`) shows is
    watched yet; shared by the GUI thread, which starts the watch, and the worker, which lists.
    Nothing but the names is read before the watch is in place: the worker waits here before it
    opens a lock or a document, so that every change to a file's contents comes after what the
    listing read or is reported by the watch."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._unwatched: int | None = None  # the generation begun whose folder is not watched
        self._begun: int | None = None  # the generation begun last
        self._shut = False

    def begin(self, generation: int) -> None:
        """GUI thread: ``generation`` begins, its folder not watched yet (a worker waiting
        for an older one waits no more). A worker whose generations were never begun here
        (on its own, in a test) never waits."""
        with self._condition:
            self._unwatched = self._begun = generation
            self._condition.notify_all()

    def watch_lost(self, generation: int) -> None:
        """Worker: the folder of ``generation`` vanished and is back, and its watch went with
        it: not watched until the GUI thread, told it is back, puts a new watch on and says
        :meth:`watched` (a generation not begun here, or no longer the last: nothing)."""
        with self._condition:
            if self._begun == generation:
                self._unwatched = generation

    def watched(self, generation: int) -> None:
        """GUI thread: the folder of ``generation`` is watched (or cannot be: nothing more
        will come)."""
        with self._condition:
            if self._unwatched == generation:
                self._unwatched = None
                self._condition.notify_all()

    def shut(self) -> None:
        """The window goes: no worker waits any more."""
        with self._condition:
            self._shut = True
            self._condition.notify_all()

    def is_watched(self, generation: int) -> bool:
        """Whether the folder of ``generation`` is watched (as far as this gate knows)."""
        with self._condition:
            return self._unwatched != generation

    def wait(self, generation: int) -> bool:
        """Worker: wait until the folder of ``generation`` is watched; False when that will
        never be (a newer generation began, the gate was shut)."""
        with self._condition:
            self._condition.wait_for(lambda: self._shut or self._unwatched != generation)
            return not self._shut and self._unwatched is None


def names_changed_since(listing: Listing) -> list[str] | None:
    """The paths of ``listing``'s folder's own entries that came or went since its names were
    read: [] when the folder's times say nothing did; None when only listing it again whole
    can tell (it was read entry by entry, it is gone, or it was not listed by
    :func:`~.listing.list_folder`).

    A name made, removed or renamed in a folder moves the folder's modification time (and
    its change time), but only by what the filesystem's clock has moved since the last
    change: a folder modified less than :data:`RECENT_CHANGE_NS` before its names were
    read may have changed again without its times moving, and its names are read again to
    tell (a second ``listdir``, the two compared)."""
    if listing._seen is None:
        return None
    stamp, taken = listing._seen
    now = folder_seen(listing.folder)
    if now is None:
        return None
    if now[0] == stamp and taken - stamp[2] > RECENT_CHANGE_NS:
        return []
    if listing._read_names is None:
        return None
    try:
        names = os.listdir(listing.folder)
    except OSError:
        return None
    # Read in the same order when nothing changed: at 100,000 names two lists compare in ~2
    # ms, two sets in ~25.
    same = names == listing._read_names
    came_or_went = set() if same else set(names).symmetric_difference(listing._read_names)
    prefix = os.path.join(listing.folder, "")
    return sorted(map(prefix.__add__, came_or_went))
