"""Reading a JSON store for display (blocking; the save service runs it on a worker thread).

The file's bytes are read directly, without the lock: a reader sees either the old or the new
contents because lockcore replaces files atomically, and a corrupt file must still be shown as
text (``lockcore.locked_read_json`` would only report it). Nothing here writes; what the bytes
are is :mod:`inspector.document.parsing`'s to say.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from typing import Final

from inspector.display import printable_name
from inspector.document.parsing import DEFAULT_SIZE_LIMIT, classify_bytes, text_has_secret_keys
from inspector.document.results import DocumentKind, LoadedDocument
from inspector.document.secrets import is_secret_file
from inspector.document.text import describe_size
from inspector.regular_file import NotARegularFileError, open_regular

RAW_DISPLAY_LIMIT: Final = 4 * 1024 * 1024
"""At most this many bytes of a huge file are read and shown."""


def load_document(path: str, size_limit: int = DEFAULT_SIZE_LIMIT) -> LoadedDocument:
    """Read and classify the store at ``path``; never raises for anything the file contains."""
    name = printable_name(path)
    try:
        with open_regular(path) as handle:
            stat = os.fstat(handle.fileno())
            if stat.st_size > size_limit:
                raw = handle.read(RAW_DISPLAY_LIMIT)
                return _too_large(path, raw, stat.st_size, stat.st_mtime, size_limit)
            raw = handle.readall()
    except FileNotFoundError:
        return LoadedDocument(
            path, DocumentKind.MISSING, message=f"{name} does not exist (any more)."
        )
    except NotARegularFileError as exc:
        return LoadedDocument(
            path,
            DocumentKind.UNREADABLE,
            message=f"{name} is {exc.kind}, not a file: there is nothing to show.",
            problem=exc.kind,
            unreadable_because="not_regular",
        )
    except PermissionError:
        return LoadedDocument(
            path,
            DocumentKind.UNREADABLE,
            message=f"Permission denied: cannot read {name}.",
            unreadable_because="permission",
        )
    except OSError as exc:
        reason = str(exc.strerror or exc)
        return LoadedDocument(
            path,
            DocumentKind.UNREADABLE,
            message=f"Cannot read {name}: {reason}.",
            problem=reason,
            unreadable_because="os_error",
        )
    loaded = classify_bytes(path, raw, stat.st_mtime)
    with contextlib.suppress(OSError):  # not a link (EINVAL), or gone since
        loaded = dataclasses.replace(loaded, link_target=os.readlink(path))
    return loaded


def _too_large(path: str, raw: bytes, size: int, mtime: float, size_limit: int) -> LoadedDocument:
    truncated = len(raw) < size
    shown = f" The first {describe_size(len(raw))} are shown." if truncated else ""
    text = raw.decode("utf-8", errors="replace")
    return LoadedDocument(
        path,
        DocumentKind.TOO_LARGE,
        raw=raw,
        text=text,
        size=size,
        mtime=mtime,
        truncated=truncated,
        size_limit=size_limit,
        secrets=is_secret_file(path) or text_has_secret_keys(text),
        message=(
            f"{printable_name(path)} is {describe_size(size)}, over the "
            f"{describe_size(size_limit)} limit for editing: shown read-only as raw text.{shown}"
        ),
    )
