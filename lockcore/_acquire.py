"""Taking and giving back the lock file itself, between processes.

A lock file is written in full first — holder facts and kernel lock on an unnamed file
(``O_TMPFILE``) — then linked into place, which fails when the path exists exactly as the
reviewed module's ``O_CREAT|O_EXCL|O_NOFOLLOW`` does, so both kinds of process exclude each
other and nobody ever sees a lockcore lock file empty. (Without ``O_TMPFILE``: ``O_EXCL``
creation, kernel lock, then content.) lockcore keeps the kernel lock for as long as it holds the
lock.

A waiter keeps its own lock file ready while it waits — unnamed, kernel-locked, invisible to
everyone — so that when the lock is freed it only writes the content and links the file into
place: making a file's inode (a journal transaction on ext4) is done before the wait, not on the
hand-off's path. A waiter sleeps on inotify until the lock file in its way is unlinked, closed
or modified — its holder releasing it or dying — and rechecks every 50 ms regardless. Without
inotify it polls with exponential backoff from 50 µs to a 2 ms cap, with jitter so that waiters
do not wake in lockstep. Each wake-up judges the current holder, so a dead holder's lock is
broken at once.

A caller may watch the wait (:class:`WaitHooks`): its ``cancel_check`` is asked at every wake-up
(so within ~50 ms) and stops the wait with LockCancelled; its ``on_wait`` hears who holds the
lock and how long we have waited, when the wait begins and then every
:data:`WAIT_REPORT_INTERVAL` seconds -- a progress line, not one call per wake-up.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lockcore import _atomic, _interrupts, _keepalive, _platform, _tokens
from lockcore._break import remove_if_unchanged
from lockcore._errors import LockCancelled, LockLostError, LockTimeout
from lockcore._holder import judge, open_lock
from lockcore._inspect import inspect_lock
from lockcore._lock_content import new_lock_content
from lockcore._lockinfo import LockInfo, LockState

logger = logging.getLogger("lockcore")

BACKOFF_START = 50e-6
BACKOFF_CAP = 2e-3
BACKOFF_GROWTH = 1.5
WATCHED_RECHECK = 0.05
WAIT_REPORT_INTERVAL = 0.25
"""Seconds between two ``on_wait`` calls of one wait (the first comes when the wait begins)."""

CancelCheck = Callable[[], bool]
"""Asked while waiting for a lock; True stops the wait with LockCancelled."""
OnWait = Callable[[LockInfo | None, float], None]
"""Told while waiting for a lock: the lock in the way (None if it could not be inspected) and
the seconds waited so far."""


@dataclass
class WaitHooks:
    """A caller's view of one wait for a lock: whether to stop, and progress reports."""

    path: str
    cancel_check: CancelCheck | None = None
    on_wait: OnWait | None = None
    stale_after: float | None = None
    started: float = field(default_factory=time.monotonic)
    _next_report: float | None = None

    @_interrupts.interruptible  # the caller's code runs here, and nothing is held yet
    def waiting(self) -> None:
        """Called at each wake-up of a wait: raise LockCancelled, or report when it is time."""
        if self.cancel_check is not None and self.cancel_check():
            raise LockCancelled(
                f"stopped waiting for the lock of {self.path}: cancelled; nothing was done",
                self.path,
                holder=self._holder(),
            )
        if self.on_wait is None:
            return
        now = time.monotonic()
        if self._next_report is not None and now < self._next_report:
            return
        self._next_report = now + WAIT_REPORT_INTERVAL
        self.on_wait(self._holder(), now - self.started)

    def _holder(self) -> LockInfo | None:
        try:
            return inspect_lock(self.path, stale_after=self.stale_after)
        except (OSError, ValueError):
            return None


@dataclass(slots=True)
class HeldLock:
    """A lock file we hold: the open descriptor carries our kernel lock and pins the inode.

    ``named_fd`` (or -1) is the same file opened again through its name once it is in place:
    inotify names a file by the path it was opened through, and a file made unnamed has none,
    so this descriptor is what makes our death show as "``X.json.lock`` closed" to watchers.
    """

    lock_path: str
    fd: int
    device: int
    inode: int
    named_fd: int = -1
    #: whether taking it meant waiting for another holder (set by acquire_lock_file)
    waited: bool = False
    #: give the processor away right after the unlink at the release (see release())
    hand_off: bool = False

    def verify(self, path: str) -> None:
        """Raise LockLostError unless the lock file is still ours."""
        try:
            current = os.lstat(self.lock_path)
        except FileNotFoundError:
            current = None
        if current is None or current.st_ino != self.inode or current.st_dev != self.device:
            raise LockLostError(
                f"the lock {self.lock_path} was removed or replaced while we held it; "
                "nothing was written",
                path,
            )

    def release(self) -> None:
        """Remove our lock file — only ours — then drop the kernel lock."""
        lock_path = self.lock_path
        try:
            # First of all: the unlink is what wakes the next holder; the bookkeeping waits.
            try:
                current = os.lstat(lock_path)
            except FileNotFoundError:
                current = None
            if (
                current is not None
                and current.st_ino == self.inode
                and current.st_dev == self.device
            ):
                os.unlink(lock_path)
                if self.hand_off:
                    # Others have been waiting for this lock: the unlink has just woken one,
                    # and the scheduler queues it behind us on this processor until we sleep
                    # -- through the rest of this release and whatever the program does next
                    # (~0.08 ms of a 0.25 ms hand-off on a loaded 2-core machine). Let it run
                    # now. An uncontended lock never does this (issue 9 §6).
                    _give_way()
            else:
                logger.warning(
                    "the lock %s was no longer ours at release; left it in place", lock_path
                )
        finally:
            named_fd = self.named_fd
            with _keepalive.descriptor_guard():
                _keepalive.unregister_held(self.fd, named_fd)
                if named_fd >= 0:
                    os.close(named_fd)
                os.close(self.fd)


#: ``sched_yield`` where the system has it: a waiter woken by our release runs before us.
_give_way = getattr(os, "sched_yield", lambda: None)


def acquire_lock_file(
    path: str,
    lock_path: str,
    deadline: float | None,
    *,
    stale_after: float | None,
    create_parents: bool = True,
    hooks: WaitHooks | None = None,
) -> HeldLock:
    """Create ``lock_path`` for this process, waiting until ``deadline`` (monotonic; None: forever).

    Raises LockTimeout once the deadline passes, LockCancelled when ``hooks`` cancel the wait,
    FileNotFoundError when the folder is missing and not ``create_parents``, and OSError when
    the directory refuses us.
    """
    _platform.ensure_supported(path)
    attempt = 0
    retried_after_deadline = False
    found_stale = False
    watch: _platform.ReleaseWatch | None = None
    maker = _LockMaker(lock_path)
    try:
        while True:
            try:
                held = maker.try_create()
            except FileNotFoundError:
                _make_folder(path, lock_path, create_parents=create_parents)
                continue
            if held is not None:
                if found_stale:
                    _reap_after_dead_holder(path)
                held.waited = watch is not None
                return held
            in_the_way, broke = _lock_in_the_way(lock_path, stale_after)
            found_stale = found_stale or broke
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                # A lock freed or broken just now earns one more try, not endless ones
                # while other processes keep taking it first.
                if in_the_way or retried_after_deadline:
                    raise _timeout(path, lock_path, stale_after)
                retried_after_deadline = True
            if not in_the_way:
                continue  # freed or broken just now: try again at once
            if hooks is not None:
                hooks.waiting()
            if watch is None:
                watch = _platform.ReleaseWatch()
            delay = _next_delay(watch, attempt)
            if deadline is not None:
                delay = min(delay, max(0.0, deadline - now))
            watch.wait(lock_path, delay)
            attempt += 1
    finally:
        maker.close()
        if watch is not None:
            watch.close()


def _next_delay(watch: _platform.ReleaseWatch, attempt: int) -> float:
    if watch.active:
        # Woken by the holder's release or death; the timeout is only a safety net for what
        # inotify cannot see (a holder on another host, a lease running out).
        return WATCHED_RECHECK
    delay = min(BACKOFF_CAP, BACKOFF_START * BACKOFF_GROWTH**attempt)
    return delay * random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not secrecy


def _make_folder(path: str, lock_path: str, *, create_parents: bool) -> None:
    """Create the missing folder of the lock file, as the reviewed module did, or refuse."""
    folder = os.path.dirname(lock_path) or "."
    if not create_parents:
        raise FileNotFoundError(errno.ENOENT, f"the folder of {path} does not exist", folder)
    os.makedirs(folder, exist_ok=True)


def _reap_after_dead_holder(path: str) -> None:
    # A dead holder may have died mid-write: now that we hold the lock, its temp file is ours
    # to remove.
    for temp_path in _atomic.reap_orphan_temps(path):
        logger.warning("removed %s, left by a writer that died", temp_path)


def _lock_in_the_way(lock_path: str, stale_after: float | None) -> tuple[bool, bool]:
    """Judge the lock in our way and break it if its holder is dead.

    Returns (still in the way, its holder was found dead); not in the way: try again now.
    """
    try:
        opened = open_lock(lock_path)
    except FileNotFoundError:
        return False, False
    except OSError:
        return True, False  # a symlink or an unreadable file: not ours to judge, wait and report
    try:
        verdict = judge(
            opened.fd, opened.st, opened.content, stale_after=stale_after, now=time.time()
        )
        if verdict.state is not LockState.STALE_DEAD_HOLDER:
            return True, False
        if os.fstat(opened.fd).st_nlink == 0:
            # Unlinked already: its holder let go (a holder unlinks before dropping its kernel
            # lock, so we saw it free) or another breaker was first. Not a death of ours to
            # clean up after: try again at once.
            return False, False
        if remove_if_unchanged(lock_path, opened):
            logger.warning("broke the stale lock %s: %s", lock_path, verdict.reason)
            return False, True
        return os.path.lexists(lock_path), True
    finally:
        opened.close()


def _timeout(path: str, lock_path: str, stale_after: float | None) -> LockTimeout:
    holder = inspect_lock(path, stale_after=stale_after)
    if holder.pid is None:
        why = f"{lock_path}: {holder.reason}"
    else:
        why = f"{lock_path} is held by {holder.describe_holder()} ({holder.reason})"
    return LockTimeout(f"could not lock {path} in time: {why}", path, holder=holder)


class _LockMaker:
    """Creates the lock file for one acquisition, keeping a spare between attempts.

    The lock file is written in full — content and kernel lock — as an unnamed file, then
    linked into place, which fails if the path exists exactly as ``O_CREAT|O_EXCL`` does and
    never follows a symlink planted there. So a lockcore lock is never seen empty, and a
    creator killed at any point leaves either nothing or a complete lock whose free kernel
    lock proves it dead at once.

    When the link fails (the lock is taken) the unnamed file is kept, kernel lock and all, for
    the next attempt: a waiter woken by a release rewrites the content (its ``created`` stamp,
    and the mtime legacy processes judge age by, become the moment of taking) and links it.
    Where unnamed files are not available the file is created with ``O_EXCL`` and written at
    once; the kernel lock is taken before the content is written, so an empty lockcore file
    is always being created by a live process.
    """

    #: The unnamed file kept between attempts (-1: none), with its facts: class defaults, set
    #: on the instance only once a spare is kept -- the usual lock never keeps one, and setting
    #: seven attributes on every maker made was a tenth of taking the lock (issue 9 §6).
    spare_fd = -1
    #: whether the spare outlived the attempt that made it (and is a keep-alive companion)
    spare_kept = False
    spare_stat: os.stat_result | None = None
    spare_kernel_locked = False
    spare_length = 0
    spare_token = ""

    def __init__(self, lock_path: str) -> None:
        self.lock_path = lock_path

    def try_create(self) -> HeldLock | None:
        """Take the lock file if it does not exist; None if it does."""
        with _keepalive.descriptor_guard():
            if self.spare_fd < 0:
                return self._create_at_once()
            fd = self.spare_fd
            content = new_lock_content(kernel_lock=self.spare_kernel_locked, token=self.spare_token)
            linked = False
            try:
                os.pwrite(fd, content, 0)
                if len(content) < self.spare_length:
                    os.ftruncate(fd, len(content))
                self.spare_length = len(content)
                linked = _platform.link_unnamed(fd, self.lock_path)
                if not linked:
                    self._drop_spare()
                    return _try_create_named(self.lock_path)
                named_fd = _open_by_name(self.lock_path)
            except FileExistsError:
                # Kept for the next attempt: from now on a forked child must close it too.
                if not self.spare_kept:
                    _keepalive.register_companion(fd)
                    self.spare_kept = True
                return None
            except BaseException:
                if linked:  # ours, and still flocked by us: nobody can have replaced it
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(self.lock_path)
                self._drop_spare()
                raise
            st = self.spare_stat
            assert st is not None
            # From a spare, which a forked child closes, to a held lock, which it closes too.
            # (A spare made and linked in this one call never left the descriptor guard, which
            # fork waits for: no child can have seen it.)
            self.spare_fd = -1
            _keepalive.register_held(fd, named_fd)
            if self.spare_kept:
                _keepalive.unregister_companion(fd)
                self.spare_kept = False
        return HeldLock(self.lock_path, fd, st.st_dev, st.st_ino, named_fd)

    def _create_at_once(self) -> HeldLock | None:
        """:meth:`try_create` with no spare yet -- every first attempt, so every uncontended
        lock: the unnamed file made, written and linked in one go, its facts in locals, not
        made a spare first and read back from it (~70 bytecodes of every lock; issue 9 §6).
        Kept as the spare only when the lock is taken. Call it holding the descriptor guard."""
        lock_path = self.lock_path
        fd = _platform.open_unnamed(_platform.directory_of(lock_path))
        if fd is None:
            return _try_create_named(lock_path)
        linked = False
        try:
            kernel_locked = _platform.lock_exclusive(fd)
            st = os.fstat(fd)
            token = _tokens.token_hex(8)  # new_lock_token(), a call less on every lock
            content = new_lock_content(kernel_lock=kernel_locked, token=token)
            os.pwrite(fd, content, 0)
            linked = _platform.link_unnamed(fd, lock_path)
            named_fd = -1
            if linked:
                # _open_by_name() written out: on every lock taken (issue 9 §6).
                try:
                    named_fd = os.open(lock_path, _BY_NAME_FLAGS)
                except OSError:
                    named_fd = -1
        except FileExistsError:
            # Taken: kept, kernel lock and all, for the next attempt (see try_create); from
            # now on a forked child must close it too.
            self.spare_fd = fd
            self.spare_stat = st
            self.spare_kernel_locked = kernel_locked
            self.spare_length = len(content)
            self.spare_token = token
            self.spare_kept = True
            _keepalive.register_companion(fd)
            return None
        except BaseException:
            if linked:  # ours, and still flocked by us: nobody can have replaced it
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(lock_path)
            os.close(fd)
            raise
        if not linked:  # no /proc to link through: a named file instead, from now on
            os.close(fd)
            return _try_create_named(lock_path)
        # Registered before the descriptor guard is let go: no forked child ever sees it
        # unregistered.
        _keepalive.register_held(fd, named_fd)
        return HeldLock(lock_path, fd, st.st_dev, st.st_ino, named_fd)

    def close(self) -> None:
        """Let go of the spare, if any (it never had a name: nothing to remove)."""
        if self.spare_fd >= 0:
            with _keepalive.descriptor_guard():
                self._drop_spare()

    def _drop_spare(self) -> None:
        fd, self.spare_fd = self.spare_fd, -1
        if fd >= 0:
            if self.spare_kept:
                _keepalive.unregister_companion(fd)
                self.spare_kept = False
            os.close(fd)


_BY_NAME_FLAGS = os.O_WRONLY | _platform.NOFOLLOW | _platform.NONBLOCK | _platform.CLOEXEC


def _open_by_name(lock_path: str) -> int:
    """Our lock file opened through its name for writing, or -1 if that fails.

    Nobody can have replaced it since we linked it: breaking it takes our kernel lock. (A
    person breaking it by force meanwhile would only make this descriptor another file's.)
    """
    try:
        return os.open(lock_path, _BY_NAME_FLAGS)
    except OSError:
        return -1


def _try_create_named(lock_path: str) -> HeldLock | None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _platform.NOFOLLOW | _platform.CLOEXEC
    try:
        fd = os.open(lock_path, flags, 0o644)
    except FileExistsError:
        return None
    try:
        kernel_locked = _platform.lock_exclusive(fd)
        os.write(fd, new_lock_content(kernel_lock=kernel_locked))
        st = os.fstat(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)
        raise
    _keepalive.register(fd)
    return HeldLock(lock_path, fd, st.st_dev, st.st_ino)
