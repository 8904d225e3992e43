"""Saving an edit session: save, save a copy, restore a version, convert to UTF-8, a conflict's
answer, and what each outcome makes of the session."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

from PySide6.QtCore import Slot

from inspector.display import printable_name, printable_path
from inspector.document.choices import ConflictChoice, ConflictDecision
from inspector.document.results import NO_DOCUMENT, DocumentKind, LoadedDocument
from inspector.document.save_messages import save_summary
from inspector.document.save_types import (
    SaveConflict,
    SaveMode,
    SaveRequest,
    SaveResult,
)
from inspector.document.session_typed_text import SessionTypedText
from lockcore import DuplicateKey


class SessionSaving(SessionTypedText):
    """Starts saves through the service and takes in how they end."""

    # -- saving ---------------------------------------------------------------------------------
    def save(self) -> bool:
        """Start saving the edits; False when there is nothing to save or it cannot start."""
        loaded = self._loaded
        if self._path is None or loaded is None or self.is_saving:
            return False
        if not self.model.has_document or self.undo_stack.isClean():
            self.status_message.emit(
                self.tr("{name}: no changes to save.").format(name=self.file_name)
            )
            return False
        return self._start_save(self.save_request(self._path, loaded))

    def save_request(self, path: str, loaded: LoadedDocument) -> SaveRequest:
        """What :meth:`save` asks of the save service now for the edits of ``loaded`` (the
        shown version of the store at ``path``)."""
        base_raw = self._base_raw()
        typed = self.typed_bytes()
        return SaveRequest(
            path=path,
            base=self._base,
            edited=self.model.document(),
            repair=loaded.kind.repairable,
            lock_wait=self.lock_wait,
            keep_versions=self.keep_versions,
            versions_max_bytes=self.versions_max_bytes,
            # Typed text is written only over the bytes it was typed over: a damaged file's
            # own, when the person repaired it as text.
            base_raw=base_raw if typed is None else self.typed_over(),
            base_text=loaded.text if base_raw is not None else None,
            base_secrets=self._base_secrets(),
            base_standard=base_raw is not None and not loaded.non_standard,
            base_plain_numbers=base_raw is not None and loaded.number_spellings == (),
            repeated_keys=bool(loaded.duplicate_keys),
            typed=typed,
        )

    def save_copy(self, target: str, *, overwrite: bool = False) -> bool:
        """Write the document as it is in the editor to ``target``, through ``target``'s lock.

        The shown store and its unsaved edits stay as they are: this is the way out when the
        store cannot be written where it is (its folder vanished or became read-only), so it
        runs in a read-only folder too. Without ``overwrite`` nothing is written where a file
        exists (:attr:`copy_target_exists`); with it, that file is replaced (its bytes kept as
        a version, or as a ``.corrupt-*`` copy when they are not valid JSON). False when it
        cannot start.
        """
        loaded = self._loaded
        if loaded is None or not self.model.has_document or self.is_saving:
            return False
        if self._path is not None and os.path.abspath(target) == os.path.abspath(self._path):
            return self.save()
        self._copy_target = target
        return self._start_save(
            SaveRequest(
                path=target,
                base=NO_DOCUMENT,
                edited=self.model.document(),
                mode=SaveMode.REPLACE_FILE if overwrite else SaveMode.NEW_FILE,
                indent=loaded.indent if loaded.indent is not None else 2,
                repair=overwrite,
                lock_wait=self.lock_wait,
                keep_versions=self.keep_versions,
                versions_max_bytes=self.versions_max_bytes,
            ),
            in_read_only_folder=True,
        )

    def restore(self, document: Any, label: str) -> bool:
        """Write a kept version's ``document`` back, as a save of it over the shown document
        (``label``: the version in words, for the status line).

        The shown document is the base, the version is "mine", the file now is "theirs": what
        another process wrote meanwhile is merged in, and a conflict is asked about as for any
        save, so a restore never silently discards a change. False when it cannot start (no
        store, a save running, or unsaved edits, which a restore would drop).
        """
        loaded = self._loaded
        if self._path is None or loaded is None or self.is_saving or self.is_dirty:
            return False
        return self._start_save(
            SaveRequest(
                path=self._path,
                base=self._base,
                edited=document,
                repair=loaded.kind.repairable,
                lock_wait=self.lock_wait,
                keep_versions=self.keep_versions,
                versions_max_bytes=self.versions_max_bytes,
                restored_from=label,
                base_raw=self._base_raw(),
                base_secrets=self._base_secrets(),
            )
        )

    def _base_secrets(self) -> bool | None:
        """Whether the base has secret values, when the shown version is it and that is known."""
        loaded = self._loaded
        if loaded is None or loaded.document is not self._base:
            return None
        return loaded.secrets

    def remove_occurrence(self, duplicate: DuplicateKey, occurrence: int) -> bool:
        """Start removing one occurrence (0: the first in the text) of a key the shown file
        repeats, from the file itself, through its lock: lockcore removes exactly that
        member's bytes, and nothing if the key's occurrences on disk are no longer those shown
        (then the file is shown as it is). Then the file is shown as written. Refused (False,
        with a status message) while there are unsaved edits, which it would bypass."""
        loaded = self._loaded
        if (
            self._path is None
            or loaded is None
            or loaded.kind is not DocumentKind.VALID
            or self.is_saving
        ):
            return False
        if duplicate not in loaded.duplicate_keys:  # the rows are older than the file
            self.status_message.emit(
                self.tr(
                    "Nothing removed: {name} no longer has these occurrences of {key} (a save "
                    "removed the key, or another program changed them). Reload to see it as it "
                    "is."
                ).format(name=self.file_name, key=json.dumps(duplicate.key, ensure_ascii=False))
            )
            return False
        if self.editing:
            self.status_message.emit(
                self.tr(
                    "Save or revert your edits first: removing an occurrence of {key} changes "
                    "the file on disk."
                ).format(key=json.dumps(duplicate.key, ensure_ascii=False))
            )
            return False
        self._removing = True
        started = self._start_save(
            SaveRequest(
                path=self._path,
                base=self._base,
                edited=self._base,
                lock_wait=self.lock_wait,
                keep_versions=self.keep_versions,
                versions_max_bytes=self.versions_max_bytes,
                remove_occurrence=(duplicate, occurrence),
            )
        )
        self._removing = started
        return started

    @property
    def can_convert(self) -> bool:
        """Whether the shown file is not UTF-8 and may be converted (see convert_to_utf8)."""
        loaded = self._loaded
        return (
            loaded is not None
            and loaded.kind is DocumentKind.NOT_UTF8
            and not self.is_saving
            and self._read_only_reason is None
        )

    def convert_to_utf8(self) -> bool:
        """Start converting the shown file, which is not UTF-8, into UTF-8 through the lock.

        Its bytes as shown are kept beside it first (``X.json.corrupt-…``), and nothing is
        written if another process changed them meanwhile. False when it cannot start.
        """
        loaded = self._loaded
        if self._path is None or loaded is None or loaded.kind is not DocumentKind.NOT_UTF8:
            return False
        return self._start_save(
            SaveRequest(
                path=self._path,
                base=NO_DOCUMENT,
                edited=NO_DOCUMENT,
                mode=SaveMode.REPLACE_FILE,
                repair=True,
                lock_wait=self.lock_wait,
                convert_from=loaded.raw,
            )
        )

    def cancel_save(self) -> None:
        """Stop a save that is waiting for the lock; nothing is written."""
        self.service.cancel_save()

    def resolve_conflict(self, decision: ConflictDecision) -> None:
        """The user's answer to :attr:`conflict_found`.

        Choices are saved as a new merge against the file as it is then (see
        :mod:`inspector.document.save_service`), of the edit and base the conflict was found for.
        """
        conflict = self._let_go_of_conflict()
        if conflict is None or conflict.request.path != self._path:
            return
        choice = decision.choice
        if choice is ConflictChoice.RELOAD:
            self.reload()
            self.status_message.emit(
                self.tr("Reloading {name}; your edits were dropped.").format(name=self.file_name)
            )
        elif choice in (ConflictChoice.MERGE, ConflictChoice.REPLACE_FILE):
            replace = choice is ConflictChoice.REPLACE_FILE
            self._start_save(
                dataclasses.replace(
                    conflict.request,
                    mode=SaveMode.REPLACE_FILE if replace else SaveMode.MERGE,
                    sides={} if replace else dict(decision.sides),
                    shown=() if replace else conflict.conflicts,
                    lock_wait=self.lock_wait,
                )
            )
        else:
            self.status_message.emit(
                self.tr(
                    "Save of {name} cancelled; nothing was written. Your edits are kept."
                ).format(name=self.file_name)
            )

    def shutdown(self) -> None:
        """Cancel a waiting save and let the workers finish."""
        self._let_go_of_conflict()
        self.service.shutdown()

    def _start_save(self, request: SaveRequest, *, in_read_only_folder: bool = False) -> bool:
        if self._read_only_reason is not None and not in_read_only_folder:
            self.status_message.emit(
                self.tr("Not saved: {reason}").format(reason=self._read_only_reason)
            )
            return False
        if not self.service.save(request):
            return False
        self._saving_index = self.undo_stack.index()
        self._set_model_read_only(True)
        self.status_message.emit(self.tr("Saving {name}…").format(name=self.file_name))
        self.save_started.emit()
        return True

    def _end_save(self) -> None:
        loaded = self._loaded
        self._set_model_read_only(loaded is None or (loaded.kind is not DocumentKind.VALID
                                 and not self.model.has_document))  # fmt: skip

    @Slot(str)
    def _on_save_progress(self, message: str) -> None:
        self.status_message.emit(message)
        self.save_progress.emit(message)

    @Slot(object)
    def _on_save_succeeded(self, result: SaveResult) -> None:
        copy_target, self._copy_target = self._copy_target, None
        if result.path == copy_target:
            self._end_save()
            self.status_message.emit(
                self.tr("Saved a copy as {path}.").format(path=printable_path(result.path))
            )
            self.copy_saved.emit(result.path)
            return
        if result.path != self._path or self._loaded is None:
            self._end_save()
            self.status_message.emit(
                self.tr("Saved {name}.").format(name=printable_name(result.path))
            )
            return
        self._removing = False
        if result.converted_from is not None or result.removed_occurrence is not None:
            # A new document, not an edit of the shown one: shown as if just opened.
            self._show(result.written, follow=False)
            self._end_save()
            self.status_message.emit(save_summary(result))
            self.saved.emit(result)
            self._load_again_if_asked()
            return
        shown_before, self._loaded = self._loaded, result.written
        self._base = result.document
        self._disk_version = None  # what was on disk is merged into what was written
        self._missing_on_disk = False
        spellings = result.written.number_spellings
        if result.merged or result.restored_from is not None:
            self.model.set_document(result.document)
            self.undo_stack.clear()  # first: the rows of repeated keys may change
            self.model.set_duplicate_keys(result.written.duplicate_keys)
            # The text merged onto is theirs: its numbers as that text spells them.
            self.model.set_number_spellings(spellings or ())
        elif result.as_typed and (
            result.written.duplicate_keys != shown_before.duplicate_keys
            or result.written.number_spellings != shown_before.number_spellings
        ):
            # The typed text took out (or repeated) a key, or spelled a number otherwise: the
            # tree shows the file as it is now, as after a merge.
            self.model.set_document(result.document)
            self.undo_stack.clear()  # first: the rows of repeated keys change
            self.model.set_duplicate_keys(result.written.duplicate_keys)
            self.model.set_number_spellings(result.written.number_spellings or ())
        else:
            if self.undo_stack.index() == self._saving_index:
                # The stack is where it was when the save began, so the model holds what was
                # written (compared by index: comparing documents froze the GUI for 1.5 s at
                # 50 MB).
                self.undo_stack.setClean()
            else:
                # An undo during the save (the undo stack itself is not locked, only the
                # actions that drive it) moved the document away from what was written: no
                # state of the stack is what is on disk now.
                self.undo_stack.resetClean()
            if spellings != shown_before.number_spellings:
                # A spelt number moved (an item inserted before it) or was replaced: its place
                # in the tree is where the file has it now.
                self.model.set_number_spellings(spellings or ())
        self._end_save()
        self.status_message.emit(save_summary(result))
        self.saved.emit(result)
        self._load_again_if_asked()

    @Slot(object)
    def _on_save_conflicted(self, conflict: SaveConflict) -> None:
        self._end_save()
        self._pending_conflict = conflict
        undecided = conflict.undecided
        count = len(undecided)
        where = ", ".join(c.path_text for c in undecided[:3])
        if conflict.again:
            message = (
                self.tr("Not saved: {name} changed again and has 1 conflicting change ({where}).")
                if count == 1
                else self.tr(
                    "Not saved: {name} changed again and has {count} conflicting changes ({where})."
                )
            )
        else:
            message = (
                self.tr("Not saved: {name} has 1 conflicting change ({where}).")
                if count == 1
                else self.tr("Not saved: {name} has {count} conflicting changes ({where}).")
            )
        nothing = self.tr("Nothing was written.")
        if conflict.formatting_dropped:
            nothing += " " + self.tr(
                "It changed since you edited its raw text: saving with your choices keeps the "
                "values you changed, not your text's formatting (spacing, number spellings, "
                "repeated keys); replacing the whole file with your version writes your text "
                "exactly as typed."
            )
        self.status_message.emit(
            message.format(name=self.file_name, count=count, where=where) + " " + nothing
        )
        self.conflict_found.emit(conflict)  # first: the view opens its dialog
        self.save_ended_unwritten.emit(conflict.request.path)

    @Slot(str, str)
    def _on_save_failed(self, path: str, message: str) -> None:
        if self._removing:  # the file may not be what is shown any more: show it as it is
            self._removing = False
            self._reload_pending = True
        self._end_save()
        self.status_message.emit(message)
        self.save_failed.emit(path, message)
        self.save_ended_unwritten.emit(path)
        self._load_again_if_asked()

    @Slot(str)
    def _on_save_target_exists(self, path: str) -> None:
        self._end_save()
        self.status_message.emit(
            self.tr("Not saved: {path} already exists.").format(path=printable_path(path))
        )
        self.save_ended_unwritten.emit(path)
        self.copy_target_exists.emit(path)  # last: the answer may start the next save

    @Slot(str)
    def _on_save_cancelled(self, path: str) -> None:
        self._removing = False
        self._end_save()
        self.status_message.emit(
            self.tr("Save of {name} cancelled; nothing was written.").format(
                name=printable_name(path)
            )
        )
        self.save_ended_unwritten.emit(path)
        self._load_again_if_asked()
