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


# A folder's locks are described by the hundred, again every second in the app: a frozen
# dataclass's __init__ sets each field through object.__setattr__ (1.7 us for a LockInfo),
# while filling the instance's __dict__ at once makes the very same object in 0.3 us.
_new_object = object.__new__
_set_attribute = object.__setattr__


def lock_info(  # noqa: PLR0917 - every field of LockInfo in order, as its __init__ takes them
    path: str,
    lock_path: str,
    state: LockState,
    format: LockFormat,
    pid: int | None,
    hostname: str | None,
    process_name: str | None,
    cmdline: tuple[str, ...],
    holder_alive: bool | None,
    created: float | None,
    identity: tuple[int, int] | None,
    content: bytes,
    reason: str,
    inspected_at: float,
) -> LockInfo:
    """``LockInfo(...)`` with every field given, made without the dataclass's ``__init__``;
    ``identity`` as the lock file's (device, inode), its ``LockIdentity`` made here with
    ``content``."""
    if identity is not None:
        device, inode = identity
        made_identity: LockIdentity | None = _new_object(LockIdentity)
        _set_attribute(
            made_identity, "__dict__", {"device": device, "inode": inode, "content": content}
        )
    else:
        made_identity = None
    info = _new_object(LockInfo)
    _set_attribute(
        info,
        "__dict__",
        {
            "path": path,
            "lock_path": lock_path,
            "state": state,
            "format": format,
            "pid": pid,
            "hostname": hostname,
            "process_name": process_name,
            "cmdline": cmdline,
            "holder_alive": holder_alive,
            "created": created,
            "identity": made_identity,
            "content": content,
            "reason": reason,
            "inspected_at": inspected_at,
        },
    )
    return info


def lock_info_again(fields: dict[str, object], inspected_at: float) -> LockInfo:
    """A ``LockInfo`` with the fields of one described before (``vars(info)``) and a new
    ``inspected_at``, made the same way as :func:`lock_info`."""
    fields = fields.copy()
    fields["inspected_at"] = inspected_at
    info = _new_object(LockInfo)
    _set_attribute(info, "__dict__", fields)
    return info
