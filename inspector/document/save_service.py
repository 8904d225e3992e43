"""Loading and saving one JSON store off the GUI thread; the only place that writes.

Every write goes through ``lockcore.locked_update_json``. The save's updater runs under the lock
and decides from what is on disk *now*: unchanged since the edit began → write the edit; changed
by another process → apply the edit on top when the two touch different entries (three-way merge);
otherwise raise out of the updater so that nothing at all is written, and report the conflict.
Another process's update is therefore never lost silently.

The person's answer to a conflict is applied the same way: the save runs again and its updater
merges once more against the file as it is at that moment, taking the chosen side for each
conflicting entry. If the file changed again meanwhile, the new changes are merged too; an entry
that now conflicts and was not decided — or whose "theirs" is no longer what the person saw —
stops the save again (nothing written) and is reported. Only :attr:`SaveMode.REPLACE_FILE`
writes the edit as it is, over the file's bytes as they are then (format-keeping, as every
save); raw text typed over the file replaces it exactly as typed, through
``lockcore.locked_replace_bytes``.

Waiting for the lock reports who holds it (lockcore's ``on_wait``) and can be cancelled until the
lock is taken (``cancel_check``), and up to the moment the updater decides what to write.

This module is the service (the GUI side, its signals and workers); a save's request and outcomes
are in ``save_types.py``, what a save does on its worker in ``save_worker.py`` (the document it
leaves in ``saved_document.py``), and its messages in ``save_messages.py``.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, Signal, SignalInstance, Slot

from inspector.display import printable_name
from inspector.document.loader import load_document
from inspector.document.parsing import (
    DEFAULT_SIZE_LIMIT,
    check_secrets,
)
from inspector.document.results import DocumentKind, LoadedDocument
from inspector.document.review import SaveReview, review_save
from inspector.document.save_messages import (
    describe_save_error,
)
from inspector.document.save_replace import replace_in_worker, replaces_with_typed_text
from inspector.document.save_types import (
    SaveConflict,
    SaveRequest,
    SaveResult,
    TargetExistsError,
    TypedMerge,
    _SaveCancelledError,
    _SaveJob,
    is_place_error,
)
from inspector.document.save_worker import (
    _remove_in_worker,
    _save_in_worker,
    _typed_in_worker,
    typed_merge_outcome,
)
from inspector.document.saved_document import release_gradually
from lockcore import number_spellings

log = logging.getLogger(__name__)


class DocumentService(QObject):
    """Reads documents and saves edits for the document pane, always on worker threads."""

    #: (request id, LoadedDocument) a load finished (see :meth:`load`)
    loaded = Signal(int, object)
    #: (request id, found) whether a big document that loaded with ``secrets=None`` has
    #: secret values (checked after it was handed over, so that it shows sooner)
    secrets_checked = Signal(int, bool)
    #: (request id, spellings) where a big document that loaded with ``number_spellings=None``
    #: spells numbers otherwise than Python writes them (searched after it was handed over)
    spellings_found = Signal(int, object)
    #: (request id, SaveReview) what a save would write now (see :meth:`review`)
    review_ready = Signal(int, object)
    #: (request id, TypedMerge) what saving typed raw text does now that the file changed on
    #: disk (see :meth:`check_typed_merge`)
    typed_merge_checked = Signal(int, object)
    #: (message) a save is waiting for the lock: who holds it and for how long we waited
    save_progress = Signal(str)
    #: (SaveResult) a save wrote the document
    save_succeeded = Signal(object)
    #: (SaveConflict) a save found conflicting changes and wrote nothing
    save_conflicted = Signal(object)
    #: (path, message) a save failed in plain words; nothing was written
    save_failed = Signal(str, str)
    #: (path) a save was cancelled while waiting; nothing was written
    save_cancelled = Signal(str)
    #: (path) a copy found a file at its path and wrote nothing (ask, then save with REPLACE)
    save_target_exists = Signal(str)
    #: (path) a save failed because of where the file is (its folder is gone, read-only or
    #: not writable): another place may do; ``save_failed`` follows with the message
    save_place_unwritable = Signal(str)
    #: (path, seconds) how long a save waited for the store's lock (until it held the lock and
    #: had read the file; or, when it gave up, until then)
    lock_waited = Signal(str, float)

    # Worker threads hand results over through these; they are queued to the GUI thread.
    _load_finished = Signal(int, object)
    _review_finished = Signal(int, object)
    _typed_merge_finished = Signal(int, object)
    _secrets_finished = Signal(int, bool)
    _spellings_finished = Signal(int, object)
    _save_finished = Signal(str, object)
    _save_waiting = Signal(str)
    _lock_waited = Signal(str, float)

    _shared_pool: ClassVar[QThreadPool | None] = None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = self._worker_pool()
        self._running = 0  # this service's jobs still on a worker
        self._idle = threading.Condition()
        # A save and the searches that follow a big load (secrets, number spellings) run one
        # at a time: together they take turns at the GIL with the GUI thread too, each of its
        # Python calls waiting behind both (a 50 MB save opened right after loading began
        # with 90-140 ms stalls while the search of the file still ran). A save waits for the
        # searches to end (a second or two at 50 MB), the searches of a reload for the save.
        self._heavy = threading.Lock()
        self._closed = False
        self._next_request = 0
        self._typed_merge_checks = 0
        self._job: _SaveJob | None = None
        # Destroyed without shutdown() (its window deleted, not closed): a save still waiting
        # for its lock is cancelled, as shutdown() does, instead of waiting on unseen. A list,
        # not self: by then the Python side of this object may be gone.
        self._last_save: list[_SaveJob] = []
        self.destroyed.connect(functools.partial(_cancel_saves, self._last_save))
        self._load_finished.connect(self._on_load_finished)
        self._review_finished.connect(self.review_ready)
        self._typed_merge_finished.connect(self.typed_merge_checked)
        self._secrets_finished.connect(self.secrets_checked)
        self._spellings_finished.connect(self.spellings_found)
        self._save_finished.connect(self._on_save_finished)
        self._save_waiting.connect(self._on_save_waiting)
        self._lock_waited.connect(self.lock_waited)
        app = QCoreApplication.instance()
        if app is not None:  # a save waiting for a lock must not outlive the application
            app.aboutToQuit.connect(self._on_about_to_quit)

    @classmethod
    def _worker_pool(cls) -> QThreadPool:
        """One pool for every document service, owned by the application.

        Not a child of the service: destroying a pool waits for its threads, and a service
        destroyed on the GUI thread would then wait, holding the GIL, for a worker that needs it.
        """
        if cls._shared_pool is None:
            pool = QThreadPool(QCoreApplication.instance())
            pool.setMaxThreadCount(4)
            cls._shared_pool = pool
            pool.destroyed.connect(cls._forget_pool)
        return cls._shared_pool

    @classmethod
    def _forget_pool(cls) -> None:
        cls._shared_pool = None

    @property
    def is_saving(self) -> bool:
        return self._job is not None

    def review(
        self,
        path: str,
        base: Any,
        edited: Any,
        typed: bytes | None = None,
        typed_over: bytes | None = None,
        *,
        repair: bool = False,
    ) -> int:
        """Diff, on a worker, the file as it is now against what saving ``edited`` would write
        (``typed``: the raw text as typed over ``typed_over``; ``repair``: the shown file is
        damaged; see :func:`review_save`); ``review_ready`` carries the returned request id
        and a SaveReview."""
        self._next_request += 1
        request_id = self._next_request

        def work() -> None:
            try:
                result = review_save(path, base, edited, typed, typed_over, repair=repair)
            except Exception as exc:  # the pane still gets an answer
                log.exception("reviewing the save of %s failed", path)
                result = SaveReview(path, "", f"Cannot review: {type(exc).__name__}: {exc}")
            self._hand_over(self._review_finished, request_id, result)

        self._start(work)
        return request_id

    def check_typed_merge(self, request: SaveRequest) -> int:
        """Decide on a worker what saving ``request`` (raw text typed over the file's bytes)
        does now that the file changed on disk (:func:`typed_merge_outcome`: whole documents
        compared, a long text's edit rendered); ``typed_merge_checked`` carries the returned
        id and a TypedMerge."""
        self._typed_merge_checks += 1  # not a load's id: that would stop its searches
        check_id = self._typed_merge_checks

        def work() -> None:
            try:
                outcome = typed_merge_outcome(request)
            except Exception:  # the bar then says what holds in any case
                log.exception("checking the typed text of %s failed", request.path)
                outcome = TypedMerge.FORMATTING_DROPPED
            self._hand_over(self._typed_merge_finished, check_id, outcome)

        self._start(work)
        return check_id

    def load(self, path: str, size_limit: int = DEFAULT_SIZE_LIMIT) -> int:
        """Read ``path`` on a worker; ``loaded`` carries the returned request id and the result."""
        self._next_request += 1
        request_id = self._next_request

        def work() -> None:
            try:
                loaded = load_document(path, size_limit)
            except Exception as exc:
                # load_document turns whatever a file holds into a LoadedDocument; should it
                # ever raise, the pane still gets an answer instead of "Opening…" for good.
                log.exception("loading %s failed", path)
                loaded = LoadedDocument(
                    path,
                    DocumentKind.UNREADABLE,
                    message=QCoreApplication.translate(
                        "DocumentService", "Cannot open {name}: {error}: {detail}."
                    ).format(name=printable_name(path), error=type(exc).__name__, detail=exc),
                )
            self._hand_over(self._load_finished, request_id, loaded)

            def superseded() -> bool:
                return self._next_request != request_id or self._closed

            if loaded.secrets is not None and loaded.number_spellings is not None:
                return
            with self._heavy:
                if loaded.secrets is None and not self._closed:
                    found = check_secrets(loaded.document, path, superseded=superseded)
                    if not superseded():
                        self._hand_over(self._secrets_finished, request_id, found)
                if loaded.number_spellings is None and not superseded():
                    spellings = tuple(number_spellings(loaded.text).items())
                    if not superseded():
                        self._hand_over(self._spellings_finished, request_id, spellings)

        self._start(work)
        return request_id

    def save(self, request: SaveRequest) -> bool:
        """Start saving on a worker; False (and nothing started) while another save runs."""
        if self._job is not None:
            return False
        job = _SaveJob(request)
        self._job = job
        self._last_save[:] = [job]
        self._start(lambda: self._run_save(job))
        return True

    def cancel_save(self) -> None:
        """Stop waiting for the lock; a save already writing completes (it is atomic)."""
        if self._job is not None:
            self._job.cancel.set()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Cancel any save and wait for this service's workers; later results are dropped."""
        self.cancel_save()
        with self._idle:
            self._idle.wait_for(lambda: self._running == 0, timeout)
        self._closed = True

    def release_later(self, document: Any) -> None:
        """Free ``document`` on a worker, a piece at a time (``release_gradually``), which the
        caller hands over and no longer uses: dropping the last reference to a 50 MB document on
        the GUI thread froze it for a tenth of a second (the conflict's "theirs", after the
        person's answer). Not a request: nothing is told when it is done."""
        if isinstance(document, dict | list) and document:
            self._pool.start(functools.partial(release_gradually, document))

    def _start(self, work: Callable[[], None]) -> None:
        self._closed = False  # a new request: someone listens again
        with self._idle:
            self._running += 1

        def run() -> None:
            try:
                work()
            finally:
                with self._idle:
                    self._running -= 1
                    self._idle.notify_all()

        self._pool.start(run)

    def _hand_over(self, signal: SignalInstance, *args: object) -> None:
        """Emit a worker's result to the GUI thread, unless nobody is listening any more."""
        if self._closed:
            return
        try:
            signal.emit(*args)
        except RuntimeError:  # the service was deleted while the worker ran
            log.debug("result dropped: its document service is gone")

    @Slot()
    def _on_about_to_quit(self) -> None:
        self.shutdown()

    # -- worker side ----------------------------------------------------------------------
    def _run_save(self, job: _SaveJob) -> None:
        save: Callable[..., object] = _save_in_worker
        if job.request.remove_occurrence is not None:
            save = _remove_in_worker
        elif replaces_with_typed_text(job.request):
            save = replace_in_worker
        elif job.request.typed is not None:
            save = _typed_in_worker
        try:
            with self._heavy:
                outcome: object = save(
                    job,
                    lambda message: self._hand_over(self._save_waiting, message),
                    lambda waited: self._hand_over(self._lock_waited, job.request.path, waited),
                )
        except Exception as exc:  # turned into plain words on the GUI thread, never lost
            outcome = exc
        self._hand_over(self._save_finished, job.request.path, outcome)

    # -- GUI side ---------------------------------------------------------------------------
    @Slot(int, object)
    def _on_load_finished(self, request_id: int, document: LoadedDocument) -> None:
        self.loaded.emit(request_id, document)

    @Slot(str)
    def _on_save_waiting(self, message: str) -> None:
        if self._job is not None and not self._job.cancel.is_set():
            self.save_progress.emit(message)

    @Slot(str, object)
    def _on_save_finished(self, path: str, outcome: object) -> None:
        self._job = None
        if isinstance(outcome, SaveResult):
            self.save_succeeded.emit(outcome)
        elif isinstance(outcome, SaveConflict):
            self.save_conflicted.emit(outcome)
        elif isinstance(outcome, _SaveCancelledError):
            self.save_cancelled.emit(path)
        elif isinstance(outcome, TargetExistsError):
            self.save_target_exists.emit(path)
        elif isinstance(outcome, BaseException):
            if is_place_error(outcome):
                self.save_place_unwritable.emit(path)
            message = describe_save_error(path, outcome)
            log.info("save of %s failed: %s", path, type(outcome).__name__)
            self.save_failed.emit(path, message)


def _cancel_saves(jobs: list[_SaveJob]) -> None:
    for job in jobs:
        job.cancel.set()
