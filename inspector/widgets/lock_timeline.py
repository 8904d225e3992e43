"""The lock timeline: one lane per store, a bar per hold, coloured by holder.

It draws :class:`~inspector.services.lock_holds.LockHolds` (fed by the lock event service) and
nothing else. Painting costs what the screen can show, not what happened: for each lane only the
holds in the visible time range are looked at (found by bisection), and where many holds fall
on one pixel column it draws that column once and jumps (by bisection again) to the first hold
that starts on the next one. Thousands of holds a minute thus cost a few hundred rectangles a
frame; no item per hold is ever made. Which columns a lane paints is ``timeline_columns.py``'s
computation; a hold's colour and tooltip are ``hold_appearance.py``'s.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QHelpEvent,
    QHideEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollBar,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from inspector.colours import ERROR_TEXT
from inspector.display import printable_name
from inspector.services.lock_events import LockEventService
from inspector.services.lock_holds import Hold, HoldLane, LockHolds
from inspector.translation import QT_TRANSLATE_NOOP
from inspector.widgets.hold_appearance import hold_tooltip, holder_colour
from inspector.widgets.timeline_columns import TimelineFrame, lane_columns
from lockcore import LockEvent

__all__ = ["SPANS", "LockTimeline", "LockTimelineCanvas"]

#: The time spans the timeline can show (seconds; None: the whole session), with their names.
SPANS: tuple[tuple[float | None, str], ...] = (
    (60.0, QT_TRANSLATE_NOOP("LockTimeline", "Last minute")),
    (300.0, QT_TRANSLATE_NOOP("LockTimeline", "Last 5 minutes")),
    (900.0, QT_TRANSLATE_NOOP("LockTimeline", "Last 15 minutes")),
    (3600.0, QT_TRANSLATE_NOOP("LockTimeline", "Last hour")),
    (None, QT_TRANSLATE_NOOP("LockTimeline", "Whole session")),
)
#: While following live, the timeline repaints this often (ms) -- only while it is shown.
LIVE_REPAINT_MS = 200
_LANE_HEIGHT = 22
_LANE_GAP = 4
_AXIS_HEIGHT = 20
_LABEL_WIDTH = 140


class LockTimelineCanvas(QWidget):
    """Draws the lanes; the time range is set by :class:`LockTimeline`."""

    #: (store: str) a lane was clicked
    store_clicked = Signal(str)

    def __init__(
        self,
        holds: LockHolds,
        clock: Callable[[], float] = time.time,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.holds = holds
        self.clock = clock
        self.span: float | None = 60.0
        self.end_time: float | None = None  # None: follow now
        self.selected_store: str | None = None
        self.setMouseTracking(True)
        self.setMinimumHeight(_AXIS_HEIGHT + _LANE_HEIGHT + 2 * _LANE_GAP)
        self.setAccessibleName(self.tr("Lock timeline"))
        #: how many rectangles the last paint drew (for the benchmark and tests)
        self.last_paint_bars = 0
        self._stale_edge = QColor()

    def sizeHint(self) -> QSize:
        return QSize(600, _AXIS_HEIGHT + max(1, len(self.holds.lanes)) * _LANE_HEIGHT + 8)

    # -- geometry ---------------------------------------------------------------------------

    def lanes(self) -> list[HoldLane]:
        return [self.holds.lanes[store] for store in sorted(self.holds.lanes)]

    def frame(self) -> TimelineFrame:
        now = self.clock()
        end = now if self.end_time is None else self.end_time
        if self.span is None:
            first = self.holds.first_time
            start = min(first, end - 1.0) if first is not None else end - 60.0
        else:
            start = end - self.span
        width = max(1, self.width() - _LABEL_WIDTH - 4)
        return TimelineFrame(start, max(end, start + 1e-3), _LABEL_WIDTH, width)

    def lane_rect(self, index: int) -> QRect:
        top = _AXIS_HEIGHT + index * (_LANE_HEIGHT + _LANE_GAP) + _LANE_GAP
        return QRect(0, top, self.width(), _LANE_HEIGHT)

    def hold_at(self, position: QPoint) -> tuple[HoldLane, Hold] | None:
        """The hold drawn under ``position`` (within a pixel on either side), if any."""
        lanes = self.lanes()
        for index, lane in enumerate(lanes):
            if not self.lane_rect(index).contains(position):
                continue
            frame = self.frame()
            if position.x() < frame.left:
                return None
            pixel = (frame.end - frame.start) / frame.width
            moment = frame.moment(position.x())
            found = lane.first_ending_after(moment - pixel)
            if found < len(lane):
                hold = lane.holds[found]
                if hold.start <= moment + pixel:
                    return lane, hold
            return None
        return None

    # -- painting ---------------------------------------------------------------------------

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        painter.fillRect(self.rect(), background)
        frame = self.frame()
        now = self.clock()
        self._paint_axis(painter, frame, palette)
        bars = 0
        # Stale: the bar striped with the view's own colour, over an error-coloured edge.
        stale_brush = QBrush(background, Qt.BrushStyle.BDiagPattern)
        self._stale_edge = ERROR_TEXT.for_palette(palette)
        for index, lane in enumerate(self.lanes()):
            rect = self.lane_rect(index)
            if rect.top() > self.height():
                break
            if lane.store == self.selected_store:
                painter.fillRect(rect, palette.color(QPalette.ColorRole.AlternateBase))
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(
                QRect(4, rect.top(), _LABEL_WIDTH - 8, rect.height()),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                printable_name(lane.store),
            )
            bars += self._paint_lane(painter, lane, rect, frame, now, background, stale_brush)
        painter.end()
        self.last_paint_bars = bars

    def _paint_axis(self, painter: QPainter, frame: TimelineFrame, palette: QPalette) -> None:
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        length = frame.end - frame.start
        # About one tick per 100 pixels, on a round number of seconds.
        rough = length * 100 / frame.width
        step = next(
            (
                s
                for s in (0.1, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
                if s >= rough
            ),
            3600.0 * math.ceil(rough / 3600),
        )
        tick = math.ceil(frame.start / step) * step
        while tick <= frame.end:
            x = round(frame.x(tick))
            painter.drawLine(x, _AXIS_HEIGHT - 4, x, self.height())
            label = time.strftime("%H:%M:%S", time.localtime(tick))
            painter.drawText(x + 3, _AXIS_HEIGHT - 6, label)
            tick += step

    def _paint_lane(  # noqa: PLR0917 - the frame's facts, computed once per paint
        self,
        painter: QPainter,
        lane: HoldLane,
        rect: QRect,
        frame: TimelineFrame,
        now: float,
        background: QColor,
        stale_brush: QBrush,
    ) -> int:
        top, height = rect.top(), rect.height()
        runs, stale = lane_columns(lane, frame, now)
        painter.setPen(Qt.PenStyle.NoPen)
        # One drawRects per holder: a storm's lane is a thousand columns of a few colours.
        by_holder: dict[int | None, list[QRect]] = {}
        for left, right, pid in runs:
            bars = by_holder.get(pid)
            if bars is None:
                bars = by_holder[pid] = []
            bars.append(QRect(left, top, right - left, height))
        for pid, bars in by_holder.items():
            painter.setBrush(holder_colour(pid, background))
            painter.drawRects(bars)
        # Stale: the bar striped with the view's own colour, over an error-coloured edge.
        for left, right in stale:
            painter.setBrush(stale_brush)
            painter.drawRect(QRect(left, top, right - left, height))
            painter.fillRect(QRect(left, top + height - 3, right - left, 3), self._stale_edge)
        return len(runs)

    # -- events -----------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            found = self.hold_at(event.pos())
            if found is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), hold_tooltip(found[1], self.clock()), self)
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        position = event.position().toPoint()
        for index, lane in enumerate(self.lanes()):
            if self.lane_rect(index).contains(position):
                self.store_clicked.emit(lane.store)
                return
        super().mousePressEvent(event)


class LockTimeline(QWidget):
    """The timeline with its controls: the span shown, following live, and panning back."""

    #: (store: str) a lane was clicked
    store_clicked = Signal(str)

    def __init__(
        self,
        service: LockEventService,
        clock: Callable[[], float] = time.time,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.holds = LockHolds()
        self.clock = clock
        self.canvas = LockTimelineCanvas(self.holds, clock)
        self.canvas.store_clicked.connect(self.store_clicked)
        self.span_box = QComboBox()
        self.span_box.setAccessibleName(self.tr("Time shown"))
        for _seconds, name in SPANS:
            self.span_box.addItem(QCoreApplication.translate("LockTimeline", name))
        self.span_box.currentIndexChanged.connect(self._on_span_box_current_index_changed)
        self.follow_box = QCheckBox(self.tr("Follow live"))
        self.follow_box.setChecked(True)
        self.follow_box.toggled.connect(self._on_follow_box_toggled)
        self.scroll_bar = QScrollBar(Qt.Orientation.Horizontal)
        self.scroll_bar.setAccessibleName(self.tr("Time"))
        self.scroll_bar.valueChanged.connect(self._on_scroll_bar_value_changed)
        controls = QHBoxLayout()
        controls.addWidget(QLabel(self.tr("Show:")))
        controls.addWidget(self.span_box)
        controls.addWidget(self.follow_box)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.scroll_bar)
        self._live_timer = QTimer(self)
        self._live_timer.setInterval(LIVE_REPAINT_MS)
        self._live_timer.timeout.connect(self._on_live_timer_timeout)
        self._lane_count = 0
        service.events_arrived.connect(self._on_service_events_arrived)
        service.events_cleared.connect(self._on_service_events_cleared)
        self._update_scroll_bar()

    def set_selected_store(self, store: str | None) -> None:
        self.canvas.selected_store = store
        self.canvas.update()

    def set_span(self, index: int) -> None:
        self.span_box.setCurrentIndex(index)

    # -- helpers ----------------------------------------------------------------------------

    def _update_scroll_bar(self) -> None:
        # In tenths of a second from the session's first event to now.
        first = self.holds.first_time
        now = self.clock()
        span = self.canvas.span
        total = 0 if first is None else max(0, int((now - first) * 10))
        page = total if span is None else int(span * 10)
        self.scroll_bar.blockSignals(True)
        self.scroll_bar.setRange(0, max(0, total - page))
        self.scroll_bar.setPageStep(max(1, page))
        if self.canvas.end_time is None:
            self.scroll_bar.setValue(self.scroll_bar.maximum())
        self.scroll_bar.blockSignals(False)
        self.scroll_bar.setEnabled(span is not None and total > page)

    # -- events -----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        if self.follow_box.isChecked():
            self._live_timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._live_timer.stop()
        super().hideEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        # Ctrl+wheel zooms through the spans; the wheel alone pans (scroll bar).
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            step = -1 if event.angleDelta().y() > 0 else 1
            self.set_span(min(max(0, self.span_box.currentIndex() + step), len(SPANS) - 1))
            event.accept()
            return
        super().wheelEvent(event)

    # -- slots ------------------------------------------------------------------------------

    @Slot(object)
    def _on_service_events_arrived(self, events: list[LockEvent]) -> None:
        self.holds.add(events)
        if len(self.holds.lanes) != self._lane_count:
            self._lane_count = len(self.holds.lanes)
            self.canvas.setMinimumHeight(self.canvas.sizeHint().height())
        # Drawn at the next live tick (or now, when not following and the range is on show).
        if not self.follow_box.isChecked() and self.isVisible():
            self.canvas.update()

    @Slot()
    def _on_service_events_cleared(self) -> None:
        self.holds.clear()
        self._lane_count = 0
        self.canvas.update()

    @Slot()
    def _on_live_timer_timeout(self) -> None:
        self._update_scroll_bar()
        self.canvas.update()

    @Slot(int)
    def _on_span_box_current_index_changed(self, index: int) -> None:
        self.canvas.span = SPANS[index][0]
        self._update_scroll_bar()
        self.canvas.update()

    @Slot(bool)
    def _on_follow_box_toggled(self, follow: bool) -> None:
        if follow:
            self.canvas.end_time = None
            if self.isVisible():
                self._live_timer.start()
        else:
            self.canvas.end_time = self.clock()
            self._live_timer.stop()
        self._update_scroll_bar()
        self.canvas.update()

    @Slot(int)
    def _on_scroll_bar_value_changed(self, value: int) -> None:
        first = self.holds.first_time
        if first is None or self.canvas.span is None:
            return
        if value >= self.scroll_bar.maximum():
            if not self.follow_box.isChecked():
                self.follow_box.setChecked(True)
            return
        if self.follow_box.isChecked():
            self.follow_box.blockSignals(True)
            self.follow_box.setChecked(False)
            self.follow_box.blockSignals(False)
            self._live_timer.stop()
        self.canvas.end_time = first + value / 10 + self.canvas.span
        self.canvas.update()
