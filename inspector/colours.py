"""Colours that carry meaning in text (warnings, errors), readable on light and dark palettes.

Each has a shade for light backgrounds and one for dark; both reach WCAG AA contrast for normal
text (4.5:1) on the palette's base and alternate base, which the store table's rows use, and on
its window colour, behind labels (``tests/inspector/test_accessibility.py`` checks). Which
shade is used follows the palette in force, so a desktop's own palette (high contrast, say)
decides, not the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QGuiApplication, QPalette

__all__ = [
    "ERROR_TEXT",
    "NEUTRAL_TEXT",
    "SECRET_TEXT",
    "SUCCESS_TEXT",
    "TEXT_COLOURS",
    "WARNING_TEXT",
    "TextColour",
    "contrast_ratio",
    "is_dark",
]

#: WCAG 2 level AA: the least contrast for normal-sized text.
AA_NORMAL_TEXT = 4.5


@dataclass(frozen=True)
class TextColour:
    """A text colour with a shade for light backgrounds and one for dark ones."""

    light: str
    dark: str

    def for_palette(self, palette: QPalette | None = None) -> QColor:
        """The shade for ``palette`` (default: the application's)."""
        palette = QGuiApplication.palette() if palette is None else palette
        return QColor(self.dark if is_dark(palette) else self.light)


#: Missing stores, interrupted writes, unsaved edits. (#b26a00, used before, reached only
#: 4.24:1 on white and 3.96:1 on the table's alternate rows.)
WARNING_TEXT = TextColour(light="#9e5d00", dark="#ffb74d")
#: Corrupt and unreadable stores, stale locks, JSON errors.
ERROR_TEXT = TextColour(light="#c62828", dark="#ff6b63")
#: Valid JSON.
SUCCESS_TEXT = TextColour(light="#137333", dark="#4ade80")
#: Secret files.
SECRET_TEXT = TextColour(light="#8a3ab9", dark="#d2a8ff")
#: Read-only: a fact, not an alarm.
NEUTRAL_TEXT = TextColour(light="#5b6270", dark="#9ca3af")
#: Every colour above (the contrast test checks each).
TEXT_COLOURS = (WARNING_TEXT, ERROR_TEXT, SUCCESS_TEXT, SECRET_TEXT, NEUTRAL_TEXT)


def is_dark(palette: QPalette) -> bool:
    """Whether ``palette`` draws light text on dark views."""
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def _relative_luminance(colour: QColor) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * linear(colour.redF())
        + 0.7152 * linear(colour.greenF())
        + 0.0722 * linear(colour.blueF())
    )


def contrast_ratio(foreground: QColor, background: QColor) -> float:
    """The WCAG 2 contrast ratio of two opaque colours, from 1 (none) to 21 (black on white)."""
    lighter, darker = sorted(
        (_relative_luminance(foreground), _relative_luminance(background)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)
