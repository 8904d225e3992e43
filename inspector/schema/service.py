"""Checks a document against its schema on a worker thread (reading the schema is file I/O,
and validating 20 MB takes tens of milliseconds: neither belongs on the GUI thread)."""

from __future__ import annotations

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from lockcore import SchemaCheck, SchemaSource, check_schema


class SchemaChecker(QObject):
    """Runs :func:`lockcore.check_schema`; only the newest request's outcome is delivered."""

    #: (path, check) the document last asked about was checked (a SchemaCheck)
    checked = Signal(str, object)
    #: (generation, path, check) from the worker thread
    _finished = Signal(int, str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="schema")
        self._generation = 0
        self._closed = False  # after shutdown: a late request is dropped, not an error
        self._finished.connect(self._on_finished)

    def check(self, path: str, document: Any) -> None:
        """Check ``document`` (the store at ``path`` as edited; not mutated meanwhile)."""
        self._generation += 1
        if self._closed:
            return
        generation = self._generation
        future = self._pool.submit(_check, path, document)
        future.add_done_callback(lambda done: self._deliver(generation, path, done))

    def cancel(self) -> None:
        """Drop the outcome of a check under way."""
        self._generation += 1

    def shutdown(self) -> None:
        self._closed = True
        self.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _deliver(self, generation: int, path: str, future: Future[SchemaCheck]) -> None:
        if future.cancelled():
            return
        with contextlib.suppress(RuntimeError):  # this object went away meanwhile
            self._finished.emit(generation, path, future.result())

    @Slot(int, str, object)
    def _on_finished(self, generation: int, path: str, check: SchemaCheck) -> None:
        if generation == self._generation:
            self.checked.emit(path, check)


def _check(path: str, document: Any) -> SchemaCheck:
    try:
        return check_schema(path, document)
    except Exception as error:
        return SchemaCheck(SchemaSource("error", None), problem=f"the check failed: {error}")
