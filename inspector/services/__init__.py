"""Service objects: they own the data and all I/O, and report through Qt signals.

Models adapt these signals; widgets only draw (see STYLE.md, point 7).

The names below are imported when first asked for: the lock event stream's child process
(``python -m inspector.services.lock_event_process``) imports this package first, and must not
pay for Qt and every service to start (1.6 s before, 0.36 s now, on a loaded machine).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inspector.services.lock_actions import LockActions
    from inspector.services.store_directory import StoreDirectory, StoreEntry, StoreHealth
    from inspector.services.watcher import FolderWatcher

__all__ = ["FolderWatcher", "LockActions", "StoreDirectory", "StoreEntry", "StoreHealth"]

_HOMES = {
    "FolderWatcher": "inspector.services.watcher",
    "LockActions": "inspector.services.lock_actions",
    "StoreDirectory": "inspector.services.store_directory",
    "StoreEntry": "inspector.services.store_directory",
    "StoreHealth": "inspector.services.store_directory",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
