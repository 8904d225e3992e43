"""How file names and paths are shown: on one line, whatever bytes they are made of.

A name on disk may hold bytes that are not UTF-8 (Python gives them as lone surrogates, which
Qt cannot show) and control characters (a newline in a name split a table row and the pane's
title in two). Paths are shown through :func:`printable_path`; I/O always uses the real path.
"""

from __future__ import annotations

import os

__all__ = ["printable_name", "printable_path"]

#: Control characters as escapes (``\n``, ``\x1b``).
_CONTROL_ESCAPES = {code: repr(chr(code))[1:-1] for code in (*range(0x20), *range(0x7F, 0xA0))}


def printable_path(path: str) -> str:
    """``path`` safe to show on one line: bytes that are not UTF-8 become U+FFFD, control
    characters escapes."""
    if path.isascii() and path.isprintable():
        return path
    shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return shown.translate(_CONTROL_ESCAPES)


def printable_name(path: str) -> str:
    """The last part of ``path``, safe to show (see :func:`printable_path`)."""
    return printable_path(os.path.basename(path))
