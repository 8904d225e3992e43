"""Which filesystem a folder is on, from ``/proc/self/mountinfo``: a network share is polled,
since inotify misses the changes other machines make there (see :mod:`.watcher`). Reads one
file and follows symbolic links with ``readlink`` alone, never inside a network mount, so a
share that stopped answering cannot block the GUI thread this runs on."""

from __future__ import annotations

import os

__all__ = ["MOUNTINFO", "NETWORK_FILESYSTEMS", "filesystem_type"]

#: Filesystems on which inotify misses changes made by other machines: these are polled.
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "9p",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "davfs",
        "fuse.sshfs",
        "fuse.rclone",
        "fuse.davfs2",
        "fuse.glusterfs",
        "fuse.ceph",
        "fuse.s3fs",
    }
)
MOUNTINFO = "/proc/self/mountinfo"


def _unescape_mount_field(field: str) -> str:
    # mountinfo writes space, tab, newline and backslash as octal escapes (\040 ...).
    if "\\" not in field:
        return field
    out: list[str] = []
    index = 0
    while index < len(field):
        if field[index] == "\\" and field[index + 1 : index + 4].isdigit():
            out.append(chr(int(field[index + 1 : index + 4], 8)))
            index += 4
        else:
            out.append(field[index])
            index += 1
    return "".join(out)


#: Links followed at most when looking for a path's filesystem (Linux's own limit is 40).
_MAX_LINKS_FOLLOWED = 40


def _read_mounts(mountinfo: str) -> list[tuple[str, str]] | None:
    """(mount point, filesystem type) of every line of ``mountinfo``; None if unreadable."""
    mounts: list[tuple[str, str]] = []
    try:
        with open(mountinfo, encoding="utf-8", errors="surrogateescape") as handle:
            for line in handle:
                left, separator, right = line.partition(" - ")
                fields = left.split()
                if not separator or len(fields) < 5 or not right.split():
                    continue
                mounts.append((_unescape_mount_field(fields[4]), right.split()[0]))
    except OSError:
        return None
    return mounts


def _mounted_type(path: str, mounts: list[tuple[str, str]]) -> str | None:
    best, best_type = -1, None
    for mount_point, fstype in mounts:
        inside = path == mount_point or path.startswith(mount_point.rstrip("/") + "/")
        # Later lines are mounted over earlier ones at the same point.
        if inside and len(mount_point) >= best:
            best, best_type = len(mount_point), fstype
    return best_type


def _follow_first_link(path: str, mounts: list[tuple[str, str]]) -> str | None:
    """``path`` with its first symbolic link component replaced by the link's target, or None
    when no component is a link. Uses ``readlink`` alone, and stops at a network mount."""
    parts = path.strip("/").split("/")
    prefix = "/"
    for index, part in enumerate(parts):
        prefix = os.path.join(prefix, part)
        if _mounted_type(prefix, mounts) in NETWORK_FILESYSTEMS:
            return None
        try:
            target = os.readlink(prefix)
        except OSError:  # not a link, or not there
            continue
        rest = parts[index + 1 :]
        return os.path.normpath(os.path.join(os.path.dirname(prefix), target, *rest))
    return None


def filesystem_type(path: str, mountinfo: str = MOUNTINFO) -> str | None:
    """The type of the filesystem ``path`` (absolute) is on, from ``mountinfo``; None if unknown.

    Symbolic links on the way are followed (``~/shared`` -> ``/mnt/nfs/team``), but with
    ``readlink`` alone, and never inside a network mount: a share that stopped answering
    cannot block this, which runs on the GUI thread.
    """
    mounts = _read_mounts(mountinfo)
    if mounts is None:
        return None
    path = os.path.normpath(path)
    for _ in range(_MAX_LINKS_FOLLOWED):
        fstype = _mounted_type(path, mounts)
        followed = None if fstype in NETWORK_FILESYSTEMS else _follow_first_link(path, mounts)
        if followed is None:
            return fstype
        path = followed
    return _mounted_type(path, mounts)  # a link loop: where the last link pointed
