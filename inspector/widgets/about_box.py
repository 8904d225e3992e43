"""Help ▸ About Lock Inspector."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from inspector.resources import icon


class AboutBox(QMessageBox):
    """The app's name, ``version`` and what it is for."""

    def __init__(self, version: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("About Lock Inspector"))
        self.setIconPixmap(icon("app").pixmap(64, 64))
        self.setText("<h3>" + self.tr("Lock Inspector {version}").format(version=version) + "</h3>")
        self.setInformativeText(
            self.tr(
                "See who holds which lock on your shared JSON stores, edit them safely, and "
                "break stale locks with confirmation.<br><br>Built on lockcore and Qt for "
                "Python."
            )
        )
