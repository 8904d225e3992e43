"""Whether a new value is what the file holds, for the format-keeping editor (``_jsonedit.py``):
exactly, as serialised (``True`` is not ``1``, ``1`` not ``1.0``, ``0.0`` not ``-0.0``, all of
which ``==`` calls equal), and which items of two array middles match (an insertion or a
deletion then rewrites only the items it touches)."""

from __future__ import annotations

import difflib
import marshal
import math
from collections.abc import Sequence
from typing import Any

_MATCH_LIMIT = 2000  # array middles longer than this are replaced, not matched item by item


def _same(old: Any, new: Any) -> bool:  # noqa: PLR0911 - one answer per JSON type
    """True when ``new`` serialises exactly as ``old``: strict about types and -0.0."""
    if old is new:
        return True
    kind = type(old)
    if kind is not type(new):
        return False
    if kind is float:
        if math.isnan(old):
            return math.isnan(new)
        return bool(old == new) and math.copysign(1.0, old) == math.copysign(1.0, new)
    if kind is dict or kind is list:
        if old != new:  # also when NaN is inside: the walk then compares item by item
            return False
        try:
            return marshal.dumps(old, 2) == marshal.dumps(new, 2)
        except ValueError:  # a subclass or another type marshal refuses: compare closer
            return False
    return bool(old == new)


def _match(old: list[Any], new: list[Any]) -> Sequence[tuple[str, int, int, int, int]]:
    """difflib opcodes between two array middles, by exact serialised identity."""
    if not old or not new or len(old) > _MATCH_LIMIT or len(new) > _MATCH_LIMIT:
        return [("replace", 0, len(old), 0, len(new))]
    matcher = difflib.SequenceMatcher(None, _keys(old), _keys(new), autojunk=False)
    return matcher.get_opcodes()


def _keys(values: list[Any]) -> list[Any]:
    keys: list[Any] = []
    for value in values:
        try:
            keys.append((type(value).__name__, marshal.dumps(value, 2)))
        except ValueError:
            keys.append(object())  # matches nothing: compared as changed
    return keys
