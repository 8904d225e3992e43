"""What a save is asked (:class:`SaveRequest`) and how it ends (:class:`SaveResult`,
:class:`SaveConflict`, or one of the errors that stop it before anything is written)."""

from __future__ import annotations

import enum
import errno
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from inspector.document.merge import ConflictKey, MergeConflict, Side
from inspector.document.results import LoadedDocument
from lockcore import (
    DuplicateKey,
    LockInfo,
    LockTimeout,
)

if TYPE_CHECKING:
    from inspector.document.conflict_text import SideTexts

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


class TypedMerge(enum.Enum):
    """What a save of raw text typed over the file's bytes does once the file changed on disk
    (see :func:`inspector.document.save_worker.typed_merge_outcome`)."""

    REFUSED = "refused"  # the text changes only formatting: nothing to merge, nothing written
    FORMATTING_DROPPED = "formatting-dropped"  # its values are merged, not its formatting
    ALL_KEPT = "all-kept"  # values only, each spelt as an edit writes it: all of it is merged


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
    #: The bytes ``base`` was read from: while the file still holds them, the save takes
    #: ``base`` as what is on disk instead of parsing the file again (seconds at 50 MB, with
    #: the GIL held in long stretches) and comparing it with ``base``.
    base_raw: bytes | None = None
    #: ``base_raw`` decoded (without its BOM), which the save then does not decode again
    base_text: str | None = None
    #: Whether ``base`` has secret values, when known: a base without any lets the save check
    #: only what the edit changed, not the whole document it writes.
    base_secrets: bool | None = None
    #: ``base_raw`` is standard JSON / spells every number as Python writes it: when the
    #: save writes over those very bytes, what it writes is so too (an edit adds no NaN, no
    #: repeated key, no other spelling), and the written text is not searched for them.
    base_standard: bool = False
    base_plain_numbers: bool = False
    #: Removing one occurrence of a key the file repeats (the key as the file was shown, and
    #: which occurrence, 0 first): a byte edit of the file under its lock, done only if the
    #: key still has those occurrences (``base`` and ``edited`` are not used).
    remove_occurrence: tuple[DuplicateKey, int] | None = None
    #: The file shown repeats keys: the written file's repeated keys are listed again (the
    #: search walks the whole text, so only then).
    repeated_keys: bool = False
    #: The raw text as the person typed it (encoded as the file is): written as the whole
    #: file, under the lock, only if the file still holds ``base_raw`` (with ``repair``: the
    #: damaged bytes it was typed over, kept as a ``.corrupt-*`` copy). If it does not, an
    #: edit that changes the document is saved as a document (merged, or a conflict), and an
    #: edit of only the text's formatting is refused (``edited`` is the typed text's document).
    typed: bytes | None = None


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
    #: a removed occurrence of a repeated key: (the key, which occurrence, 0 first)
    removed_occurrence: tuple[DuplicateKey, int] | None = None
    #: the raw text was written exactly as typed
    as_typed: bool = False
    #: the raw text could not be written as typed (the file changed on disk meanwhile): its
    #: document was saved merged, and its formatting (spacing, spellings) is not in the file.
    #: False after such a merge when the text had no formatting of its own: it changed values
    #: only, each typed as a document edit writes it.
    formatting_dropped: bool = False


@dataclass(frozen=True)
class SaveConflict:
    """A save that wrote nothing because both sides changed the same paths."""

    request: SaveRequest
    theirs: Any  # what is on disk now (NO_DOCUMENT when missing or corrupt)
    conflicts: tuple[MergeConflict, ...] = field(default_factory=tuple)
    """Every entry both sides changed differently (those already decided included)."""
    sides: Mapping[ConflictKey, Side] = field(default_factory=dict)
    """Choices the person made before that still stand (their "theirs" has not changed)."""
    #: the raw text typed could not be written as typed (the file changed on disk): this is
    #: the merge of its document, and a save after the choices keeps its values only
    formatting_dropped: bool = False
    #: both sides' texts as the Raw tab shows them (None: the dialog shows the documents)
    texts: SideTexts | None = None

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


class _TypedTextChangedError(Exception):
    """Raw text that changes only formatting was not written: the file changed on disk since
    the text was typed over it (merging formatting is not possible)."""


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


class _FolderGoneError(FileNotFoundError):
    """The store's folder is gone: nothing is saved, and the folder is not made again."""


def is_place_error(error: BaseException) -> bool:
    """Whether a save failed because of where the file is, so that saving a copy elsewhere
    is the way out: its folder vanished, or the file system or folder forbids writing."""
    if isinstance(error, _FolderGoneError | PermissionError):
        return True
    return isinstance(error, OSError) and error.errno in (errno.EROFS, errno.EACCES, errno.EPERM)


class _GaveUpWaitingError(LockTimeout):
    """The save waited ``lock_wait`` seconds in total without getting the lock."""

    def __init__(self, path: str, holder: LockInfo | None, waited: float) -> None:
        super().__init__(f"gave up waiting for the lock of {path}", path, holder)
        self.waited = waited
