"""What the store table's tests share: a directory that only emits, entries made to order, a
cell's answer, and Hypothesis strategies for entries."""

from __future__ import annotations

import dataclasses
import time

from hypothesis import strategies as st
from PySide6.QtCore import QObject, Qt, Signal

from inspector.models.store_columns import Column
from inspector.services.store_directory import StoreEntry, StoreHealth
from lockcore import LockFormat, LockInfo, LockState


class FakeDirectory(QObject):
    """Just the signals and snapshot the model adapts."""

    entries_updated = Signal(object)
    entries_removed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.initial: list[StoreEntry] = []

    def entries(self) -> list[StoreEntry]:
        return self.initial


def make_entry(name: str, state: LockState = LockState.FREE, **changes) -> StoreEntry:
    path = f"/stores/{name}"
    locked = state is not LockState.FREE
    lock = LockInfo(
        path=path,
        lock_path=path + ".lock",
        state=state,
        format=LockFormat.LOCKCORE if locked else LockFormat.NONE,
        pid=4711 if locked else None,
        hostname="here" if locked else None,
        process_name="sync.py" if locked else None,
        cmdline=("python", "sync.py", "--loop") if locked else (),
        holder_alive=(state is LockState.HELD_ALIVE) if locked else None,
        created=time.time() - 65 if locked else None,
        reason="held by PID 4711" if locked else "no lock file",
    )
    entry = StoreEntry(
        path=path,
        name=name,
        lock=lock,
        lock_error="",
        size=2048,
        mtime=time.time(),
        health=StoreHealth.VALID,
        health_detail="Valid JSON.",
        leftovers=(),
        data_stamp=(1, 2048, 3),
    )
    return dataclasses.replace(entry, **changes)


def cell(model, row: int, column: Column, role=Qt.ItemDataRole.DisplayRole):
    return model.data(model.index(row, column), role)


NAMES = st.sampled_from(["a.json", "b.json"])

LOCKS = st.one_of(
    st.none(),
    st.builds(
        LockInfo,
        path=st.just("/stores/a.json"),
        lock_path=st.just("/stores/a.json.lock"),
        state=st.sampled_from(LockState),
        format=st.sampled_from(LockFormat),
        pid=st.sampled_from([None, 1, 2]),
        hostname=st.sampled_from([None, "here"]),
        process_name=st.sampled_from([None, "a", "b"]),
        cmdline=st.sampled_from([(), ("a", "-x"), ("b",)]),
        holder_alive=st.sampled_from([None, True, False]),
        created=st.sampled_from([None, 100.0, 100.4, 200.0]),
        reason=st.sampled_from(["", "why", "why not"]),
        inspected_at=st.sampled_from([1.0, 2.0]),
    ),
)

ENTRIES = st.builds(
    StoreEntry,
    path=st.just("/stores/a.json"),
    name=NAMES,
    lock=LOCKS,
    lock_error=st.sampled_from(["", "Cannot read the lock: EIO."]),
    size=st.sampled_from([None, 10, 2048]),
    mtime=st.sampled_from([None, 100.0, 100.5, 200.0]),
    health=st.sampled_from(StoreHealth),
    health_detail=st.sampled_from(["", "line 1"]),
    leftovers=st.sampled_from([(), ("/stores/a.json.lock.x.tmp",)]),
    data_stamp=st.sampled_from([None, (1, 2, 3)]),
)
