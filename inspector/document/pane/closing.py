"""The pane's part that lets its document go (another row, another folder, the window closing)
without a nested event loop: unsaved edits are asked about with a window-modal question opened
with ``open()``, and a save chosen there is waited for by its signal, not by spinning a local
event loop (see ``conflict_dialog.py``). Whoever asked hears the answer through a callback."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Slot

from inspector.document.pane.prompts import UnsavedChoice
from inspector.document.pane.saving import PaneSaving

CLOSE_SAVE_WAIT = 30.0
"""How long (seconds) letting a document go waits for the save it started before it gives up:
the document stays, the save goes on, and the person is told (the save's own lock wait may be
far longer, or unbounded)."""

#: Called once with whether the document may go: True (nothing unsaved, edits discarded or
#: saved) or False (cancelled, the save failed, found a conflict or took too long)
CloseAnswer = Callable[[bool], None]


class PaneClosing(PaneSaving):
    """Decides, asynchronously, whether the shown document may go away."""

    close_save_wait: float
    _close_answers: list[CloseAnswer]
    _close_save_awaited: bool
    _close_save_timer: QTimer | None

    def close_when_ready(self, then: CloseAnswer) -> None:
        """Find out whether the shown document may go away, and call ``then`` with the answer.

        With nothing unsaved ``then(True)`` is called at once. Unsaved edits are asked about
        (:attr:`unsaved_prompt`); on "Save" the save starts and ``then`` is called when its
        outcome arrives, or with False after :attr:`close_save_wait` seconds of saving (the save
        goes on; a status message says so; a question the save asks first, such as Review
        Changes, takes the time the person needs). Asked again while an answer is pending,
        ``then`` hears the same answer.
        """
        self._close_answers.append(then)
        if len(self._close_answers) > 1:
            return  # a question or a save for this is already under way
        if self._session.is_saving:
            self.status_message.emit(
                self.tr("{name} is being saved; cancel the save first.").format(name=self.file_name)
            )
            self._answer_close(False)
            return
        if not self.is_dirty:
            self._answer_close(True)
            return
        self.unsaved_prompt(self, self._on_unsaved_choice)

    @property
    def close_pending(self) -> bool:
        """Whether a question about unsaved edits, or the save it started, is under way."""
        return bool(self._close_answers)

    def _on_unsaved_choice(self, choice: UnsavedChoice) -> None:
        if not self._close_answers:
            return  # answered twice: only the first answer counts
        if choice is UnsavedChoice.DISCARD:
            self._discard_edits()
            self._answer_close(True)
        elif choice is UnsavedChoice.CANCEL:
            self._answer_close(False)
        else:
            self._save_before_close()

    def _save_before_close(self) -> None:
        self._close_save_awaited = True
        started = self.save()
        # Under way: saving, or asked first (Review Changes, "save despite schema errors?"),
        # whose answer ends in the save's signals.
        if not started or not (
            self.is_saving
            or self._review_request
            or self._review_answer is not None
            or self.schema.question is not None
        ):
            # It did not start (read-only, invalid raw text, a schema refusal, nothing to
            # save): the document may go only if nothing is left unsaved.
            self._close_save_awaited = False
            self._answer_close(not self.is_dirty)
            return
        if self.is_saving:
            self._start_close_save_timer()
        # else the wait is bounded from when the save starts (_on_save_started_before_close)

    def _start_close_save_timer(self) -> None:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(self._on_close_save_timer_timeout)
        timer.start(max(0, round(self.close_save_wait * 1000)))
        self._close_save_timer = timer

    def _stop_close_save_timer(self) -> None:
        self._close_save_awaited = False
        if self._close_save_timer is not None:
            self._close_save_timer.stop()
            self._close_save_timer.deleteLater()
            self._close_save_timer = None

    @Slot()
    def _on_save_started_before_close(self) -> None:
        if self._close_save_awaited and self._close_save_timer is None:
            self._start_close_save_timer()

    # The outcome is passed on once the save's signal has been handled everywhere: the session
    # finishes its own work after emitting it (it may load the file again), and whoever waits
    # may show another store or close the window.
    @Slot(str)
    def _on_saved_before_close(self, _path: str) -> None:
        if self._close_save_awaited:
            self._stop_close_save_timer()
            QTimer.singleShot(0, self, lambda: self._answer_close(True))

    @Slot(str)
    def _on_unwritten_before_close(self, _path: str) -> None:
        if self._close_save_awaited:
            self._stop_close_save_timer()
            QTimer.singleShot(0, self, lambda: self._answer_close(False))

    @Slot()
    def _on_close_save_timer_timeout(self) -> None:
        self._stop_close_save_timer()
        self.status_message.emit(
            self.tr(
                "Still saving {name} after {seconds} s (waiting for its lock), so it stays open "
                "with your edits; the save goes on. Cancel it, or try again once it is saved."
            ).format(name=self.file_name, seconds=f"{self.close_save_wait:g}")
        )
        self._answer_close(False)

    def _answer_close(self, may_go: bool) -> None:
        answers, self._close_answers = self._close_answers, []
        for answer in answers:
            answer(may_go)
