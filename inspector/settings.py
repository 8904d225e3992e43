"""What the app remembers between runs: the only module that knows its QSettings keys.

Values are read back typed: QSettings hands back what its backend stored (an INI file gives
strings, a one-element list comes back as a bare string), so every accessor says what it returns
and falls back to the default for anything else. Values written are bounded the same way (see
the ``*_RANGE`` constants, which the Preferences dialog offers too).

Some settings belong to a folder (versions kept, schema checks, alerts): a folder without its own
value has the default. Whatever Edit ▸ Preferences (or anything else) changes is announced by
:attr:`AppSettings.changed`, and those who follow it apply it at once.
"""

from __future__ import annotations

import hashlib
import math
import os

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal

#: How many folders File ▸ Open Recent remembers.
MAX_RECENT_FOLDERS = 8

_LAST_FOLDER = "folders/last"
_LAST_STORE = "folders/last_store"
_RECENT_FOLDERS = "folders/recent"
_INCLUDE_SUBFOLDERS = "view/include_subfolders"
_WINDOW_GEOMETRY = "window/geometry"
_SPLITTER_STATE = "window/splitter"
_TABLE_HEADER_STATE = "window/table_header"
_HIDDEN_COLUMNS = "view/hidden_columns"
_HISTORY_VERSIONS = "history/versions"
_HISTORY_MAX_MIB = "history/max_mib"
#: Versions every save keeps of a store, by default, and their total size in MiB.
DEFAULT_HISTORY_VERSIONS = 20
DEFAULT_HISTORY_MAX_MIB = 10

#: The versions kept of a store (count), and their size (MiB): what may be set.
HISTORY_VERSIONS_RANGE = (0, 1000)
HISTORY_MAX_MIB_RANGE = (0, 10 * 1024)

_ALERTS = "alerts"
#: A lock held longer than this alerts (seconds), unless a folder says otherwise.
DEFAULT_LONG_HOLD_SECONDS = 60.0
#: What a long-hold threshold may be (seconds): from a second to a day.
LONG_HOLD_SECONDS_RANGE = (1.0, 86400.0)

_COLOUR_SCHEME = "view/colour_scheme"
#: The colours the app may use: the desktop's light or dark ("system"), or always one of them.
COLOUR_SCHEMES = ("system", "light", "dark")

_RECHECK_SECONDS = "folders/recheck_seconds"
#: How often, by default, the locks whose holder can die without a file changing (legacy
#: holders) are looked at again, with the folder's existence and write access (seconds); and
#: what may be set: a fifth of a second at the most often (each look stats every such lock),
#: a minute at the least.
DEFAULT_RECHECK_SECONDS = 1.0
RECHECK_SECONDS_RANGE = (0.2, 60.0)

_REVIEW_FIRST_SAVE = "saving/review_first_save"
_EVENT_HISTORY_KEEP = "lock_events/keep_history"
_EVENT_HISTORY_MAX_MIB = "lock_events/history_max_mib"
#: A folder's lock event history on disk, at most (MiB), by default; and what may be set.
DEFAULT_EVENT_HISTORY_MAX_MIB = 20
EVENT_HISTORY_MAX_MIB_RANGE = (1, 1024)

# The names :attr:`AppSettings.changed` gives (and the keys of the folder's own values).
HISTORY_VERSIONS = "history_versions"
HISTORY_MAX_BYTES = "history_max_bytes"
SCHEMA_CHECKS = "schema_checks"
ALERTS_ENABLED = "alerts_enabled"
LONG_HOLD_THRESHOLD = "long_hold_threshold"
REVIEW_FIRST_SAVE = "review_first_save"
EVENT_HISTORY = "event_history"
COLOUR_SCHEME = "colour_scheme"
RECHECK_INTERVAL = "recheck_interval"
HIDDEN_COLUMNS = "hidden_columns"


def _folder_key(folder: str, name: str) -> str:
    # A path as a key would be split at its slashes into groups: a digest names the folder
    # (and "folder" keeps its path beside it, for whoever reads the file). The alerts' group
    # holds every per-folder value: its name is older than the others.
    digest = hashlib.sha256(os.fsencode(folder)).hexdigest()[:24]
    return f"{_ALERTS}/{digest}/{name}"


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return min(max(value, bounds[0]), bounds[1])


class AppSettings(QObject):
    """Typed access to the app's settings (default: the application's own QSettings)."""

    #: (name: str, folder: str) the setting ``name`` (one of this module's names) changed, for
    #: ``folder`` ("" for an app-wide one)
    changed = Signal(str, str)

    def __init__(self, settings: QSettings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
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

    @property
    def colour_scheme(self) -> str:
        """One of :data:`COLOUR_SCHEMES` ("system" by default, and for anything else)."""
        value = self._text(_COLOUR_SCHEME)
        return value if value in COLOUR_SCHEMES else "system"

    @colour_scheme.setter
    def colour_scheme(self, scheme: str) -> None:
        self._settings.setValue(_COLOUR_SCHEME, scheme if scheme in COLOUR_SCHEMES else "system")
        self.changed.emit(COLOUR_SCHEME, "")

    @property
    def recheck_seconds(self) -> float:
        """How often locks and the folder are looked at again (seconds), in
        :data:`RECHECK_SECONDS_RANGE`."""
        value = self._settings.value(_RECHECK_SECONDS, DEFAULT_RECHECK_SECONDS)
        try:
            seconds = float(str(value))
        except ValueError:
            return DEFAULT_RECHECK_SECONDS
        if math.isnan(seconds):
            return DEFAULT_RECHECK_SECONDS
        return _clamp(seconds, RECHECK_SECONDS_RANGE)

    @recheck_seconds.setter
    def recheck_seconds(self, seconds: float) -> None:
        self._settings.setValue(_RECHECK_SECONDS, _clamp(float(seconds), RECHECK_SECONDS_RANGE))
        self.changed.emit(RECHECK_INTERVAL, "")

    @property
    def hidden_columns(self) -> list[str] | None:
        """The store table's columns hidden, by name (see the table's ``column_key``); None
        when never chosen: the table's own default."""
        if not self._settings.contains(_HIDDEN_COLUMNS):
            return None
        value = self._settings.value(_HIDDEN_COLUMNS)
        if value is None or value == "":  # how an empty list comes back from some backends
            return []
        if isinstance(value, str):  # QSettings gives a bare string for one-element lists
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else None

    @hidden_columns.setter
    def hidden_columns(self, names: list[str]) -> None:
        names = list(dict.fromkeys(names))
        if names == self.hidden_columns:
            return  # the header menu and the dialog follow each other: no echo
        self._settings.setValue(_HIDDEN_COLUMNS, names)
        self.changed.emit(HIDDEN_COLUMNS, "")

    # -- versions kept of each store: a folder's own, else the app's default -----------------

    @property
    def history_versions(self) -> int:
        """How many versions of a store each save keeps beside it (0: none), in a folder
        without a count of its own."""
        return self._count(_HISTORY_VERSIONS, DEFAULT_HISTORY_VERSIONS)

    @history_versions.setter
    def history_versions(self, count: int) -> None:
        self._settings.setValue(_HISTORY_VERSIONS, int(_clamp(count, HISTORY_VERSIONS_RANGE)))
        self.changed.emit(HISTORY_VERSIONS, "")

    @property
    def history_max_bytes(self) -> int:
        """How many bytes those versions of one store may take in total (in MiB steps), in a
        folder without a bound of its own."""
        return self._count(_HISTORY_MAX_MIB, DEFAULT_HISTORY_MAX_MIB) * 1024 * 1024

    @history_max_bytes.setter
    def history_max_bytes(self, size: int) -> None:
        mib = int(_clamp(size // (1024 * 1024), HISTORY_MAX_MIB_RANGE))
        self._settings.setValue(_HISTORY_MAX_MIB, mib)
        self.changed.emit(HISTORY_MAX_BYTES, "")

    def folder_history_versions(self, folder: str) -> int:
        """How many versions each save keeps of a store of ``folder``."""
        return self._count(_folder_key(folder, HISTORY_VERSIONS), self.history_versions)

    def folder_history_is_own(self, folder: str) -> bool:
        """Whether ``folder`` has a count or size of versions of its own (else: the default)."""
        return any(
            self._settings.contains(_folder_key(folder, name))
            for name in (HISTORY_VERSIONS, "history_max_mib")
        )

    def set_folder_history_versions(self, folder: str, count: int) -> None:
        count = int(_clamp(count, HISTORY_VERSIONS_RANGE))
        self._set_for_folder(folder, HISTORY_VERSIONS, count)

    def folder_history_max_bytes(self, folder: str) -> int:
        """How many bytes the versions of one store of ``folder`` may take (MiB steps)."""
        default_mib = self.history_max_bytes // (1024 * 1024)
        return self._count(_folder_key(folder, "history_max_mib"), default_mib) * 1024 * 1024

    def set_folder_history_max_bytes(self, folder: str, size: int) -> None:
        mib = int(_clamp(size // (1024 * 1024), HISTORY_MAX_MIB_RANGE))
        self._settings.setValue(_folder_key(folder, "folder"), folder)
        self._settings.setValue(_folder_key(folder, "history_max_mib"), mib)
        self.changed.emit(HISTORY_MAX_BYTES, folder)

    # -- schema checks, per folder (on until turned off) ---------------------------------------

    def schema_checks_enabled(self, folder: str) -> bool:
        """Whether documents of ``folder`` are checked against their JSON Schema."""
        return self._flag(_folder_key(folder, SCHEMA_CHECKS), default=True)

    def set_schema_checks_enabled(self, folder: str, enabled: bool) -> None:
        self._set_for_folder(folder, SCHEMA_CHECKS, bool(enabled))

    # -- saving and the lock event history (app-wide) ------------------------------------------

    @property
    def review_before_first_save(self) -> bool:
        """Whether the first save of a session shows Review Changes first (on by default)."""
        return self._flag(_REVIEW_FIRST_SAVE, default=True)

    @review_before_first_save.setter
    def review_before_first_save(self, review: bool) -> None:
        self._settings.setValue(_REVIEW_FIRST_SAVE, bool(review))
        self.changed.emit(REVIEW_FIRST_SAVE, "")

    @property
    def keep_event_history(self) -> bool:
        """Whether a folder's lock events are kept on disk across restarts (on by default)."""
        return self._flag(_EVENT_HISTORY_KEEP, default=True)

    @keep_event_history.setter
    def keep_event_history(self, keep: bool) -> None:
        self._settings.setValue(_EVENT_HISTORY_KEEP, bool(keep))
        self.changed.emit(EVENT_HISTORY, "")

    @property
    def event_history_max_bytes(self) -> int:
        """How much one folder's kept lock events may take on disk (MiB steps)."""
        mib = self._count(_EVENT_HISTORY_MAX_MIB, DEFAULT_EVENT_HISTORY_MAX_MIB)
        return int(_clamp(mib, EVENT_HISTORY_MAX_MIB_RANGE)) * 1024 * 1024

    @event_history_max_bytes.setter
    def event_history_max_bytes(self, size: int) -> None:
        mib = int(_clamp(size // (1024 * 1024), EVENT_HISTORY_MAX_MIB_RANGE))
        self._settings.setValue(_EVENT_HISTORY_MAX_MIB, mib)
        self.changed.emit(EVENT_HISTORY, "")

    # -- alerts, per folder (off until turned on) ----------------------------------------------

    def alerts_enabled(self, folder: str) -> bool:
        """Whether ``folder``'s stale, long-held and corrupt locks alert (off by default)."""
        return self._flag(_folder_key(folder, "enabled"), default=False)

    def set_alerts_enabled(self, folder: str, enabled: bool) -> None:
        self._settings.setValue(_folder_key(folder, "folder"), folder)
        self._settings.setValue(_folder_key(folder, "enabled"), bool(enabled))
        self.changed.emit(ALERTS_ENABLED, folder)

    def long_hold_threshold(self, folder: str) -> float:
        """How long a lock of ``folder`` may be held before it alerts (seconds)."""
        value = self._settings.value(_folder_key(folder, "long_hold_seconds"))
        try:
            seconds = float(value) if value is not None else DEFAULT_LONG_HOLD_SECONDS
        except (TypeError, ValueError):
            return DEFAULT_LONG_HOLD_SECONDS
        return seconds if seconds > 0 else DEFAULT_LONG_HOLD_SECONDS

    def set_long_hold_threshold(self, folder: str, seconds: float) -> None:
        seconds = _clamp(float(seconds), LONG_HOLD_SECONDS_RANGE)
        self._settings.setValue(_folder_key(folder, "folder"), folder)
        self._settings.setValue(_folder_key(folder, "long_hold_seconds"), seconds)
        self.changed.emit(LONG_HOLD_THRESHOLD, folder)

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

    def _set_for_folder(self, folder: str, name: str, value: object) -> None:
        self._settings.setValue(_folder_key(folder, "folder"), folder)
        self._settings.setValue(_folder_key(folder, name), value)
        self.changed.emit(name, folder)

    def _flag(self, key: str, *, default: bool) -> bool:
        value = self._settings.value(key, default)
        if isinstance(value, bool):
            return value
        return {"true": True, "false": False}.get(str(value).lower(), default)

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
