"""Lock Inspector desktop app."""

from __future__ import annotations

from importlib import metadata

#: The app's reverse-DNS id: the name of its desktop entry, icon and AppStream metainfo, the
#: desktop file name Qt announces, and (split at the last dot) its QSettings organisation and
#: application name. Change it here only.
APPLICATION_ID = "io.github.lockinspector.LockInspector"


def application_version() -> str:
    """The installed distribution's version (``"unknown"`` when run from a bare checkout)."""
    try:
        return metadata.version("lock-inspector")
    except metadata.PackageNotFoundError:
        return "unknown"
