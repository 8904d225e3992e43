"""StoreEntry's factories: one per source of an entry, each giving the facts that source has."""

from __future__ import annotations

import os

from inspector.services.store_entry import NOT_CHECKED, StoreEntry, StoreHealth
from lockcore import inspect_lock


def test_a_listed_store_not_looked_at_yet_is_pending_with_no_document_facts():
    entry = StoreEntry.unchecked("/s/a.json", "a.json")
    assert (entry.path, entry.name, entry.lock, entry.lock_error) == (
        "/s/a.json",
        "a.json",
        None,
        "",
    )
    assert (entry.size, entry.mtime, entry.data_stamp, entry.lock_stamp) == (None,) * 4
    assert (entry.health, entry.health_detail, entry.leftovers) == (
        StoreHealth.PENDING,
        NOT_CHECKED,
        (),
    )


def test_a_store_with_its_document_takes_its_facts_from_stat_and_relisting_keeps_them(tmp_path):
    path = tmp_path / "a.json"
    path.write_text("{}", encoding="utf-8")
    st = os.stat(path)
    entry = StoreEntry.with_document(
        str(path),
        "a.json",
        lock=None,
        lock_error="",
        st=st,
        health=StoreHealth.VALID,
        health_detail="Valid JSON.",
        leftovers=(),
        lock_stamp=None,
    )
    assert (entry.size, entry.mtime) == (2, st.st_mtime)
    assert entry.data_stamp == (st.st_ino, 2, st.st_mtime_ns)
    lock = inspect_lock(str(path))  # free: a real LockInfo
    again = entry.relisted(
        name="renamed.json",
        lock=lock,
        lock_error="",
        leftovers=(str(path) + ".tmp",),
        lock_stamp=(1, 2, 3),
    )
    assert (again.path, again.name, again.lock, again.leftovers, again.lock_stamp) == (
        str(path),
        "renamed.json",
        lock,
        (str(path) + ".tmp",),
        (1, 2, 3),
    )
    assert (again.size, again.mtime, again.health, again.health_detail, again.data_stamp) == (
        entry.size,
        entry.mtime,
        entry.health,
        entry.health_detail,
        entry.data_stamp,
    )


def test_a_store_without_its_document_says_why_and_has_no_document_facts():
    entry = StoreEntry.without_document(
        "/s/a.json",
        "a.json",
        lock=None,
        lock_error="Cannot read the lock: Permission denied.",
        health=StoreHealth.MISSING,
        health_detail="The data file does not exist.",
        leftovers=("/s/a.json.tmp",),
        lock_stamp=None,
    )
    assert (entry.size, entry.mtime, entry.data_stamp) == (None, None, None)
    assert entry.health is StoreHealth.MISSING
    assert entry.lock_state is None  # the lock could not be inspected
    assert entry.leftovers == ("/s/a.json.tmp",)
