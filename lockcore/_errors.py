"""The one error hierarchy of lockcore.

``FileLockError`` is the name the reviewed ``file_lock.py`` raised, so programs that catch it keep
working. Every subclass also inherits the builtin it resembles, so ``except TimeoutError`` does
what a reader expects, and every error carries the data file's ``.path``. Every error survives
pickling with its type, message and fields, so it can cross a process boundary (a worker pool's
result, a ``multiprocessing`` queue).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from lockcore._lockinfo import LockInfo


_Error = TypeVar("_Error", bound="FileLockError")


def _rebuild(cls: type[_Error], args: tuple[Any, ...], fields: dict[str, Any]) -> _Error:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(fields)
    return error


class FileLockError(Exception):
    """Base of every lockcore error; ``.path`` is the data file the lock guards."""

    def __init__(self, message: str, path: str | os.PathLike[str]) -> None:
        super().__init__(message)
        self.path = os.fspath(path)

    def __reduce__(self) -> tuple[Any, ...]:
        # The default reduce calls ``cls(*self.args)``, which lacks ``path`` and the keyword
        # fields, so unpickling raised TypeError (filelock's Timeout.__reduce__ exists for the
        # same reason). Rebuild without __init__: args and fields exactly as they were.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class LockTimeout(FileLockError, TimeoutError):
    """The lock was not acquired in time; ``.holder`` describes who held it last."""

    def __init__(
        self, message: str, path: str | os.PathLike[str], holder: LockInfo | None = None
    ) -> None:
        super().__init__(message, path)
        self.holder = holder


class LockCancelled(LockTimeout):
    """The caller's ``cancel_check`` stopped the wait before the lock was taken; nothing was
    done. A LockTimeout (an acquire that gave up), as filelock's cancel_check raises Timeout."""


class LockLostError(FileLockError, RuntimeError):
    """Our lock file was removed or replaced while we held it; nothing was written."""


class HolderAliveError(FileLockError, PermissionError):
    """A lock was not broken because its holder is alive or cannot be verified."""

    def __init__(self, message: str, path: str | os.PathLike[str], holder: LockInfo) -> None:
        super().__init__(message, path)
        self.holder = holder


class LockChangedError(FileLockError, FileExistsError):
    """A lock was not broken because it is no longer the lock the caller judged."""

    def __init__(
        self, message: str, path: str | os.PathLike[str], current: LockInfo | None
    ) -> None:
        super().__init__(message, path)
        self.current = current


class UnsupportedPlatformError(FileLockError, NotImplementedError):
    """lockcore cannot work on this system; the message names what is missing."""


class NotDurableError(FileLockError, OSError):
    """The write is committed — every reader sees it — but syncing its directory failed, so it
    may not survive a power cut. Do not apply the update again; ``__cause__`` says why."""


class CorruptJSONError(FileLockError, ValueError):
    """The data file is not valid JSON, or JSON this Python cannot parse (an integer of more
    than ``sys.get_int_max_str_digits()`` digits, nesting deeper than the recursion limit); its
    bytes were left untouched."""

    def __init__(
        self,
        message: str,
        path: str | os.PathLike[str],
        *,
        lineno: int | None = None,
        colno: int | None = None,
    ) -> None:
        super().__init__(message, path)
        self.lineno = lineno
        self.colno = colno


class NonFiniteNumberError(FileLockError, ValueError):
    """A value to write is NaN or ±Infinity, which JSON cannot carry; nothing was written.
    ``.location`` is its place in the document (keys and indexes, ``()`` for the whole)."""

    def __init__(
        self, message: str, path: str | os.PathLike[str], location: tuple[str | int, ...]
    ) -> None:
        super().__init__(message, path)
        self.location = location


class DuplicateKeyChangedError(FileLockError, LookupError):
    """A repeated key's occurrence was not removed: the file no longer holds that key's
    occurrences as the caller saw them (another process changed, removed or repeated them, or
    the file is gone); nothing was written. ``.location`` and ``.key`` say which key."""

    def __init__(
        self,
        message: str,
        path: str | os.PathLike[str],
        *,
        location: tuple[str | int, ...],
        key: str,
    ) -> None:
        super().__init__(message, path)
        self.location = location
        self.key = key


class FileChangedError(FileLockError, RuntimeError):
    """A write of whole bytes (:func:`locked_replace_bytes`) found other bytes in the file than
    those the caller expected, read under the lock: another process changed, removed or
    created it meanwhile. Nothing was written."""
