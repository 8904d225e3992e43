"""Fixtures of the store table's tests: an emitting directory and a model over three stores."""

from __future__ import annotations

import pytest
from _store_rows import FakeDirectory, make_entry

from inspector.models.store_table import StoreTableModel
from lockcore import LockState


@pytest.fixture
def directory(qapp):
    return FakeDirectory()


@pytest.fixture
def model(qapp, qtmodeltester, directory):
    directory.initial = [
        make_entry("a.json"),
        make_entry("b.json", LockState.HELD_ALIVE),
        make_entry("c.json", LockState.STALE_DEAD_HOLDER),
    ]
    model = StoreTableModel(directory)
    qtmodeltester.check(model)
    return model
