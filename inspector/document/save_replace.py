"""Replacing the whole file with the person's version after a conflict, on the save's worker:
the bytes of that version replace whatever the file holds, under its lock."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

from inspector.document.results import NO_DOCUMENT
from inspector.document.save_types import (
    SaveMode,
    SaveRequest,
    SaveResult,
    _SaveCancelledError,
    _SaveJob,
)
from inspector.document.save_worker import (
    _as_written,
    _write_locked,
    edit_has_secrets,
    written_document,
)
from lockcore import find_duplicate_keys, json_update_bytes, locked_replace_bytes


def replaces_with_my_bytes(request: SaveRequest) -> bool:
    """Whether ``request`` replaces the whole file with bytes of the person's version
    (:func:`replace_in_worker`): "replace the whole file with my version" after a conflict,
    of raw text typed over the file's bytes or of an edit of the bytes its base was read from."""
    return (
        request.mode is SaveMode.REPLACE_FILE
        and request.convert_from is None
        and (
            request.typed is not None
            or (request.base_raw is not None and request.base is not NO_DOCUMENT)
        )
    )


def replace_in_worker(
    job: _SaveJob, report: Any, report_wait: Callable[[float], None] | None = None
) -> SaveResult | _SaveCancelledError:
    """Replace whatever the file holds, under its lock, with the person's version as a save
    with no other process about writes it: the raw text exactly as typed, or the edit applied
    over the bytes its base was read from -- never the document serialised anew, nor applied
    over the other process's bytes. What is replaced is kept as a version (damaged bytes as
    a ``.corrupt-*`` copy); runs on a worker thread."""
    request = job.request
    mine = request.typed
    if mine is None:
        assert request.base_raw is not None
        mine = json_update_bytes(request.base_raw, request.edited, path=request.path)
    quarantined: list[str] = []
    raw = _write_locked(
        job,
        report,
        report_wait,
        functools.partial(
            locked_replace_bytes,
            request.path,
            mine,
            expected="any",
            quarantine=True,
            on_quarantine=quarantined.append,
        ),
    )
    if isinstance(raw, _SaveCancelledError):
        return raw
    quarantined_to = quarantined[-1] if quarantined else None
    if request.typed is not None:
        written = _as_written(request.path, raw)  # its repeated keys and spellings as typed
        return SaveResult(
            request.path, written.document, written, as_typed=True, quarantined_to=quarantined_to
        )
    secrets = None
    if request.base_secrets is False:
        secrets = edit_has_secrets(request.edited, request.base, request.path)
    written = written_document(
        request.path,
        raw,
        request.edited,
        secrets,
        # An edit of the base's bytes, as a save without another process writes it.
        standard=request.base_standard,
        plain_numbers=request.base_plain_numbers,
    )
    if request.repeated_keys:
        written = dataclasses.replace(written, duplicate_keys=tuple(find_duplicate_keys(raw)))
    return SaveResult(
        request.path,
        request.edited,
        written,
        quarantined_to=quarantined_to,
        restored_from=request.restored_from,
    )
