"""Opening a store's file for reading, refusing anything that is not a regular file.

A ``*.json`` name can belong to a named pipe (opening it waits for a writer, forever: the
listing of the whole folder stalled behind it), to a link to a device (``/dev/zero`` reads
without end: the document loader filled memory) or to a folder. lockcore's reads refuse those;
the inspector, which reads every store of a folder to check it, refuses them the same way,
without blocking: the file is opened non-blocking and judged by what ``fstat`` says it is.
"""

from __future__ import annotations

import errno
import io
import os
import stat

__all__ = ["READ_FLAGS", "NotARegularFileError", "open_regular"]

#: ``os.open`` flags that never wait (a named pipe opens at once) and are not inherited; the
#: caller tells a file that is not regular by ``fstat``, with :class:`NotARegularFileError`.
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotARegularFileError(OSError):
    """The path is a folder, a named pipe, a device or a socket: there is no document to read.

    ``kind`` says which, in words ("a named pipe").
    """

    def __init__(self, path: str, mode: int) -> None:
        self.kind = next((words for test, words in _KINDS if test(mode)), "not a regular file")
        super().__init__(errno.EINVAL, f"Not a regular file: it is {self.kind}", path)


def open_regular(path: str) -> io.FileIO:
    """Open ``path`` for reading (unbuffered); raises :class:`NotARegularFileError` for
    anything but a regular file, and ``OSError`` as ``open`` does."""
    fd = os.open(path, READ_FLAGS)
    try:
        mode = os.fstat(fd).st_mode
    except BaseException:
        os.close(fd)
        raise
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotARegularFileError(path, mode)
    return io.FileIO(fd, "rb", closefd=True)
