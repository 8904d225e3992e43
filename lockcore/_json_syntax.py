"""A JSON syntax check that builds no values and does not recurse: how deep a text goes, or
where it stops being JSON. Used only when Python refused a text (an integer too long to
convert, nesting too deep), to say whether it is valid JSON all the same."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Final


def _longest_integer(text: str, limit: int) -> tuple[int, int] | None:
    """Where the first integer Python refuses starts, and its digits; None if none is."""
    if not limit:
        return None
    found = re.search(rf"(?<![\d.eE+-])-?\d{{{limit + 1},}}", text)
    if found is None:
        return None
    digits = found.end() - found.start() - (text[found.start()] == "-")
    return found.start(), digits


@dataclass(frozen=True)
class _Depth:
    depth: int
    deepest_at: int


_WHITESPACE: Final = re.compile(r"[ \t\n\r]*")
_scanstring: Final = json.decoder.scanstring  # type: ignore[attr-defined]  # C, undeclared
_NUMBER: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LITERAL: Final = re.compile(r"true|false|null|NaN|-?Infinity")


def _validate(text: str) -> _Depth | tuple[str, int]:  # noqa: PLR0911, PLR0912 - a grammar
    """Check JSON syntax without building values or recursing: how deep it goes, or
    ``(message, offset)`` where it stops being JSON. Used only when Python refused the text."""
    stack: list[str] = []  # "{" or "["
    deepest, deepest_at = 0, 0
    position = _WHITESPACE.match(text, 0).end()  # type: ignore[union-attr]
    expect_value = True
    while True:
        if expect_value:
            char = text[position : position + 1]
            if char in ("{", "["):
                stack.append(char)
                if len(stack) > deepest:
                    deepest, deepest_at = len(stack), position
                position = _WHITESPACE.match(text, position + 1).end()  # type: ignore[union-attr]
                closing = "}" if char == "{" else "]"
                if text[position : position + 1] == closing:
                    stack.pop()
                    position += 1
                    expect_value = False
                elif char == "{":
                    after_key = _key(text, position)
                    if isinstance(after_key, tuple):
                        return after_key
                    position = after_key
                continue
            if char == '"':
                after_string = _string_end(text, position)
                if isinstance(after_string, tuple):
                    return after_string
                position = after_string
            else:
                match = _NUMBER.match(text, position) or _LITERAL.match(text, position)
                if match is None:
                    return "Expecting value", position
                position = match.end()
            expect_value = False
            continue
        position = _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
        if not stack:
            if position != len(text):
                return "Extra data", position
            return _Depth(deepest, deepest_at)
        char = text[position : position + 1]
        if char == ",":
            position = _WHITESPACE.match(text, position + 1).end()  # type: ignore[union-attr]
            if stack[-1] == "{":
                after_key = _key(text, position)
                if isinstance(after_key, tuple):
                    return after_key
                position = after_key
            expect_value = True
        elif char == ("}" if stack[-1] == "{" else "]"):
            stack.pop()
            position += 1
        else:
            return "Expecting ',' delimiter", position


def _key(text: str, position: int) -> int | tuple[str, int]:
    """Where the value after ``"key" :`` begins, or ``(message, offset)`` of what is wrong."""
    if text[position : position + 1] != '"':
        return "Expecting property name enclosed in double quotes", position
    after_string = _string_end(text, position)
    if isinstance(after_string, tuple):
        return after_string
    position = _WHITESPACE.match(text, after_string).end()  # type: ignore[union-attr]
    if text[position : position + 1] != ":":
        return "Expecting ':' delimiter", position
    return _WHITESPACE.match(text, position + 1).end()  # type: ignore[union-attr]


def _string_end(text: str, position: int) -> int | tuple[str, int]:
    """Where the string starting at ``position`` (its quote) ends, or where and why it breaks:
    json's own string scanner, so that its words and places are json.loads's."""
    try:
        return int(_scanstring(text, position + 1, True)[1])
    except json.JSONDecodeError as error:
        return error.msg, error.pos
