"""Waiting for a save to end while the event loop keeps running (closing with unsaved edits)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEventLoop, QObject, SignalInstance


def save_and_wait(
    owner: QObject,
    start_save: Callable[[], bool],
    saved: SignalInstance,
    ended_unwritten: SignalInstance,
    *,
    nothing_to_save: Callable[[], bool],
) -> bool:
    """Start a save and wait for ``saved`` or ``ended_unwritten``; True when it was written.

    A local event loop, not a sleep: the window keeps drawing, the save's worker reports
    progress, and the user can cancel the wait for the lock. When the save does not start,
    the answer is ``nothing_to_save()``.
    """
    outcome: list[bool] = []
    loop = QEventLoop(owner)

    def on_saved(_path: str) -> None:
        outcome.append(True)
        loop.quit()

    def on_unwritten(_path: str) -> None:
        outcome.append(False)
        loop.quit()

    saved.connect(on_saved)
    ended_unwritten.connect(on_unwritten)
    try:
        if not start_save():
            return nothing_to_save()
        if not outcome:
            loop.exec()
    finally:
        saved.disconnect(on_saved)
        ended_unwritten.disconnect(on_unwritten)
    return bool(outcome and outcome[0])
