"""How the shown folder is, where the window says it: banners above the table (gone, read-only)
and labels in the status bar (which folder, how many stores and locks, how it is watched).

Both follow the :class:`~inspector.services.store_directory.StoreDirectory` on their own; the
window only places them.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Slot
from PySide6.QtWidgets import QLabel, QStatusBar, QVBoxLayout, QWidget

from inspector.display import printable_path
from inspector.document.pane.message_bar import BarKind, MessageBar
from inspector.services.store_directory import StoreDirectory


class FolderBanners(QWidget):
    """A banner while the folder is gone, another while it is read-only (saying why)."""

    def __init__(self, directory: StoreDirectory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._directory = directory
        # Plain text (they show folder names: never taken for markup), marked by an icon.
        self.folder_banner = MessageBar(BarKind.ERROR, "folderBanner")
        self.read_only_banner = MessageBar(BarKind.WARNING, "readOnlyBanner")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.folder_banner)
        layout.addWidget(self.read_only_banner)
        directory.folder_changed.connect(self._on_directory_folder_changed)
        directory.folder_available_changed.connect(self._on_directory_folder_available_changed)
        directory.read_only_changed.connect(self._on_directory_read_only_changed)

    @Slot(object)
    def _on_directory_folder_changed(self, _folder: str) -> None:
        self.folder_banner.hide()

    @Slot(bool)
    def _on_directory_folder_available_changed(self, available: bool) -> None:
        if available:
            self.folder_banner.hide()
            return
        self.folder_banner.show_message(
            self.tr(
                "The folder {folder} no longer exists. "
                "Its stores will reappear as soon as it is back."
            ).format(folder=printable_path(self._directory.folder))
        )

    @Slot(bool, str)
    def _on_directory_read_only_changed(self, read_only: bool, reason: str) -> None:
        if read_only:
            self.read_only_banner.show_message(
                self.tr(
                    "Read-only folder: {reason} The stores can be viewed; editing, saving, "
                    "recovering and breaking locks are disabled."
                ).format(reason=reason)
            )
        else:
            self.read_only_banner.hide()


class CountLabel(QLabel):
    """A status bar label whose text changes often (the locks counted: every round of a storm),
    with a size of its own: a label's new text asks its parent to lay it out again, and the
    status bar answers any such request by repainting itself whole -- every label, the size
    grip and the window's background under them, each round. A label of fixed size asks
    nothing (Qt's ``updateGeometry``): it only repaints its own text. It grows when a text
    needs more room, and shrinks back to its text's size on ``fit`` (another folder shown) or
    when its font changes."""

    def setText(self, text: str) -> None:
        super().setText(text)
        size = self.text_size()
        if size.width() > self.width() or size.height() != self.height():
            self.fit()

    def text_size(self) -> QSize:
        """The size the text needs, as Qt's ``sizeHint`` has it (which a label of fixed size
        does not work out again for a new text)."""
        size = self.fontMetrics().size(0, self.text())
        margins = self.contentsMargins()
        extra = 2 * self.margin()
        return QSize(
            size.width() + margins.left() + margins.right() + extra,
            size.height() + margins.top() + margins.bottom() + extra,
        )

    def fit(self) -> None:
        """Take the present text's size (and so ask for a new layout)."""
        self.setFixedSize(self.text_size())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fit()


class FolderStatusLabels(QObject):
    """The status bar's permanent labels: the folder, stores and locks counted, the watching
    (added to ``bar``, which owns them)."""

    def __init__(self, directory: StoreDirectory, bar: QStatusBar) -> None:
        super().__init__(bar)
        self.folder_label = QLabel(self.tr("No folder"))
        self.folder_label.setTextFormat(Qt.TextFormat.PlainText)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stores_label = QLabel()
        self.locked_label = CountLabel()
        self.watch_label = QLabel(self.tr("not watching"))
        for label in (self.folder_label, self.stores_label, self.locked_label, self.watch_label):
            label.setContentsMargins(6, 0, 6, 0)
            bar.addPermanentWidget(label)
        self._locked = 0
        self._stale = 0
        self._on_directory_summary_changed(0, 0)
        directory.folder_changed.connect(self._on_directory_folder_changed)
        directory.summary_changed.connect(self._on_directory_summary_changed)
        directory.stale_count_changed.connect(self._on_directory_stale_count_changed)
        directory.watch_status_changed.connect(self.watch_label.setText)

    @Slot(object)
    def _on_directory_folder_changed(self, folder: str) -> None:
        shown = printable_path(folder)
        self.folder_label.setText(shown)
        self.folder_label.setToolTip(shown)
        self.locked_label.fit()

    @Slot(int, int)
    def _on_directory_summary_changed(self, stores: int, locked: int) -> None:
        self.stores_label.setText(
            self.tr("1 store") if stores == 1 else self.tr("{count} stores").format(count=stores)
        )
        self._locked = locked
        self._show_lock_counts()

    @Slot(int)
    def _on_directory_stale_count_changed(self, stale: int) -> None:
        self._stale = stale
        self._show_lock_counts()

    def _show_lock_counts(self) -> None:
        """ "3 locked" — with "(1 stale)" when some holder is dead, the lock a person should
        look at."""
        text = self.tr("{count} locked").format(count=self._locked)
        if self._stale:
            text += " " + self.tr("({count} stale)").format(count=self._stale)
        self.locked_label.setText(text)
