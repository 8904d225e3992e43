"""Unpredictable names (temp files, lock tokens) without a system call for each one.

``secrets.token_hex`` asks the kernel for its bytes on every call (``getrandom``): two calls per
update, each with its Python wrapping, on the path of every write (issue 9, §6). Here the
kernel's random bytes are drawn a block at a time and handed out in slices that are never
handed out twice: each name is as unpredictable to other processes as ``secrets.token_hex``'s.

Threads need no lock: ``next()`` on a shared counter is atomic, so two threads never take the
same slice of a block; two threads that both find the block used up each draw a new one and
take their slice from their own. A forked child draws afresh, or parent and child would name
their next files alike.
"""

from __future__ import annotations

import itertools
import os

#: Every draw takes a slot of this many bytes (the longest token lockcore makes).
_SLOT_BYTES = 8
#: Random bytes drawn from the kernel at once: 512 slots.
_BLOCK_BYTES = 4096

_draws = itertools.count()
#: (the first draw number it serves, its bytes)
_block: tuple[int, bytes] = (-_BLOCK_BYTES, b"")


def token_hex(nbytes: int) -> str:
    """``nbytes`` random bytes as hex, like ``secrets.token_hex``, never the same slice twice."""
    global _block  # noqa: PLW0603 - swapped whole, one tuple at a time
    if nbytes > _SLOT_BYTES:
        return os.urandom(nbytes).hex()
    draw = next(_draws)
    first, block = _block
    offset = (draw - first) * _SLOT_BYTES
    if not 0 <= offset < _BLOCK_BYTES:
        # Used up (or drawn by another thread meanwhile): a block of our own, from our draw.
        block = os.urandom(_BLOCK_BYTES)
        _block = (draw, block)
        offset = 0
    return block[offset : offset + nbytes].hex()


def _draw_afresh_in_child() -> None:
    global _block  # noqa: PLW0603 - the parent's block is the parent's
    _block = (-_BLOCK_BYTES, b"")


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_draw_afresh_in_child)
