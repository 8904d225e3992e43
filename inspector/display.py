"""How file names, paths and lock holders are shown: on one line, whatever bytes they are made of.

A name on disk may hold bytes that are not UTF-8 (Python gives them as lone surrogates, which
Qt cannot show) and control characters (a newline in a name split a table row and the pane's
title in two). Paths are shown through :func:`printable_path`; I/O always uses the real path.
"""

from __future__ import annotations

import os

from lockcore import LockInfo, LockState

__all__ = [
    "describe_holder",
    "describe_process",
    "is_printable_ascii",
    "printable_name",
    "printable_path",
]

#: Control characters as escapes (``\n``, ``\x1b``).
_CONTROL_ESCAPES = {code: repr(chr(code))[1:-1] for code in (*range(0x20), *range(0x7F, 0xA0))}
#: The printable ASCII characters, as bytes to delete: what is left is not printable.
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


def is_printable_ascii(text: str) -> bool:
    """``text.isascii() and text.isprintable()``, for long texts (a folder's names joined):
    ``isprintable`` looks each character up in the Unicode tables (2.1 ms for 100,000 names
    of 17 characters), deleting the printable ones from the bytes goes a table lookup a byte
    (0.6 ms; ``isascii`` is known of every string without a look)."""
    return text.isascii() and not text.encode("ascii").translate(None, _PRINTABLE_ASCII)


def printable_path(path: str) -> str:
    """``path`` safe to show on one line: bytes that are not UTF-8 become U+FFFD, control
    characters escapes."""
    if path.isascii() and path.isprintable():  # (a short text: quicker than is_printable_ascii)
        return path
    shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return shown.translate(_CONTROL_ESCAPES)


def printable_name(path: str) -> str:
    """The last part of ``path``, safe to show (see :func:`printable_path`)."""
    return printable_path(os.path.basename(path))


def describe_process(info: LockInfo) -> str:
    """A holder's program as people know it: the script for interpreters ("sync.py")."""
    for argument in info.cmdline[1:]:
        if argument.endswith((".py", ".sh", ".js", ".rb", ".pl")):
            return printable_name(argument)
    if info.process_name:
        return printable_path(info.process_name)
    if info.cmdline:
        return printable_name(info.cmdline[0])
    return "unknown process"


def describe_holder(info: LockInfo | None, *, with_host: bool = True) -> str:
    """The holder in words, the same wherever the app names one: "PID 4711, sync.py", with
    " on build-03" when it is another machine (unless ``with_host`` is False: the sentence
    names the host itself). lockcore's ``LockInfo.describe_holder`` words its own messages."""
    if info is None or info.pid is None:
        return "another process"
    text = f"PID {info.pid}, {describe_process(info)}"
    if with_host and info.state is LockState.HELD_OTHER_HOST and info.hostname:
        text += f" on {info.hostname}"
    return text
