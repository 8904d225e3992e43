"""What a look at one lock found, as plain values: the types every other module speaks.

A leaf module (no import of lockcore's own): the errors carry a ``LockInfo``, and the modules
that find one out (``_holder``) need the errors' module themselves.
"""

from __future__ import annotations

import enum
import socket
import time
from dataclasses import dataclass, field

_host_name: str | None = None


def this_host() -> str:
    global _host_name  # noqa: PLW0603 - cached once per process, never changes
    if _host_name is None:
        _host_name = socket.gethostname()
    return _host_name


class LockState(enum.Enum):
    """What a lock file says about its data file right now."""

    FREE = "free"
    HELD_ALIVE = "held"
    STALE_DEAD_HOLDER = "stale"
    HELD_OTHER_HOST = "other host"
    BEING_CREATED = "being created"
    UNREADABLE = "unreadable"


class LockFormat(enum.Enum):
    """Which writer made a lock file."""

    NONE = "none"
    LEGACY = "legacy"
    LOCKCORE = "lockcore"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class LockIdentity:
    """Enough to recognise the very same lock file later: a new lock differs in inode or token."""

    device: int
    inode: int
    content: bytes


@dataclass(frozen=True)
class LockInfo:
    """A snapshot of one lock, as :func:`inspect_lock` saw it at ``inspected_at``."""

    path: str
    lock_path: str
    state: LockState
    format: LockFormat = LockFormat.NONE
    pid: int | None = None
    hostname: str | None = None
    #: the holder's program: read from the running process, else as the lock file recorded it
    process_name: str | None = None
    cmdline: tuple[str, ...] = ()
    holder_alive: bool | None = None
    created: float | None = None
    identity: LockIdentity | None = None
    content: bytes = b""
    reason: str = ""
    inspected_at: float = field(default_factory=time.time)

    def age(self, now: float | None = None) -> float | None:
        """Seconds since the lock was made, or None when there is no lock."""
        if self.created is None:
            return None
        return max(0.0, (time.time() if now is None else now) - self.created)

    @property
    def is_locked(self) -> bool:
        return self.state is not LockState.FREE

    @property
    def is_stale(self) -> bool:
        return self.state is LockState.STALE_DEAD_HOLDER

    def describe_holder(self) -> str:
        """A short phrase for people: "PID 4711 (sync.py) on build-03"."""
        if self.pid is None:
            return "an unknown holder"
        text = f"PID {self.pid}"
        if self.process_name:
            text += f" ({self.process_name})"
        if self.hostname and self.hostname != this_host():
            text += f" on {self.hostname}"
        return text
