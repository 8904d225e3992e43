"""Regression guard: PySide6 6.12.0 on Python < 3.12 leaks references to ``None``.

Each time a Python model's ``data()`` returned None across the C++/Python boundary, PySide6
6.12.0 dropped one reference to ``None`` too many: a QTableView repainting such a model drove
``sys.getrefcount(None)`` from 5342 to 4986 in 300 repaints, and a ``data(index, ToolTipRole)``
loop ended in "Fatal Python error: none_dealloc". pyproject.toml keeps affected builds away
(environment markers); this test fails if one slips in anyway.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QTableView

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="None is immortal on Python 3.12+ (PEP 683)"
)


class NoneForUnusedRoles(QAbstractTableModel):
    """Text for DisplayRole, None for every other role (as a typical model does)."""

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else 40

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else 8

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{index.row()},{index.column()}"
        return None


def test_repainting_does_not_leak_none(qtbot, qtmodeltester):
    model = NoneForUnusedRoles()
    qtmodeltester.check(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    view.viewport().repaint()  # warm up caches before measuring
    before = sys.getrefcount(None)
    for _ in range(300):
        view.viewport().repaint()
    after = sys.getrefcount(None)
    # A leak of one reference per None returned loses thousands here; allow small noise.
    assert after >= before - 50, f"None lost {before - after} references in 300 repaints"


def test_tooltip_queries_do_not_leak_none(qapp, qtmodeltester):
    model = NoneForUnusedRoles()
    index = model.index(3, 3)
    before = sys.getrefcount(None)
    for _ in range(5000):
        model.data(index, Qt.ItemDataRole.ToolTipRole)
        index.data(Qt.ItemDataRole.ToolTipRole)  # through C++ and back
    assert sys.getrefcount(None) >= before - 50
