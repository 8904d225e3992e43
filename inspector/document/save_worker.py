"""A save on its worker thread: wait for the lock (cancellable, saying who holds it), decide
from what is on disk now (write the edit, merge it onto theirs, or stop at a conflict), write;
and the document a save leaves, handed back without parsing it again."""

from __future__ import annotations

import dataclasses
import errno
import functools
import os
import time
from collections.abc import Callable
from typing import Any, Literal

from inspector.collector import collector_paused
from inspector.document.conflict_text import (
    SIDE_BY_SIDE_LIMIT,
    SideTexts,
    entry_count_exceeds,
    side_texts,
)
from inspector.document.conversion import convert_to_utf8
from inspector.document.json_values import json_equal
from inspector.document.merge import ABSENT, MergeConflict, Side, three_way_merge
from inspector.document.parsing import (
    classify_bytes,
)
from inspector.document.results import NO_DOCUMENT, LoadedDocument
from inspector.document.save_messages import (
    waiting_message,
)
from inspector.document.save_types import (
    SaveConflict,
    SaveMode,
    SaveRequest,
    SaveResult,
    TargetExistsError,
    TypedMerge,
    _ChangedSinceReadError,
    _ConflictFoundError,
    _FileAbsent,
    _FolderGoneError,
    _GaveUpWaitingError,
    _SaveCancelledError,
    _SaveJob,
    _TypedTextChangedError,
)
from inspector.document.saved_document import (
    edit_has_secrets,
    release_gradually,
    written_document,
)
from lockcore import (
    CorruptJSONError,
    FileChangedError,
    FileLockError,
    LockCancelled,
    LockInfo,
    LockTimeout,
    find_duplicate_keys,
    json_update_bytes,
    locked_remove_duplicate_key,
    locked_replace_bytes,
    locked_update_json,
    number_spellings,
)


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


def _save_in_worker(  # noqa: PLR0915 - acquire, decide and write read best as one story
    job: _SaveJob, report: Any, report_wait: Callable[[float], None] | None = None
) -> SaveResult | SaveConflict | _SaveCancelledError:
    """Acquire, decide, write (or not); runs on a worker thread. ``report_wait`` hears how
    long the lock took (for the store's contention figures)."""
    request = job.request
    started = time.monotonic()
    lock_taken = _LockWaitReport(started, report_wait)
    merged = False
    over_base_bytes = False
    quarantined: list[str] = []
    conversion = None if request.convert_from is None else convert_to_utf8(request.convert_from)

    def updater(current: Any) -> Any:
        nonlocal merged, over_base_bytes
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
        over_base_bytes = theirs is request.base  # lockcore took it: the file held base_raw
        if request.mode is SaveMode.REPLACE_FILE or _same_document(theirs, request.base):
            if theirs is not request.base:  # the session's base stays whole
                unused.append(theirs)  # shares nothing with what is written
            return request.edited
        if theirs is NO_DOCUMENT or request.base is NO_DOCUMENT:
            whole = MergeConflict((), _or_absent(request.base), request.edited, _or_absent(theirs))
            # Mine is the only version to write (theirs is no valid JSON, or there was no base
            # to merge from); the choice stands only for the "theirs" the person saw.
            if request.sides.get(whole.key) is Side.MINE and _as_shown(whole, request.shown):
                return request.edited
            theirs_raw.append(_bytes_on_disk(request.path))
            raise _ConflictFoundError(theirs, (whole,))
        result = three_way_merge(request.base, request.edited, theirs, request.sides)
        # A choice was made for the "theirs" the dialog showed; if that entry changed again
        # since, the person has not decided about what is there now.
        standing = {
            c.key: request.sides[c.key] for c in result.resolved if _as_shown(c, request.shown)
        }
        if not result.clean or len(standing) < len(result.resolved):
            # The bytes lockcore parsed (read again under its lock, only now): the dialog shows
            # theirs as the file's text, not serialised anew.
            theirs_raw.append(_bytes_on_disk(request.path))
            raise _ConflictFoundError(theirs, tuple(result.found), standing)
        merged = True
        if result.merged is not theirs:
            unused.append(theirs)  # what the merge shares with it stays whole
        return result.merged

    on_disk: list[bytes] = []  # what lockcore wrote (or left, when nothing changed)
    theirs_raw: list[bytes | None] = []  # the file's bytes when a conflict was found
    unused: list[Any] = []  # the document read from disk, when the save did not need it
    on_wait = _wait_reporter(request.path, report)

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
                parsed=_base_as_read(request),
            )
    except LockCancelled:
        return _SaveCancelledError()
    except LockTimeout as exc:
        lock_taken()  # not taken: how long it was waited for all the same
        raise _GaveUpWaitingError(request.path, exc.holder, time.monotonic() - started) from exc
    except _ConflictFoundError as conflict:
        texts = _side_texts(request, conflict, theirs_raw[-1] if theirs_raw else None)
        return SaveConflict(
            request, conflict.theirs, conflict.conflicts, conflict.sides, texts=texts
        )
    except _SaveCancelledError as cancelled:
        return cancelled
    except CorruptJSONError as exc:
        if request.mode is SaveMode.NEW_FILE:  # a file is there, even if not valid JSON
            raise TargetExistsError(errno.EEXIST, "a file is there", request.path) from exc
        raise
    except FileNotFoundError as exc:
        _raise_if_folder_gone(request.path, exc)
        raise
    while unused:
        release_gradually(unused.pop())
    secrets = None
    if request.base_secrets is False and written is request.edited:
        secrets = edit_has_secrets(written, request.base, request.path)
    edit_of_base = over_base_bytes and written is request.edited
    on_disk_now = written_document(
        request.path,
        on_disk[-1],
        written,
        secrets,
        # After a merge, what the other process added is not looked for (a walk of the whole
        # document: seconds at 50 MB, on top of the merge's own parse); the next load says it.
        standard=request.base_standard and (edit_of_base or merged),
        plain_numbers=edit_of_base and request.base_plain_numbers,
    )
    if request.repeated_keys:
        on_disk_now = dataclasses.replace(
            on_disk_now, duplicate_keys=tuple(find_duplicate_keys(on_disk[-1]))
        )
    return SaveResult(
        request.path,
        written,
        on_disk_now,
        merged=merged,
        quarantined_to=quarantined[-1] if quarantined else None,
        converted_from=None if conversion is None else conversion.source,
        restored_from=request.restored_from,
    )


def _remove_in_worker(
    job: _SaveJob, report: Any, report_wait: Callable[[float], None] | None = None
) -> SaveResult | _SaveCancelledError:
    """Remove one occurrence of a repeated key from the file, under its lock (lockcore checks
    that the key still has the occurrences shown); runs on a worker thread."""
    request = job.request
    assert request.remove_occurrence is not None
    duplicate, occurrence = request.remove_occurrence
    raw = _write_locked(
        job,
        report,
        report_wait,
        functools.partial(locked_remove_duplicate_key, request.path, duplicate, occurrence),
    )
    if isinstance(raw, _SaveCancelledError):
        return raw
    written = _as_written(request.path, raw)  # its repeated keys as they are now, too
    return SaveResult(
        request.path,
        written.document,
        written,
        removed_occurrence=request.remove_occurrence,
    )


def _typed_in_worker(
    job: _SaveJob, report: Any, report_wait: Callable[[float], None] | None = None
) -> SaveResult | SaveConflict | _SaveCancelledError:
    """Write the raw text as typed, under the lock, if the file still holds the bytes it was
    typed over; runs on a worker thread. If another process changed the file meanwhile, its
    change is never overwritten: an edit that changes the document is saved as a document
    edit (merged onto theirs, or a conflict), and an edit of only formatting is refused."""
    request = job.request
    try:
        return write_typed_text(
            job, report, report_wait, expected=request.base_raw, quarantine=request.repair
        )
    except FileChangedError as exc:
        if _same_document(request.edited, request.base):
            raise _TypedTextChangedError(str(exc)) from exc
        # Their change and the document of mine are merged as for a tree edit; the conflict,
        # if any, is answered as a document edit too (the request has no typed text any more).
        as_document = dataclasses.replace(request, typed=None)
        outcome = _save_in_worker(_SaveJob(as_document, job.cancel), report, report_wait)
        if isinstance(outcome, SaveResult | SaveConflict):
            # Said only when true: text that changes values, each spelt as a document edit
            # writes it, has no formatting of its own to lose.
            dropped = not _typed_as_a_document_edit_writes(request)
            outcome = dataclasses.replace(outcome, formatting_dropped=dropped)
        if isinstance(outcome, SaveConflict):
            # The answer is a save of this request again: its choices merge the document as
            # above, and "replace the whole file" writes the text as typed.
            outcome = dataclasses.replace(
                outcome, request=dataclasses.replace(outcome.request, typed=request.typed)
            )
        return outcome


def write_typed_text(
    job: _SaveJob,
    report: Any,
    report_wait: Callable[[float], None] | None,
    *,
    expected: bytes | Literal["any"] | None,
    quarantine: bool,
) -> SaveResult | _SaveCancelledError:
    """Replace the file's bytes with the raw text exactly as typed, under the lock, if they
    are ``expected`` (``"any"``: whatever they are; else :class:`FileChangedError`); damaged
    bytes replaced are kept as a ``.corrupt-*`` copy when ``quarantine``."""
    request = job.request
    assert request.typed is not None
    quarantined: list[str] = []  # a repaired damaged file: where its bytes were kept
    raw = _write_locked(
        job,
        report,
        report_wait,
        functools.partial(
            locked_replace_bytes,
            request.path,
            request.typed,
            expected=expected,
            quarantine=quarantine,
            on_quarantine=quarantined.append,
        ),
    )
    if isinstance(raw, _SaveCancelledError):
        return raw
    written = _as_written(request.path, raw)  # its repeated keys and spellings as typed
    return SaveResult(
        request.path,
        written.document,
        written,
        as_typed=True,
        quarantined_to=quarantined[-1] if quarantined else None,
    )


def typed_merge_outcome(request: SaveRequest) -> TypedMerge:
    """What saving ``request``'s typed text does if the file no longer holds the bytes it was
    typed over: as :func:`_typed_in_worker` decides it (a comparison of whole documents and,
    for text that changes values, lockcore's edit of the file's bytes: run it on a worker for
    a long text)."""
    if _same_document(request.edited, request.base):
        return TypedMerge.REFUSED
    if _typed_as_a_document_edit_writes(request):
        return TypedMerge.ALL_KEPT
    return TypedMerge.FORMATTING_DROPPED


def _typed_as_a_document_edit_writes(request: SaveRequest) -> bool:
    """Whether the typed text is exactly what a document edit of the bytes it was typed over
    writes (values changed, spelt and laid out as lockcore writes them into the file's own
    text): then saving it as a document edit, merged onto another's change, keeps all of it."""
    if request.typed is None or request.base_raw is None:
        return False
    try:
        as_edit = json_update_bytes(request.base_raw, request.edited, path=request.path)
    except (FileLockError, ValueError, TypeError):  # a NaN typed, say: not what an edit writes
        return False
    return as_edit == request.typed


def _write_locked(
    job: _SaveJob,
    report: Any,
    report_wait: Callable[[float], None] | None,
    write: Callable[..., bytes],
) -> bytes | _SaveCancelledError:
    """``write(**lock options)``: one of lockcore's byte-level writes under the request's lock
    options, with how long it waited reported. A cancel is returned; a timeout or a vanished
    folder is raised as a save reports them; anything else (a changed file) propagates."""
    request = job.request
    started = time.monotonic()
    try:
        raw = write(
            timeout=request.lock_wait,
            cancel_check=job.cancel.is_set,
            on_wait=_wait_reporter(request.path, report),
            keep_versions=request.keep_versions,
            versions_max_bytes=request.versions_max_bytes,
        )
    except LockCancelled:
        return _SaveCancelledError()
    except LockTimeout as exc:
        if report_wait is not None:
            report_wait(time.monotonic() - started)
        raise _GaveUpWaitingError(request.path, exc.holder, time.monotonic() - started) from exc
    except FileNotFoundError as exc:
        _raise_if_folder_gone(request.path, exc)
        raise
    if report_wait is not None:
        report_wait(time.monotonic() - started)
    return raw


def _wait_reporter(path: str, report: Any) -> Callable[[LockInfo | None, float], None]:
    """An ``on_wait`` for lockcore that reports the waiting message whenever its words change."""
    last_message = ""

    def on_wait(holder: LockInfo | None, waited: float) -> None:
        nonlocal last_message
        message = waiting_message(path, holder, waited)
        if message != last_message:
            report(message)
            last_message = message

    return on_wait


def _raise_if_folder_gone(path: str, error: FileNotFoundError) -> None:
    """Raise _FolderGoneError (from ``error``) when it is the store's folder that is gone."""
    folder = os.path.dirname(path)
    if error.filename == folder or not os.path.isdir(folder):
        raise _FolderGoneError(errno.ENOENT, "its folder no longer exists", folder) from error


def _as_written(path: str, raw: bytes) -> LoadedDocument:
    """The bytes a save wrote, classified as a load would, their number spellings found even
    for a big file (here, on the save's worker: the pane shows them at once)."""
    written = classify_bytes(path, raw)
    if written.number_spellings is None:
        written = dataclasses.replace(
            written, number_spellings=tuple(number_spellings(written.text).items())
        )
    return written


def _bytes_on_disk(path: str) -> bytes | None:
    try:
        return _read_file(path)
    except OSError:  # missing: theirs is no document, and the dialog says so
        return None


def _side_texts(
    request: SaveRequest, conflict: _ConflictFoundError, theirs_raw: bytes | None
) -> SideTexts | None:
    """The conflict dialog's texts: mine as the person has it -- the raw text as typed, else
    what saving the edit over the bytes it was made on writes -- and theirs as the file held
    it; None past the entries the dialog shows side by side (it shows a note instead)."""
    if any(
        entry_count_exceeds(version, SIDE_BY_SIDE_LIMIT)
        for version in (request.edited, conflict.theirs)
    ):
        return None
    mine_raw = request.typed
    if mine_raw is None and request.base_raw is not None:
        try:
            mine_raw = json_update_bytes(request.base_raw, request.edited, path=request.path)
        except (FileLockError, ValueError, TypeError):  # the save would not write it either
            return None
    return side_texts(mine_raw, theirs_raw, (c.path for c in conflict.conflicts))


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


def _base_as_read(request: SaveRequest) -> tuple[bytes, Any] | tuple[bytes, Any, str] | None:
    """The base, the bytes it was read from and their text, for lockcore to take instead of a
    parse and a decode."""
    if request.base_raw is None or request.base is NO_DOCUMENT or request.convert_from:
        return None
    if request.base_text is None:
        return request.base_raw, request.base
    return request.base_raw, request.base, request.base_text


def _or_absent(document: Any) -> Any:
    return ABSENT if document is NO_DOCUMENT else document


def _same_document(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if a is NO_DOCUMENT or b is NO_DOCUMENT:
        return a is b
    return json_equal(a, b)
