"""Removing a dead holder's lock without ever removing a newer one.

Two waiters can judge the same lock stale. If each simply unlinked the lock path, the slower one
would remove the lock the faster one had just created (the reviewed module's double break). So a
breaker first takes the kernel lock on the *judged inode* exclusively — which serialises breakers,
and which a live lockcore holder never lets go — then checks that the lock path still names that
inode with the content it judged, and only then unlinks it.
"""

from __future__ import annotations

import logging
import os
import time

from lockcore import _interrupts, _platform
from lockcore._errors import HolderAliveError, LockChangedError
from lockcore._holder import (
    OpenLock,
    describe,
    judge,
    open_lock,
    still_in_place,
)
from lockcore._inspect import inspect_lock
from lockcore._lock_content import lock_path_for
from lockcore._lockinfo import LockInfo, LockState

logger = logging.getLogger("lockcore")


def remove_if_unchanged(lock_path: str, opened: OpenLock) -> bool:
    """Unlink ``lock_path`` only if it is still the file open on ``opened``; True if removed."""
    if _platform.try_lock(opened.fd, exclusive=True) is False:
        return False  # another breaker is on it, or the holder is alive after all
    if not still_in_place(lock_path, opened):
        return False
    try:
        os.unlink(lock_path)
    except FileNotFoundError:
        return False
    return True


@_interrupts.critical  # as inspect_lock: open_lock's descriptor is closed whatever strikes
def break_stale_lock(
    path: str | os.PathLike[str], expected: LockInfo, *, force: bool = False
) -> None:
    """Remove the lock on ``path`` if it is still exactly the lock ``expected`` describes.

    Without ``force`` the holder must be dead. ``force=True`` is for a person who has seen the
    holder and confirmed: it breaks a live or unverifiable holder too — but still never a lock
    other than ``expected``.

    Raises LockChangedError when the lock is gone or is another lock now, and HolderAliveError
    when the holder is alive or cannot be verified and ``force`` is not set.
    """
    path = os.fspath(path)
    _platform.ensure_supported(path)
    lock_path = lock_path_for(path)
    try:
        opened = open_lock(lock_path)
    except FileNotFoundError:
        raise LockChangedError(
            f"{lock_path} is gone: nothing was removed", path, current=None
        ) from None
    try:
        if expected.identity is None or opened.identity != expected.identity:
            raise LockChangedError(
                f"{lock_path} changed since it was inspected: nothing was removed",
                path,
                current=inspect_lock(path),
            )
        verdict = judge(opened.fd, opened.st, opened.content, stale_after=None, now=time.time())
        current = describe(path, lock_path, opened, verdict, time.time())
        if verdict.state is not LockState.STALE_DEAD_HOLDER and not force:
            raise HolderAliveError(
                f"{lock_path} is held by {current.describe_holder()} ({verdict.reason}); "
                "not removed without force",
                path,
                holder=current,
            )
        removed = remove_if_unchanged(lock_path, opened)
        if not removed and force and still_in_place(lock_path, opened):
            # A live holder keeps its kernel lock; a person confirmed breaking it anyway.
            os.unlink(lock_path)
            removed = True
        if not removed:
            raise LockChangedError(
                f"{lock_path} changed while it was being broken: nothing was removed",
                path,
                current=inspect_lock(path),
            )
        logger.warning(
            "broke the lock %s held by %s (%s)%s",
            lock_path,
            current.describe_holder(),
            verdict.reason,
            " by force" if verdict.state is not LockState.STALE_DEAD_HOLDER else "",
        )
    finally:
        opened.close()
