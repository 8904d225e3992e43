"""The confirmation dialog for breaking a lock by hand.

It shows exactly what the user is judging (PID, process alive or dead, host, age, the lock file's
raw bytes) and breaks *that* lock only: the ``LockInfo`` it showed is passed to lockcore as
``expected``, so if another process replaced or released the lock in the meantime nothing is
removed and the dialog says so. A dead holder needs one confirmation; a live holder, a holder on
another host or one that cannot be verified needs an explicit second step.

The break itself runs in :class:`~inspector.services.lock_actions.LockActions` (on a share that
stopped answering it could hang): the dialog asks it directly and shows the outcome that comes
back through its ``break_finished`` signal.
"""

from __future__ import annotations

import shlex
import socket
from html import escape

from PySide6.QtCore import QCoreApplication, Qt, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.colours import ERROR_TEXT
from inspector.display import describe_holder, printable_name, printable_path
from inspector.document.pane.message_bar import BarKind, MessageBar
from inspector.presentation import (
    format_age,
    format_time,
    lock_icon_name,
    lock_state_word,
)
from inspector.resources import icon
from inspector.services.lock_actions import LockActions
from lockcore import HolderAliveError, LockChangedError, LockInfo, LockState


def _refused_style() -> str:
    """Bold, in the error colour for the palette in force (readable on light and dark)."""
    return f"color: {ERROR_TEXT.for_palette().name()}; font-weight: bold;"


def break_outcome(info: LockInfo, error: BaseException | None) -> str:
    """What breaking ``info``'s lock came to, in a sentence (``error`` None: it was removed)."""
    if error is None:
        return QCoreApplication.translate("BreakLockDialog", "Lock on {name} broken.").format(
            name=printable_name(info.path)
        )
    if isinstance(error, LockChangedError):
        current = error.current
        if current is None or not current.is_locked:
            now = QCoreApplication.translate("BreakLockDialog", "it is gone now")
        else:
            now = QCoreApplication.translate(
                "BreakLockDialog", "it is now held by {holder}"
            ).format(holder=describe_holder(current))
        return QCoreApplication.translate(
            "BreakLockDialog",
            "The lock changed since this dialog opened ({now}). Nothing was removed.",
        ).format(now=now)
    if isinstance(error, HolderAliveError):
        return QCoreApplication.translate(
            "BreakLockDialog", "The holder is alive or cannot be verified. Nothing was removed."
        )
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return printable_path(
        QCoreApplication.translate(
            "BreakLockDialog", "Could not remove the lock: {reason}. Nothing was removed."
        ).format(reason=reason)
    )


def describe_content(content: bytes) -> str:
    """The lock file's bytes as readable text; undecodable bytes shown as ``\\xNN``."""
    if not content:
        return QCoreApplication.translate("BreakLockDialog", "(empty)")
    return content.decode("utf-8", errors="backslashreplace")


def holder_status(info: LockInfo) -> str:
    """``"4711 — alive"``, ``"4711 — dead"``, ``"4711 — cannot be verified"``."""
    if info.holder_alive is True:
        return QCoreApplication.translate("BreakLockDialog", "alive")
    if info.holder_alive is False:
        return QCoreApplication.translate("BreakLockDialog", "dead (no longer running)")
    return QCoreApplication.translate("BreakLockDialog", "cannot be verified")


class BreakLockDialog(QDialog):
    """Asks before breaking ``info``'s lock, has ``lock_actions`` break it, and reports what
    happened inside the dialog."""

    def __init__(
        self, info: LockInfo, lock_actions: LockActions, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.info = info
        self._lock_actions = lock_actions
        lock_actions.break_finished.connect(self._on_lock_actions_break_finished)
        self.was_broken = False
        self.is_breaking = False
        self.needs_second_step = info.state is not LockState.STALE_DEAD_HOLDER
        name = printable_name(info.path)
        self.setWindowTitle(self.tr("Break lock on {name}").format(name=name))
        self.setMinimumWidth(560)

        layout = QVBoxLayout(self)
        heading = QLabel(
            "<h3>" + self.tr("Break the lock on {name}?").format(name=escape(name)) + "</h3>"
        )
        heading.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(heading)
        layout.addLayout(self._details_form(info))

        content_label = QLabel(self.tr("Lock file content:"))
        layout.addWidget(content_label)
        self.content_view = QPlainTextEdit(describe_content(info.content))
        self.content_view.setAccessibleName(self.tr("Lock file content"))
        self.content_view.setReadOnly(True)
        self.content_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.content_view.setMaximumHeight(110)
        layout.addWidget(self.content_view)

        self.confirm_checkbox: QCheckBox | None = None
        if self.needs_second_step:
            layout.addWidget(self._warning_frame(info))
            self.confirm_checkbox = QCheckBox(
                self.tr("I understand the holder may still be writing; break its lock anyway.")
            )
            self.confirm_checkbox.toggled.connect(self._on_confirm_checkbox_toggled)
            layout.addWidget(self.confirm_checkbox)
        else:
            note = QLabel(
                self.tr(
                    "The process that made this lock is gone. Removing the lock lets the next "
                    "writer in; the data file is not touched."
                )
            )
            note.setWordWrap(True)
            layout.addWidget(note)

        self.outcome_label = QLabel()
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setTextFormat(Qt.TextFormat.PlainText)
        self.outcome_label.setStyleSheet(_refused_style())
        self.outcome_label.hide()
        layout.addWidget(self.outcome_label)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.break_button = QPushButton(icon(lock_icon_name(info.state)), self.tr("Break lock"))
        self.break_button.setEnabled(not self.needs_second_step)
        self.break_button.setAutoDefault(False)
        self.buttons.addButton(self.break_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.break_button.clicked.connect(self._on_break_button_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _details_form(self, info: LockInfo) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        word = lock_state_word(info.state)
        state_label = self._plain(f"{word} — {info.reason}" if info.reason else word)
        state_label.setWordWrap(True)
        unknown = self.tr("unknown")
        form.addRow(self.tr("State:"), state_label)
        form.addRow(self.tr("Lock file:"), self._selectable(printable_path(info.lock_path)))
        form.addRow(self.tr("PID:"), self._plain(unknown if info.pid is None else str(info.pid)))
        process = info.process_name or unknown
        self.process_label = self._plain(f"{printable_path(process)} — {holder_status(info)}")
        form.addRow(self.tr("Process:"), self.process_label)
        if info.cmdline:
            command = self._selectable(printable_path(shlex.join(info.cmdline)))
            command.setWordWrap(True)
            form.addRow(self.tr("Command line:"), command)
        host = info.hostname or self.tr("{host} (legacy lock: no host recorded)").format(
            host=socket.gethostname()
        )
        form.addRow(self.tr("Host:"), self._plain(printable_path(host)))
        age = info.age()
        age_text = (
            unknown
            if age is None or info.created is None
            else self.tr("{age} (made at {time})").format(
                age=format_age(age), time=format_time(info.created)
            )
        )
        form.addRow(self.tr("Age:"), self._plain(age_text))
        return form

    @staticmethod
    def _plain(text: str) -> QLabel:
        """A label for what the lock file and the process table say: never taken for markup."""
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)
        return label

    @classmethod
    def _selectable(cls, text: str) -> QLabel:
        label = cls._plain(text)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _warning_frame(self, info: LockInfo) -> MessageBar:
        """The risk, in a warning bar (its icon, not a symbol character, says "warning"; plain
        text: a process's name is never taken for markup)."""
        frame = MessageBar(BarKind.WARNING, "breakLockWarning")
        who = (
            describe_holder(info, with_host=False)
            if info.pid is not None
            else self.tr("The holder")
        )
        if info.state is LockState.HELD_OTHER_HOST:
            text = self.tr(
                "This lock belongs to {holder} on another host ({host}). Whether it is "
                "still running cannot be checked from here."
            ).format(holder=who, host=info.hostname)
        elif info.holder_alive:
            text = self.tr("{holder} is still running and holds this lock.").format(holder=who)
        else:
            subject = self.tr("the holder") if info.pid is None else who
            text = self.tr("Whether {holder} is alive cannot be verified.").format(holder=subject)
        text += " " + self.tr(
            "Breaking the lock lets another writer in while the holder may still be writing: "
            "one of their updates can be lost."
        )
        frame.show_message(text)
        return frame

    @Slot(bool)
    def _on_confirm_checkbox_toggled(self, checked: bool) -> None:
        self.break_button.setEnabled(checked and not self.was_broken)

    @Slot()
    def _on_break_button_clicked(self) -> None:
        self.confirm_break()

    def confirm_break(self) -> bool:
        """Start breaking the lock the dialog shows (the user's confirmation); False when the
        second step is missing or the break has already been started. The outcome is shown
        when the break ends; a removed lock closes the dialog (accepted)."""
        if self.is_breaking or self.was_broken:
            return False
        if self.needs_second_step and not (
            self.confirm_checkbox is not None and self.confirm_checkbox.isChecked()
        ):
            return False
        self.is_breaking = True
        self.break_button.setEnabled(False)
        if self.confirm_checkbox is not None:
            self.confirm_checkbox.setEnabled(False)
        self.outcome_label.setStyleSheet("")
        self.outcome_label.setText(self.tr("Breaking the lock…"))
        self.outcome_label.show()
        self._lock_actions.break_lock(self.info, force=self.needs_second_step)
        return True

    @Slot(object, object)
    def _on_lock_actions_break_finished(
        self, expected: LockInfo, error: BaseException | None
    ) -> None:
        # None when the lock was removed, else lockcore's error or the OSError that kept it.
        if expected is not self.info or not self.is_breaking:
            return  # another dialog's break
        self.is_breaking = False
        if error is not None:
            self._refuse(break_outcome(self.info, error))
            return
        self.was_broken = True
        self.accept()

    def _refuse(self, message: str) -> None:
        self.outcome_label.setStyleSheet(_refused_style())
        self.outcome_label.setText(message)
        self.outcome_label.show()
        self.break_button.setEnabled(False)
        if self.confirm_checkbox is not None:
            self.confirm_checkbox.setEnabled(False)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(self.tr("Close"))
