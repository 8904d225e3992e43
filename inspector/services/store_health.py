"""What a store's data file holds, in the table's words: reading it (at most
:data:`HEALTH_CHECK_LIMIT` bytes, sized for what it should hold) and lockcore's verdict on them,
never raising; and what a missing data file leaves (an interrupted write to recover)."""

from __future__ import annotations

import os
import stat
from typing import Final

from inspector.display import printable_name
from inspector.regular_file import NotARegularFileError, open_regular
from inspector.services.store_entry import (
    StoreHealth,
)
from lockcore import (
    JSONKind,
    classify_json,
    legacy_temp_path_for,
)

#: Documents larger than this are not parsed to check their health (they are still listed).
HEALTH_CHECK_LIMIT = 8 * 1024 * 1024


_HEALTH_OF_KIND: Final = {
    JSONKind.VALID: StoreHealth.VALID,
    JSONKind.NON_STANDARD: StoreHealth.NON_STANDARD,
    JSONKind.INVALID: StoreHealth.CORRUPT,
    JSONKind.TOO_LARGE_OR_DEEP: StoreHealth.TOO_LARGE_OR_DEEP,
    JSONKind.NOT_UTF8: StoreHealth.NOT_UTF8,
}


def parse_health(raw: bytes) -> tuple[StoreHealth, str]:
    """What a document's bytes are (lockcore's verdict, the one the document pane shows too),
    with the reason in plain words."""
    check = classify_json(raw)
    if check.kind is JSONKind.VALID:
        return StoreHealth.VALID, "Valid JSON."
    if check.kind is JSONKind.OTHER_UNICODE:
        health = StoreHealth.UTF32 if check.encoding.startswith("utf-32") else StoreHealth.UTF16
    else:
        health = _HEALTH_OF_KIND[check.kind]
    return health, f"{check.reason[:1].upper()}{check.reason[1:]}."


def document_health(path: str, size: int) -> tuple[StoreHealth, str]:
    """Read and check the data file ``path`` of ``size`` bytes."""
    if size > HEALTH_CHECK_LIMIT:
        return StoreHealth.NOT_CHECKED, f"{size / 2**20:.1f} MiB: too large to check while listing."
    try:
        raw = _read_at_most(path, size)
    except OSError as exc:
        return StoreHealth.UNREADABLE, f"{exc.strerror or exc}."
    return _health_of(raw)


def _health_of(raw: bytes) -> tuple[StoreHealth, str]:
    """:func:`parse_health`, never raising: whatever a strange document makes parsing raise,
    the row shows it and the listing goes on (as for locks: a 5000-digit integer once stopped
    the listing of the whole folder)."""
    try:
        return parse_health(raw)
    except Exception as exc:
        return StoreHealth.UNREADABLE, f"Cannot be checked: {type(exc).__name__}: {exc}."


def _read_at_most(path: str, expected: int) -> bytes:
    """The file's bytes, up to HEALTH_CHECK_LIMIT + 1, sized for the ``expected`` length.

    ``read(n)`` allocates n bytes before it reads: asking for the limit (8 MB) to read a 100-byte
    document cost more than everything else in a health check.
    """
    with open_regular(path) as handle:
        chunks = []
        wanted = min(expected, HEALTH_CHECK_LIMIT) + 1
        total = 0
        while total <= HEALTH_CHECK_LIMIT:
            chunk = handle.read(wanted)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            wanted = min(max(wanted, 65536), HEALTH_CHECK_LIMIT + 1 - total)
    return b"".join(chunks)


def missing_health(path: str) -> tuple[StoreHealth, str]:
    """Health of a store whose data file is missing: is its legacy temp file a full document?"""
    legacy_tmp = legacy_temp_path_for(path)
    name = printable_name(legacy_tmp)
    try:
        raw = _read_at_most(legacy_tmp, 4096)
    except FileNotFoundError:
        return StoreHealth.MISSING, "The data file does not exist."
    except OSError as exc:
        return StoreHealth.MISSING, f"The data file does not exist; {name}: {exc.strerror}."
    health, detail = parse_health(raw)
    if health in (StoreHealth.VALID, StoreHealth.NON_STANDARD):  # what lockcore recovers
        return (
            StoreHealth.RECOVERABLE,
            f"The data file is missing, but {name} holds a complete document from an "
            "interrupted write.",
        )
    return StoreHealth.MISSING, f"The data file does not exist; {name} is not valid: {detail}"


def _document_health_of(path: str, fd: int, st: os.stat_result) -> tuple[StoreHealth, str]:
    """:func:`document_health` of the data file open on ``fd`` (-1: it could not be opened)."""
    size = st.st_size
    if fd >= 0 and size <= HEALTH_CHECK_LIMIT and stat.S_ISREG(st.st_mode):
        # One read when the file is as big as fstat said (one byte more is asked, so that a
        # short read is the end of the file): what nearly every document of a folder costs.
        try:
            raw = os.read(fd, size + 1)
            if len(raw) > size:
                raw = _read_on(fd, raw)
        except OSError as exc:
            return StoreHealth.UNREADABLE, f"{exc.strerror or exc}."
        return _health_of(raw)
    if fd < 0 or size > HEALTH_CHECK_LIMIT:
        return document_health(path, size)  # says why it cannot be read, or too large
    error = NotARegularFileError(path, st.st_mode)
    return StoreHealth.UNREADABLE, f"{error.strerror}."


def _read_on(fd: int, first: bytes) -> bytes:
    """``first`` and what follows it on ``fd`` (a file that grew since its ``fstat``), up to
    HEALTH_CHECK_LIMIT + 1 bytes in all."""
    chunks = [first]
    total = len(first)
    while total <= HEALTH_CHECK_LIMIT:
        chunk = os.read(fd, min(65536, HEALTH_CHECK_LIMIT + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)
