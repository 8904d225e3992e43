"""Parsing lock files: the one-call parse of a lock file as lockcore writes it gives what the
general, line-by-line parse gives, for lock files of every shape (a Hypothesis property)."""

from __future__ import annotations

import math

from hypothesis import example, given, settings
from hypothesis import strategies as st

from lockcore._lock_content import (
    _AS_LOCKCORE_WRITES,
    ParsedLock,
    _parse_lock_content,
    _parse_lock_lines,
    new_lock_content,
)

#: Characters a line's value may hold, line breaks of every kind str.splitlines knows among them.
_CHARACTERS = st.sampled_from([*"0123456789.abz- _:\r\x0b\x0c\x1c\x1d\x1e\t\n", "\xe9"])
_VALUES = st.one_of(
    st.text(_CHARACTERS, max_size=12),
    st.sampled_from(["none", "1796507832.217012", "5195306", "", "nan", "1e3", "vm"]),
)
_KEYS = ("host", "name", "started", "start-ticks", "boot", "created", "token", "kernel-lock")


@st.composite
def lock_contents(draw: st.DrawFn) -> bytes:
    """A lock file: lockcore's lines in its order or shuffled, some left out, some repeated,
    values of every kind, now and then a stray line or a PID line with spaces."""
    pid = draw(st.sampled_from(["4711", " 4711", "4711 ", "0", "x", ""]))
    marker = draw(st.sampled_from(["lockcore 1", "lockcore 1", "lockcore 2", " lockcore 1"]))
    keys = [key for key in _KEYS if draw(st.booleans()) or key in ("host", "started")]
    if draw(st.booleans()):
        keys = draw(st.permutations(keys))
    if draw(st.booleans()):
        keys.append(draw(st.sampled_from(_KEYS)))  # a line twice
    lines = [pid, marker] + [f"{key} {draw(_VALUES)}" for key in keys]
    if draw(st.booleans()):
        lines.insert(draw(st.integers(2, len(lines))), draw(_VALUES))  # a stray line
    ending = draw(st.sampled_from(["\n", "\n", "", "\r\n", "\n\n"]))
    return (ending.join(lines) + ending).encode("utf-8")


@st.composite
def lockcore_layouts(draw: st.DrawFn) -> bytes:
    """A lock file laid out as lockcore writes one (its optional lines left out or not), with
    values of every kind: the shape the one-call parse takes, and its near misses."""
    optional = {"name", "start-ticks", "boot", "kernel-lock"}
    keys = [key for key in _KEYS if key not in optional or draw(st.booleans())]
    pid = draw(st.from_regex(r"\A[0-9]{1,7}\Z"))
    lines = [pid, "lockcore 1"] + [f"{key} {draw(_VALUES)}" for key in keys]
    ending = draw(st.sampled_from(["\n", "\n", "\n", "\r\n", "\n\n"]))
    return (ending.join(lines) + ending).encode("utf-8")


def _same(first: ParsedLock, second: ParsedLock) -> bool:
    """Equal, NaN included (float("nan") is no NaN's equal)."""
    return all(
        a == b
        or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))
        for a, b in zip(first, second, strict=True)
    )


@settings(max_examples=3000, deadline=None)
@given(st.one_of(lock_contents(), lockcore_layouts()))
@example(new_lock_content())
@example(new_lock_content(kernel_lock=False))
@example(b"4711\nlockcore 1\nhost vm\nstarted 1.5\ncreated 2.5\ntoken ab\n")
@example(b"4711\nlockcore 1\nhost vm\nstarted 1.5\ncreated 2.5\ntoken ab\r\n")
@example(b"4711\nlockcore 1\nhost v\x1cm\nstarted 1.5\ncreated 2.5\ntoken ab\n")
@example(b"4711\nlockcore 1\nhost \nname started 5\nstarted nan\ncreated x\ntoken \n")
def test_a_lock_file_as_lockcore_writes_it_parses_as_the_general_parse_says(
    content: bytes,
) -> None:
    parsed = _parse_lock_content(content)
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        assert parsed == ParsedLock(parsed.format)
        return
    assert _same(parsed, _parse_lock_lines(text)), (parsed, _parse_lock_lines(text))


def test_lockcore_own_lock_files_take_the_one_call_parse() -> None:
    for content in (new_lock_content(), new_lock_content(kernel_lock=False)):
        assert _AS_LOCKCORE_WRITES.fullmatch(content.decode("ascii")) is not None
