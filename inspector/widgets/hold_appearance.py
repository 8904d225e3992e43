"""How one hold of the lock timeline appears: its holder's colour and the words of its tooltip.

Apart from the timeline because both are about a hold, not about drawing lanes: a holder's
colour is the same PID's every time and stands out on light and dark views alike (WCAG's 3:1
for graphics), and the tooltip says the hold in the words the lock events list uses.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from inspector.colours import contrast_ratio
from inspector.models.lock_events import duration_text, holder_text
from inspector.services.lock_holds import Hold
from lockcore import EventKind, LockEvent

#: WCAG 2.1 (1.4.11): the least contrast of a graphical object against what is beside it.
AA_GRAPHICS = 3.0
_GOLDEN = 0.6180339887498949


@lru_cache(maxsize=4096)
def _holder_colour(pid: int | None, background: int) -> QColor:
    base = QColor.fromRgba(background)
    dark_background = base.lightness() < 128
    if pid is None:
        hue, saturation = 0.0, 0.0
    else:
        hue, saturation = (pid * _GOLDEN) % 1.0, 0.7
    lightness = 0.62 if dark_background else 0.42
    step = 0.04 if dark_background else -0.04
    colour = QColor.fromHslF(hue, saturation, lightness)
    # Lighter on dark views, darker on light ones, until the bar stands out enough.
    while contrast_ratio(colour, base) < AA_GRAPHICS and 0.05 < lightness < 0.95:
        lightness += step
        colour = QColor.fromHslF(hue, saturation, lightness)
    return colour


def holder_colour(pid: int | None, background: QColor) -> QColor:
    """The colour of ``pid``'s bars: the same for a PID every time (its hue from the PID), with
    at least 3:1 contrast against ``background`` (grey when the holder is unknown)."""
    return _holder_colour(pid, background.rgba())


def _tr(text: str) -> str:
    return QCoreApplication.translate("LockTimeline", text)


def size_change_text(hold: Hold) -> str:
    """What the hold wrote: "812 → 840 bytes (+28)", or that it wrote nothing seen."""
    if hold.size_after is None:
        return _tr("wrote nothing the watcher saw")
    if hold.size_before is None:
        return _tr("wrote {after} bytes").format(after=f"{hold.size_after:,}")
    change = hold.size_after - hold.size_before
    return _tr("wrote {before} → {after} bytes ({change})").format(
        before=f"{hold.size_before:,}", after=f"{hold.size_after:,}", change=f"{change:+,}"
    )


def hold_tooltip(hold: Hold, now: float) -> str:
    """Holder, duration, and what the hold wrote."""
    probe = LockEvent(hold.start, EventKind.TAKEN, "", pid=hold.pid, process=hold.process)
    holder = holder_text(probe) or _tr("unknown holder")
    length = duration_text(hold.end_or(now) - hold.start)
    if hold.end is None:
        length = _tr("{duration}, still held").format(duration=length)
    lines = [holder, length, size_change_text(hold)]
    if hold.stale_since is not None:
        lines.append(
            _tr("holder found dead after {duration}").format(
                duration=duration_text(hold.stale_since - hold.start)
            )
        )
    if hold.broken:
        lines.append(_tr("broken by us") if hold.by_us else _tr("broken"))
    return "\n".join(lines)
