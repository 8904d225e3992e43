"""Writing JSON as lockcore writes it: a whole document anew (lone surrogates escaped, NaN and
±Infinity refused with where they are), and a scalar's text without building an encoder."""

from __future__ import annotations

import json
import json.decoder
import json.encoder
import json.scanner
import math
import re
from collections.abc import Callable
from typing import Any

_ENCODE: Callable[[str], str] = json.encoder.encode_basestring
_ENCODE_ASCII: Callable[[str], str] = json.encoder.encode_basestring_ascii


_SURROGATE = re.compile("[\ud800-\udfff]")


class NonFiniteValueError(ValueError):
    """A new value holds NaN or ±Infinity, which JSON cannot carry; ``.location`` finds it."""

    def __init__(self, location: tuple[str | int, ...]) -> None:
        where = "".join(f"[{part!r}]" for part in location) or "the document"
        super().__init__(f"{where} is not a finite number (NaN or Infinity); JSON cannot hold it")
        self.location = location


def serialize(document: Any, indent: int | str | None, *, allow_nan: bool = False) -> bytes:
    """The whole document written anew (an explicit indent, or a new file), as ``json.dumps``
    with ``ensure_ascii=False`` but lone surrogates as ``\\ud800`` escapes. NaN or ±Infinity
    raise NonFiniteValueError unless ``allow_nan``."""
    separators = (",", ": ") if indent is not None else (", ", ": ")
    if allow_nan:
        text = json.dumps(document, indent=indent, separators=separators, ensure_ascii=False)
    else:
        text = _dumps(document, indent, separators, ensure_ascii=False)
    return _escape_surrogates(text).encode()


def _escape_surrogates(text: str) -> str:
    if _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _dumps(
    value: Any, indent: int | str | None, separators: tuple[str, str], *, ensure_ascii: bool
) -> str:
    try:
        return json.dumps(
            value,
            indent=indent,
            separators=separators,
            ensure_ascii=ensure_ascii,
            allow_nan=False,
        )
    except ValueError as error:
        location = _non_finite_location(value, ())
        if location is None:
            raise
        raise NonFiniteValueError(location) from error


def _non_finite_location(
    value: Any, location: tuple[str | int, ...]
) -> tuple[str | int, ...] | None:
    if isinstance(value, float) and not math.isfinite(value):
        return location
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _non_finite_location(item, (*location, key))
        if found is not None:
            return found
    return None


_CONSTANTS: dict[Any, str] = {None: "null", True: "true", False: "false"}


def _scalar_text(value: Any, *, ascii_only: bool) -> str | None:
    """What ``json.dumps`` writes for a string, an int, a finite float or a constant, without
    building an encoder (a third of a small store's edit); None for anything else."""
    kind = type(value)
    if kind is str:
        return _ENCODE_ASCII(value) if ascii_only else _ENCODE(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    if kind is bool or value is None:
        return _CONSTANTS[value]
    return None
