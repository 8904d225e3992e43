"""One row of the store table as the scanner makes it: :class:`StoreEntry`, a snapshot of a
store (its lock, its data file and the files folded into its row), and :class:`StoreHealth`,
what reading its data file found."""

from __future__ import annotations

import dataclasses
import enum
import os

from lockcore import (
    LockFormat,
    LockInfo,
    LockState,
)

Stamp = tuple[int, int, int]

#: The detail of an entry whose data file was not looked at yet.
NOT_CHECKED = "Not checked yet."


class StoreHealth(enum.Enum):
    """What reading the data file found."""

    VALID = "valid JSON"
    NON_STANDARD = "non-standard JSON"  # NaN or Infinity: Python reads it, other programs not
    CORRUPT = "corrupt"
    TOO_LARGE_OR_DEEP = "valid JSON, too large/deep to edit here"
    UTF16 = "UTF-16 text"
    UTF32 = "UTF-32 text"
    NOT_UTF8 = "not UTF-8"
    RECOVERABLE = "interrupted write — recoverable"
    MISSING = "missing"
    UNREADABLE = "unreadable"
    NOT_CHECKED = "large — not checked"
    PENDING = "checking…"


# Not frozen: a frozen dataclass pays object.__setattr__ per field, three times the cost of
# building 10,000 rows. Entries are still snapshots -- replaced whole, never changed in place,
# because the GUI thread holds the very objects the worker made.
@dataclasses.dataclass(slots=True)
class StoreEntry:
    """A snapshot of one store: its lock, its data file and the files folded into its row."""

    path: str  #: absolute path of the data file ``X.json`` (the row's identity; may hold
    #: surrogate escapes for bytes that are not UTF-8 -- use it for I/O, not for display)
    name: str  #: path relative to the watched folder, printable
    lock: LockInfo | None  #: the lock; None when there is no lock file (free) or when it could
    #: not be inspected (then ``lock_error`` says why)
    lock_error: str  #: why the lock could not be inspected, else ""
    size: int | None  #: data file size in bytes, None when missing or unreadable
    mtime: float | None  #: data file modification time (epoch seconds)
    health: StoreHealth
    health_detail: str  #: a plain sentence: the parse error with line and column, ...
    leftovers: tuple[str, ...]  #: temp and quarantine files of this store (absolute paths)
    data_stamp: Stamp | None  #: (inode, size, mtime_ns) of the data file
    lock_stamp: Stamp | None = None  #: (inode, size, mtime_ns) of the lock file when it was
    #: inspected: while it stays the same, the lock file's content has not changed

    # One factory per source of an entry, so that no caller lines up eleven arguments by
    # position: callers name the facts, each factory calls the class positionally once. (A
    # dataclass called with eleven keywords took five times as long as positionally; the
    # listing's loop calls ``unchecked(path, name)`` 10,000 times: see
    # benchmarks/bench_inspector.py --only entries.)

    @classmethod
    def unchecked(
        cls,
        path: str,
        name: str,
        *,
        lock: LockInfo | None = None,
        lock_error: str = "",
        leftovers: tuple[str, ...] = (),
        lock_stamp: Stamp | None = None,
    ) -> StoreEntry:
        """A listed store whose data file is not looked at yet (``PENDING``: no size, time or
        stamp until the document pass). Without the optional facts: a free store with no
        leftovers, what most of a big folder is."""
        return cls(path, name, lock, lock_error, None, None, StoreHealth.PENDING, NOT_CHECKED,
                   leftovers, None, lock_stamp)  # fmt: skip

    @classmethod
    def unchecked_many(cls, paths: list[str], names: list[str]) -> list[StoreEntry]:
        """:meth:`unchecked` for each of ``paths`` (named by ``names``, one for each): free
        stores with no leftovers listed for the first time, made in one go (a folder of 100,000
        stores is made of them: a third less than calling :meth:`unchecked` for each)."""
        pending, detail = StoreHealth.PENDING, NOT_CHECKED
        return [cls(path, name, None, "", None, None, pending, detail, (), None, None)
                for path, name in zip(paths, names, strict=True)]  # fmt: skip

    def relisted(
        self,
        *,
        name: str,
        lock: LockInfo | None,
        lock_error: str,
        leftovers: tuple[str, ...],
        lock_stamp: Stamp | None,
    ) -> StoreEntry:
        """This store listed again: its lock and files as found now, the document's facts of
        this entry kept until the document pass looks again."""
        return StoreEntry(self.path, name, lock, lock_error, self.size, self.mtime, self.health,
                          self.health_detail, leftovers, self.data_stamp, lock_stamp)  # fmt: skip

    @classmethod
    def without_document(
        cls,
        path: str,
        name: str,
        *,
        lock: LockInfo | None,
        lock_error: str,
        health: StoreHealth,
        health_detail: str,
        leftovers: tuple[str, ...],
        lock_stamp: Stamp | None,
    ) -> StoreEntry:
        """A store whose data file could not be looked at (missing, unreadable): ``health``
        says why; no size, time or stamp."""
        return cls(path, name, lock, lock_error, None, None, health, health_detail, leftovers,
                   None, lock_stamp)  # fmt: skip

    @classmethod
    def with_document(
        cls,
        path: str,
        name: str,
        *,
        lock: LockInfo | None,
        lock_error: str,
        st: os.stat_result,
        health: StoreHealth,
        health_detail: str,
        leftovers: tuple[str, ...],
        lock_stamp: Stamp | None,
    ) -> StoreEntry:
        """A store whose data file was ``stat``-ed (``st``) and judged (``health``)."""
        return cls(path, name, lock, lock_error, st.st_size, st.st_mtime, health, health_detail,
                   leftovers, (st.st_ino, st.st_size, st.st_mtime_ns), lock_stamp)  # fmt: skip

    def checked(self, st: os.stat_result, health: StoreHealth, health_detail: str) -> StoreEntry:
        """This store with its data file's facts as just read (``st``, ``health``), its lock
        and files as they were: what the document pass makes of a listed row."""
        return StoreEntry(self.path, self.name, self.lock, self.lock_error, st.st_size,
                          st.st_mtime, health, health_detail, self.leftovers,
                          (st.st_ino, st.st_size, st.st_mtime_ns), self.lock_stamp)  # fmt: skip

    @property
    def is_locked(self) -> bool:
        """Whether a lock file exists (held, stale, foreign, half-written or unreadable)."""
        return self.lock is not None and self.lock.is_locked

    @property
    def lock_state(self) -> LockState | None:
        """The lock's state: FREE without a lock file, None when it could not be inspected."""
        if self.lock is not None:
            return self.lock.state
        return None if self.lock_error else LockState.FREE

    def same_as(self, other: StoreEntry | None) -> bool:
        """Whether ``other`` shows the same thing (ignoring when each lock was inspected)."""
        if other is None:
            return False
        return (
            self.path == other.path
            and self.name == other.name
            and self.lock_error == other.lock_error
            and self.size == other.size
            and self.mtime == other.mtime
            and self.health is other.health
            and self.health_detail == other.health_detail
            and self.leftovers == other.leftovers
            and self.data_stamp == other.data_stamp
            and _lock_facts(self.lock) == _lock_facts(other.lock)
        )

    def shows_lock(self, lock: LockInfo | None, lock_error: str) -> bool:
        """Whether this entry shows ``lock`` and ``lock_error`` as they are (as :meth:`same_as`
        compares locks: not when each was inspected)."""
        return self.lock_error == lock_error and _lock_facts(self.lock) == _lock_facts(lock)


def _lock_facts(info: LockInfo | None) -> tuple[object, ...] | None:
    if info is None:
        return None
    return (
        info.state,
        info.format,
        info.pid,
        info.hostname,
        info.process_name,
        info.cmdline,
        info.holder_alive,
        info.created,
        info.identity,
        info.reason,
    )


def death_makes_an_event(info: LockInfo | None) -> bool:
    """Whether the holder's death changes a file (so the watcher sees it without re-checks).

    A lockcore holder keeps its lock file open for writing; when it dies the kernel closes that
    descriptor, which inotify reports. A legacy holder closed its lock file long ago: its death
    changes nothing on disk, so only looking again (by PID) finds out.
    """
    return (
        info is not None
        and info.format is LockFormat.LOCKCORE
        and info.state in (LockState.HELD_ALIVE, LockState.STALE_DEAD_HOLDER)
    )
