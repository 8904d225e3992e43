"""What a folder of stores does over time, as events: taken, released, stale, broken, written...

:class:`LockEventTracker` is the single place that turns "something changed at this store" into
events, by comparing what it sees now with what it saw last. It does no watching itself, so any
change source can drive it: ``_watch.watch_lock_events`` (inotify on Linux, else polling) for the
``lockcore watch`` command, or an application's own folder watcher.

What can be known, and what is inferred:

* ``taken`` / ``released``: a lock file appeared / went away. The holder (PID, program, host,
  format) is read from the lock file when it is seen; ``duration_s`` of a release is measured
  from when the lock was first seen (or from the time the lockcore holder recorded in it).
  A hold that starts and ends between two looks is still reported as a ``taken`` and a
  ``released`` (reason "too short to see", no holder, no duration) when the change source
  reports each lock removal (inotify does). Events come in the order things happened, so
  ``taken`` and ``released`` alternate per store: the release of the hold seen last time, then
  each too-short hold's ``taken`` and ``released``, then the ``taken`` of the lock held now.
* ``stale``: a held lock whose holder is judged dead (:func:`lockcore.inspect_lock`), checked
  every :attr:`LockEventTracker.stale_check_interval` seconds; ``since`` is when the lock was
  made.
* ``broken``: a lock that went away after it was judged stale (its holder could not have
  released it). A break made by this process through :meth:`LockEventTracker.note_broken`
  says ``by_us``.
* ``written``: the data file was replaced or changed (inode, size or time); ``pid`` is the holder
  of the lock at that moment, or the holder whose release came with the write. A write seen
  along with too-short holds is reported inside the last of them (its bytes are what is there
  now), with no ``pid``.
* ``created`` / ``removed``: the data file appeared / went away. ``corrupted``: a write left bytes
  that are not valid JSON (checked for files up to :attr:`LockEventTracker.document_limit`).
"""

from __future__ import annotations

import enum
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import datetime, timezone
from typing import Any

from lockcore import _platform
from lockcore._classify import JSONKind, classify_json
from lockcore._inspect import inspect_lock
from lockcore._lock_content import lock_path_for, parse_lock_content
from lockcore._lockinfo import LockFormat, LockState
from lockcore._store_files import StoreFile, StoreFileKind


class EventKind(enum.Enum):
    """What happened to a store."""

    TAKEN = "taken"
    RELEASED = "released"
    STALE = "stale"
    BROKEN = "broken"
    WRITTEN = "written"
    CREATED = "created"
    REMOVED = "removed"
    CORRUPTED = "corrupted"


@dataclass(frozen=True)
class LockEvent:
    """One thing that happened to the store ``store`` (its data file's path) at ``time``."""

    time: float
    event: EventKind
    store: str
    pid: int | None = None
    process: str | None = None
    host: str | None = None
    format: LockFormat | None = None
    #: how long the lock was held (``released``, ``broken``), when it could be measured
    duration_s: float | None = None
    #: the data file's size after a ``written`` / ``created``
    size: int | None = None
    #: when the lock was made (``stale``)
    since: float | None = None
    #: a ``broken`` lock that this process broke
    by_us: bool = False
    reason: str = ""

    def __getstate__(self) -> dict[str, Any]:
        """What a pickle keeps: the facts not left at their defaults. A storm's events carry
        four of twelve (a hold too short to see: time, kind, store, reason); the rest are read
        from the class's defaults again. The lock event stream's child sends every event to the
        window this way, and the window unpickles them on its GUI thread: 0.8 us an event
        instead of 1.3 us, and a third fewer bytes through the pipe."""
        # A fact is left out only when it is its default itself (None, False, ""), never when
        # it merely equals it (a PID 0): the child pays 0.4 us an event for this, not 0.7.
        state = self.__dict__.copy()
        for name, default in _EVENT_DEFAULTS:
            if state.get(name, default) is default:
                state.pop(name, None)
        return state

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready object: ``time`` in ISO 8601 UTC, absent facts left out."""
        record: dict[str, Any] = {
            "time": datetime.fromtimestamp(self.time, timezone.utc).isoformat(),
            "event": self.event.value,
            "store": self.store,
            "pid": self.pid,
        }
        optional = {
            "process": self.process,
            "host": self.host,
            "format": self.format.value if self.format is not None else None,
            "duration_s": None if self.duration_s is None else round(self.duration_s, 6),
            "size": self.size,
            "since": None
            if self.since is None
            else datetime.fromtimestamp(self.since, timezone.utc).isoformat(),
            "reason": self.reason or None,
        }
        record.update({key: value for key, value in optional.items() if value is not None})
        if self.by_us:
            record["by_us"] = True
        return record


#: LockEvent's facts that have a default, with their defaults (see LockEvent.__getstate__).
_EVENT_DEFAULTS = tuple(
    (item.name, item.default) for item in fields(LockEvent) if item.default is not MISSING
)


@dataclass(frozen=True)
class _Lock:
    """A lock file as it was seen: which file, and what it says about its holder."""

    device: int
    inode: int
    content: bytes
    seen_at: float
    pid: int | None = None
    process: str | None = None
    host: str | None = None
    format: LockFormat | None = None
    created: float | None = None

    def same_file(self, other: _Lock) -> bool:
        return (self.device, self.inode) == (other.device, other.inode)


@dataclass(frozen=True)
class _Data:
    inode: int
    size: int
    mtime_ns: int


@dataclass
class _Store:
    lock: _Lock | None = None
    data: _Data | None = None
    valid: bool | None = None  # None: not checked (too big, unreadable) or no data file
    stale: bool = False
    #: lock removals already reported (the lock was seen gone) whose event has not come yet
    removals_ahead: int = 0


_LOCK_READ_LIMIT = 4096
_TOO_SHORT = "too short to see"


def _read_lock(lock_path: str, now: float) -> _Lock | None:
    """The lock file as it is now, or None if there is none (or it is not a regular file)."""
    flags = os.O_RDONLY | _platform.NOFOLLOW | _platform.NONBLOCK | _platform.CLOEXEC
    try:
        fd = os.open(lock_path, flags)
    except OSError:
        return None
    try:
        status = os.fstat(fd)
        if not _is_regular(status.st_mode):
            return None
        content = os.read(fd, _LOCK_READ_LIMIT)
    except OSError:
        return None
    finally:
        os.close(fd)
    parsed = parse_lock_content(content)
    return _Lock(
        device=status.st_dev,
        inode=status.st_ino,
        content=content,
        seen_at=now,
        pid=parsed.pid,
        process=parsed.name,
        host=parsed.hostname,
        format=parsed.format if content else None,
        created=parsed.created,
    )


def _is_regular(mode: int) -> bool:
    return (mode & 0o170000) == 0o100000


def _stat_data(path: str) -> _Data | None:
    try:
        status = os.lstat(path)
    except OSError:
        return None
    if not _is_regular(status.st_mode):
        return None
    return _Data(status.st_ino, status.st_size, status.st_mtime_ns)


def _read_up_to(fd: int, expected: int, limit: int) -> bytes:
    """At most ``limit`` bytes of ``fd``, asked for in reads sized for the ``expected`` size:
    ``os.read(fd, n)`` allocates n bytes first, and asking for the whole limit (16 MB) to read
    a 100-byte document cost 40 times the read itself."""
    wanted = min(expected + 1, limit)
    first = os.read(fd, wanted)
    if len(first) < wanted or wanted >= limit:  # a short read: the end of the file
        return first
    chunks, total = [first], len(first)
    while total < limit:  # the file grew since it was stat-ed
        chunk = os.read(fd, min(65536, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


@dataclass
class LockEventTracker:
    """Turns changes seen at stores into :class:`LockEvent`\\ s (see the module's docstring).

    Not thread-safe: one change source drives it; only :meth:`note_broken` and
    :meth:`cancel_broken` may be called from any thread (a break runs on a thread of its own).
    ``clock`` gives event times (epoch seconds).
    """

    clock: Callable[[], float] = time.time
    #: data files up to this size are read after each write to report ``corrupted``
    document_limit: int = 16 * 1024 * 1024
    #: how often :meth:`due_stale_check` says held locks should be judged again
    stale_check_interval: float = 0.5
    _stores: dict[str, _Store] = field(default_factory=dict)
    _broken_by_us: set[str] = field(default_factory=set)
    _broken_by_us_guard: threading.Lock = field(default_factory=threading.Lock)
    _last_stale_check: float = 0.0

    def prime(
        self,
        stores: Iterable[str] | Mapping[str, Sequence[StoreFile]],
        *,
        report_held: bool = False,
    ) -> list[LockEvent]:
        """Learn the current state of ``stores`` without reporting it as changes.

        ``stores`` may be what :func:`list_stores` returned: then only the lock files it listed
        are read (a folder of 10,000 stores has a few hundred), not one open per store.
        With ``report_held``, a lock held now is reported as ``taken`` (with ``reason``
        "held when watching began"), so a consumer starts knowing every holder.
        """
        events: list[LockEvent] = []
        now = self.clock()
        listed = stores if isinstance(stores, Mapping) else None
        lock_kind = StoreFileKind.LOCK
        for store in stores:
            if listed is None or any(file.kind is lock_kind for file in listed[store]):
                lock = _read_lock(lock_path_for(store), now)
            else:
                lock = None
            # Documents are not read here: a program that watches a folder it also lists (the
            # app) would otherwise read and parse every document twice at startup. A store
            # whose first write after this leaves invalid bytes is reported corrupted.
            self._stores[store] = state = _Store(lock=lock, data=_stat_data(store))
            if report_held and state.lock is not None:
                events.append(self._lock_event(EventKind.TAKEN, store, state.lock, now))
                events[-1] = replace(events[-1], reason="held when watching began")
        return events

    @property
    def stores(self) -> list[str]:
        return list(self._stores)

    def note_broken(self, store: str) -> None:
        """This process is about to break ``store``'s lock: its going away is ``by_us``."""
        with self._broken_by_us_guard:
            self._broken_by_us.add(store)

    def cancel_broken(self, store: str) -> None:
        """The break announced by :meth:`note_broken` did not happen (refused, failed): the
        lock's going away later is its holder's doing, not ours."""
        with self._broken_by_us_guard:
            self._broken_by_us.discard(store)

    def notice(self, store: str, *, locks_removed: int = 0) -> list[LockEvent]:
        """Look at ``store`` again and report what changed since the last look.

        ``locks_removed``: how many times the change source saw the lock file being removed since
        the last look. inotify reports every one, even for holds that came and went too fast
        for their lock to be read in between; those are reported as a ``taken`` and a
        ``released`` with reason "too short to see".
        """
        now = self.clock()
        state = self._stores.setdefault(store, _Store())
        lock = _read_lock(lock_path_for(store), now)
        data = _stat_data(store)
        previous = state.lock
        # A look prompted by another event can find the lock gone (or the next holder's lock
        # there) before its removal event arrives: that removal is reported then, and its
        # event, when it comes, is no new hold. Credited first: the lock seen last time, held
        # still, is not taken for another one because of it (a phantom release and taken,
        # and the credit left over would swallow a later hold too short to see).
        credit = min(state.removals_ahead, locks_removed)
        state.removals_ahead -= credit
        locks_removed -= credit
        same = (
            lock is not None
            and previous is not None
            and lock.same_file(previous)
            and (lock.content == previous.content or not previous.content)
            and not locks_removed
        )
        if same and lock is not None and previous is not None:
            lock = replace(lock, seen_at=previous.seen_at)
        replaced = previous is not None and not same
        if replaced and not locks_removed:
            state.removals_ahead += 1
        # Holds that began and ended between two looks: one per removal not accounted for.
        unseen = max(0, locks_removed - (1 if replaced else 0))
        # In the order they happened: the hold seen last time ended first, then each unseen
        # hold came and went, then the lock held now (if new) was taken. Consumers pair each
        # taken with the next release of the store, so one out of place makes phantom holds.
        events: list[LockEvent] = []
        if replaced and previous is not None and not previous.content:
            # It went away before it said whose it was.
            events.append(self._lock_event(EventKind.TAKEN, store, previous, now))
        # What was written since the last look is the work of the last hold that ended since
        # (its bytes are what is there now); with no hold ended, of the holder now.
        if unseen:
            data_events = self._data_events(store, state, data, None, now)
        else:
            data_events = self._data_events(store, state, data, previous if replaced else lock, now)
        if replaced and previous is not None:
            if not unseen:
                events += data_events
            events.append(self._end_event(store, state, previous, now))
        for remaining in range(unseen, 0, -1):
            events.append(LockEvent(now, EventKind.TAKEN, store, reason=_TOO_SHORT))
            if remaining == 1:
                events += data_events
            events.append(LockEvent(now, EventKind.RELEASED, store, reason=_TOO_SHORT))
        if not replaced and not unseen:
            events += data_events
        newly_readable = not same or (previous is not None and not previous.content)
        if lock is not None and lock.content and newly_readable:
            events.append(self._lock_event(EventKind.TAKEN, store, lock, now))
        state.lock = lock
        if not same:
            state.stale = False
        return events

    def events_lost(self) -> None:
        """The change source lost events: removals it will report no longer match the looks."""
        for state in self._stores.values():
            state.removals_ahead = 0

    def forget(self, store: str) -> None:
        self._stores.pop(store, None)

    def due_stale_check(self) -> bool:
        return self.clock() - self._last_stale_check >= self.stale_check_interval

    def check_stale(self) -> list[LockEvent]:
        """Judge every held lock not yet known stale; report those whose holder is dead."""
        self._last_stale_check = self.clock()
        events: list[LockEvent] = []
        for store, state in self._stores.items():
            if state.lock is None or state.stale or not state.lock.content:
                continue
            try:
                info = inspect_lock(store)
            except OSError:
                continue
            if info.state is not LockState.STALE_DEAD_HOLDER:
                continue
            if info.identity is None or info.identity.inode != state.lock.inode:
                continue  # another lock by now: the next notice reports it
            state.stale = True
            event = self._lock_event(EventKind.STALE, store, state.lock, self.clock())
            events.append(replace(event, since=info.created, reason=info.reason))
        return events

    # -- helpers ---------------------------------------------------------------------------
    def _lock_event(self, kind: EventKind, store: str, lock: _Lock, now: float) -> LockEvent:
        return LockEvent(
            now,
            kind,
            store,
            pid=lock.pid,
            process=lock.process,
            host=lock.host,
            format=lock.format,
        )

    def _end_event(self, store: str, state: _Store, lock: _Lock, now: float) -> LockEvent:
        started = lock.created if lock.created is not None else lock.seen_at
        duration = max(0.0, now - started)
        with self._broken_by_us_guard:
            by_us = store in self._broken_by_us
            self._broken_by_us.discard(store)
        if state.stale or by_us:
            event = self._lock_event(EventKind.BROKEN, store, lock, now)
            return replace(event, duration_s=duration, by_us=by_us)
        return replace(self._lock_event(EventKind.RELEASED, store, lock, now), duration_s=duration)

    def _data_events(
        self, store: str, state: _Store, data: _Data | None, writer: _Lock | None, now: float
    ) -> list[LockEvent]:
        previous = state.data
        state.data = data
        if data == previous:
            return []
        if data is None:
            state.valid = None
            return [LockEvent(now, EventKind.REMOVED, store)]
        holder: dict[str, Any] = {}
        if writer is not None:
            holder = {
                "pid": writer.pid,
                "process": writer.process,
                "host": writer.host,
                "format": writer.format,
            }
        kind = EventKind.CREATED if previous is None else EventKind.WRITTEN
        events = [LockEvent(now, kind, store, size=data.size, **holder)]
        was_valid = state.valid
        state.valid, reason = self._check_document(store, data)
        if state.valid is False and was_valid is not False:
            events.append(LockEvent(now, EventKind.CORRUPTED, store, size=data.size, reason=reason))
        return events

    def _check_document(self, store: str, data: _Data | None) -> tuple[bool | None, str]:
        """Whether the data file holds valid JSON (None: not checked), and why not."""
        if data is None or data.size > self.document_limit:
            return None, ""
        flags = os.O_RDONLY | _platform.NOFOLLOW | _platform.NONBLOCK | _platform.CLOEXEC
        try:
            fd = os.open(store, flags)
            try:
                raw = _read_up_to(fd, data.size, self.document_limit + 1)
            finally:
                os.close(fd)
        except OSError:
            return None, ""
        check = classify_json(raw)
        if check.kind.parsed or check.kind is JSONKind.TOO_LARGE_OR_DEEP:
            return True, ""
        return False, check.reason
