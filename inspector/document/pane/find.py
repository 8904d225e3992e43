"""Find in the document pane: searches on a worker thread, then reveals matches one at a time.

The tree is searched as JSON (keys, values or both; what the tree masks is not searched) and the
current match is revealed by expanding only the path down to it: the lazy tree builds the nodes
on that path and nothing else. The raw view is searched as text and the match is selected. A
search runs on a worker thread, which hands the GIL over every few thousand entries, so a 20 MB
document does not stall the window (``benchmarks/bench_find.py`` measures it).
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, Signal, Slot
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QTabWidget

from inspector.document.find import (
    FindCancelledError,
    FindQuery,
    FindResult,
    PathSyntaxError,
    TextMatch,
    find_in_document,
    find_in_text,
    parse_path,
    resolve_path,
)
from inspector.document.nodes import JsonKey
from inspector.document.pane.find_bar import FindBar
from inspector.document.results import NO_DOCUMENT
from inspector.document.secrets import SecretPolicy
from inspector.document.tree_model import JsonTreeModel
from inspector.document.tree_view import JsonTreeView

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class _Found:
    """A finished search: tree paths or raw text spans (one of them is empty)."""

    generation: int
    query: FindQuery
    paths: tuple[tuple[JsonKey, ...], ...] = ()
    spans: tuple[TextMatch, ...] = ()
    truncated: bool = False
    in_text: bool = False

    @property
    def count(self) -> int:
        return len(self.spans) if self.in_text else len(self.paths)


class PaneFinder(QObject):
    """Connects the :class:`FindBar` to the tree and the raw view of one pane."""

    #: (message) a plain-words status line (a path that is not there, ...)
    status_message = Signal(str)
    #: (found) a search finished (emitted on the worker thread, delivered on the GUI thread)
    _search_finished = Signal(object)

    def __init__(  # noqa: PLR0917 - the pane's parts it connects, each named
        self,
        bar: FindBar,
        tabs: QTabWidget,
        tree_view: JsonTreeView,
        model: JsonTreeModel,
        raw_editor: QPlainTextEdit,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.bar = bar
        self._tabs = tabs
        self._tree_view = tree_view
        self._model = model
        self._raw_editor = raw_editor
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="find")
        self._closed = False  # after shutdown: a late search is not started
        self._generation = 0
        self._cancel = threading.Event()
        self._found: _Found | None = None
        self._current = -1
        self._searching = False
        self._step_pending: bool | None = None  # a step asked for while searching (backwards)
        bar.query_changed.connect(self._on_query_changed)
        bar.step_requested.connect(self._on_step_requested)
        bar.path_entered.connect(self._on_path_entered)
        bar.closed.connect(self._on_closed)
        tabs.currentChanged.connect(self._on_view_changed)
        self._search_finished.connect(self._on_search_finished)

    # -- the pane's interface -----------------------------------------------------------------
    @property
    def match_count(self) -> int:
        return 0 if self._found is None else self._found.count

    @property
    def current_match(self) -> int:
        """The position of the shown match among all (-1: none shown)."""
        return self._current

    @property
    def searching(self) -> bool:
        return self._searching

    def open(self) -> None:
        self.bar.open_bar()
        if self.bar.query().text and self._found is None:
            self.search(self.bar.query())

    def document_changed(self) -> None:
        """The document (or its text) changed: the matches found are stale; search again."""
        if self.bar.isVisible() and self.bar.query().text:
            self.search(self.bar.query(), keep_position=True)
        else:
            self._found = None

    def step(self, backwards: bool = False) -> None:
        """Show the next (or previous) match, wrapping around."""
        if self._searching:
            self._step_pending = backwards
            return
        found = self._found
        if found is None or found.count == 0:
            self._show_count()
            return
        self._current = (self._current + (-1 if backwards else 1)) % found.count
        self._show_current()

    def search(self, query: FindQuery, *, keep_position: bool = False) -> None:
        """Start a search in the view shown (cancelling one under way)."""
        self._cancel.set()
        self._cancel = threading.Event()
        self._generation += 1
        previous = self._current if keep_position else -1
        self._current = previous
        if not query.text:
            self._found = None
            self._searching = False
            self._current = -1
            self._show_count()
            return
        if self._closed:
            return
        self._searching = True
        self._show_count()
        generation, cancel = self._generation, self._cancel
        if self._in_text():
            text = self._raw_editor_text()
            job: Callable[[], _Found] = lambda: _search_text(generation, query, text)  # noqa: E731
        else:
            document = self._model.document()
            policy = self._model.secret_policy
            job = lambda: _search_tree(generation, query, document, policy, cancel)  # noqa: E731
        future = self._pool.submit(job)
        future.add_done_callback(self._deliver)

    def shutdown(self) -> None:
        """Cancel a search under way; its result is dropped."""
        self._closed = True
        self._cancel.set()
        self._generation += 1
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- searching ------------------------------------------------------------------------------
    def _deliver(self, future: Future[_Found]) -> None:
        """On the worker thread: hand the result to the GUI thread."""
        if future.cancelled() or future.exception() is not None:
            return
        with contextlib.suppress(RuntimeError):  # the pane (and this object) went away meanwhile
            self._search_finished.emit(future.result())

    @Slot(object)
    def _on_search_finished(self, found: _Found) -> None:
        if found.generation != self._generation:
            return  # a newer search replaced it
        self._searching = False
        self._found = found
        pending, self._step_pending = self._step_pending, None
        if found.count == 0:
            self._current = -1
            self._show_count()
            return
        if self._current >= found.count:
            self._current = found.count - 1
        if pending is not None and self._current >= 0:
            self.step(pending)
            return
        self._current = max(self._current, 0)
        self._show_current()

    def _in_text(self) -> bool:
        return self._tabs.currentIndex() == 1 or not self._model.has_document

    def _raw_editor_text(self) -> str:
        search_text = getattr(self._raw_editor, "search_text", None)
        return str(search_text()) if callable(search_text) else self._raw_editor.toPlainText()

    # -- showing ---------------------------------------------------------------------------------
    def _show_count(self) -> None:
        found = self._found
        if self._searching:
            text = self.tr("Searching…")
        elif not self.bar.query().text or found is None:
            text = ""
        elif found.count == 0:
            text = self.tr("No matches")
        else:
            total = f"{found.count:,}" + ("+" if found.truncated else "")
            position = f"{self._current + 1:,}" if self._current >= 0 else "-"
            text = self.tr("{position} of {total}").format(position=position, total=total)
        self.bar.set_count(text)

    def _show_current(self) -> None:
        found = self._found
        if found is None or not 0 <= self._current < found.count:
            return
        self._show_count()
        if found.in_text:
            self._select_text(found.spans[self._current])
        else:
            self._reveal_path(found.paths[self._current])

    def _reveal_path(self, path: tuple[JsonKey, ...]) -> bool:
        try:
            index = self._model.index_for_json_path(*path)
        except LookupError:
            return False  # edited away since the search: the next search corrects the list
        ancestors: list[QModelIndex] = []
        parent = index.parent()
        while parent.isValid():
            ancestors.append(parent)
            parent = parent.parent()
        for ancestor in reversed(ancestors):
            self._tree_view.expand(ancestor)
        self._tree_view.setCurrentIndex(index)
        self._tree_view.scrollTo(index)
        return True

    def _select_text(self, span: TextMatch) -> None:
        document = self._raw_editor.document()
        last = document.characterCount() - 1
        if span.end > last:
            return  # still loading that far (a long text goes in a chunk at a time)
        cursor = QTextCursor(document)
        cursor.setPosition(span.start)
        cursor.setPosition(span.end, QTextCursor.MoveMode.KeepAnchor)
        self._raw_editor.setTextCursor(cursor)
        self._raw_editor.ensureCursorVisible()

    # -- slots -----------------------------------------------------------------------------------
    @Slot(object)
    def _on_query_changed(self, query: FindQuery) -> None:
        self.search(query)

    @Slot(bool)
    def _on_step_requested(self, backwards: bool) -> None:
        self.step(backwards)

    @Slot(int)
    def _on_view_changed(self, _index: int) -> None:
        if self.bar.isVisible() and self.bar.query().text:
            self.search(self.bar.query())
        else:
            self._found = None

    @Slot()
    def _on_closed(self) -> None:
        self._cancel.set()
        self._generation += 1
        self._searching = False
        self._found = None
        self._current = -1

    @Slot(str)
    def _on_path_entered(self, text: str) -> None:
        self.go_to_path(text)

    def go_to_path(self, text: str) -> bool:
        """Show the entry at a JSON Pointer, JSONPath or copied path; False (and say why) if
        there is none."""
        document: Any = self._model.document()
        if document is NO_DOCUMENT:
            return False
        try:
            path = resolve_path(document, parse_path(text))
        except (PathSyntaxError, LookupError) as error:
            message = self.tr("No entry at {path}: {reason}").format(path=text, reason=error)
            self.bar.set_count(self.tr("No such path"))
            self.status_message.emit(message)
            return False
        self._tabs.setCurrentIndex(0)
        return self._reveal_path(path)


def _search_tree(
    generation: int,
    query: FindQuery,
    document: Any,
    policy: SecretPolicy,
    cancel: threading.Event,
) -> _Found:
    try:
        result: FindResult = find_in_document(
            document, query, policy=policy, cancelled=cancel.is_set
        )
    except FindCancelledError:
        return _Found(generation, query)  # dropped: a newer generation exists
    return _Found(generation, query, paths=result.paths, truncated=result.truncated)


def _search_text(generation: int, query: FindQuery, text: str) -> _Found:
    spans, truncated = find_in_text(text, query)
    return _Found(generation, query, spans=spans, truncated=truncated, in_text=True)
