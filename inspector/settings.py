"""What the app remembers between runs: the only module that knows its QSettings keys.

Values are read back typed: QSettings hands back what its backend stored (an INI file gives
strings, a one-element list comes back as a bare string), so every accessor says what it returns
and falls back to the default for anything else.
"""

from __future__ import annotations

import hashlib
import os

from PySide6.QtCore import QByteArray, QSettings

#: How many folders File ▸ Open Recent remembers.
MAX_RECENT_FOLDERS = 8

_LAST_FOLDER = "folders/last"
_LAST_STORE = "folders/last_store"
_RECENT_FOLDERS = "folders/recent"
_INCLUDE_SUBFOLDERS = "view/include_subfolders"
_WINDOW_GEOMETRY = "window/geometry"
_SPLITTER_STATE = "window/splitter"
_TABLE_HEADER_STATE = "window/table_header"
_HISTORY_VERSIONS = "history/versions"
_HISTORY_MAX_MIB = "history/max_mib"
#: Versions every save keeps of a store, by default, and their total size in MiB.
DEFAULT_HISTORY_VERSIONS = 20
DEFAULT_HISTORY_MAX_MIB = 10

_ALERTS = "alerts"
#: A lock held longer than this alerts (seconds), unless a folder says otherwise.
DEFAULT_LONG_HOLD_SECONDS = 60.0


def _folder_key(folder: str, name: str) -> str:
    # A path as a key would be split at its slashes into groups: a digest names the folder
    # (and "folder" keeps its path beside it, for whoever reads the file).
    digest = hashlib.sha256(os.fsencode(folder)).hexdigest()[:24]
    return f"{_ALERTS}/{digest}/{name}"


class AppSettings:
    """Typed access to the app's settings (default: the application's own QSettings)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = QSettings() if settings is None else settings

    def sync(self) -> None:
        """Write what was changed to permanent storage now."""
        self._settings.sync()

    # -- folders -----------------------------------------------------------------------------

    @property
    def last_folder(self) -> str:
        """The folder shown last ("" when none)."""
        return self._text(_LAST_FOLDER)

    @property
    def last_store(self) -> str:
        """The store shown when the app was last closed ("" when none)."""
        return self._text(_LAST_STORE)

    @last_store.setter
    def last_store(self, path: str) -> None:
        self._settings.setValue(_LAST_STORE, path)

    @property
    def recent_folders(self) -> list[str]:
        """The folders opened lately, the latest first."""
        value = self._settings.value(_RECENT_FOLDERS, [])
        if isinstance(value, str):  # QSettings gives a bare string for one-element lists
            return [value] if value else []
        return [str(v) for v in value] if isinstance(value, list) else []

    def remember_folder(self, folder: str) -> None:
        """``folder`` becomes the last folder and the first of the recent ones."""
        self._settings.setValue(_LAST_FOLDER, folder)
        recent = [folder, *(f for f in self.recent_folders if f != folder)]
        self._settings.setValue(_RECENT_FOLDERS, recent[:MAX_RECENT_FOLDERS])

    # -- view --------------------------------------------------------------------------------

    @property
    def include_subfolders(self) -> bool:
        """Whether stores in subfolders are listed too."""
        return self._settings.value(_INCLUDE_SUBFOLDERS, False) in (True, "true")

    @include_subfolders.setter
    def include_subfolders(self, include: bool) -> None:
        self._settings.setValue(_INCLUDE_SUBFOLDERS, include)

    # -- history ------------------------------------------------------------------------------

    @property
    def history_versions(self) -> int:
        """How many versions of a store each save keeps beside it (0: none)."""
        return self._count(_HISTORY_VERSIONS, DEFAULT_HISTORY_VERSIONS)

    @history_versions.setter
    def history_versions(self, count: int) -> None:
        self._settings.setValue(_HISTORY_VERSIONS, max(0, count))

    @property
    def history_max_bytes(self) -> int:
        """How many bytes those versions of one store may take in total."""
        return self._count(_HISTORY_MAX_MIB, DEFAULT_HISTORY_MAX_MIB) * 1024 * 1024

    @history_max_bytes.setter
    def history_max_bytes(self, size: int) -> None:
        self._settings.setValue(_HISTORY_MAX_MIB, max(0, size) // (1024 * 1024))

    # -- alerts, per folder (off until turned on) ----------------------------------------------

    def alerts_enabled(self, folder: str) -> bool:
        """Whether ``folder``'s stale, long-held and corrupt locks alert (off by default)."""
        return self._settings.value(_folder_key(folder, "enabled"), False) in (True, "true")

    def set_alerts_enabled(self, folder: str, enabled: bool) -> None:
        self._settings.setValue(_folder_key(folder, "folder"), folder)
        self._settings.setValue(_folder_key(folder, "enabled"), enabled)

    def long_hold_threshold(self, folder: str) -> float:
        """How long a lock of ``folder`` may be held before it alerts (seconds)."""
        value = self._settings.value(_folder_key(folder, "long_hold_seconds"))
        try:
            return float(value) if value is not None else DEFAULT_LONG_HOLD_SECONDS
        except (TypeError, ValueError):
            return DEFAULT_LONG_HOLD_SECONDS

    def set_long_hold_threshold(self, folder: str, seconds: float) -> None:
        self._settings.setValue(_folder_key(folder, "folder"), folder)
        self._settings.setValue(_folder_key(folder, "long_hold_seconds"), seconds)

    # -- window layout (Qt's own opaque states; None: nothing kept) ---------------------------

    @property
    def window_geometry(self) -> QByteArray | None:
        return self._state(_WINDOW_GEOMETRY)

    @window_geometry.setter
    def window_geometry(self, state: QByteArray) -> None:
        self._settings.setValue(_WINDOW_GEOMETRY, state)

    @property
    def splitter_state(self) -> QByteArray | None:
        return self._state(_SPLITTER_STATE)

    @splitter_state.setter
    def splitter_state(self, state: QByteArray) -> None:
        self._settings.setValue(_SPLITTER_STATE, state)

    @property
    def table_header_state(self) -> QByteArray | None:
        return self._state(_TABLE_HEADER_STATE)

    @table_header_state.setter
    def table_header_state(self, state: QByteArray) -> None:
        self._settings.setValue(_TABLE_HEADER_STATE, state)

    # -- helpers -----------------------------------------------------------------------------

    def _text(self, key: str) -> str:
        return str(self._settings.value(key, "") or "")

    def _count(self, key: str, default: int) -> int:
        """A non-negative whole number; ``default`` for anything else."""
        value = self._settings.value(key, default)
        try:
            count = int(str(value))
        except ValueError:
            return default
        return count if count >= 0 else default

    def _state(self, key: str) -> QByteArray | None:
        value = self._settings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None
