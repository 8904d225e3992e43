"""Unpredictable names (temp files, lock tokens) without a system call for each one.

``secrets.token_hex`` asks the kernel for its bytes on every call (``getrandom``): two calls per
update, each with its Python wrapping, on the path of every write (issue 9, §6). Here the
kernel's random bytes are drawn a block at a time and handed out in slices that are never
handed out twice: each name is as unpredictable to other processes as ``secrets.token_hex``'s.

Threads need no lock: ``list.pop`` is atomic, so two threads never take the same token; a
thread that finds none left draws a new block and takes one of its own. A forked child draws
afresh, or parent and child would name their next files alike.
"""

from __future__ import annotations

import os

#: Every token is at most this many bytes (the longest lockcore makes).
_SLOT_BYTES = 8
#: Random bytes drawn from the kernel at once: 512 tokens.
_BLOCK_BYTES = 4096
_SLOT_HEX = 2 * _SLOT_BYTES

#: The tokens drawn and not handed out yet, each the hex of one slot of a block. ``list.pop``
#: takes one in a single indivisible step: two threads never get the same one, and a thread
#: that finds the list empty fills it from a block of its own. (A slice of one block per
#: draw, found by a shared counter, cost ~40 bytecodes of every lock taken; issue 9 §6.)
_ready: list[str] = []


def token_hex(nbytes: int) -> str:
    """``nbytes`` random bytes as hex, like ``secrets.token_hex``, never the same slice twice."""
    if nbytes > _SLOT_BYTES:
        return os.urandom(nbytes).hex()
    try:
        token = _ready.pop()
    except IndexError:
        token = _refill()
    return token if nbytes == _SLOT_BYTES else token[: 2 * nbytes]


def _refill() -> str:
    """Draw a block: keep all its tokens but one, which is returned."""
    block = os.urandom(_BLOCK_BYTES).hex()
    tokens = [block[start : start + _SLOT_HEX] for start in range(0, len(block), _SLOT_HEX)]
    token = tokens.pop()
    _ready.extend(tokens)
    return token


def _draw_afresh_in_child() -> None:
    _ready.clear()  # the parent's are the parent's


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_draw_afresh_in_child)
