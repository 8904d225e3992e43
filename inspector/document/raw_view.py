"""The raw tab: what text it shows for a document (a pure decision) and the widget showing it.

The text the user typed is kept as long as it still means the shown document, so editing in the
tree or undoing elsewhere does not reformat it. Masked secrets make the text read-only: editing a
masked copy would write the mask into the file.

Long texts are shown read-only and as the file holds them: serialising, masking and re-checking
megabytes after every tree edit would freeze the window, and so would editing them as text.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from html import escape
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Slot
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from inspector.colours import ERROR_TEXT, SUCCESS_TEXT
from inspector.document.json_values import forget_comparison, json_equal
from inspector.document.parsing import RAW_EDIT_LIMIT, parse_json_text
from inspector.document.raw_editor import DocumentCheck, RawJsonEditor
from inspector.document.raw_text import ShownText, shown_text
from inspector.document.results import NO_DOCUMENT, DocumentKind, LoadedDocument, ParseError
from inspector.document.secrets import SecretPolicy, has_secrets, mask_document
from inspector.document.text import LONG_LINE_CHARS, shorten_long_lines
from inspector.document.wording import cut_mark
from inspector.translation import QT_TRANSLATE_NOOP

HIDDEN_DAMAGED_TEXT = QT_TRANSLATE_NOOP(
    "RawView",
    "// The values of this file are secret. Use Reveal secrets to see its text and repair it.",
)
HIDDEN_BIG_TEXT = QT_TRANSLATE_NOOP(
    "RawView",
    "// This file is too large to show its text with secret values masked.\n"
    "// Use Reveal secrets to see its text, or the tree, which masks them.",
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("RawView", text)


class RawMode(enum.Enum):
    EMPTY = "empty"  # nothing to show
    EDIT = "edit"  # the document, editable
    MASKED = "masked"  # the document with secrets masked: read-only
    DAMAGED = "damaged"  # invalid text to repair, editable
    DAMAGED_LONG = "damaged long"  # invalid text with lines too long to edit here: read-only
    HIDDEN_DAMAGED = "hidden damaged"  # invalid text of a secret file: not shown
    TOO_LARGE = "too large"  # the first bytes of a huge file: read-only
    BIG = "big"  # a document too long to edit as text: the file's text, read-only
    HIDDEN_BIG = "hidden big"  # a long text with secrets (or not yet known): not shown
    NOT_UTF8 = "not UTF-8"  # UTF-16/32, Latin-1, binary: the text as decoded, read-only
    TOO_COMPLEX = "too complex"  # valid JSON Python will not build: the file's text, read-only

    @property
    def read_only(self) -> bool:
        return self not in (RawMode.EDIT, RawMode.DAMAGED)

    @property
    def highlight(self) -> bool:
        return self not in (
            RawMode.HIDDEN_DAMAGED,
            RawMode.HIDDEN_BIG,
            RawMode.TOO_LARGE,
            RawMode.NOT_UTF8,
            RawMode.TOO_COMPLEX,
        )


@dataclass(frozen=True)
class RawContent:
    text: str
    mode: RawMode
    error: ParseError | None = None
    shortened: int = 0  # read-only text: how many too-long lines are shown cut


class _LastSecretsAnswer:
    """:func:`has_secrets` of the last document asked about, answered again without a walk
    while the model hands out the very same object (it does until the next edit): the raw view
    is refreshed as a save starts and as it ends, and a walk over a megabyte document with tens
    of thousands of distinct keys takes ~100 ms of the GUI thread."""

    def __init__(self) -> None:
        self._asked: tuple[Any, SecretPolicy, bool] | None = None
        # The answer for a typed document, found on the raw editor's worker thread before the
        # pane takes the document (a slot of its own: the GUI thread's answers do not push it
        # out meanwhile). Each slot is replaced by one assignment, atomic for other threads.
        self._prepared: tuple[Any, SecretPolicy, bool] | None = None

    def answer(self, document: Any, policy: SecretPolicy) -> bool:
        for known in (self._asked, self._prepared):
            if known is not None and known[0] is document and known[1] == policy:
                return known[2]
        secrets = has_secrets(document, policy)
        self._asked = (document, policy, secrets)  # held: its id is not reused meanwhile
        return secrets

    def prepare(self, document: Any, policy: SecretPolicy) -> None:
        """Find the answer for ``document`` now (on a worker thread), for :meth:`answer`."""
        self._prepared = (document, policy, has_secrets(document, policy))

    def forget(self) -> None:
        self._asked = None
        self._prepared = None


_SECRETS = _LastSecretsAnswer()


class _LastShortened:
    """:func:`shorten_long_lines` of the last read-only text shown, given again while it is the
    very same text: looking for a long line in 20 MB takes ~90 ms of the GUI thread, and the
    raw view is refreshed on every switch to its tab and when the secrets check ends."""

    def __init__(self) -> None:
        self._last: tuple[str, ParseError | None, tuple[str, int, ParseError | None]] | None = None

    def of(
        self, loaded: LoadedDocument, error: ParseError | None
    ) -> tuple[str, int, ParseError | None]:
        """``loaded``'s text with its long lines cut (see shorten_long_lines)."""
        text = loaded.text
        if loaded.long_lines is False:  # known to have none (the loader looked): as it is
            return text, 0, error
        last = self._last
        if last is not None and last[0] is text and last[1] == error:
            return last[2]
        shortened = shorten_long_lines(text, error, cut_mark)
        self._last = (text, error, shortened)
        return shortened

    def forget(self) -> None:
        self._last = None


_SHORTENED = _LastShortened()


def secrets_preparation(policy: SecretPolicy) -> DocumentCheck | None:
    """The secrets walk of a typed document under ``policy``, to run on the raw editor's worker
    thread (see RawJsonEditor.set_check_preparation): the raw view then answers at once whether
    to mask it. None when the text is shown revealed (no walk is needed)."""
    if policy.revealed:
        return None
    return lambda document: _SECRETS.prepare(document, policy)


def forget_shown_texts() -> None:
    """Let go of the text and document the raw view's answers were kept for: another version
    or store is shown now, and a 20 MB text held for nothing is 20-80 MB."""
    _SHORTENED.forget()
    _SECRETS.forget()
    forget_comparison()


_UNEDITABLE_KINDS = {
    DocumentKind.NOT_UTF8: RawMode.NOT_UTF8,
    DocumentKind.TOO_COMPLEX: RawMode.TOO_COMPLEX,
}


def raw_content(  # noqa: PLR0911 - one return per case of what the file holds
    document: Any,
    loaded: LoadedDocument | None,
    policy: SecretPolicy,
    current_text: str,
    *,
    text_is_document: bool = False,
) -> RawContent:
    """What the raw view shows for ``document`` (the model's, or NO_DOCUMENT).

    ``current_text`` (as the editor shows text, see inspector.document.raw_text) is kept when
    it means ``document`` (``text_is_document``: known to). The texts of editable modes are
    shown texts; read-only ones are the file's as Qt shows it.
    """
    if loaded is None:
        return RawContent("", RawMode.EMPTY)
    if loaded.kind is DocumentKind.TOO_LARGE or (
        document is not NO_DOCUMENT
        and loaded.kind is DocumentKind.VALID
        and loaded.size > RAW_EDIT_LIMIT
    ):
        if not policy.revealed and loaded.secrets is not False:  # secrets, or not known yet
            return RawContent(_tr(HIDDEN_BIG_TEXT), RawMode.HIDDEN_BIG)
        mode = RawMode.TOO_LARGE if loaded.kind is DocumentKind.TOO_LARGE else RawMode.BIG
        text, shortened, _error = _SHORTENED.of(loaded, None)
        return RawContent(text, mode, shortened=shortened)
    if document is not NO_DOCUMENT:
        indent = loaded.indent if loaded.kind is DocumentKind.VALID else 2
        if not policy.revealed and _SECRETS.answer(document, policy):
            masked = mask_document(document, policy)
            return RawContent(shown_text(_document_text(masked, indent)), RawMode.MASKED)
        if text_is_document:
            return RawContent(current_text, RawMode.EDIT)
        parsed, _error = parse_json_text(current_text)
        if parsed is not NO_DOCUMENT and json_equal(parsed, document):
            return RawContent(current_text, RawMode.EDIT)
        return RawContent(shown_text(_document_text(document, indent)), RawMode.EDIT)
    if loaded.kind in _UNEDITABLE_KINDS:
        # Shown as read, never editable: saving a Latin-1 text decoded with U+FFFD would
        # destroy the bytes it stands for (converting is an explicit action of the pane).
        if policy.secret_file and not policy.revealed:
            return RawContent(HIDDEN_DAMAGED_TEXT, RawMode.HIDDEN_DAMAGED)
        mode = _UNEDITABLE_KINDS[loaded.kind]
        # The byte that is not UTF-8 is marked; a number too long for Python is no error.
        marked = loaded.error if mode is RawMode.NOT_UTF8 else None
        text, shortened, error = _SHORTENED.of(loaded, marked)
        return RawContent(text, mode, error, shortened)
    if loaded.kind.repairable:
        if policy.secret_file and not policy.revealed:
            return RawContent(_tr(HIDDEN_DAMAGED_TEXT), RawMode.HIDDEN_DAMAGED)
        if loaded.long_lines:
            text, shortened, error = _SHORTENED.of(loaded, loaded.error)
            return RawContent(text, RawMode.DAMAGED_LONG, error, shortened)
        shown = ShownText.of(loaded.text)
        return RawContent(shown.text, RawMode.DAMAGED, shown.error_shown(loaded.error))
    return RawContent("", RawMode.EMPTY)


def _document_text(value: Any, indent: int | None) -> str:
    """``value`` as the file writes it (``indent``), but indented when that would be one line
    too long to show (see LONG_LINE_CHARS): saving still writes it as the file has it."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    if indent is None and len(text) > LONG_LINE_CHARS:
        return json.dumps(value, indent=2, ensure_ascii=False)
    return text


_STATUS = {
    RawMode.TOO_LARGE: QT_TRANSLATE_NOOP("RawView", "Read-only: too large to edit."),
    RawMode.BIG: QT_TRANSLATE_NOOP(
        "RawView",
        "Read-only: too large to edit as text; edit it in the tree. Shows the file as last "
        "read or saved.",
    ),
    RawMode.HIDDEN_BIG: QT_TRANSLATE_NOOP(
        "RawView", "Secrets are hidden; reveal them to see the raw text."
    ),
    RawMode.MASKED: QT_TRANSLATE_NOOP(
        "RawView", "Secrets are hidden; reveal them to edit the raw text."
    ),
    RawMode.HIDDEN_DAMAGED: QT_TRANSLATE_NOOP(
        "RawView", "This file's values are secret; reveal them to repair its text."
    ),
    RawMode.EDIT: QT_TRANSLATE_NOOP("RawView", "Valid JSON"),
    RawMode.EMPTY: "",
    RawMode.DAMAGED: "",
    RawMode.DAMAGED_LONG: QT_TRANSLATE_NOOP(
        "RawView", "Read-only: lines too long to edit here; repair it in a text editor."
    ),
    RawMode.NOT_UTF8: QT_TRANSLATE_NOOP(
        "RawView", "Read-only: not UTF-8 text. Use Convert to UTF-8… to edit it."
    ),
    RawMode.TOO_COMPLEX: QT_TRANSLATE_NOOP(
        "RawView", "Read-only: valid JSON, too large/deep to edit here."
    ),
}


def _coloured(text: str, colour: str) -> str:
    """``text`` (markup) in ``colour``, for the status line's rich text."""
    return f"<span style='color:{colour}'>{text}</span>"


class RawView(QWidget):
    """The raw editor and a status line under it (validity, or why it is read-only)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = RawJsonEditor()
        self.editor.setObjectName("rawEditor")
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.RichText)  # what it shows of files is escaped
        self.status.setObjectName("rawStatus")
        self.status.setContentsMargins(6, 3, 6, 3)
        # Wrapped: one line of status ("Read-only: too large to edit as text; ...") was the
        # pane's minimum width, so showing a big document's raw text pushed the splitter over
        # the store table and cut its columns.
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.status)
        self._content = RawContent("", RawMode.EMPTY)
        self._saving = False
        self._read_only_reason: str | None = None
        self.editor.loading_finished.connect(self._on_loading_finished)

    @property
    def content(self) -> RawContent:
        """What was last shown (the user may have typed over its text since)."""
        return self._content

    def show_content(self, content: RawContent, *, saving: bool = False) -> None:
        """Show ``content``; the text is only replaced when it differs (cursor and scroll kept)."""
        self._saving = saving
        editor = self.editor
        previous, self._content = self._content, content
        if not editor.holds_text(content.text) or content.mode.highlight != previous.mode.highlight:
            bar = editor.verticalScrollBar()
            position, scroll = editor.textCursor().position(), bar.value()
            editor.set_json_text(content.text, highlight=content.mode.highlight)
            cursor = editor.textCursor()
            cursor.setPosition(min(position, editor.document().characterCount() - 1))
            editor.setTextCursor(cursor)
            bar.setValue(scroll)
        self._apply_read_only()
        editor.show_error(content.error)
        if content.error is not None:
            editor.go_to_error()
        self.update_status()

    def set_read_only_reason(self, reason: str | None) -> None:
        """Refuse typing for ``reason`` (a read-only folder) and say why; None: allow it."""
        self._read_only_reason = reason
        self._apply_read_only()
        self.update_status()

    def _apply_read_only(self) -> None:
        self.editor.setReadOnly(
            self._saving
            or self._read_only_reason is not None
            or self._content.mode.read_only
            or self.editor.is_loading
        )

    @Slot()
    def _on_loading_finished(self) -> None:
        self._apply_read_only()
        self.update_status()

    def update_status(self) -> None:
        error = self.editor.error
        if error is not None:
            where = self.tr("Line {line}, column {column}:").format(
                line=error.line, column=error.column
            )
            self.status.setText(
                _coloured(f"{where} {escape(error.message)}", ERROR_TEXT.for_palette().name())
            )
        elif self._saving:
            self.status.setText(self.tr("Read-only while saving."))
        elif self._read_only_reason is not None and self._content.mode is not RawMode.EMPTY:
            self.status.setText(
                self.tr("Read-only: {reason}").format(reason=escape(self._read_only_reason))
            )
        elif self.editor.is_loading:
            self.status.setText(self.tr("Loading the text…"))
        else:
            mode = self._content.mode
            status = _tr(_STATUS[mode]) if _STATUS[mode] else ""
            if mode is RawMode.EDIT:
                status = _coloured(status, SUCCESS_TEXT.for_palette().name())
            if self._content.shortened:
                count = self._content.shortened
                cut = (
                    self.tr("1 line longer than {limit} characters shown cut.")
                    if count == 1
                    else self.tr("{count} lines longer than {limit} characters shown cut.")
                )
                status += " " + cut.format(count=f"{count:,}", limit=f"{LONG_LINE_CHARS:,}")
            self.status.setText(status)
