"""The pane's part that writes: save, review, save a copy, restore a version, convert to
UTF-8, and how each ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QWidget

from inspector.display import printable_name, printable_path
from inspector.document.choices import ConflictDecision
from inspector.document.conversion import NotConvertibleError, describe_conversion
from inspector.document.pane.pane_state import TREE_TAB, PaneState, PendingAfterCheck
from inspector.document.raw_editor import CHECK_ON_WORKER_CHARS
from inspector.document.review import SaveReview
from inspector.document.save_messages import save_summary
from inspector.document.save_types import SaveConflict, SaveResult

#: Typed raw text at least this long (characters) is checked on the raw editor's worker before
#: a save, not parsed at once on the GUI thread (a megabyte: ~150 ms, a stall of the window).
CHECK_FIRST_CHARS = CHECK_ON_WORKER_CHARS


class PaneSaving(PaneState):
    """Starts the session's writes and shows how they end."""

    def save(self) -> bool:
        """Start saving the edits; False when there is nothing to save or it cannot start.

        With ``review_before_first_save``, the first save shows Review changes instead and
        saves when the person says so. A document its schema finds errors in is saved once
        the person says so too, asked without blocking (True: asked; a "no" ends the save
        unwritten).
        """
        if self.review_before_first_save and not self._reviewed:
            return self.review_changes()
        if not self._save_can_start():
            return False
        if self._checked_first(self.save, is_save=True):
            return True
        if self._raw_text_refused(advise_fix=True):
            return False
        path = self._session.path
        started: list[bool] = []

        def on_answer(save_anyway: bool) -> None:
            started.append(self._save_despite_schema(path, save_anyway=save_anyway))

        if self.schema.ask_before_saving(self, on_answer):
            return started[0] if started else True
        return self._session.save()

    def _save_can_start(self) -> bool:
        """Whether a save of the store can start now (said in the status line when not
        because the folder is read-only)."""
        if self._session.is_saving or self._session.loaded is None:
            return False
        if self._session.read_only_reason is not None:
            self.status_message.emit(
                self.tr("Not saved: {reason}").format(reason=self._session.read_only_reason)
            )
            return False
        return True

    def _save_despite_schema(self, path: str | None, *, save_anyway: bool) -> bool:
        """The answer to "save despite schema errors?" came: save if it was yes and the save
        can still start (the same document, nothing else saving)."""
        if (
            save_anyway
            and path is not None
            and path == self._session.path
            and not self._session.is_saving
            and self._session.loaded is not None
            and self._session.read_only_reason is None
        ):
            return self._session.save()
        self.status_message.emit(self.tr("Not saved: the document breaks its schema."))
        if path is not None:
            self.save_ended_unwritten.emit(path)  # whoever waits for this save's end
        return False

    def save_copy_as(self) -> bool:
        """Ask for a path, then save the document as edited there (see :meth:`save_copy`);
        False when there is nothing to copy. The question does not block: the copy starts when
        a path is chosen."""
        if not self._can_save_copy():
            return False
        self.copy_path_prompt(self, self._on_copy_path_chosen)
        return True

    def _on_copy_path_chosen(self, target: str | None) -> None:
        if target:
            self.save_copy(target)

    def save_copy(self, target: str, *, overwrite: bool = False) -> bool:
        """Write the document as edited to ``target`` through its lock; this store and its
        unsaved edits stay as they are. A file at ``target`` is replaced only when the person
        says so (:attr:`replace_prompt`, asked under no lock when the save finds it)."""
        if not self._can_save_copy():
            return False
        if self._checked_first(lambda: self.save_copy(target, overwrite=overwrite)):
            return True
        if self._raw_text_refused():
            return False
        return self._session.save_copy(target, overwrite=overwrite)

    def _checked_first(self, action: Callable[[], bool], *, is_save: bool = False) -> bool:
        """True when typed raw text too long to parse here at once (:data:`CHECK_FIRST_CHARS`)
        is still to be checked: its check starts now on the raw editor's worker, and
        ``action`` is called again once the pane has taken the checked text in."""
        editor = self.raw_editor
        if not editor.has_pending_edit or editor.document().characterCount() < CHECK_FIRST_CHARS:
            return False
        self._after_check = PendingAfterCheck(self._session.path, action, is_save)
        editor.check_at_once()
        self.status_message.emit(
            self.tr("Checking the typed text of {name} before saving…").format(name=self.file_name)
        )
        return True

    @Slot()
    def _resume_after_check_soon(self) -> None:
        # In the next turn: every slot of the check's signal (the pane taking the typed
        # document in, the undo step it makes) has run by then.
        if self._after_check is not None:
            QTimer.singleShot(0, self, self._resume_after_check)

    def _resume_after_check(self) -> None:
        pending = self._after_check
        if pending is None:
            return
        if self.raw_editor.has_pending_edit and pending.path == self._session.path:
            self.raw_editor.check_at_once()  # typed again meanwhile: that text is saved
            return
        self._after_check = None
        if pending.path != self._session.path:
            if pending.is_save and pending.path is not None:
                self.save_ended_unwritten.emit(pending.path)  # another store is shown now
            return
        if not pending.action() and pending.is_save and pending.path is not None:
            self.save_ended_unwritten.emit(pending.path)  # whoever waits for this save's end

    def _raw_text_refused(self, *, advise_fix: bool = False) -> bool:
        """Apply typing not yet taken in; True (and said) when the raw text is not valid JSON,
        so that nothing is saved, copied or reviewed from it."""
        self.raw_editor.validate_now()
        error = self.raw_editor.error
        if not self._raw_invalid or error is None:
            return False
        if advise_fix:
            message = self.tr(
                "Not saved: the raw text is not valid JSON ({error}). Fix it or undo before saving."
            )
        else:
            message = self.tr("Not saved: the raw text is not valid JSON ({error}).")
        self._report_error(message.format(error=error.describe()))
        return True

    @Slot()
    def _on_save_copy_clicked(self) -> None:
        self.save_copy_as()

    @Slot(str)
    def _on_copy_saved(self, path: str) -> None:
        self._end_save()
        message = self.tr("Saved a copy as {path}.").format(path=printable_path(path))
        if self.is_dirty:
            message += " " + self.tr("{name} itself still has unsaved edits.").format(
                name=self.file_name
            )
        self.notice_bar.show_message(message)

    @Slot(str)
    def _on_copy_target_exists(self, path: str) -> None:
        def answer(yes: bool) -> None:
            if yes:
                self.save_copy(path, overwrite=True)

        self.replace_prompt(self, path, answer)

    @Slot(str)
    def _on_place_unwritable(self, path: str) -> None:
        if path == self._session.path:
            self.save_copy_button.show()

    def restore_version(self, document: Any, label: str) -> bool:
        """Save a kept version's ``document`` over the store, merged with what changed on disk
        meanwhile (see :meth:`EditSession.restore`); False when it cannot start."""
        if self._session.path is None or self._session.is_saving:
            return False
        if self.is_dirty:
            self._report_error(
                self.tr("Not restored: save or revert your edits of {name} first.").format(
                    name=self.file_name
                )
            )
            return False
        if self._session.read_only_reason is not None:
            self.status_message.emit(
                self.tr("Not restored: {reason}").format(reason=self._session.read_only_reason)
            )
            return False
        return self._session.restore(document, label)

    def review_changes(self) -> bool:
        """Compute, off the GUI thread, the diff a save would write, then show it
        (``review_prompt``, which does not block); the save starts if the person accepts, and
        ends unwritten otherwise or when the document goes meanwhile. False if nothing to
        review."""
        path = self._session.path
        if path is None or self._session.loaded is None or self._session.is_saving:
            return False
        if self._checked_first(self.review_changes):
            return True
        if not self.is_dirty:
            self.status_message.emit(
                self.tr("{name}: no changes to save.").format(name=self.file_name)
            )
            return False
        if self._raw_text_refused():
            return False
        self._review_request = self._service.review(
            path,
            self._session.base,
            self._model.document(),
            self._session.typed_bytes(),
            self._session.typed_over(),
            repair=self._session.loaded.kind.repairable,
        )
        self.status_message.emit(
            self.tr("Comparing {name} with what saving would write…").format(name=self.file_name)
        )
        return True

    @Slot()
    def _on_review_triggered(self) -> None:
        self.review_changes()

    @property
    def review_question(self) -> QWidget | None:
        """The open Review changes dialog, if one waits for its answer."""
        return self._review_question

    @Slot(int, object)
    def _on_review_ready(self, request_id: int, review: SaveReview) -> None:
        if request_id != self._review_request or review.path != self._session.path:
            return  # another document is shown now, or a newer review was asked for
        self._review_request = 0
        self._drop_review_question()  # one review open at a time

        def on_answer(save_now: bool) -> None:
            self._save_after_review(review.path, save_now=save_now)

        # Asked without blocking (no nested event loop): the save goes on from the answer.
        self._review_answer = on_answer
        question = self.review_prompt(self, review, self._on_review_answered)
        if self._review_answer is not None:  # not answered at once: it is open
            self._review_question = question

    def _on_review_answered(self, save_now: bool) -> None:
        answer, self._review_answer = self._review_answer, None
        self._review_question = None
        if answer is not None:  # at most once
            answer(save_now)

    def _drop_review_question(self) -> None:
        """Close the open Review changes dialog, if any: the save it was about is not made."""
        question, self._review_question = self._review_question, None
        if question is not None:
            question.close()  # deleted on close; its answer comes through _on_review_answered
        self._on_review_answered(False)  # a no-op when that answered already

    def _save_after_review(self, path: str, *, save_now: bool) -> None:
        """The review of ``path`` was answered: save if it was yes and ``path`` is still the
        document shown; otherwise the save asked for ends here, and whoever awaits its outcome
        (a close) hears it."""
        if save_now and path == self._session.path and self._session.loaded is not None:
            self._reviewed = True
            self.save()
            return
        if save_now:
            self.status_message.emit(
                self.tr("Not saved: {name} is no longer shown.").format(name=printable_name(path))
            )
        self.save_ended_unwritten.emit(path)

    def revert(self) -> None:
        """Drop unsaved edits and show the file as it is on disk now."""
        if self._session.path is None or self._session.is_saving:
            return
        self._discard_edits()
        self.status_message.emit(self.tr("Reverted {name}.").format(name=self.file_name))
        self._session.reload()

    def convert_to_utf8(self) -> bool:
        """Ask, then convert the shown file, which is not UTF-8, to UTF-8 (see
        :meth:`EditSession.convert_to_utf8`); False when there is nothing to ask about. The
        question does not block: the conversion starts when it is answered yes, if the pane
        still shows the very version it asked about."""
        loaded = self._session.loaded
        if loaded is None or not self._session.can_convert:
            return False
        try:
            source, preview = describe_conversion(loaded)
        except NotConvertibleError as error:
            self._report_error(f"Cannot convert {loaded.name} to UTF-8: {error}.")
            return False
        policy = self._session.policy()
        if policy.secret_file and not policy.revealed:  # as the raw view hides it
            preview = "(The values of this file are secret: reveal them to see its text.)"

        def answer(yes: bool) -> None:
            if not yes:
                return
            if self._session.loaded is loaded and self._session.can_convert:
                self._session.convert_to_utf8()
            else:  # another version or store is shown now: what was asked about is gone
                self.status_message.emit(
                    self.tr("{name} changed while you were asked; nothing was converted.").format(
                        name=loaded.name
                    )
                )

        self.convert_prompt(self, source, preview, answer)
        return True

    def cancel_save(self) -> None:
        """Stop a save that is waiting for the lock; nothing is written."""
        self._session.cancel_save()

    # -- saving -------------------------------------------------------------------------------
    @Slot()
    def _on_save_started(self) -> None:
        self._hide_error()
        self._refresh_raw()
        self.progress_bar.show_message(self.tr("Saving {name}…").format(name=self.file_name))
        self._update_actions()

    def _end_save(self) -> None:
        self.progress_bar.hide()
        self._refresh_raw()
        self._update_actions()

    @Slot(str)
    def _on_save_progress(self, message: str) -> None:
        self.progress_bar.show_message(message[:1].upper() + message[1:])

    @Slot(object)
    def _on_saved(self, result: SaveResult) -> None:
        self._hide_error()
        # What another process had changed on disk is merged into what was just written.
        self.change_bar.hide()
        self.tabs.setTabEnabled(TREE_TAB, True)
        # The raw view shows the file as written (typing over it is then saved as typed).
        self._raw_source = self._file_text_if_clean() or self._raw_source
        self._end_save()
        if result.quarantined_to:
            self.notice_bar.show_message(save_summary(result))
        else:
            self.notice_bar.hide()  # what it said (a symbolic link replaced) holds no more
        self._update_header()
        self._update_dirty()
        self.saved.emit(result.path)

    @Slot(object)
    def _on_conflict_found(self, conflict: SaveConflict) -> None:
        self._end_save()
        self._conflicts.present(self.file_name, conflict, self._session.policy())

    @Slot(object)
    def _on_choice_made(self, decision: ConflictDecision) -> None:
        self._session.resolve_conflict(decision)

    @Slot(str, str)
    def _on_save_failed(self, _path: str, message: str) -> None:
        self.error_bar.show_message(message)
        self._save_error_shown = True

    @Slot(str)
    def _on_save_ended_unwritten(self, path: str) -> None:
        self._end_save()
        self.save_ended_unwritten.emit(path)
