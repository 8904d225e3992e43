"""Replacing the whole file with raw text typed over it, after a conflict, on the save's worker:
the text exactly as typed replaces whatever the file holds, under its lock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inspector.document.save_types import (
    SaveMode,
    SaveRequest,
    SaveResult,
    _SaveCancelledError,
    _SaveJob,
)
from inspector.document.save_worker import write_typed_text


def replaces_with_typed_text(request: SaveRequest) -> bool:
    """Whether ``request`` is "replace the whole file with my version" after a conflict, of
    raw text typed over the file's bytes (:func:`replace_in_worker`). A document edit's is
    a document save (:func:`inspector.document.save_worker._save_in_worker`): the edit over
    the file's bytes as they are then, as every save writes it."""
    return (
        request.mode is SaveMode.REPLACE_FILE
        and request.convert_from is None
        and request.typed is not None
    )


def replace_in_worker(
    job: _SaveJob, report: Any, report_wait: Callable[[float], None] | None = None
) -> SaveResult | _SaveCancelledError:
    """Replace whatever the file holds, under its lock, with the raw text exactly as typed --
    never its document serialised anew or applied over the other process's bytes. What is
    replaced is kept as a version (damaged bytes as a ``.corrupt-*`` copy); runs on a worker
    thread."""
    return write_typed_text(job, report, report_wait, expected="any", quarantine=True)
