"""Where entries are in a JSON text (no Qt): the span to mark for each JSON path asked for.

A member is marked from its key to the end of its value (a container: its key and opening
bracket); an array item or the root from its first character. Positions count UTF-16 code
units, as a ``QTextCursor`` does. The text must be valid JSON (as the tree's document came
from it); for anything else the answer is incomplete, never wrong by an exception.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Collection
from typing import Final

from inspector.document.nodes import JsonKey

_LEXEME: Final = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")
_HAND_OVER_EVERY: Final = 8192


class _Frame:
    __slots__ = ("expecting_key", "is_object", "key", "key_start")

    def __init__(self, is_object: bool) -> None:
        self.is_object = is_object
        self.expecting_key = is_object
        self.key: JsonKey = 0  # the member key, or the item index
        self.key_start = -1


def locate_paths(  # noqa: PLR0912 - one branch per kind of lexeme
    text: str, wanted: Collection[tuple[JsonKey, ...]]
) -> dict[tuple[JsonKey, ...], tuple[int, int]]:
    """The ``(start, end)`` to mark for each of ``wanted`` found in ``text``."""
    targets = set(wanted)
    found: dict[tuple[JsonKey, ...], tuple[int, int]] = {}
    if not targets:
        return found
    stack: list[_Frame] = []
    for count, match in enumerate(_LEXEME.finditer(text)):
        if count % _HAND_OVER_EVERY == 0:
            time.sleep(0)  # a worker: let the GUI thread take the interpreter lock
        lexeme = match.group()
        start, end = match.span()
        frame = stack[-1] if stack else None
        if lexeme == ":":
            continue
        if lexeme == ",":
            if frame is not None:
                if frame.is_object:
                    frame.expecting_key = True
                else:
                    frame.key = int(frame.key) + 1
            continue
        if lexeme in ("}", "]"):
            if stack:
                stack.pop()
            continue
        if frame is not None and frame.expecting_key and lexeme.startswith('"'):
            try:
                frame.key = json.loads(lexeme)
            except ValueError:
                frame.key = lexeme[1:-1]
            frame.key_start = start
            frame.expecting_key = False
            continue
        # A value begins here.
        path = tuple(f.key for f in stack)
        if path in targets:
            mark_start = frame.key_start if frame is not None and frame.is_object else start
            mark_end = start + 1 if lexeme in ("{", "[") else end
            found[path] = (mark_start, mark_end)
            if len(found) == len(targets):
                break
        if lexeme in ("{", "["):
            stack.append(_Frame(lexeme == "{"))
    return _in_utf16(text, found)


def _in_utf16(
    text: str, spans: dict[tuple[JsonKey, ...], tuple[int, int]]
) -> dict[tuple[JsonKey, ...], tuple[int, int]]:
    if text.isascii() or _ASTRAL.search(text) is None:
        return spans
    return {
        path: (
            start + len(_ASTRAL.findall(text, 0, start)),
            end + len(_ASTRAL.findall(text, 0, end)),
        )
        for path, (start, end) in spans.items()
    }
