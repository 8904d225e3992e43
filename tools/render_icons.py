"""Render the app icon's PNG sizes for the hicolor theme from its SVG.

    QT_QPA_PLATFORM=offscreen python tools/render_icons.py

Writes ``inspector/resources/hicolor/<N>x<N>/apps/<application id>.png``; the PNGs are committed
(desktops that cannot draw SVG, and menus at small sizes, use them). Run it again after
changing ``inspector/resources/icons/app.svg``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from inspector import APPLICATION_ID  # noqa: E402 - after the checkout is importable
from inspector.resources import HICOLOR_DIR, icon_path  # noqa: E402 - as above

#: The sizes the hicolor theme's menus and launchers ask for most.
SIZES = (16, 22, 24, 32, 48, 64, 128, 256)


def render(svg: str, size: int) -> QImage:
    """``svg`` drawn into a transparent square image ``size`` pixels wide."""
    renderer = QSvgRenderer(svg)
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    """Write every size; returns the exit status."""
    _app = QGuiApplication(sys.argv[:1])  # fonts for the icon's text need a GUI application
    for size in SIZES:
        target = HICOLOR_DIR / f"{size}x{size}" / "apps" / f"{APPLICATION_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not render(icon_path("app"), size).save(str(target)):
            raise SystemExit(f"render_icons: cannot write {target}")
        print(target.relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
