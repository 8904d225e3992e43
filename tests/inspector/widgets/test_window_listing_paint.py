"""A listing's first rows are painted as soon as the batch that brings them is taken in, while
the scanner waits -- not later, when they would compete with its document pass."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject

from inspector.app import create_main_window


class PaintWatch(QObject):
    """Records, for each paint of the watched widget, how many rows the table had."""

    def __init__(self, window: Any) -> None:
        super().__init__()
        self.window = window
        self.rows_painted: list[int] = []

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.rows_painted.append(self.window.model.rowCount())
        return False


def test_a_listings_rows_are_painted_as_soon_as_their_batch_is_taken_in(qtbot, tmp_path):
    folder = tmp_path / "stores"
    folder.mkdir()
    for number in range(30):  # one batch: fewer than a first screenful's rows
        (folder / f"s{number:02d}.json").write_text("{}")
    window = create_main_window(None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    watch = PaintWatch(window)
    window.table.viewport().installEventFilter(watch)
    # Up and painted once (empty) before the folder is opened: a window shown a moment ago may
    # not paint at once yet, whatever asks.
    window.table.viewport().update()
    qtbot.waitUntil(lambda: bool(watch.rows_painted), timeout=5000)
    watch.rows_painted.clear()
    # Connected after the window: called once the window has handled the batch.
    seen_at_batch_end: list[list[int]] = []
    window.directory.entries_updated.connect(
        lambda _entries: seen_at_batch_end.append(list(watch.rows_painted))
    )
    try:
        with qtbot.waitSignal(window.directory.scan_finished, timeout=10000):
            window.open_folder(str(folder))
        assert window.model.rowCount() == 30
        assert seen_at_batch_end, "the listing brought no batch"
        assert seen_at_batch_end[0][-1:] == [30], seen_at_batch_end[0]
    finally:
        window.table.viewport().removeEventFilter(watch)
        window.shutdown()
