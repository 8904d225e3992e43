"""What the store table's cells say (models/store_columns.py): a word and an icon for every
lock state, and which columns an entry's change touches."""

from __future__ import annotations

import dataclasses
from unittest import mock

import pytest
from _store_rows import ENTRIES, cell, make_entry
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon

from inspector.models.store_columns import (
    ENTRY_COLUMNS,
    SORT_ROLE,
    Column,
    StoreCells,
    changed_columns,
)
from inspector.models.store_table import StoreTableModel
from inspector.services.store_directory import StoreEntry
from lockcore import LockState


@pytest.mark.parametrize("state", list(LockState))
def test_every_lock_state_has_a_word_and_an_icon(qapp, qtmodeltester, directory, state):
    directory.initial = [make_entry("x.json", state)]
    model = StoreTableModel(directory)
    qtmodeltester.check(model)
    word = cell(model, 0, Column.LOCK)
    assert word
    # A narrow column elides the word: its tooltip has it whole.
    assert cell(model, 0, Column.LOCK, Qt.ItemDataRole.ToolTipRole).split("\n")[0] == word
    assert not cell(model, 0, Column.LOCK, Qt.ItemDataRole.DecorationRole).isNull()


def test_uninspectable_lock_is_shown_as_unknown(qapp, directory):
    directory.initial = [make_entry("x.json", lock=None, lock_error="Cannot read the lock: EIO.")]
    model = StoreTableModel(directory)
    assert cell(model, 0, Column.LOCK) == "unknown"
    tooltip = "unknown\nCannot read the lock: EIO."
    assert cell(model, 0, Column.LOCK, Qt.ItemDataRole.ToolTipRole) == tooltip
    assert cell(model, 0, Column.PID) == ""


_FIELDS = tuple(field.name for field in dataclasses.fields(StoreEntry) if field.name != "path")

_SHOWN_ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.TextAlignmentRole,
    SORT_ROLE,
)


def _shown(cells: StoreCells, entry: StoreEntry, column: Column) -> list[object]:
    values: list[object] = []
    for role in _SHOWN_ROLES:
        if role == SORT_ROLE and column in (Column.AGE, Column.MODIFIED):
            continue  # the exact times: read by the model's own sort, not through dataChanged
        value = cells._value(entry, column, int(role))
        values.append(value.cacheKey() if isinstance(value, QIcon) else value)
    return values


@given(old=ENTRIES, new=ENTRIES, taken=st.sets(st.sampled_from(_FIELDS)))
def test_changed_columns_names_every_column_whose_cells_differ(qapp, old, new, taken):
    # ``new``: ``old`` with some of its fields from another entry (one field, several, none).
    new = dataclasses.replace(old, **{name: getattr(new, name) for name in taken})
    cells = StoreCells()
    cells._figures = None
    cells._schema_note = None
    with mock.patch("time.time", return_value=1000.0):  # ages and "today" alike for both
        mask = changed_columns(old, new)
        for column in ENTRY_COLUMNS:
            if _shown(cells, old, column) != _shown(cells, new, column):
                assert mask & (1 << column), (column, old, new)
