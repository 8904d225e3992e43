"""lockcore: crash-safe, contention-fair lock files for JSON stores shared by processes.

A drop-in successor of the reviewed ``file_lock.py``: the same names, signatures and on-disk
protocol (``X.json`` is guarded by ``X.json.lock``, created exclusively, the holder's PID on its
first line), so processes running either module can share one store. Unlike it, lockcore breaks
a dead holder's lock at once and never a live one, never breaks or releases a lock that is not
the one it judged, replaces data files atomically and durably, keeps their permissions, never
follows a planted symlink, and never destroys bytes it cannot parse.
"""

from lockcore._acquire import CancelCheck, OnWait
from lockcore._break import break_stale_lock
from lockcore._classify import JSONCheck, JSONKind, classify_json
from lockcore._collector import collector_paused
from lockcore._duplicate_text import DuplicateKey, find_duplicate_keys, remove_duplicate_key
from lockcore._duplicates import locked_remove_duplicate_key
from lockcore._errors import (
    CorruptJSONError,
    DuplicateKeyChangedError,
    FileChangedError,
    FileLockError,
    HolderAliveError,
    LockCancelled,
    LockChangedError,
    LockLostError,
    LockTimeout,
    NonFiniteNumberError,
    NotDurableError,
    UnsupportedPlatformError,
)
from lockcore._events import EventKind, LockEvent, LockEventTracker
from lockcore._inspect import inspect_lock
from lockcore._json import (
    OnQuarantine,
    edit_json,
    locked_read_json,
    locked_update_json,
    locked_write_json,
    recover_interrupted_write,
)
from lockcore._json_codec import json_update_bytes
from lockcore._lock import FileLock
from lockcore._lock_content import lock_path_for
from lockcore._lockinfo import LockFormat, LockIdentity, LockInfo, LockState
from lockcore._replace import locked_replace_bytes
from lockcore._schemas import (
    SCHEMA_MAP_NAME,
    SchemaCheck,
    SchemaSource,
    SchemaViolation,
    check_schema,
    find_schema,
)
from lockcore._spellings import number_spellings
from lockcore._store_files import (
    StoreFile,
    StoreFileKind,
    classify_store_file,
    data_file_flags,
    legacy_temp_path_for,
    list_stores,
)
from lockcore._versions import StoreVersion, list_versions, read_version
from lockcore._watch import watch_lock_events

__version__ = "0.1.0"

__all__ = [
    "SCHEMA_MAP_NAME",
    "CancelCheck",
    "CorruptJSONError",
    "DuplicateKey",
    "DuplicateKeyChangedError",
    "EventKind",
    "FileChangedError",
    "FileLock",
    "FileLockError",
    "HolderAliveError",
    "JSONCheck",
    "JSONKind",
    "LockCancelled",
    "LockChangedError",
    "LockEvent",
    "LockEventTracker",
    "LockFormat",
    "LockIdentity",
    "LockInfo",
    "LockLostError",
    "LockState",
    "LockTimeout",
    "NonFiniteNumberError",
    "NotDurableError",
    "OnQuarantine",
    "OnWait",
    "SchemaCheck",
    "SchemaSource",
    "SchemaViolation",
    "StoreFile",
    "StoreFileKind",
    "StoreVersion",
    "UnsupportedPlatformError",
    "__version__",
    "break_stale_lock",
    "check_schema",
    "classify_json",
    "classify_store_file",
    "collector_paused",
    "data_file_flags",
    "edit_json",
    "find_duplicate_keys",
    "find_schema",
    "inspect_lock",
    "json_update_bytes",
    "legacy_temp_path_for",
    "list_stores",
    "list_versions",
    "lock_path_for",
    "locked_read_json",
    "locked_remove_duplicate_key",
    "locked_replace_bytes",
    "locked_update_json",
    "locked_write_json",
    "number_spellings",
    "read_version",
    "recover_interrupted_write",
    "remove_duplicate_key",
    "watch_lock_events",
]
