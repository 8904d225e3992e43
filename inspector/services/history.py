"""A store's kept versions, off the GUI thread: listing them, diffing one, reading one.

lockcore keeps the bytes each save replaced (``keep_versions``) and the quarantined bytes of
corrupt files beside the store; this service asks it for them on a worker thread and hands the
answers over through signals. Every request carries an id, and an answer to an older request
than the newest of its kind is dropped, so a slow diff never replaces a newer one.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from typing import Any, Final

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal, SignalInstance

from inspector.display import printable_name
from inspector.document.review import marked_diff
from lockcore import StoreVersion, list_versions, read_version

#: Texts over this size are not diffed line by line (difflib is quadratic at worst); the
#: panel says so instead.
DIFF_LIMIT: Final = 4 * 1024 * 1024
#: A diff is cut after this many lines (the panel shows how many more there were).
DIFF_MAX_LINES: Final = 20_000


class _Job(QRunnable):
    def __init__(self, work: Callable[[], None]) -> None:
        super().__init__()
        self._work = work

    def run(self) -> None:
        self._work()


class HistoryService(QObject):
    """Lists, diffs and reads a store's versions on a worker thread."""

    #: (request id, store path, list[StoreVersion]) the versions of a store, newest first
    listed = Signal(int, str, object)
    #: (request id, store path, version id, text) a unified diff: the version -> the file now
    diffed = Signal(int, str, str, str)
    #: (request id, store path, version id, document) a version read and parsed for restoring
    version_read = Signal(int, str, str, object)
    #: (request id, store path, message) a request failed, in plain words
    failed = Signal(int, str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # one store's history at a time, in order
        self._next_id = 0

    def list_versions(self, path: str) -> int:
        """Start listing the versions of ``path``; answers with :attr:`listed`."""
        return self._start(path, lambda: (self.listed, _listing(path)))

    def diff(self, path: str, version_id: str) -> int:
        """Start a diff of ``version_id`` against the file now; answers with :attr:`diffed`."""
        return self._start(path, lambda: (self.diffed, version_id, _diff(path, version_id)))

    def read(self, path: str, version_id: str) -> int:
        """Start reading ``version_id`` as a document; answers with :attr:`version_read`."""
        return self._start(
            path, lambda: (self.version_read, version_id, _document(path, version_id))
        )

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Wait for the running request (call before the service goes away)."""
        self._pool.clear()
        self._pool.waitForDone(timeout_ms)

    def _start(self, path: str, work: Callable[[], tuple[Any, ...]]) -> int:
        self._next_id += 1
        request_id = self._next_id

        def run() -> None:
            try:
                signal, *values = work()
            except (OSError, ValueError) as error:
                self._emit(self.failed, request_id, path, _describe(path, error))
                return
            self._emit(signal, request_id, path, *values)

        self._pool.start(_Job(run))
        return request_id

    @staticmethod
    def _emit(signal: SignalInstance, *values: object) -> None:
        with contextlib.suppress(RuntimeError):  # the service was deleted while the worker ran
            signal.emit(*values)


def _listing(path: str) -> list[StoreVersion]:
    return list_versions(path)


def _as_text(raw: bytes) -> str:
    """``raw`` decoded with its BOM, if any (marked in the diff when only one side has it)."""
    return raw.decode("utf-8", errors="replace")


def _diff(path: str, version_id: str) -> str:
    old = read_version(path, version_id)
    try:
        with open(path, "rb") as file:
            new = file.read()
    except FileNotFoundError:
        new = b""
    if len(old) > DIFF_LIMIT or len(new) > DIFF_LIMIT:
        raise ValueError(
            _tr("the files are over {size} MiB: no text diff").format(
                size=DIFF_LIMIT // (1024 * 1024)
            )
        )
    if old == new:
        return ""
    name = os.path.basename(path)
    # Marked as Review changes marks them (a BOM added or dropped, a line ending changed):
    # decoded without the BOM and split as str.splitlines does, a version differing only so
    # was a diff with no lines, shown as "the same bytes as the file now".
    diff, _marks = marked_diff(
        name, _as_text(old), _as_text(new), labels=(_tr("version"), _tr("now"))
    )
    lines = diff.splitlines(keepends=True)
    if len(lines) > DIFF_MAX_LINES:
        lines = [*lines[:DIFF_MAX_LINES], "…\n"]
    return "".join(lines)


def _document(path: str, version_id: str) -> Any:
    raw = read_version(path, version_id)
    try:
        return json.loads(raw)
    except UnicodeDecodeError as error:
        raise ValueError(_tr("the version is not UTF-8 text")) from error
    except json.JSONDecodeError as error:
        raise ValueError(
            _tr("the version is not valid JSON ({error})").format(error=error)
        ) from error


def _describe(path: str, error: BaseException) -> str:
    name = printable_name(path)
    if isinstance(error, FileNotFoundError):
        return _tr("{name}: that version no longer exists.").format(name=name)
    if isinstance(error, PermissionError):
        return _tr("{name}: permission denied reading its versions.").format(name=name)
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return _tr("{name}: {reason}.").format(name=name, reason=reason)


def _tr(text: str) -> str:
    return QCoreApplication.translate("HistoryService", text)
