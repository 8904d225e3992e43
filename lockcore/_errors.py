"""The one error hierarchy of lockcore.

``FileLockError`` is the name the reviewed ``file_lock.py`` raised, so programs that catch it keep
working. Every subclass also inherits the builtin it resembles, so ``except TimeoutError`` does
what a reader expects, and every error carries the data file's ``.path``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lockcore._holder import LockInfo


class FileLockError(Exception):
    """Base of every lockcore error; ``.path`` is the data file the lock guards."""

    def __init__(self, message: str, path: str | os.PathLike[str]) -> None:
        super().__init__(message)
        self.path = os.fspath(path)


class LockTimeout(FileLockError, TimeoutError):
    """The lock was not acquired in time; ``.holder`` describes who held it last."""

    def __init__(
        self, message: str, path: str | os.PathLike[str], holder: LockInfo | None = None
    ) -> None:
        super().__init__(message, path)
        self.holder = holder


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
