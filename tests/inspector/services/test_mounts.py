"""Which filesystem a folder is on, read from a mountinfo file (network shares are polled)."""

from __future__ import annotations

from inspector.services.mounts import filesystem_type


def test_filesystem_type_takes_the_deepest_mount_and_unescapes(tmp_path):
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
        "30 22 0:40 / /mnt/my\\040share rw - cifs //host/share rw\n"
        "31 22 0:41 / /mnt/my rw - fuse.sshfs me@host: rw\n"
    )
    assert filesystem_type("/mnt/my share/x", str(mountinfo)) == "cifs"
    assert filesystem_type("/mnt/my/x", str(mountinfo)) == "fuse.sshfs"
    assert filesystem_type("/mnt/myother", str(mountinfo)) == "ext4"
    assert filesystem_type("/x", str(tmp_path / "missing")) is None
