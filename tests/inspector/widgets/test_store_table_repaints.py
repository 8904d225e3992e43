"""The store table repaints its cells only when what it shows may have changed: rows appended
below the last row shown (a listing's later batches) and a new empty-table text while rows are
shown cost no repaint of the viewport, but rows coming into sight do."""

from __future__ import annotations

from typing import Any

from _table_support import FakeDirectory
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QWidget

from inspector.models.store_table import StoreTableModel
from inspector.services.store_entry import StoreEntry
from inspector.widgets.store_table_view import StoreTableView


def entries(first: int, count: int) -> list[StoreEntry]:
    return [
        StoreEntry.unchecked(f"/stores/s{number:04d}.json", f"s{number:04d}.json")
        for number in range(first, first + count)
    ]


class PaintCount(QObject):
    """Counts the paint events of the widgets it watches."""

    def __init__(self, *widgets: QWidget) -> None:
        super().__init__()
        self.paints: dict[QWidget, int] = dict.fromkeys(widgets, 0)
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and watched in self.paints:
            self.paints[watched] += 1  # type: ignore[index]
        return False


def shown_table(qtbot: Any, rows: int) -> tuple[StoreTableView, FakeDirectory]:
    directory = FakeDirectory(entries(0, rows))
    model = StoreTableModel(directory)  # type: ignore[arg-type]
    view = StoreTableView(model)
    qtbot.addWidget(view)
    view.resize(700, 400)  # some 14 rows
    view.show()
    qtbot.waitExposed(view)
    return view, directory


def settle(qtbot: Any, view: StoreTableView, count: PaintCount) -> None:
    """Waits until a repaint of the horizontal header is over: the window's pending repaints
    (the viewport's too, had anything asked for one) are done in the same pass."""
    header = view.horizontalHeader().viewport()
    before = count.paints[header]
    header.update()
    qtbot.waitUntil(lambda: count.paints[header] > before)


def test_rows_appended_below_the_last_row_shown_repaint_no_cell(qtbot: Any) -> None:
    view, directory = shown_table(qtbot, 100)
    scroll_bar = view.verticalScrollBar()
    count = PaintCount(view.viewport(), view.horizontalHeader().viewport())
    settle(qtbot, view, count)
    painted, maximum = count.paints[view.viewport()], scroll_bar.maximum()

    directory.entries_updated.emit(entries(100, 900))  # sorted by file: all at the end
    qtbot.waitUntil(lambda: scroll_bar.maximum() > maximum)  # laid out: the new range
    settle(qtbot, view, count)

    assert view.model().rowCount() == 1000
    assert count.paints[view.viewport()] == painted
    # Scrolled down, the new rows are there.
    view.scrollToBottom()
    last = view.rowAt(view.viewport().height() - 1)
    assert last == 999


def test_rows_coming_into_sight_are_painted(qtbot: Any) -> None:
    view, directory = shown_table(qtbot, 100)
    count = PaintCount(view.viewport(), view.horizontalHeader().viewport())
    settle(qtbot, view, count)
    painted = count.paints[view.viewport()]

    directory.entries_updated.emit(
        [StoreEntry.unchecked("/stores/a-first.json", "a-first.json"), *entries(100, 900)]
    )
    qtbot.waitUntil(lambda: count.paints[view.viewport()] > painted)
    assert view.model().index(0, 0).data() == "a-first.json"


def test_rows_appended_to_a_table_with_room_below_its_rows_are_painted(qtbot: Any) -> None:
    view, directory = shown_table(qtbot, 10)  # fewer rows than fit: the new ones show
    count = PaintCount(view.viewport(), view.horizontalHeader().viewport())
    settle(qtbot, view, count)
    painted = count.paints[view.viewport()]

    directory.entries_updated.emit(entries(10, 100))
    qtbot.waitUntil(lambda: count.paints[view.viewport()] > painted)


def test_a_new_empty_table_text_repaints_no_cell_while_rows_are_shown(qtbot: Any) -> None:
    view, _directory = shown_table(qtbot, 100)
    count = PaintCount(view.viewport(), view.horizontalHeader().viewport())
    settle(qtbot, view, count)
    painted = count.paints[view.viewport()]

    view.set_empty_text("No JSON files here.")
    settle(qtbot, view, count)

    assert count.paints[view.viewport()] == painted
    assert view.empty_text == "No JSON files here."


def test_a_new_empty_table_text_is_painted_while_the_table_is_empty(qtbot: Any) -> None:
    view, _directory = shown_table(qtbot, 0)
    count = PaintCount(view.viewport(), view.horizontalHeader().viewport())
    settle(qtbot, view, count)
    painted = count.paints[view.viewport()]

    view.set_empty_text("Looking for JSON files…")
    qtbot.waitUntil(lambda: count.paints[view.viewport()] > painted)


def painted_cells(qtbot: Any, view: StoreTableView, change: Any) -> set[tuple[int, int]]:
    """The cells the view paints after ``change()`` (the delegate asks the model for each cell
    it paints)."""
    count = PaintCount(view.viewport(), view.horizontalHeader().viewport())
    settle(qtbot, view, count)
    model = view.model()
    painted: set[tuple[int, int]] = set()
    cell = model.painted_cell

    def noting(row: int, column: int) -> Any:
        painted.add((row, column))
        return cell(row, column)

    model.painted_cell = noting  # type: ignore[method-assign]
    try:
        change()
        settle(qtbot, view, count)
    finally:
        # (a model kept alive by this cycle would tick its lock ages for a deleted view)
        del model.painted_cell
    return painted


def test_a_changed_range_of_cells_repaints_those_cells_only(qtbot: Any) -> None:
    # Qt's own rectangle for a range is a pixel too wide and high: the cells right of and
    # below it were painted too (rows 2-4 and columns 1-4 for rows 2-3, columns 1-3).
    view, _directory = shown_table(qtbot, 100)
    model = view.model()

    painted = painted_cells(
        qtbot,
        view,
        lambda: model.dataChanged.emit(model.index(2, 1), model.index(3, 3)),
    )

    assert painted == {(row, column) for row in (2, 3) for column in (1, 2, 3)}


def test_a_changed_range_scrolled_away_repaints_nothing(qtbot: Any) -> None:
    view, _directory = shown_table(qtbot, 100)
    model = view.model()

    painted = painted_cells(
        qtbot,
        view,
        lambda: model.dataChanged.emit(model.index(80, 0), model.index(90, 7)),
    )

    assert painted == set()


def test_a_store_whose_leftovers_alone_changed_repaints_no_cell(qtbot: Any) -> None:
    # A writer's temporary file comes and goes with nearly every round of a storm: only the
    # file's tooltip says so, and Qt reads a tooltip when it shows one.
    view, directory = shown_table(qtbot, 100)
    model = view.model()
    path = "/stores/s0002.json"
    leftover = "/stores/.s0002.json.tmp-1234"
    changed = StoreEntry.unchecked(path, "s0002.json", leftovers=(leftover,))

    painted = painted_cells(qtbot, view, lambda: directory.entries_updated.emit([changed]))

    assert painted == set()
    assert leftover in model.index(2, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_a_store_whose_leftovers_and_lock_changed_repaints_its_lock(qtbot: Any) -> None:
    view, directory = shown_table(qtbot, 100)
    path = "/stores/s0002.json"
    changed = StoreEntry.unchecked(
        path, "s0002.json", lock_error="unreadable", leftovers=("/stores/.s0002.json.tmp-1",)
    )

    painted = painted_cells(qtbot, view, lambda: directory.entries_updated.emit([changed]))

    assert (2, 1) in painted
    assert (2, 0) not in painted
