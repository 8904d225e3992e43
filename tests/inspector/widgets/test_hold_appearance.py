"""A hold's look on the lock timeline: its holder's colour."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtGui import QColor

from inspector.colours import contrast_ratio
from inspector.widgets.hold_appearance import AA_GRAPHICS, holder_colour


@given(st.integers(min_value=1, max_value=4_194_304))
def test_a_holder_keeps_its_colour_and_stands_out_on_light_and_dark_views(pid: int) -> None:
    for background in (QColor("#ffffff"), QColor("#f7f7f7"), QColor("#1e1e20")):
        colour = holder_colour(pid, background)
        assert colour == holder_colour(pid, background)
        assert contrast_ratio(colour, background) >= AA_GRAPHICS
    assert contrast_ratio(holder_colour(None, QColor("#ffffff")), QColor("#ffffff")) >= 3
