"""Icons and other files shipped inside the package (found the same way when installed)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

RESOURCE_DIR = Path(__file__).resolve().parent
ICON_DIR = RESOURCE_DIR / "icons"
#: The app icon's PNG sizes, laid out as in the hicolor icon theme (``<N>x<N>/apps/``).
HICOLOR_DIR = RESOURCE_DIR / "hicolor"
#: The desktop entry and AppStream metainfo, named after the application id.
DESKTOP_DIR = RESOURCE_DIR / "desktop"


def icon_path(name: str) -> str:
    """Absolute path of ``icons/<name>.svg``."""
    return str(ICON_DIR / f"{name}.svg")


@cache
def icon(name: str) -> QIcon:
    """The SVG icon ``name`` (needs a QGuiApplication; cached for the process).

    The same drawing is registered for the selected and active modes too: Qt would otherwise
    tint a selected row's icon with the highlight colour and the lock's colour would be lost.
    """
    result = QIcon()
    for mode in (QIcon.Mode.Normal, QIcon.Mode.Active, QIcon.Mode.Selected):
        result.addFile(icon_path(name), QSize(), mode)
    return result
