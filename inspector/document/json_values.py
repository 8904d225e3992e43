"""JSON values as the document tree sees them (no Qt): their types, exact equality (``True`` is
not ``1``, ``-0.0`` is not ``0.0``), converting a value to another type, and reading and writing
a scalar as the tree shows it."""

from __future__ import annotations

import enum
import json
import marshal
import math
import re
import time
from collections.abc import Iterator
from typing import Any, Final


class JsonType(str, enum.Enum):
    """The type shown in the tree's type column; numbers keep integer and float apart."""

    OBJECT = "object"
    ARRAY = "array"
    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    NULL = "null"

    @property
    def is_container(self) -> bool:
        return self in _CONTAINER_TYPES


_CONTAINER_TYPES: Final = frozenset((JsonType.OBJECT, JsonType.ARRAY))


_EXACT_JSON_TYPES: Final[dict[type, JsonType]] = {
    dict: JsonType.OBJECT,
    list: JsonType.ARRAY,
    str: JsonType.STRING,
    int: JsonType.INTEGER,
    float: JsonType.FLOAT,
    bool: JsonType.BOOLEAN,
    type(None): JsonType.NULL,
}


def json_type_of(value: Any) -> JsonType:  # noqa: PLR0911 - one return per JSON type
    """The :class:`JsonType` of a value as ``json.loads`` returns it."""
    exact = _EXACT_JSON_TYPES.get(type(value))
    if exact is not None:  # what json.loads returns: one lookup (a node is built per member)
        return exact
    # subclasses: bool before int: True is an int in Python but a boolean in JSON.
    if isinstance(value, bool):
        return JsonType.BOOLEAN
    if isinstance(value, int):
        return JsonType.INTEGER
    if isinstance(value, float):
        return JsonType.FLOAT
    if isinstance(value, str):
        return JsonType.STRING
    if value is None:
        return JsonType.NULL
    if isinstance(value, dict):
        return JsonType.OBJECT
    if isinstance(value, list | tuple):
        return JsonType.ARRAY
    raise TypeError(f"not a JSON value: {type(value).__name__}")


_known_comparison: tuple[Any, Any, bool] | None = None
"""(a, b, json_equal(a, b)) found ahead by :func:`compare_ahead`; held, so that neither id is
reused while it is (documents are never mutated: the answer stays true)."""


def compare_ahead(a: Any, b: Any) -> None:
    """Compare ``a`` and ``b`` now (on a worker thread), so that the next ``json_equal(a, b)``
    of these very objects answers at once: a raw edit's document is compared with the tree's
    (is it an edit at all, which members changed), twice, a walk of up to ~40 ms each over a
    megabyte of keys that would otherwise run on the GUI thread."""
    global _known_comparison  # noqa: PLW0603 - one slot, replaced by one (atomic) assignment
    _known_comparison = (a, b, _compare(a, b))


def forget_comparison() -> None:
    """Let go of the documents the comparison found ahead was kept for."""
    global _known_comparison  # noqa: PLW0603 - see compare_ahead
    _known_comparison = None


def json_equal(a: Any, b: Any) -> bool:
    """Equality that respects JSON types: ``1``, ``1.0`` and ``true`` are three different values.

    Python's ``==`` treats them as equal, which would make a type change invisible to a merge.
    Object key order is not significant; array order is.
    """
    known = _known_comparison
    if known is not None and known[0] is a and known[1] is b:
        return known[2]
    return _compare(a, b)


def _compare(a: Any, b: Any) -> bool:
    if isinstance(a, dict | list) and _identical(a, b, 0):
        return True  # at C speed: a save compares whole documents (seconds in Python at 50 MB)
    return _json_equal_walk(a, b)


_WHOLE_BELOW_DEPTH: Final = 2
"""Containers this deep or deeper, with at most _WHOLE_MEMBERS members, are compared in one C
call; bigger ones member by member, so that no single call holds the GIL for long (a worker
compares documents while the GUI thread waits for the GIL)."""
_WHOLE_MEMBERS: Final = 64
_HAND_OVER_EVERY: Final = 1024


def _identical(a: Any, b: Any, depth: int) -> bool:
    """Equal, with the same types (``marshal`` tells ``True``, ``1`` and ``1.0`` apart) and the
    same key order. False may still be :func:`json_equal` (keys in another order)."""
    # One object (a document and the edit or merge that shares its unchanged members) is
    # equal without serialising it twice: that took seconds at 50 MB, on the GUI thread after
    # a merged save.
    if a is b or type(a) is not type(b):
        return a is b
    try:
        if isinstance(a, dict | list) and (depth < _WHOLE_BELOW_DEPTH or len(a) > _WHOLE_MEMBERS):
            if len(a) != len(b) or (isinstance(a, dict) and list(a) != list(b)):
                return False
            if isinstance(a, dict):
                pairs: Iterator[tuple[Any, Any]] = ((a[key], b[key]) for key in a)
            else:
                pairs = zip(a, b, strict=True)
            for count, (x, y) in enumerate(pairs, 1):
                if count % _HAND_OVER_EVERY == 0:
                    time.sleep(0)  # hand the GIL over for sure
                if not _identical(x, y, depth + 1):
                    return False
            return True
        return bool(a == b) and marshal.dumps(a, 2) == marshal.dumps(b, 2)
    except (ValueError, RecursionError):  # not marshallable (a subclass), or too deep
        return False


def _json_equal_walk(a: Any, b: Any) -> bool:
    type_a, type_b = json_type_of(a), json_type_of(b)
    if type_a is not type_b:
        return False
    if type_a is JsonType.OBJECT:
        return a.keys() == b.keys() and all(_json_equal_walk(a[k], b[k]) for k in a)
    if type_a is JsonType.ARRAY:
        return len(a) == len(b) and all(_json_equal_walk(x, y) for x, y in zip(a, b, strict=True))
    if type_a is JsonType.FLOAT and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


class ConversionRefusedError(ValueError):
    """A value cannot become another type without losing what it holds; says why."""


def convert_value(value: Any, target: JsonType) -> Any:  # noqa: PLR0911 - one rule per target
    """``value`` as a ``target``, or :class:`ConversionRefusedError` when it would be lost.

    A string that spells a number becomes that number, numbers become their text, an array
    becomes an object keyed "0", "1", ..., a string holding a JSON object or array becomes it,
    any other scalar becomes an array's only item.
    What does not carry over ("hello world" as an integer, 2.5 as an integer, an object's keys
    in an array) is refused rather than replaced by 0 or dropped: the person decides. ``null``
    (nothing to lose) becomes any type's empty value, and any value may be made ``null``.
    """
    source = json_type_of(value)
    if source is target:
        return value
    if target is JsonType.NULL:
        return None  # asked for explicitly: the value is meant to go (undo brings it back)
    if source is JsonType.NULL:
        return _EMPTY[target]
    if target is JsonType.STRING:
        if source.is_container or source is JsonType.BOOLEAN:
            return json.dumps(value, ensure_ascii=False)
        return str(value)
    if target is JsonType.INTEGER:
        return _to_int(value)
    if target is JsonType.FLOAT:
        return _to_float(value)
    if target is JsonType.BOOLEAN:
        return _to_bool(value)
    return _to_container(value, target)


_EMPTY: Final[dict[JsonType, Any]] = {
    JsonType.STRING: "",
    JsonType.INTEGER: 0,
    JsonType.FLOAT: 0.0,
    JsonType.BOOLEAN: False,
    JsonType.OBJECT: {},
    JsonType.ARRAY: [],
}
_TRUE_WORDS: Final = ("true", "yes", "on", "1")
_FALSE_WORDS: Final = ("false", "no", "off", "0", "")


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def _refuse(value: Any, target: JsonType, why: str) -> ConversionRefusedError:
    return ConversionRefusedError(f"{_shown(value)} cannot be made {_article(target)}: {why}")


def _article(target: JsonType) -> str:
    return f"an {target.value}" if target.value[0] in "aeiou" else f"a {target.value}"


def _number_in(value: Any, target: JsonType) -> int | float:
    """The finite number a string, boolean or number stands for."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        number: Any = value
    elif isinstance(value, str):
        try:
            number = parse_scalar(value, JsonType.FLOAT)
        except ValueError as exc:
            raise _refuse(value, target, "it is not a number") from exc
    else:
        raise _refuse(value, target, f"its {json_type_of(value).value} would be lost")
    if isinstance(number, float) and not math.isfinite(number):
        raise _refuse(value, target, "JSON has no NaN or Infinity")
    return int(number) if isinstance(number, int) else float(number)


def _to_int(value: Any) -> int:
    number = _number_in(value, JsonType.INTEGER)
    if isinstance(number, float):
        if not number.is_integer():
            raise _refuse(value, JsonType.INTEGER, "it is not a whole number")
        return int(number)
    return number


def _to_float(value: Any) -> float:
    number = _number_in(value, JsonType.FLOAT)
    try:
        result = float(number)
    except OverflowError as exc:
        raise _refuse(value, JsonType.FLOAT, "it is too large for a float") from exc
    if isinstance(number, int) and int(result) != number:
        raise _refuse(value, JsonType.FLOAT, "a float would not hold all its digits")
    return result


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS or word in _FALSE_WORDS:
            return word in _TRUE_WORDS
        raise _refuse(value, JsonType.BOOLEAN, "it is not true or false (or yes/no, 1/0)")
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, int | float):
        raise _refuse(value, JsonType.BOOLEAN, "only 0 and 1 are false and true")
    if not value:
        return False  # an empty container: nothing is lost
    raise _refuse(value, JsonType.BOOLEAN, "its members would be lost")


def _to_container(value: Any, target: JsonType) -> Any:
    if isinstance(value, str):
        if not value.strip():
            return _EMPTY[target]
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if json_type_of(parsed) is target:
            return parsed  # the string spelled it: '{"a": 1}' becomes that object
        if target is JsonType.ARRAY:
            return [value]
        raise _refuse(value, target, f"it is not the text of {_article(target)}")
    if isinstance(value, list) and target is JsonType.OBJECT:
        return {str(i): item for i, item in enumerate(value)}
    if isinstance(value, dict) and target is JsonType.ARRAY:
        if value:
            raise _refuse(value, target, "the keys of its members would be lost")
        return []
    if target is JsonType.ARRAY:
        return [value]  # its only item: nothing is lost
    raise _refuse(value, target, f"the {json_type_of(value).value} would be lost")


def parse_scalar(text: str, json_type: JsonType) -> Any:
    """Parse what a user typed for a value of ``json_type``; raise ``ValueError`` if it cannot be.

    Strings are taken literally. For numbers, what was typed decides between integer and float.
    A ``null`` accepts any JSON literal and otherwise becomes the typed string.
    """
    stripped = text.strip()
    if json_type is JsonType.STRING:
        return text
    if json_type in (JsonType.INTEGER, JsonType.FLOAT):
        try:
            number = json.loads(stripped)
        except json.JSONDecodeError:
            number = None
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValueError(f"{text!r} is not a number")
        _refuse_unrepresentable(text, number)
        return number
    if json_type is JsonType.BOOLEAN:
        lowered = stripped.lower()
        if lowered not in ("true", "false"):
            raise ValueError(f"{text!r} is not true or false")
        return lowered == "true"
    if json_type is JsonType.NULL:
        try:
            literal = json.loads(stripped)
        except json.JSONDecodeError:
            return text
        if isinstance(literal, float):
            _refuse_unrepresentable(text, literal)
        return literal
    raise ValueError(f"a {json_type.value} is edited through its members")


_NONZERO_DIGIT_BEFORE_EXPONENT: Final = re.compile(r"^[^eE]*[1-9]")


def _refuse_unrepresentable(text: str, number: float) -> None:
    """Refuse what Python reads but JSON cannot write: ``NaN``, ``Infinity``, ``1e999`` (which
    would be written as ``Infinity``, rejected by JavaScript, Go and jq) and ``1e-999`` (which
    would be written as 0.0)."""
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError(
            f"{text.strip()!r} is not a finite number; JSON has no NaN or Infinity, and other "
            "programs reject them"
        )
    if number == 0 and _NONZERO_DIGIT_BEFORE_EXPONENT.match(text.strip()):
        raise ValueError(f"{text.strip()!r} is too small for a float: it would be saved as 0")


def format_scalar(value: Any) -> str:
    """The one-line text of a scalar value as the tree shows it (strings without quotes)."""
    if isinstance(value, str):
        return value
    return json.dumps(value)
