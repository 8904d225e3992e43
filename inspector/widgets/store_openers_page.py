"""The "Open By" tab of the Lock Events dock: who has the selected store open right now, and
ending one of them (SIGTERM first; SIGKILL only as a second, explicit step), each behind a
confirmation that names the process."""

from __future__ import annotations

import shlex
import time

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.display import printable_name, printable_path
from inspector.services.store_openers import Opener, StoreOpeners


def _process_text(opener: Opener) -> str:
    return printable_path(f"{opener.name} (PID {opener.pid})")


def _started_text(opener: Opener) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(opener.started))


def _parent_text(opener: Opener) -> str:
    if not opener.parent_pid:
        return ""
    return printable_path(f"{opener.parent_name} (PID {opener.parent_pid})")


class StoreOpenersPage(QWidget):
    """Lists the processes with the selected store's data or lock file open (on demand)."""

    def __init__(self, openers: StoreOpeners, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.openers = openers
        self._store: str | None = None
        self._shown: list[Opener] = []
        #: processes sent SIGTERM already: the next step offered for them is SIGKILL
        self._asked_to_end: set[tuple[int, float]] = set()
        self.confirmation: QMessageBox | None = None
        self.look_button = QPushButton(self.tr("Look Now"))
        self.look_button.setToolTip(
            self.tr("List the processes that have the selected store's file or lock file open")
        )
        self.look_button.clicked.connect(self._on_look_button_clicked)
        self.terminate_button = QPushButton(self.tr("Terminate Holder…"))
        self.terminate_button.clicked.connect(self._on_terminate_button_clicked)
        self.status = QLabel()
        self.table = QTableWidget(0, 5)
        self.table.setAccessibleName(self.tr("Processes with the store open"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Process"),
                self.tr("Started"),
                self.tr("Parent"),
                self.tr("Files"),
                self.tr("Command line"),
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)  # one line a process; the tooltip has a cell whole
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        row = QHBoxLayout()
        row.addWidget(self.look_button)
        row.addWidget(self.terminate_button)
        row.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        openers.openers_found.connect(self._on_openers_found)
        openers.terminate_finished.connect(self._on_openers_terminate_finished)
        self._update_buttons()

    def set_store(self, store: str | None) -> None:
        if store != self._store:
            self._store = store
            self._show([])
            self.status.setText("")
        self._update_buttons()

    def look(self) -> None:
        """Look for the selected store's openers now (the result comes back later)."""
        if self._store is not None:
            self.status.setText(self.tr("Looking…"))
            self.openers.look(self._store)

    def selected_opener(self) -> Opener | None:
        rows = self.table.selectionModel().selectedRows()
        return self._shown[rows[0].row()] if rows else None

    def next_step_kills(self, opener: Opener) -> bool:
        """Whether ending ``opener`` now means SIGKILL (it was sent SIGTERM already)."""
        return (opener.pid, opener.started) in self._asked_to_end

    # -- helpers ----------------------------------------------------------------------------

    def _show(self, openers: list[Opener]) -> None:
        self._shown = openers
        self.table.setRowCount(len(openers))
        for row, opener in enumerate(openers):
            files = ", ".join(printable_name(path) for path in opener.files)
            if opener.holds_lock:
                files = (
                    self.tr("{files}; holds the lock").format(files=files)
                    if files
                    else self.tr("holds the lock")
                )
            command = printable_path(shlex.join(opener.cmdline))
            texts = (_process_text(opener), _started_text(opener), _parent_text(opener))
            for column, text in enumerate((*texts, files, command)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        for column in range(self.table.columnCount() - 1):  # the command line takes the rest
            self.table.resizeColumnToContents(column)
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        self.look_button.setEnabled(self._store is not None)
        opener = self.selected_opener()
        self.terminate_button.setEnabled(opener is not None)
        if opener is not None and self.next_step_kills(opener):
            self.terminate_button.setText(self.tr("Kill Holder (SIGKILL)…"))
        else:
            self.terminate_button.setText(self.tr("Terminate Holder…"))

    # -- slots ------------------------------------------------------------------------------

    @Slot()
    def _on_look_button_clicked(self) -> None:
        self.look()

    @Slot()
    def _on_terminate_button_clicked(self) -> None:
        opener = self.selected_opener()
        if opener is None:
            return
        kill = self.next_step_kills(opener)
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        if kill:
            box.setWindowTitle(self.tr("Kill Holder"))
            box.setText(
                self.tr(
                    "Kill {process} with SIGKILL? It ends at once, without cleaning up: "
                    "what it was writing may be left half done, its lock left stale."
                ).format(process=_process_text(opener))
            )
            confirm = box.addButton(self.tr("Kill"), QMessageBox.ButtonRole.DestructiveRole)
        else:
            box.setWindowTitle(self.tr("Terminate Holder"))
            box.setText(
                self.tr(
                    "Ask {process} to end (SIGTERM)? A program that handles it can finish "
                    "its write and release its lock first."
                ).format(process=_process_text(opener))
            )
            confirm = box.addButton(self.tr("Send SIGTERM"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setInformativeText(
            self.tr("Command line: {command}\nStarted: {started}\nParent: {parent}").format(
                command=printable_path(shlex.join(opener.cmdline)),
                started=_started_text(opener),
                parent=_parent_text(opener) or self.tr("none"),
            )
        )

        def answered() -> None:
            if box.clickedButton() is confirm:
                self.openers.terminate(opener, kill=kill)

        box.finished.connect(answered)
        self.confirmation = box
        box.open()

    @Slot(str, object, str)
    def _on_openers_found(self, store: str, openers: list[Opener], error: str) -> None:
        if store != self._store:
            return
        self._show(openers)
        if error:
            self.status.setText(self.tr("Could not look: {reason}").format(reason=error))
        elif len(openers) == 1:
            self.status.setText(self.tr("1 process"))
        elif openers:
            self.status.setText(self.tr("{count} processes").format(count=len(openers)))
        else:
            self.status.setText(self.tr("No process has it open."))

    @Slot(object, bool, str)
    def _on_openers_terminate_finished(self, opener: Opener, kill: bool, error: str) -> None:
        if error:
            self.status.setText(
                self.tr("{process} was not signalled: {reason}").format(
                    process=_process_text(opener), reason=error
                )
            )
            return
        if not kill:
            self._asked_to_end.add((opener.pid, opener.started))
        signal_name = "SIGKILL" if kill else "SIGTERM"
        self.status.setText(
            self.tr("Sent {signal} to {process}.").format(
                signal=signal_name, process=_process_text(opener)
            )
        )
        self._update_buttons()
        self.look()  # who has it open now
