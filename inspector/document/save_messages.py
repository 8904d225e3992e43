"""A save in plain words: its waiting, its failures, and what it did (:func:`save_summary`).

All of a save's sentences are here, apart from the session and the workers that say them, so
that a pane, a session and a worker thread word the same outcome the same way."""

from __future__ import annotations

import errno
import json
from typing import Any

from PySide6.QtCore import QCoreApplication

from inspector.display import describe_holder, printable_name
from inspector.document.conversion import NotConvertibleError
from inspector.document.save_types import (
    SaveResult,
    _ChangedSinceReadError,
    _FolderGoneError,
    _GaveUpWaitingError,
    _TypedTextChangedError,
)
from lockcore import (
    CorruptJSONError,
    DuplicateKeyChangedError,
    FileLockError,
    LockInfo,
    LockLostError,
    LockTimeout,
    lock_path_for,
)

# These run on workers as well as on the GUI thread: QCoreApplication.translate is thread-safe.


def waiting_message(path: str, holder: LockInfo | None, waited: float) -> str:
    """ "waiting for settings.json.lock held by PID 4711, sync.py, 3 s"."""
    lock_name = printable_name(lock_path_for(path))
    return QCoreApplication.translate(
        "DocumentService", "waiting for {lock} held by {holder}, {seconds} s"
    ).format(lock=lock_name, holder=describe_holder(holder), seconds=int(waited))


def describe_save_error(path: str, error: BaseException) -> str:  # noqa: PLR0911 - one per failure
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
    if isinstance(error, _TypedTextChangedError):
        return QCoreApplication.translate(
            "DocumentService",
            "Not saved: {name} was changed on disk by another program since you edited its "
            "text, and your edit changes only its formatting (spacing, number spellings, "
            "repeated keys), which cannot be merged with their change. {nothing} Your text is "
            "kept: copy it, then Revert to see their version and apply your formatting again.",
        ).format(name=name, nothing=nothing)
    if isinstance(error, DuplicateKeyChangedError):
        return QCoreApplication.translate(
            "DocumentService",
            "Could not remove the occurrence of {key} from {name}: another program changed that "
            "key's occurrences since the file was shown. {nothing} It is shown as it is now.",
        ).format(key=json.dumps(error.key, ensure_ascii=False), name=name, nothing=nothing)
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


def save_summary(result: SaveResult) -> str:
    """ "Saved settings.json, merged with …; the damaged original was kept as …"."""
    name = printable_name(result.path)
    if result.removed_occurrence is not None:
        duplicate, occurrence = result.removed_occurrence
        return QCoreApplication.translate(
            "EditSession",
            "Removed occurrence {place} of {count} of {key} ({value}) from {name}.",
        ).format(
            place=occurrence + 1,
            count=len(duplicate.values),
            key=json.dumps(duplicate.key, ensure_ascii=False),
            value=_briefly(duplicate.values[occurrence]),
            name=name,
        )
    if result.converted_from is not None:
        kept = printable_name(result.quarantined_to or "")
        return QCoreApplication.translate(
            "EditSession",
            "Converted {name} from {encoding} to UTF-8; its original bytes were kept as {kept}.",
        ).format(name=name, encoding=result.converted_from, kept=kept)
    if result.restored_from is not None:
        message = QCoreApplication.translate(
            "EditSession", "Restored {name} to its version of {version}"
        ).format(name=name, version=result.restored_from)
        if result.merged:
            message += QCoreApplication.translate(
                "EditSession", ", merged with changes another process made meanwhile"
            )
    elif result.formatting_dropped:
        message = QCoreApplication.translate(
            "EditSession",
            "Saved {name}, merged with changes another process made meanwhile; your raw "
            "text's formatting (spacing, number spellings, repeated keys) could not be kept "
            "because the file changed, only the values you changed were saved",
        ).format(name=name)
    elif result.merged:
        message = QCoreApplication.translate(
            "EditSession", "Saved {name}, merged with changes another process made meanwhile"
        ).format(name=name)
    else:
        message = QCoreApplication.translate("EditSession", "Saved {name}").format(name=name)
    if result.quarantined_to:
        message += QCoreApplication.translate(
            "EditSession", "; the damaged original was kept as {name}"
        ).format(name=printable_name(result.quarantined_to))
    return message + "."


def _briefly(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else f"{text[:39]}…"
