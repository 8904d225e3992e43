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
writes the edit as it is.

Waiting for the lock reports who holds it (lockcore's ``on_wait``) and can be cancelled until the
lock is taken (``cancel_check``), and up to the moment the updater decides what to write.
"""

from __future__ import annotations

import enum
import errno
import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, Literal

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, Signal, SignalInstance, Slot

from inspector.collector import collector_paused
from inspector.display import describe_holder, printable_name
from inspector.document.conversion import NotConvertibleError, convert_to_utf8
from inspector.document.loader import load_document
from inspector.document.merge import ABSENT, ConflictKey, MergeConflict, Side, three_way_merge
from inspector.document.nodes import json_equal
from inspector.document.parsing import (
    DEFAULT_SIZE_LIMIT,
    check_secrets,
    detect_indent,
    indented_display_text,
)
from inspector.document.results import NO_DOCUMENT, DocumentKind, LoadedDocument
from inspector.document.review import SaveReview, review_save
from lockcore import (
    CorruptJSONError,
    FileLockError,
    LockCancelled,
    LockInfo,
    LockLostError,
    LockTimeout,
    lock_path_for,
    locked_update_json,
)

log = logging.getLogger(__name__)

DEFAULT_LOCK_WAIT: Final = 120.0
"""How long a save waits for the lock in total; negative waits until cancelled."""
DEFAULT_KEEP_VERSIONS: Final = 20
"""How many versions of a store every save by the app keeps beside it (lockcore's history)."""
DEFAULT_VERSIONS_MAX_BYTES: Final = 10 * 1024 * 1024
"""How many bytes those versions of one store may take in total."""


class SaveMode(enum.Enum):
    MERGE = "merge"  # write the edit, merged onto what another process wrote meanwhile
    REPLACE_FILE = "replace-file"  # write the edit as it is: the person chose to discard theirs
    NEW_FILE = "new-file"  # a copy to another path: written only where no file is (Save As)


class TargetExistsError(FileExistsError):
    """A copy (:attr:`SaveMode.NEW_FILE`) found a file at its path: nothing was written."""


@dataclass(frozen=True)
class SaveRequest:
    """What to save: the edit session's base and its edited document."""

    path: str
    base: Any  # the document the edit started from; NO_DOCUMENT for a corrupt file
    edited: Any
    mode: SaveMode = SaveMode.MERGE
    sides: Mapping[ConflictKey, Side] = field(default_factory=dict)
    """For a save after a conflict: the version to keep of each conflicting entry."""
    shown: tuple[MergeConflict, ...] = ()
    """The conflicts those choices were made on; a choice stands while "theirs" is unchanged."""
    #: "keep": only what changed is rewritten, the file keeps its format (lockcore's default)
    indent: int | Literal["keep"] | None = "keep"
    repair: bool = False  # the file was corrupt: quarantine its bytes, then write
    lock_wait: float = DEFAULT_LOCK_WAIT
    #: Converting a file that is not UTF-8: the bytes it was shown with. The save writes their
    #: document as UTF-8 (``edited`` is not used) after keeping them beside the file, and only
    #: if the file holds exactly these bytes under the lock.
    convert_from: bytes | None = None
    #: The bytes each write replaces are kept as versions beside the store (0: none).
    keep_versions: int = DEFAULT_KEEP_VERSIONS
    versions_max_bytes: int = DEFAULT_VERSIONS_MAX_BYTES
    #: A restore of a kept version (the version in words): ``edited`` is its document.
    restored_from: str | None = None


@dataclass(frozen=True)
class SaveResult:
    """A save that wrote ``document`` (the edit, or the edit merged onto theirs)."""

    path: str
    document: Any
    written: LoadedDocument  # the file as it now is: the very bytes on disk
    merged: bool = False
    quarantined_to: str | None = None
    converted_from: str | None = None  #: a conversion to UTF-8: the encoding read, in words
    restored_from: str | None = None  #: a restore: the version restored, in words


@dataclass(frozen=True)
class SaveConflict:
    """A save that wrote nothing because both sides changed the same paths."""

    request: SaveRequest
    theirs: Any  # what is on disk now (NO_DOCUMENT when missing or corrupt)
    conflicts: tuple[MergeConflict, ...] = field(default_factory=tuple)
    """Every entry both sides changed differently (those already decided included)."""
    sides: Mapping[ConflictKey, Side] = field(default_factory=dict)
    """Choices the person made before that still stand (their "theirs" has not changed)."""

    @property
    def again(self) -> bool:
        """Whether this is the answer to a save with choices: the file changed again."""
        return bool(self.request.sides)

    @property
    def undecided(self) -> tuple[MergeConflict, ...]:
        """The conflicts that need the person's choice (new, or changed since they chose)."""
        return tuple(c for c in self.conflicts if c.key not in self.sides)


class _FileAbsent:
    """The updater's "document" when the file is missing or was quarantined."""


class _ChangedSinceReadError(Exception):
    """A conversion found other bytes in the file than those it was asked to convert."""


class _ConflictFoundError(Exception):
    def __init__(
        self,
        theirs: Any,
        conflicts: tuple[MergeConflict, ...],
        sides: Mapping[ConflictKey, Side] | None = None,
    ) -> None:
        super().__init__("conflicting changes")
        self.theirs = theirs
        self.conflicts = conflicts
        self.sides = sides or {}


class _SaveCancelledError(Exception):
    pass


@dataclass
class _SaveJob:
    request: SaveRequest
    cancel: threading.Event = field(default_factory=threading.Event)


class DocumentService(QObject):
    """Reads documents and saves edits for the document pane, always on worker threads."""

    #: (request id, LoadedDocument) a load finished (see :meth:`load`)
    loaded = Signal(int, object)
    #: (request id, found) whether a big document that loaded with ``secrets=None`` has
    #: secret values (checked after it was handed over, so that it shows sooner)
    secrets_checked = Signal(int, bool)
    #: (request id, SaveReview) what a save would write now (see :meth:`review`)
    review_ready = Signal(int, object)
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
    _secrets_finished = Signal(int, bool)
    _save_finished = Signal(str, object)
    _save_waiting = Signal(str)
    _lock_waited = Signal(str, float)

    _shared_pool: ClassVar[QThreadPool | None] = None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = self._worker_pool()
        self._running = 0  # this service's jobs still on a worker
        self._idle = threading.Condition()
        self._closed = False
        self._next_request = 0
        self._job: _SaveJob | None = None
        # Destroyed without shutdown() (its window deleted, not closed): a save still waiting
        # for its lock is cancelled, as shutdown() does, instead of waiting on unseen. A list,
        # not self: by then the Python side of this object may be gone.
        self._last_save: list[_SaveJob] = []
        self.destroyed.connect(functools.partial(_cancel_saves, self._last_save))
        self._load_finished.connect(self._on_load_finished)
        self._review_finished.connect(self.review_ready)
        self._secrets_finished.connect(self.secrets_checked)
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

    def review(self, path: str, base: Any, edited: Any) -> int:
        """Diff, on a worker, the file as it is now against what saving ``edited`` would write;
        ``review_ready`` carries the returned request id and a SaveReview."""
        self._next_request += 1
        request_id = self._next_request

        def work() -> None:
            try:
                result = review_save(path, base, edited)
            except Exception as exc:  # the pane still gets an answer
                log.exception("reviewing the save of %s failed", path)
                result = SaveReview(path, "", f"Cannot review: {type(exc).__name__}: {exc}")
            self._hand_over(self._review_finished, request_id, result)

        self._start(work)
        return request_id

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
            if loaded.secrets is None and not self._closed:

                def superseded() -> bool:
                    return self._next_request != request_id or self._closed

                found = check_secrets(loaded.document, path, superseded=superseded)
                if not superseded():
                    self._hand_over(self._secrets_finished, request_id, found)

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
        try:
            outcome: object = _save_in_worker(
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


class _LockWaitReport:
    """Tells ``report_wait`` once how long a save waited for its lock (called when the lock
    is held, or when the save gave up waiting)."""

    def __init__(self, started: float, report_wait: Callable[[float], None] | None) -> None:
        self._started = started
        self._report_wait = report_wait

    def __call__(self) -> None:
        if self._report_wait is not None:
            self._report_wait(time.monotonic() - self._started)
            self._report_wait = None


class _FolderGoneError(FileNotFoundError):
    """The store's folder is gone: nothing is saved, and the folder is not made again."""


def is_place_error(error: BaseException) -> bool:
    """Whether a save failed because of where the file is, so that saving a copy elsewhere
    is the way out: its folder vanished, or the file system or folder forbids writing."""
    if isinstance(error, _FolderGoneError | PermissionError):
        return True
    return isinstance(error, OSError) and error.errno in (errno.EROFS, errno.EACCES, errno.EPERM)


def _save_in_worker(  # noqa: PLR0915 - acquire, decide and write read best as one story
    job: _SaveJob, report: Any, report_wait: Callable[[float], None] | None = None
) -> SaveResult | SaveConflict | _SaveCancelledError:
    """Acquire, decide, write (or not); runs on a worker thread. ``report_wait`` hears how
    long the lock took (for the store's contention figures)."""
    request = job.request
    started = time.monotonic()
    lock_taken = _LockWaitReport(started, report_wait)
    merged = False
    quarantined: list[str] = []
    conversion = None if request.convert_from is None else convert_to_utf8(request.convert_from)

    def updater(current: Any) -> Any:
        nonlocal merged
        lock_taken()
        if job.cancel.is_set():
            raise _SaveCancelledError
        if conversion is not None:
            # lockcore kept the bytes it could not read beside the file: exactly the ones
            # converted, or another process wrote meanwhile and nothing is written.
            if not quarantined or _read_file(quarantined[-1]) != request.convert_from:
                raise _ChangedSinceReadError
            return conversion.document
        if request.mode is SaveMode.NEW_FILE:
            if not isinstance(current, _FileAbsent):
                raise TargetExistsError(errno.EEXIST, "a file is there", request.path)
            return request.edited
        theirs = NO_DOCUMENT if isinstance(current, _FileAbsent) else current
        if request.mode is SaveMode.REPLACE_FILE or _same_document(theirs, request.base):
            unused.append(theirs)  # shares nothing with what is written
            return request.edited
        if theirs is NO_DOCUMENT or request.base is NO_DOCUMENT:
            whole = MergeConflict((), _or_absent(request.base), request.edited, _or_absent(theirs))
            # Mine is the only version to write (theirs is no valid JSON, or there was no base
            # to merge from); the choice stands only for the "theirs" the person saw.
            if request.sides.get(whole.key) is Side.MINE and _as_shown(whole, request.shown):
                return request.edited
            raise _ConflictFoundError(theirs, (whole,))
        result = three_way_merge(request.base, request.edited, theirs, request.sides)
        # A choice was made for the "theirs" the dialog showed; if that entry changed again
        # since, the person has not decided about what is there now.
        standing = {
            c.key: request.sides[c.key] for c in result.resolved if _as_shown(c, request.shown)
        }
        if not result.clean or len(standing) < len(result.resolved):
            raise _ConflictFoundError(theirs, tuple(result.found), standing)
        merged = True
        return result.merged

    on_disk: list[bytes] = []  # what lockcore wrote (or left, when nothing changed)
    unused: list[Any] = []  # the document read from disk, when the save did not need it
    last_message = ""

    def on_wait(holder: LockInfo | None, waited: float) -> None:
        nonlocal last_message
        message = waiting_message(request.path, holder, waited)
        if message != last_message:
            report(message)
            last_message = message

    try:
        # The update builds a document of the file's size (a million containers at 50 MB):
        # collections of the oldest generation would walk all of it holding the GIL, and the
        # GUI thread would wait for them. Frozen afterwards, the collector never walks the
        # document the pane now holds (as after a load; see inspector.collector).
        with collector_paused(freeze=True):
            written = locked_update_json(
                request.path,
                updater,
                default=_FileAbsent(),
                timeout=request.lock_wait,
                indent=request.indent if conversion is None else conversion.indent,
                on_corrupt="quarantine" if request.repair or conversion else "raise",
                # A save must not bring back a folder that was removed (or a share that went away).
                create_parents=False,
                cancel_check=job.cancel.is_set,
                on_wait=on_wait,
                on_quarantine=quarantined.append,
                on_commit=on_disk.append,
                keep_versions=request.keep_versions,
                versions_max_bytes=request.versions_max_bytes,
            )
    except LockCancelled:
        return _SaveCancelledError()
    except LockTimeout as exc:
        lock_taken()  # not taken: how long it was waited for all the same
        raise _GaveUpWaitingError(request.path, exc.holder, time.monotonic() - started) from exc
    except _ConflictFoundError as conflict:
        return SaveConflict(request, conflict.theirs, conflict.conflicts, conflict.sides)
    except _SaveCancelledError as cancelled:
        return cancelled
    except CorruptJSONError as exc:
        if request.mode is SaveMode.NEW_FILE:  # a file is there, even if not valid JSON
            raise TargetExistsError(errno.EEXIST, "a file is there", request.path) from exc
        raise
    except FileNotFoundError as exc:
        folder = os.path.dirname(request.path)
        if exc.filename == folder or not os.path.isdir(folder):
            raise _FolderGoneError(errno.ENOENT, "its folder no longer exists", folder) from exc
        raise
    while unused:
        release_gradually(unused.pop())
    return SaveResult(
        request.path,
        written,
        written_document(request.path, on_disk[-1], written),
        merged=merged,
        quarantined_to=quarantined[-1] if quarantined else None,
        converted_from=None if conversion is None else conversion.source,
        restored_from=request.restored_from,
    )


def _read_file(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _as_shown(conflict: MergeConflict, shown: tuple[MergeConflict, ...]) -> bool:
    """Whether ``conflict`` is one of ``shown`` with the same three versions."""
    return any(
        seen.key == conflict.key
        and all(
            _same_version(a, b)
            for a, b in (
                (seen.base, conflict.base),
                (seen.mine, conflict.mine),
                (seen.theirs, conflict.theirs),
            )
        )
        for seen in shown
    )


def _same_version(a: Any, b: Any) -> bool:
    if a is ABSENT or b is ABSENT:
        return a is b
    return json_equal(a, b)


def release_gradually(document: Any) -> None:
    """Free a document no one else refers to a piece at a time: freeing a 50 MB document in one
    go is a single C call of a third of a second, during which no other thread runs. Anything
    but a dict or a list (NO_DOCUMENT, a scalar) is left to the caller's reference."""
    stack = [document] if isinstance(document, dict | list) else []
    freed = 0
    while stack:
        container = stack.pop()
        members = container.popitem if isinstance(container, dict) else container.pop
        while container:
            member = members()
            value = member[1] if isinstance(container, dict) else member
            if isinstance(value, dict | list) and len(value) > _RELEASE_WHOLE:
                stack.append(value)  # its members are freed one by one too
            del member, value
            freed += 1
            if freed % _RELEASE_WHOLE == 0:
                time.sleep(0)  # hand the GIL over for sure


_RELEASE_WHOLE: Final = 256
"""Containers with up to this many members are freed in one go."""


def written_document(path: str, raw: bytes, document: Any) -> LoadedDocument:
    """The file as a save left it: its bytes and the document they hold (not parsed again)."""
    text = raw.decode("utf-8-sig")
    indent = detect_indent(text)
    return LoadedDocument(
        path,
        DocumentKind.VALID,
        raw=raw,
        text=text,
        document=document,
        size=len(raw),
        indent=indent,
        secrets=check_secrets(document, path),
        display_text=indented_display_text(raw, text, document, indent),
    )


def _or_absent(document: Any) -> Any:
    return ABSENT if document is NO_DOCUMENT else document


def _same_document(a: Any, b: Any) -> bool:
    if a is NO_DOCUMENT or b is NO_DOCUMENT:
        return a is b
    return json_equal(a, b)


class _GaveUpWaitingError(LockTimeout):
    """The save waited ``lock_wait`` seconds in total without getting the lock."""

    def __init__(self, path: str, holder: LockInfo | None, waited: float) -> None:
        super().__init__(f"gave up waiting for the lock of {path}", path, holder)
        self.waited = waited


# -- plain words ----------------------------------------------------------------------------
# These run on workers as well as on the GUI thread: QCoreApplication.translate is thread-safe.


def waiting_message(path: str, holder: LockInfo | None, waited: float) -> str:
    """ "waiting for settings.json.lock held by PID 4711, sync.py, 3 s"."""
    lock_name = printable_name(lock_path_for(path))
    return QCoreApplication.translate(
        "DocumentService", "waiting for {lock} held by {holder}, {seconds} s"
    ).format(lock=lock_name, holder=describe_holder(holder), seconds=int(waited))


def describe_save_error(path: str, error: BaseException) -> str:
    """One or two plain sentences for a failed save; each says that nothing was written."""
    name = printable_name(path)
    nothing = QCoreApplication.translate("DocumentService", "Nothing was written.")
    if isinstance(error, _GaveUpWaitingError):
        return QCoreApplication.translate(
            "DocumentService",
            "Could not save {name}: {holder} kept its lock for {seconds} s. {nothing} "
            "Try again when that program is done.",
        ).format(
            name=name,
            holder=describe_holder(error.holder),
            seconds=int(error.waited),
            nothing=nothing,
        )
    if isinstance(error, NotConvertibleError):
        return QCoreApplication.translate(
            "DocumentService", "Could not convert {name} to UTF-8: {reason}. {nothing}"
        ).format(name=name, reason=error, nothing=nothing)
    if isinstance(error, _ChangedSinceReadError):
        return QCoreApplication.translate(
            "DocumentService",
            "Could not convert {name} to UTF-8: another program changed it since it was read. "
            "{nothing} Reload it to see what it holds now.",
        ).format(name=name, nothing=nothing)
    if isinstance(error, CorruptJSONError):
        where = (
            QCoreApplication.translate("DocumentService", " (line {line}, column {column})").format(
                line=error.lineno, column=error.colno
            )
            if error.lineno is not None
            else ""
        )
        return QCoreApplication.translate(
            "DocumentService",
            "Could not save {name}: the file on disk is no longer valid JSON{where}; another "
            "program may have damaged it. {nothing} Reload to repair it in the raw view.",
        ).format(name=name, where=where, nothing=nothing)
    reason = _failure_reason(error)
    return QCoreApplication.translate(
        "DocumentService", "Could not save {name}: {reason}. {nothing}"
    ).format(name=name, reason=reason, nothing=nothing)


def _failure_reason(error: BaseException) -> str:  # noqa: PLR0911 - one reason per failure
    """Why a save failed, in a few words (what follows "Could not save settings.json: ")."""
    if isinstance(error, LockLostError):
        return QCoreApplication.translate(
            "DocumentService", "its lock was taken away during the save"
        )
    if isinstance(error, LockTimeout):
        return QCoreApplication.translate(
            "DocumentService", "the lock could not be acquired in time"
        )
    if isinstance(error, PermissionError):
        # EACCES (mode bits) and EPERM (an immutable file, a sealed folder) alike.
        reason = error.strerror or ""
        if error.errno == errno.EPERM and reason:
            return QCoreApplication.translate(
                "DocumentService", "permission denied ({reason})"
            ).format(reason=reason.lower())
        return QCoreApplication.translate("DocumentService", "permission denied")
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return QCoreApplication.translate("DocumentService", "the disk is full")
    if isinstance(error, _FolderGoneError):
        return QCoreApplication.translate("DocumentService", "its folder no longer exists")
    if isinstance(error, OSError) and error.errno == errno.EROFS:
        return QCoreApplication.translate("DocumentService", "the file system is read-only")
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    if isinstance(error, FileLockError):
        return str(error)
    return QCoreApplication.translate("DocumentService", "unexpected {error}").format(
        error=type(error).__name__
    )
