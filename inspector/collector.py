"""Pausing Python's cyclic garbage collector while thousands of objects are built at once.

Each collection of the oldest generation walks every container the process holds -- in this
app, all of Qt's wrappers too -- with the interpreter lock held, so building 10,000 store rows
or a 20 MB document paid for several such walks and stalled the other thread meanwhile
(measured: listing 10,000 stores 40 % slower; a 90 ms and a 150 ms pause after each 20 MB load).
The objects built here (rows, JSON values) hold no reference cycles: reference counting frees
them whether or not the collector runs.

:func:`collector_paused` nests and works from any thread: the collector runs again when the last
pause ends -- lockcore's too, which pauses it while it parses or edits a big document, maybe in
another thread: the pause itself is lockcore's (:func:`lockcore.collector_paused`), one for the
process, and this module adds the freeze. With ``freeze`` everything alive at that moment is
then moved to the collector's permanent generation (``gc.freeze``), so a new big document is
never walked by it at all; the price is that cyclic garbage alive at that moment is not
collected either -- until :func:`release_frozen` (called when that document is closed) hands
it all back.

:func:`freeze_survivors` does the same for data that grows a little at a time and lives long
(the lock event log, the timeline's holds): the young generations are collected first, so that
only what is still alive is moved out of the collector's reach.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

import lockcore

__all__ = ["collector_paused", "freeze_survivors", "release_frozen"]


class _CollectorPause:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pausers = 0
        self._freeze = False
        # How many full collections there had been when the frozen objects were handed back
        # (None: none were since the last freeze_survivors).
        self._released_at: int | None = None

    @contextlib.contextmanager
    def paused(self, *, freeze: bool) -> Iterator[None]:
        with lockcore.collector_paused():
            with self._lock:
                self._pausers += 1
                self._freeze = self._freeze or freeze
            try:
                yield
            finally:
                with self._lock:
                    self._pausers -= 1
                    if self._pausers == 0:
                        if self._freeze:
                            gc.freeze()
                        self._freeze = False

    def release_frozen(self) -> None:
        with self._lock:
            if self._pausers == 0:
                gc.unfreeze()
                self._released_at = _full_collections()

    def freeze_survivors(self) -> None:
        with self._lock:
            if self._released_at is not None:
                if _full_collections() == self._released_at:
                    # What was handed back waits for the collector's next full walk, which
                    # frees its garbage: frozen again before that, it would never be freed.
                    return
                self._released_at = None
        if gc.isenabled():
            gc.collect(1)
        gc.freeze()


_pause = _CollectorPause()


def collector_paused(*, freeze: bool = False) -> contextlib.AbstractContextManager[None]:
    """A context in which the cyclic garbage collector does not run (see the module)."""
    return _pause.paused(freeze=freeze)


def release_frozen() -> None:
    """Hand what a ``freeze`` moved out of the collector's reach back to it (nothing happens
    while a pause is on: a freeze follows it anyway)."""
    _pause.release_frozen()


def freeze_survivors() -> None:
    """Collect the young generations, then move everything alive to the permanent generation
    (``gc.freeze``), for whoever just added many long-lived objects that hold no cycles: no
    collection walks them again (until :func:`release_frozen`). During a pause (maybe another
    thread building a big document) the young generations are left as they are: collecting
    them would walk what the pause keeps the collector from walking. After
    :func:`release_frozen`, nothing is frozen until the collector has walked what it handed
    back once (and freed its garbage)."""
    _pause.freeze_survivors()


def _full_collections() -> int:
    return int(gc.get_stats()[-1]["collections"])
