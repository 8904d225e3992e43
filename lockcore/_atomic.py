"""Replacing a data file so that every reader sees either the old or the new bytes, never less.

The new bytes go to a temp file made exclusively (``O_EXCL|O_NOFOLLOW``) under an unpredictable
name in the same directory — a symlink planted at a predictable temp path, the CVE-2025-68146
class, has nothing to hijack. The temp file gets the old file's mode and owner, is fsynced, and
``os.replace`` swaps it in; then the directory is fsynced so the rename itself survives a power
cut. Never unlink-then-rename: a crash between the two loses the file.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import time
from collections.abc import Callable

from lockcore import _interrupts, _platform, _tokens
from lockcore._errors import NotDurableError
from lockcore._store_files import (
    StoreFileKind,
    classify_store_file,
    legacy_temp_path_for,
    quarantine_path_for,
    temp_path_for,
)

logger = logging.getLogger("lockcore")

_READ_FLAGS = os.O_RDONLY | _platform.NONBLOCK | _platform.CLOEXEC
_READ_FLAGS_NOFOLLOW = _READ_FLAGS | _platform.NOFOLLOW


@_interrupts.critical
def read_bytes(path: str) -> bytes | None:
    """The data file's bytes, or None when it does not exist."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        return None
    try:
        return _read_all(path, fd, os.fstat(fd))
    finally:
        os.close(fd)


@_interrupts.critical
def read_bytes_and_status(path: str) -> tuple[bytes | None, os.stat_result | None]:
    """The data file's bytes (None when it does not exist), with its status as ``os.lstat``
    gives it, for :func:`write_atomic` (None when unknown: a symbolic link, whose target's
    bytes were read). One open, not an open and a later ``lstat`` (issue 9, §6)."""
    try:
        fd = os.open(path, _READ_FLAGS_NOFOLLOW)
    except FileNotFoundError:
        return None, None
    except OSError as error:
        # A symbolic link (ELOOP; FreeBSD says EMLINK): read what it points to.
        if error.errno not in (errno.ELOOP, errno.EMLINK):
            raise
        return read_bytes(path), None
    try:
        st = os.fstat(fd)
        return _read_all(path, fd, st), st
    finally:
        os.close(fd)


def _read_all(path: str, fd: int, st: os.stat_result) -> bytes:
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EINVAL, "not a regular file", path)
    # One read of one byte more than the size says the whole file was read (we hold the
    # lock: it is not growing); only a file that grew since fstat needs another.
    size = max(st.st_size, 1)
    chunk = os.read(fd, size + 1)
    if len(chunk) <= size:
        return chunk
    chunks = [chunk]
    while chunk := os.read(fd, size + 1):
        chunks.append(chunk)
    return b"".join(chunks)


@_interrupts.critical
def write_atomic(
    path: str,
    data: bytes,
    *,
    durable: bool,
    before_replace: Callable[[], None] = lambda: None,
    status: os.stat_result | None = None,
) -> None:
    """Replace ``path`` with ``data``; ``before_replace`` may veto by raising (nothing written).

    ``status``: ``path``'s ``os.lstat`` as read under the same lock (by
    :func:`read_bytes_and_status`), whose owner, mode and kind are kept; None: look now.

    With ``durable`` the new bytes are on disk before they replace the old ones; the rename
    itself becomes durable only with :func:`sync_directory`, which the caller runs after
    releasing its lock: the lock need not be held while the disk catches up, and whichever
    rename the directory holds by then — ours or a newer one — is made durable.
    """
    existing = status
    if existing is None:
        try:
            existing = os.lstat(path)
        except FileNotFoundError:
            existing = None
    if existing is not None and stat.S_ISLNK(existing.st_mode):
        existing = _stat_or_none(path)  # the mode and owner to keep are the target's
        # Following it would let whoever can plant a link in a shared folder choose which file
        # a writer (often root) overwrites; replacing it keeps the protocol's one lock file per
        # path, as the reviewed module did. But it ends the link: say so.
        logger.warning(
            "%s is a symbolic link to %s: it is replaced by a regular file, and the target no "
            "longer gets this store's updates",
            path,
            os.readlink(path),
        )
    # Replacing a file: the temp file is made with its mode, then given its owner, group and
    # extended attributes (its ACL among them) where they differ, all before a byte is
    # written: the new bytes are never readable by anyone the old ones were not (made private
    # and opened up after the write, they were, between the chmod and the ACL), and the usual
    # case needs no chmod at all (issue 9 §6). A new file: 0666 less the umask, as open() would
    # give it.
    mode = 0o666 if existing is None else stat.S_IMODE(existing.st_mode)
    temp_path, fd = _create_temp(path, mode)
    try:
        try:
            copied: list[str] = []
            if existing is not None:
                current = os.fstat(fd)
                # Both regular files: the same st_mode is the same permission bits. The usual
                # case, checked here rather than by a call (issue 9 §6).
                if (
                    current.st_mode != existing.st_mode
                    or current.st_uid != existing.st_uid
                    or current.st_gid != existing.st_gid
                ):
                    _copy_permissions(fd, existing, current)
                copied = _copy_extended_attributes(path, fd)
            written = os.write(fd, data)
            if written != len(data):
                _write_rest(fd, data, written)
            if existing is not None and (
                existing.st_mode & _CLEARED_BY_WRITES or _CAPABILITY_XATTR in copied
            ):
                # A write clears set-user-ID and set-group-ID bits (unless the writer may keep
                # them) and file capabilities: give them back, as when they were set after it.
                _copy_permissions(fd, existing)
                _copy_extended_attributes(path, fd)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        before_replace()
        if not durable and existing is not None and _platform.exchange(temp_path, path):
            os.unlink(temp_path)  # now holds the old bytes
        else:
            os.replace(temp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_path)
        raise


def _stat_or_none(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None


@_interrupts.critical
def sync_directory(path: str) -> None:
    """Make the latest rename of ``path`` durable (fsync its directory).

    Raises NotDurableError when that fails: the new bytes are in place already, so a caller
    must not take the failure for "nothing was written" and apply its update again.
    """
    try:
        _platform.fsync_directory(_platform.directory_of(path))
    except OSError as error:
        raise NotDurableError(
            f"{path} was written, but its directory could not be synced "
            f"({error.strerror or error}): the write may not survive a power cut; "
            "do not apply it again",
            path,
        ) from error


def reap_orphan_temps(path: str) -> list[str]:
    """Remove the temp files of writers of ``path`` that died mid-write; call it under the lock.

    Every lockcore writer holds the lock while its temp file exists, so whoever holds the lock
    now knows that any such file left in the directory belongs to a writer that is gone.
    Returns the paths removed.
    """
    directory = os.path.dirname(path) or "."
    store = os.path.join(directory, os.path.basename(path))
    removed: list[str] = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        candidate = os.path.join(directory, name)
        if classify_store_file(candidate) == (StoreFileKind.TEMP, store):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(candidate)
                removed.append(candidate)
    return removed


#: This process's temp name for each store it writes: one unpredictable name, used by every
#: write of that store (a fresh one only when it is taken), not a new one per write. Every
#: name ever made stays in the kernel's dentry cache once unlinked, as a negative entry;
#: millions of them (one per update) lengthen the hash chains that each new name's ``O_CREAT``
#: lookup walks in full -- ~4 us of every update on a machine that had made 17 million (issue 9
#: §6). A name is only ever taken under the store's lock, and ``O_EXCL|O_NOFOLLOW`` still
#: refuses whatever another process plants at it (a planted name just makes us draw another).
_temp_names: dict[str, str] = {}
_TEMP_NAMES_LIMIT = 4096
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _platform.NOFOLLOW | _platform.CLOEXEC


def _create_temp(path: str, mode: int) -> tuple[str, int]:
    temp_path = _temp_names.get(path)
    if temp_path is not None:
        try:
            return temp_path, os.open(temp_path, _TEMP_FLAGS, mode)
        except FileExistsError:
            temp_path = None  # taken: draw another below
    for _attempt in range(100):
        if temp_path is None:
            temp_path = temp_path_for(path, _tokens.token_hex(6))
        try:
            fd = os.open(temp_path, _TEMP_FLAGS, mode)
        except FileExistsError:
            temp_path = None
            continue
        if len(_temp_names) >= _TEMP_NAMES_LIMIT:
            _temp_names.clear()
        _temp_names[path] = temp_path
        return temp_path, fd
    raise FileExistsError(f"could not create a temp file beside {path}")


def _forget_temp_names_in_child() -> None:
    # A forked child names its temp files afresh, as it draws its random bytes afresh.
    _temp_names.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_temp_names_in_child)


def _write_all(fd: int, data: bytes) -> None:
    written = os.write(fd, data)
    if written != len(data):
        _write_rest(fd, data, written)


def _write_rest(fd: int, data: bytes, written: int) -> None:
    """Write what a first ``os.write`` of ``data`` left (it wrote ``written`` bytes)."""
    view = memoryview(data)[written:]
    while view:
        view = view[os.write(fd, view) :]


def _copy_permissions(
    fd: int, existing: os.stat_result, current: os.stat_result | None = None
) -> None:
    """Give the file open on ``fd`` the mode, owner and group of ``existing``, as far as we
    may. ``current``: its ``fstat`` already, when it was made with that mode (which the umask,
    or a set-group-ID folder's group, may have changed): then only what differs is changed."""
    mode = stat.S_IMODE(existing.st_mode)
    if current is None:
        os.fchmod(fd, mode)
        current = os.fstat(fd)
    elif stat.S_IMODE(current.st_mode) != mode:
        os.fchmod(fd, mode)
    if _CAN_CHOWN and (current.st_uid, current.st_gid) != (
        existing.st_uid,
        existing.st_gid,
    ):
        # Only root may give a file away; others keep what they can.
        with contextlib.suppress(PermissionError):
            os.fchown(fd, existing.st_uid, existing.st_gid)
            os.fchmod(fd, stat.S_IMODE(existing.st_mode))  # chown clears setuid bits


_CAN_CHOWN = hasattr(os, "fchown")
#: What a write to a file takes away from it (see write_atomic).
_CLEARED_BY_WRITES = stat.S_ISUID | stat.S_ISGID
_CAPABILITY_XATTR = "security.capability"
#: Extended attributes a writer may be refused (only root or a security module may set them);
#: every other one — ``user.*``, and the POSIX ACLs ``system.posix_acl_*`` that the owner of
#: the new file may always set — must be copied.
_PRIVILEGED_XATTR_PREFIXES = ("trusted.", "security.")


def _copy_extended_attributes(path: str, fd: int) -> list[str]:
    """Give the new file the old one's extended attributes, its POSIX ACL among them; returns
    their names.

    Without its ACL the new file would be governed by its mode alone, whose group bits show
    the ACL's mask: a 0600 file readable by one named user (mode 0640) would become readable
    by its whole group, and no longer by that user.
    """
    if not hasattr(os, "listxattr"):  # pragma: no cover - not Linux
        return []
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError as error:
        if error.errno in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOENT):
            return []  # this filesystem has none, or the file has just gone
        raise
    for name in names:
        try:
            value = os.getxattr(path, name, follow_symlinks=False)
        except OSError as error:
            if error.errno in (errno.ENODATA, errno.ENOENT):
                continue  # removed meanwhile
            raise
        try:
            os.setxattr(fd, name, value)
        except PermissionError:
            if not name.startswith(_PRIVILEGED_XATTR_PREFIXES):
                raise
            logger.warning("%s: the attribute %s could not be kept (not permitted)", path, name)
    return names


@_interrupts.critical
def quarantine(path: str, data: bytes, *, durable: bool) -> str:
    """Keep a copy of unparseable bytes beside ``path``; returns the copy's path."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _platform.NOFOLLOW | _platform.CLOEXEC
    for _attempt in range(100):
        copy_path = quarantine_path_for(path, stamp, _tokens.token_hex(3))
        try:
            fd = os.open(copy_path, flags, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            if durable:
                os.fsync(file.fileno())
        if durable:
            _platform.fsync_directory(os.path.dirname(path) or ".")
        return copy_path
    raise FileExistsError(f"could not create a quarantine copy beside {path}")


@_interrupts.critical
def legacy_leftover(path: str) -> tuple[str, bytes] | None:
    """The ``X.json.tmp`` a legacy writer left when it died between unlink and rename."""
    temp_path = legacy_temp_path_for(path)
    try:
        fd = os.open(temp_path, _READ_FLAGS | _platform.NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            return None
        return temp_path, file.read()


@_interrupts.critical
def adopt_leftover(temp_path: str, path: str, *, durable: bool) -> None:
    """Put a legacy writer's finished temp file in place of the missing data file."""
    if durable:
        fd = os.open(temp_path, os.O_RDONLY | _platform.NOFOLLOW | _platform.CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    os.replace(temp_path, path)
    if durable:
        _platform.fsync_directory(os.path.dirname(path) or ".")
