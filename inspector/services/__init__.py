"""Service objects: they own the data and all I/O, and report through Qt signals.

Models adapt these signals; widgets only draw (see STYLE.md, point 7).
"""

from inspector.services.lock_actions import LockActions
from inspector.services.store_directory import StoreDirectory, StoreEntry, StoreHealth
from inspector.services.watcher import FolderWatcher

__all__ = ["FolderWatcher", "LockActions", "StoreDirectory", "StoreEntry", "StoreHealth"]
