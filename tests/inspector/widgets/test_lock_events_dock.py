"""The Lock Events dock's event table: its columns fit what they show."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFileDialog, QLineEdit, QMainWindow

from inspector.models.lock_events import Column, LockEventTableModel
from inspector.services.lock_events import LockEventService
from inspector.widgets.lock_events_dock import LockEventsDock, LockEventTableView
from lockcore import EventKind, LockEvent


@pytest.fixture
def service(qtbot: Any) -> Iterator[LockEventService]:
    events = LockEventService()
    yield events
    events.shutdown()


def _add(service: LockEventService, events: list[LockEvent]) -> None:
    service.log_about_to_append.emit(len(events))
    service.log.extend(events)
    service.log_appended.emit(len(events))


def _fits(view: LockEventTableView, column: int) -> bool:
    """Whether every row's text of ``column`` fits its width (the delegate's own measure)."""
    return view.sizeHintForColumn(column) <= view.horizontalHeader().sectionSize(column)


@pytest.mark.parametrize("point_size", [9, 14, 22])
def test_the_time_column_shows_whole_times(
    qtbot: Any, service: LockEventService, point_size: int
) -> None:
    model = LockEventTableModel(service)
    view = LockEventTableView(model)
    qtbot.addWidget(view)
    font = QFont(view.font())
    font.setPointSize(point_size)
    view.setFont(font)  # a font set after the view was made resizes the column too
    # Times with wide digits (08:48:08.888 is wider than 11:11:11.111 in most fonts).
    moments = [datetime(2026, 12, 5, 8, 48, 8, 888_000), datetime(2026, 12, 5, 9, 42, 5, 0)]
    _add(service, [LockEvent(m.timestamp(), EventKind.TAKEN, "/x.json", pid=1) for m in moments])
    view.resize(900, 300)
    view.show()
    qtbot.waitExposed(view)
    assert model.index(0, Column.TIME).data() == "08:48:08.888"
    assert _fits(view, Column.TIME)
    # Not much more either: the store's column gets the room.
    width = view.horizontalHeader().sectionSize(Column.TIME)
    assert width <= view.sizeHintForColumn(Column.TIME) + 2 * view.fontMetrics().averageCharWidth()


@pytest.mark.parametrize("point_size", [9, 14, 22])
def test_event_duration_and_size_columns_show_their_longest_texts(
    qtbot: Any, service: LockEventService, point_size: int
) -> None:
    model = LockEventTableModel(service)
    view = LockEventTableView(model)
    qtbot.addWidget(view)
    font = QFont(view.font())
    font.setPointSize(point_size)
    view.setFont(font)
    moment = datetime(2026, 12, 5, 9, 42, 5).timestamp()
    _add(
        service,
        [
            LockEvent(moment, EventKind.BROKEN, "/x.json", pid=1, by_us=True, duration_s=5999.0),
            LockEvent(moment, EventKind.CORRUPTED, "/x.json", size=999_999_999),
            LockEvent(moment, EventKind.RELEASED, "/x.json", pid=1, duration_s=0.9999),
        ],
    )
    view.resize(1200, 300)
    view.show()
    qtbot.waitExposed(view)
    assert model.index(0, Column.EVENT).data() == "broken (by us)"
    assert model.index(0, Column.DURATION).data() == "99 min 59 s"
    for column in (Column.EVENT, Column.DURATION, Column.SIZE):
        assert _fits(view, column), column.name


def _export_dialog(qtbot: Any, dock: LockEventsDock) -> QFileDialog:
    """Export Lock Events… is asked in a dialog opened with ``open()``: triggering it returns
    at once (the static ``getSaveFileName`` ran an event loop of its own right here)."""
    dock.export_action.trigger()
    dialog = dock.findChild(QFileDialog, "exportLockEventsDialog")
    assert isinstance(dialog, QFileDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    return dialog


@pytest.fixture
def dock(qtbot: Any, service: LockEventService) -> Iterator[LockEventsDock]:
    window = QMainWindow()
    qtbot.addWidget(window)
    events_dock = LockEventsDock(service, window)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, events_dock)
    window.show()
    qtbot.waitExposed(window)
    moment = datetime(2026, 12, 5, 9, 42, 5).timestamp()
    _add(service, [LockEvent(moment + i, EventKind.TAKEN, "/x.json", pid=1) for i in range(3)])
    yield events_dock  # the window, and so the dock, lives until the test ends
    window.close()


def test_export_asks_without_blocking_and_writes_the_file_chosen(
    qtbot: Any, dock: LockEventsDock, service: LockEventService, tmp_path: Path
) -> None:
    dialog = _export_dialog(qtbot, dock)
    timer = QTimer()  # the application's own loop goes on while it is asked
    timer.setSingleShot(True)
    with qtbot.waitSignal(timer.timeout, timeout=5000):
        timer.start(10)
    dialog.selectNameFilter("CSV (*.csv)")
    name = dialog.findChild(QLineEdit, "fileNameEdit")
    assert isinstance(name, QLineEdit)
    name.setText(str(tmp_path / "events"))  # as typed (keys would pop up its completer)
    with qtbot.waitSignal(service.export_finished, timeout=10000) as finished:
        dialog.accept()
    path, count, error = finished.args
    assert (path, count, error) == (str(tmp_path / "events.csv"), 3, "")  # CSV: .csv added
    with open(path, encoding="utf-8", newline="") as handle:
        assert [row["pid"] for row in csv.DictReader(handle)] == ["1", "1", "1"]


def test_export_cancelled_writes_nothing(qtbot: Any, dock: LockEventsDock, tmp_path: Path) -> None:
    said: list[str] = []
    dock.status_message.connect(said.append)
    dialog = _export_dialog(qtbot, dock)
    dialog.setDirectory(str(tmp_path))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert said == []  # no export started
    assert list(tmp_path.iterdir()) == []
