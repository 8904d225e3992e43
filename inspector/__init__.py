"""Lock Inspector desktop app."""

from __future__ import annotations

from importlib import metadata


def application_version() -> str:
    """The installed distribution's version (``"unknown"`` when run from a bare checkout)."""
    try:
        return metadata.version("lock-inspector")
    except metadata.PackageNotFoundError:
        return "unknown"
