"""Lock Inspector desktop app."""

from __future__ import annotations

#: The app's reverse-DNS id: the name of its desktop entry, icon and AppStream metainfo, the
#: desktop file name Qt announces, and (split at the last dot) its QSettings organisation and
#: application name. Change it here only.
APPLICATION_ID = "io.github.lockinspector.LockInspector"


def application_version() -> str:
    """The installed distribution's version (``"unknown"`` when run from a bare checkout)."""
    # Imported here, not with the package: importlib.metadata costs every child process of the
    # app (which imports this package first) some 30 ms of its start.
    from importlib import metadata  # noqa: PLC0415 - see above

    try:
        return metadata.version("lock-inspector")
    except metadata.PackageNotFoundError:
        return "unknown"
