"""How the app's child processes (:mod:`.lock_event_process`, :mod:`.watch_process`) talk to it:
on their standard output, messages each a 4-byte length (little-endian) and that many bytes.
Qt-free: the children import it too."""

from __future__ import annotations

import struct
from collections.abc import Callable

__all__ = ["frame", "read_frames"]

_LENGTH = struct.Struct("<I")


def frame(data: bytes) -> bytes:
    """``data`` as one message on the wire."""
    return _LENGTH.pack(len(data)) + data


def read_frames(buffer: bytearray, handle: Callable[[bytes], None]) -> None:
    """Hand every complete message at the start of ``buffer`` to ``handle`` and remove it from
    ``buffer`` (what is left is the start of a message still coming)."""
    offset = 0
    size = len(buffer)
    while size - offset >= _LENGTH.size:
        (length,) = _LENGTH.unpack_from(buffer, offset)
        end = offset + _LENGTH.size + length
        if end > size:
            break
        handle(bytes(buffer[offset + _LENGTH.size : end]))
        offset = end
    del buffer[:offset]
