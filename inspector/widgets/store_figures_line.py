"""A line of the selected store's lock figures, for the document pane's header."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Slot
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from inspector.models.lock_events import duration_text, holder_text
from inspector.services.lock_events import LockEventService
from inspector.services.lock_figures import StoreFigures

#: The figures line is refreshed this often while shown (holds per minute decay with time).
REFRESH_MS = 2000


def _tr(text: str) -> str:
    return QCoreApplication.translate("StoreFiguresLine", text)


def figures_text(figures: StoreFigures) -> str:
    """ "Lock: 12 holds/min · hold p50 3.1 ms, p99 40.0 ms, max 1.200 s · last holder … ·
    our longest wait …"; "" when nothing was seen yet."""
    parts = []
    if figures.hold_max is not None or figures.holds_per_minute:
        parts.append(_tr("{count} holds/min").format(count=figures.holds_per_minute))
    if figures.hold_max is not None:
        parts.append(
            _tr("hold p50 {p50}, p99 {p99}, max {max}").format(
                p50=duration_text(figures.hold_p50),
                p99=duration_text(figures.hold_p99),
                max=duration_text(figures.hold_max),
            )
        )
    if figures.last_holder is not None:
        parts.append(_tr("last holder {holder}").format(holder=holder_text(figures.last_holder)))
    if figures.longest_wait is not None:
        parts.append(
            _tr("our longest wait {wait}").format(wait=duration_text(figures.longest_wait))
        )
    if not parts:
        return ""
    return _tr("Lock: {figures}").format(figures=" · ".join(parts))


class StoreFiguresLine(QLabel):
    """Follows ``service``'s figures for one store; hidden while there are none."""

    def __init__(self, service: LockEventService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storeFiguresLine")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        palette = self.palette()
        palette.setColor(self.foregroundRole(), palette.placeholderText().color())
        self.setPalette(palette)
        self._service = service
        self._store: str | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh)
        service.figures_changed.connect(self._on_service_figures_changed)
        self.setVisible(False)

    def set_store(self, store: str | None) -> None:
        self._store = store
        self._refresh()

    @Slot()
    def _refresh(self) -> None:
        text = "" if self._store is None else figures_text(self._service.figures(self._store))
        self.setText(text)
        self.setToolTip(text)
        self.setVisible(bool(text))
        if text and not self._timer.isActive():
            self._timer.start()
        elif not text:
            self._timer.stop()

    @Slot(object)
    def _on_service_figures_changed(self, stores: set[str]) -> None:
        if self._store in stores:
            self._refresh()
