"""What raw text typed over a store's file is in an edit session: the text the person typed
(when the edits end with it), the file's own text as the raw editor shows it, and the bytes the
typing is over, which a save writes it onto, changed only where the person typed.

A class of its own in the session's chain (state, loading, this, saving; see ``session.py``)
because these are questions about the shown version and the undo stack, asked by the pane as
it shows text and by a save as it starts, and they write nothing.
"""

from __future__ import annotations

from inspector.document.commands import ReplaceDocumentCommand
from inspector.document.parsing import RAW_EDIT_LIMIT
from inspector.document.raw_text import ShownText, shown_text, typed_bytes
from inspector.document.results import DocumentKind, LoadedDocument
from inspector.document.session_loading import SessionLoading


class SessionTypedText(SessionLoading):
    """Tells the raw text typed over the file from the text the view made itself."""

    _file_shown: ShownText | None = None  # the last file_shown_text, for the version it is of

    def typed_text(self) -> str | None:
        """The raw text the person typed, when the edits end with typing it over the file's
        own text: a save writes it as typed. None: the edits are the document's (a tree edit
        came last, or the raw view showed a text of its own, not the file's)."""
        index = self.undo_stack.index()
        if index == 0 or self.undo_stack.isClean():
            return None
        command = self.undo_stack.command(index - 1)
        return command.new_text if isinstance(command, ReplaceDocumentCommand) else None

    def file_shown_text(self, loaded: LoadedDocument | None = None) -> str | None:
        """The text the raw view shows for the file itself (``loaded``, by default the shown
        version): its own text as the editor shows it (see inspector.document.raw_text), or
        the indented text it shows for a compact file with long lines; the file's text as it
        is when too long to edit as text. None when the file has no valid document."""
        loaded = self._loaded if loaded is None else loaded
        if loaded is None or loaded.kind is not DocumentKind.VALID:
            return None
        if loaded.display_text:
            return shown_text(loaded.display_text)
        if loaded.size > RAW_EDIT_LIMIT:
            return loaded.text  # read-only, shown as Qt shows it: not copied on the GUI thread
        return self.file_shown(loaded).text

    def file_shown(self, loaded: LoadedDocument) -> ShownText:
        """``loaded``'s text and its shown text (kept for the version last asked about)."""
        shown = self._file_shown
        if shown is None or shown.source is not loaded.text:
            shown = self._file_shown = ShownText.of(loaded.text)
        return shown

    def types_over_file_text(self, old_text: str) -> bool:
        """Whether text typed over ``old_text`` (the raw view's, as its editor holds it) is
        to be saved as typed: ``old_text`` is the file's own text, or what was typed before.
        Not a text the view made itself (re-indented after a tree edit, or a compact file's
        long lines indented): saving that as typed would rewrite the whole file."""
        loaded = self._loaded
        if loaded is None or loaded.display_text or self.typed_over() is None:
            return False
        if self.undo_stack.isClean():
            # A damaged file's text is shown as the editor shows the file's own text (see
            # inspector.document.raw_view): repairing it is typing over the file's bytes too.
            shown = (
                self.file_shown(loaded).text
                if loaded.kind.repairable
                else self.file_shown_text(loaded)
            )
            return old_text == shown
        return self.typed_text() == old_text

    def typed_over(self) -> bytes | None:
        """The bytes raw text is typed over, when the shown version is the file as read or
        written: its valid JSON (the bytes the base was read from), or a damaged file's
        bytes, which the person repairs as text (a save keeps them as a ``.corrupt-*`` copy)."""
        loaded = self._loaded
        if loaded is not None and loaded.kind.repairable and loaded.document is self._base:
            return loaded.raw
        return self._base_raw()

    def typed_bytes(self) -> bytes | None:
        """:meth:`typed_text` as the save writes it (the file's BOM and line breaks), or None."""
        typed, typed_over = self.typed_text(), self.typed_over()
        return None if typed is None or typed_over is None else typed_bytes(typed, typed_over)

    def _base_raw(self) -> bytes | None:
        """The bytes the base was read from (or written as), when the shown version is it."""
        loaded = self._loaded
        if loaded is None or loaded.kind is not DocumentKind.VALID:
            return None
        return loaded.raw if loaded.document is self._base else None
