"""bench_inspector's lock ages (``--only ages``): the age cells announced per second with about 40
rows showing, against the same model told that every row is visible."""

from __future__ import annotations

from typing import Any

from inspector_folder import Folder
from inspector_window import close_window, new_window, run_loop_for, run_loop_until
from PySide6.QtCore import QCoreApplication

# --- 3. lock ages ----------------------------------------------------------------------------


def bench_ages(folder: Folder) -> list[tuple[str, str, str, str]]:
    window = new_window()
    checked = [False]
    window.directory.checks_finished.connect(lambda: checked.__setitem__(0, True))
    window.open_folder(folder.path)
    # Counted once the document pass is over: its own announcements are not age ticks.
    assert run_loop_until(lambda: checked[0] and window.model.rowCount() == folder.stores, 60)
    # Scroll to the middle of the folder: locked rows are spread through it.
    window.table.scrollTo(window.model.index(folder.stores // 2, 0))
    QCoreApplication.processEvents()
    visible = len(window.table.visible_rows())
    locked_visible = sum(
        1
        for row in window.table.visible_rows()
        if (entry := window.model.entry_at(row)) is not None and entry.is_locked
    )

    def count(seconds: float) -> tuple[float, float]:
        """(emissions, cells) per age tick -- the ticks come once a second."""
        emissions = [0]
        cells = [0]
        ticks = [0]

        def record(top: Any, bottom: Any, _roles: Any = ()) -> None:
            emissions[0] += 1
            cells[0] += bottom.row() - top.row() + 1

        def tick() -> None:
            ticks[0] += 1

        window.model._age_timer.timeout.connect(tick)
        window.model.dataChanged.connect(record)
        run_loop_for(seconds)
        window.model.dataChanged.disconnect(record)
        window.model._age_timer.timeout.disconnect(tick)
        return emissions[0] / max(1, ticks[0]), cells[0] / max(1, ticks[0])

    run_loop_for(1.2)
    emissions, cells = count(3.0)
    window.model.set_visible_rows_provider(None)  # as before: every locked row, every second
    all_emissions, all_cells = count(3.0)
    close_window(window)
    return [
        (
            f"lock ages: dataChanged per second ({visible} rows visible, {locked_visible} locked)",
            f"{emissions:.1f}/s ({cells:.1f} cells)",
            f"{all_emissions:.1f}/s ({all_cells:.1f} cells) all rows",
            f"{cells / all_cells:.3f}x" if all_cells else "—",
        )
    ]
