"""Removing one occurrence of a repeated key from a store (issue 10: duplicate keys are never
dropped without the person choosing, and when they choose, exactly that occurrence goes)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockcore import (
    CorruptJSONError,
    DuplicateKey,
    DuplicateKeyChangedError,
    find_duplicate_keys,
    list_versions,
    locked_remove_duplicate_key,
    read_version,
)

SETTINGS = (
    b'\xef\xbb\xbf{\r\n\t"theme": "dark",\r\n\t"window": {"w": 1, "w": 2.50},\r\n'
    b'\t"ratio": 1.50,\r\n\t"theme": "light"\r\n}\r\n'
)


def test_the_shadowed_occurrence_goes_and_every_other_byte_stays(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    store.write_bytes(SETTINGS)
    theme = find_duplicate_keys(SETTINGS)[0]
    assert (theme.key, theme.values) == ("theme", ("dark", "light"))

    written = locked_remove_duplicate_key(store, theme, 0)

    expected = SETTINGS.replace(b'\t"theme": "dark",\r\n', b"")
    assert store.read_bytes() == written == expected
    assert not (tmp_path / "settings.json.lock").exists()


def test_removing_the_last_occurrence_makes_the_earlier_one_the_value(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    store.write_bytes(SETTINGS)
    inner = find_duplicate_keys(SETTINGS)[1]
    assert (inner.location, inner.key, inner.values) == (("window",), "w", (1, 2.5))

    locked_remove_duplicate_key(store, inner, 1)

    assert store.read_bytes() == SETTINGS.replace(b', "w": 2.50', b"")
    assert json.loads(store.read_bytes())["window"] == {"w": 1}


def test_nothing_is_removed_when_the_occurrences_are_not_those_seen(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    store.write_bytes(SETTINGS)
    theme = find_duplicate_keys(SETTINGS)[0]
    cases = {
        "a value changed": SETTINGS.replace(b'"dark"', b'"dim"'),
        "now the same value twice": SETTINGS.replace(b'"dark"', b'"light"'),
        "one more occurrence": SETTINGS.replace(b'"ratio"', b'"theme": "dim",\r\n\t"ratio"'),
        "no longer repeated": SETTINGS.replace(b'\t"theme": "dark",\r\n', b""),
    }
    for why, now in cases.items():
        store.write_bytes(now)
        with pytest.raises(DuplicateKeyChangedError) as raised:
            locked_remove_duplicate_key(store, theme, 0)
        assert store.read_bytes() == now, why
        assert raised.value.path == str(store)
        assert (raised.value.location, raised.value.key) == ((), "theme")
        assert "'theme'" in str(raised.value)
    # JSON's types: the value 1 seen is not the 1.0 there now.
    inner = find_duplicate_keys(SETTINGS)[1]
    store.write_bytes(SETTINGS.replace(b'"w": 1,', b'"w": 1.0,'))
    with pytest.raises(DuplicateKeyChangedError):
        locked_remove_duplicate_key(store, inner, 0)


def test_a_missing_corrupt_or_misaddressed_file_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    theme = find_duplicate_keys(SETTINGS)[0]
    with pytest.raises(DuplicateKeyChangedError, match="no longer there"):
        locked_remove_duplicate_key(store, theme, 0)
    store.write_bytes(b'{"theme": "dark", "theme": ')
    with pytest.raises(CorruptJSONError):
        locked_remove_duplicate_key(store, theme, 0)
    assert store.read_bytes() == b'{"theme": "dark", "theme": '
    with pytest.raises(ValueError, match="no occurrence 2"):
        locked_remove_duplicate_key(store, theme, 2)
    with pytest.raises(FileNotFoundError):  # a save never brings a vanished folder back
        locked_remove_duplicate_key(tmp_path / "gone" / "settings.json", theme, 0)
    assert not (tmp_path / "gone").exists()


def test_the_replaced_bytes_are_kept_as_a_version(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    store.write_bytes(SETTINGS)
    locked_remove_duplicate_key(store, find_duplicate_keys(SETTINGS)[0], 0, keep_versions=3)
    versions = [v for v in list_versions(store) if v.version_id]
    assert [read_version(store, v.version_id) for v in versions] == [SETTINGS]


@pytest.mark.skipif(shutil.which("setfacl") is None, reason="needs setfacl (package acl)")
def test_mode_acl_and_extended_attributes_are_kept(tmp_path: Path) -> None:
    store = tmp_path / "settings.json"
    store.write_bytes(SETTINGS)
    store.chmod(0o600)
    subprocess.run(["setfacl", "-m", "u:nobody:r,g::---", str(store)], check=True)
    os.setxattr(store, "user.origin", b"inventory")
    acl = os.getxattr(store, "system.posix_acl_access")
    mode = store.stat().st_mode

    locked_remove_duplicate_key(store, find_duplicate_keys(SETTINGS)[0], 0)

    assert os.getxattr(store, "system.posix_acl_access") == acl
    assert os.getxattr(store, "user.origin") == b"inventory"
    assert store.stat().st_mode == mode


def _common_prefix(first: bytes, second: bytes) -> int:
    length = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        length += 1
    return length


_keys = st.sampled_from(["a", "b", "é"])
_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=3)


@st.composite
def _objects_with_repeats(draw: Any) -> str:
    """An object's text whose members repeat keys, in one of several layouts."""
    indent = draw(st.sampled_from(["", "  ", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    members = draw(st.lists(st.tuples(_keys, _scalars), min_size=2, max_size=6))
    first, *_ = members
    members.append((first[0], draw(_scalars)))  # at least one key repeats
    if indent:
        inner = ("," + newline).join(
            f"{indent}{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
            for k, v in members
        )
        return "{" + newline + inner + newline + "}" + newline
    return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in members) + "}"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_objects_with_repeats(), st.data())
def test_removing_an_occurrence_from_a_store_leaves_every_other_byte(
    tmp_path: Path, text: str, data: Any
) -> None:
    original = text.encode()
    store = tmp_path / "store.json"
    store.write_bytes(original)
    duplicate: DuplicateKey = data.draw(st.sampled_from(find_duplicate_keys(original)))
    occurrence = data.draw(st.integers(0, len(duplicate.values) - 1))

    written = locked_remove_duplicate_key(store, duplicate, occurrence)

    assert store.read_bytes() == written
    # One contiguous span of the original is gone; everything before and after it is intact.
    prefix = _common_prefix(original, written)
    suffix = _common_prefix(original[::-1], written[::-1])
    assert prefix + suffix >= len(written)
    # That span held exactly the chosen member: the pairs lost that one and no other.
    before = json.loads(original, object_pairs_hook=list)
    after = json.loads(written, object_pairs_hook=list)
    positions = [i for i, (key, _value) in enumerate(before) if key == duplicate.key]
    del before[positions[occurrence]]
    assert after == before
