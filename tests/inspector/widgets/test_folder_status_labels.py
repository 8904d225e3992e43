"""The status bar's lock count changes every round of a storm: only its own label repaints then,
not the whole status bar (a label's new size made the status bar repaint itself whole)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QRect, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from inspector.widgets.folder_state import FolderStatusLabels


class FakeDirectory(QObject):
    folder_changed = Signal(object)
    summary_changed = Signal(int, int)
    stale_count_changed = Signal(int)
    watch_status_changed = Signal(str)


class PaintCount(QObject):
    def __init__(self, *widgets: QWidget) -> None:
        super().__init__()
        self.paints: dict[QWidget, int] = dict.fromkeys(widgets, 0)
        self.regions: dict[QWidget, QRect] = {widget: QRect() for widget in widgets}
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and watched in self.paints:
            self.paints[watched] += 1  # type: ignore[index]
            self.regions[watched] |= event.region().boundingRect()  # type: ignore[attr-defined,index]
        return False


def reference_width(text: str) -> int:
    """The width a plain label with ``text`` (and the status bar's margins) asks for."""
    label = QLabel(text)
    label.setContentsMargins(6, 0, 6, 0)
    return label.sizeHint().width()


def shown_labels(qtbot: Any) -> tuple[QMainWindow, FakeDirectory, FolderStatusLabels]:
    window = QMainWindow()
    directory = FakeDirectory()
    labels = FolderStatusLabels(directory, window.statusBar())  # type: ignore[arg-type]
    window.setCentralWidget(QWidget())
    qtbot.addWidget(window)
    window.resize(800, 300)
    window.show()
    qtbot.waitExposed(window)
    directory.folder_changed.emit("/stores")
    directory.summary_changed.emit(2016, 300)
    qtbot.wait(50)
    return window, directory, labels


def test_a_new_lock_count_repaints_its_label_only(qtbot: Any) -> None:
    window, directory, labels = shown_labels(qtbot)
    bar = window.statusBar()
    count = PaintCount(bar, labels.stores_label, labels.locked_label)

    for locked in (311, 307, 312, 299):
        painted = count.paints[labels.locked_label]
        directory.summary_changed.emit(2016, locked)
        qtbot.waitUntil(lambda painted=painted: count.paints[labels.locked_label] > painted)
        assert labels.locked_label.text() == f"{locked} locked"
    qtbot.wait(50)  # (a layout asked for would be done by now)

    # The status bar paints its background under the label's text, no more.
    text_area = labels.locked_label.contentsRect().translated(labels.locked_label.pos())
    assert text_area.contains(count.regions[bar])
    assert count.paints[labels.stores_label] == 0


def test_the_lock_count_label_grows_with_its_text_and_shrinks_for_another_folder(
    qtbot: Any,
) -> None:
    _window, directory, labels = shown_labels(qtbot)
    label = labels.locked_label

    directory.stale_count_changed.emit(12)
    assert label.text() == "300 locked (12 stale)"
    qtbot.waitUntil(lambda: label.width() >= reference_width(label.text()))
    wide = label.width()
    directory.stale_count_changed.emit(0)
    assert label.text() == "300 locked"
    assert label.width() == wide  # (kept: no new layout)

    directory.folder_changed.emit("/other")
    qtbot.waitUntil(lambda: label.width() < wide)
    assert label.width() >= reference_width(label.text())
