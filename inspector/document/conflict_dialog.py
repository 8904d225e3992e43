"""The entries a save found changed on both sides: the person keeps mine or theirs of each.

Nothing was written yet. Every other change, mine and theirs, is merged whatever is chosen;
only "Replace the whole file with my version" discards theirs. The dialog is shown with
``open()`` (window-modal, never a nested ``exec()``), so tests and the rest of the window keep
running; the decision arrives through ``choice_made``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QFontDatabase, QPalette, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from inspector.colours import WARNING_TEXT
from inspector.document.choices import ConflictChoice, ConflictDecision
from inspector.document.conflict_text import (
    SIDE_BY_SIDE_LIMIT,
    SideTexts,
    entry_count_exceeds,
    line_numbers,
    lines_of,
    pretty_text,
)
from inspector.document.highlighter import JsonHighlighter
from inspector.document.merge import ABSENT, ConflictKey, MergeConflict, Side
from inspector.document.results import NO_DOCUMENT
from inspector.document.secrets import MASK, SecretPolicy, has_secrets, mask_document


def mark_lines(view: QPlainTextEdit, numbers: list[int]) -> None:
    selections: list[QTextEdit.ExtraSelection] = []
    for number in numbers:
        selection = QTextEdit.ExtraSelection()
        selection.format.setBackground(QColor(217, 119, 6, 60))
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        selection.cursor = QTextCursor(view.document().findBlockByNumber(number))
        selections.append(selection)
    view.setExtraSelections(selections)
    if numbers:
        view.setTextCursor(QTextCursor(view.document().findBlockByNumber(min(numbers))))
        view.centerCursor()


def mark_positions(view: QPlainTextEdit, positions: Iterable[int]) -> None:
    """Mark the lines holding ``positions`` of the view's text (see :func:`mark_lines`)."""
    document = view.document()
    mark_lines(view, sorted({document.findBlock(p).blockNumber() for p in positions}))


def _shown_value(conflict: MergeConflict, value: Any, policy: SecretPolicy) -> str:
    """One version of a conflicting entry as JSON text (items of array stretches by commas)."""
    path = conflict.path
    if value is ABSENT or value is NO_DOCUMENT:
        return "(no valid JSON)" if not path and conflict.items is None else "(deleted)"
    if conflict.items is not None:
        if not value:
            return "(deleted)" if conflict.base else "(none)"
        masked = mask_document(value, policy, path)
        return ", ".join(json.dumps(item, ensure_ascii=False) for item in masked)
    if policy.masks(path) and not isinstance(value, dict | list):
        return MASK
    return json.dumps(mask_document(value, policy, path), ensure_ascii=False)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tooltip_text(text: str, limit: int = 600) -> str:
    return escape(_short(text, limit))


class ConflictDialog(QDialog):
    """Lists the entries both sides changed; the person keeps mine or theirs of each."""

    #: (ConflictDecision) the user decided (also emitted for Escape / closing: CANCEL)
    choice_made = Signal(object)

    ENTRY, BEFORE, MINE, THEIRS = range(4)

    def __init__(
        self,
        file_name: str,
        *,
        mine: Any,
        theirs: Any,
        conflicts: tuple[MergeConflict, ...],
        policy: SecretPolicy,
        sides: Mapping[ConflictKey, Side] | None = None,
        again: bool = False,
        seen: Collection[ConflictKey] = (),
        texts: SideTexts | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``again``: the file changed while the person chose; ``sides`` are the choices that
        still stand, ``seen`` the entries the dialog listed before; ``texts`` both sides as
        the Raw tab shows them (without, or with secrets to mask: the documents serialised)."""
        super().__init__(parent)
        self.setObjectName("conflictDialog")
        self.setWindowTitle(self.tr("Conflicting changes in {name}").format(name=file_name))
        self.decision = ConflictDecision(ConflictChoice.CANCEL)
        self.conflicts = conflicts
        self.resize(920, 640)
        chosen = dict(sides or {})

        intro = QLabel(
            "<b>"
            + self.tr("{name} was changed by another process while you were editing it.").format(
                name=escape(file_name)
            )
            + "</b><br>"
            + self.tr(
                "Both of you changed the entries below, so nothing was written yet. Choose whose "
                "version to keep for each; every other change — yours and theirs — is merged."
            )
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.again_label = QLabel(
            self.tr(
                "<b>The file changed again while you were choosing.</b> “Theirs” is what is on "
                "disk now; the entries marked <i>new</i> or <i>changed again</i> need your choice."
            )
        )
        self.again_label.setWordWrap(True)
        self.again_label.setTextFormat(Qt.TextFormat.RichText)
        self.again_label.setStyleSheet(f"color: {WARNING_TEXT.for_palette().name()};")
        self.again_label.setVisible(again)

        table_bar = self._table_bar(len(conflicts))

        self.conflict_table = self._conflict_table(conflicts, policy, chosen, again, seen)
        # A name for screen readers: the table shows no label of its own.
        self.conflict_table.setAccessibleName(self.tr("Entries changed on both sides"))

        panes = self._side_by_side(mine, theirs, conflicts, policy, texts)

        self.buttons = self._decision_buttons()
        warning = QLabel(
            self.tr(
                "“Replace the whole file with my version” discards all of their changes, "
                "not only those listed."
            )
        )
        warning.setWordWrap(True)
        warning.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.HLine)
        separator.setFrameShadow(QFrame.Shadow.Sunken)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.again_label)
        layout.addLayout(table_bar)
        layout.addWidget(self.conflict_table)
        layout.addLayout(panes, 1)
        layout.addWidget(separator)
        layout.addWidget(warning)
        layout.addWidget(self.buttons)
        self.finished.connect(self._on_finished)
        self._update_save_button()
        self._focus_first_undecided(chosen)

    def _focus_first_undecided(self, chosen: Mapping[ConflictKey, Side]) -> None:
        """The keyboard starts at the first entry to decide, not at "All mine"."""
        undecided = [mine for key, (mine, _) in self._radios.items() if key not in chosen]
        first = undecided[0] if undecided else next(iter(self._radios.values()), (None,))[0]
        if first is not None:
            first.setFocus()

    def _side_by_side(
        self,
        mine: Any,
        theirs: Any,
        conflicts: tuple[MergeConflict, ...],
        policy: SecretPolicy,
        texts: SideTexts | None,
    ) -> QGridLayout:
        """Both whole documents, the conflicting entries' lines marked; for long documents a
        note instead (the table holds every conflicting entry's values)."""
        panes = QGridLayout()
        too_long = any(
            entry_count_exceeds(version, SIDE_BY_SIDE_LIMIT) for version in (mine, theirs)
        )
        # The texts as the person knows them, unless they would show a secret the policy masks
        # (the Raw tab then shows the masked document too).
        as_texts = (
            texts
            if texts is not None
            and not too_long
            and (policy.revealed or not any(has_secrets(side, policy) for side in (mine, theirs)))
            else None
        )
        if as_texts is not None:
            self.mine_view = self._text_view(as_texts.mine)
            self.theirs_view = self._text_view(as_texts.theirs)
        else:
            self.mine_view = self._text_view("" if too_long else pretty_text(mine, policy))
            self.theirs_view = self._text_view("" if too_long else pretty_text(theirs, policy))
        # Names for screen readers: the views show no label of their own.
        self.mine_view.setAccessibleName(self.tr("Mine: your unsaved edit"))
        self.theirs_view.setAccessibleName(self.tr("Theirs: on disk when you saved"))
        if too_long:
            self.side_by_side_note = QLabel(
                self.tr(
                    "The two versions have over {limit} entries: too many to show side by side "
                    "here. The table above has both values of every entry you both changed."
                ).format(limit=f"{SIDE_BY_SIDE_LIMIT:,}")
            )
            self.side_by_side_note.setWordWrap(True)
            self.side_by_side_note.setAlignment(Qt.AlignmentFlag.AlignTop)
            self.resize(self.width(), 380)  # nothing to scroll through
            panes.addWidget(self.side_by_side_note, 0, 0, 1, 2)
            for column, view in enumerate((self.mine_view, self.theirs_view)):
                panes.addWidget(view, 1, column)  # kept (a child of the dialog), not shown
                view.hide()
            return panes
        if as_texts is not None:
            mark_positions(self.mine_view, as_texts.mine_marks)
            mark_positions(self.theirs_view, as_texts.theirs_marks)
        else:
            mine_lines, theirs_lines = line_numbers(mine), line_numbers(theirs)
            paths = [conflict.path for conflict in conflicts]
            mark_lines(self.mine_view, lines_of(mine_lines, paths))
            mark_lines(self.theirs_view, lines_of(theirs_lines, paths))
        panes.addWidget(self._caption(self.tr("Mine — your unsaved edit")), 0, 0)
        panes.addWidget(self._caption(self.tr("Theirs — on disk when you saved")), 0, 1)
        panes.addWidget(self.mine_view, 1, 0)
        panes.addWidget(self.theirs_view, 1, 1)
        return panes

    def _table_bar(self, count: int) -> QHBoxLayout:
        self.all_mine_button = QPushButton(self.tr("All mine"))
        self.all_mine_button.setToolTip(
            self.tr(
                "Keep your version of every entry listed; their changes elsewhere are still merged."
            )
        )
        self.all_theirs_button = QPushButton(self.tr("All theirs"))
        self.all_theirs_button.setToolTip(
            self.tr(
                "Keep their version of every entry listed; your changes elsewhere are still saved."
            )
        )
        self.all_mine_button.clicked.connect(lambda: self.choose_all(Side.MINE))
        self.all_theirs_button.clicked.connect(lambda: self.choose_all(Side.THEIRS))
        table_bar = QHBoxLayout()
        table_bar.addWidget(QLabel(self.tr("Changed on both sides ({count}):").format(count=count)))
        table_bar.addStretch(1)
        table_bar.addWidget(self.all_mine_button)
        table_bar.addWidget(self.all_theirs_button)

        return table_bar

    def _decision_buttons(self) -> QDialogButtonBox:
        self.save_button = QPushButton(self.tr("Save with these choices"))
        self.reload_button = QPushButton(self.tr("Reload (drop my edits)"))
        self.reload_button.setToolTip(
            self.tr("Discard your edits and show the file as it is on disk.")
        )
        self.replace_button = QPushButton(self.tr("Replace the whole file with my version"))
        self.replace_button.setToolTip(
            self.tr(
                "Write your version exactly as it is. Every change the other process made is "
                "discarded, also to entries not listed here."
            )
        )
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Keep editing; nothing is written."))
        buttons = QDialogButtonBox()
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.reload_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.addButton(self.replace_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.cancel_button.setDefault(True)
        buttons.clicked.connect(self._on_clicked)
        return buttons

    def _conflict_table(
        self,
        conflicts: tuple[MergeConflict, ...],
        policy: SecretPolicy,
        chosen: dict[ConflictKey, Side],
        again: bool,
        seen: Collection[ConflictKey],
    ) -> QTableWidget:
        table = QTableWidget(len(conflicts), 4)
        table.setHorizontalHeaderLabels(
            [self.tr("Entry"), self.tr("Before"), self.tr("Keep mine"), self.tr("Keep theirs")]
        )
        table.verticalHeader().hide()
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self._radios: dict[ConflictKey, tuple[QRadioButton, QRadioButton]] = {}
        for row, conflict in enumerate(conflicts):
            mark = ""
            if again and conflict.key not in chosen:
                mark = self.tr("changed again") if conflict.key in seen else self.tr("new")
            self._add_row(table, row, conflict, policy, mark)
            for radio, side in zip(self._radios[conflict.key], Side, strict=True):
                radio.setChecked(chosen.get(conflict.key) is side)
                radio.toggled.connect(self._update_save_button)
        table.resizeRowsToContents()
        rows_height = sum(table.rowHeight(row) for row in range(min(len(conflicts), 6)))
        table.setFixedHeight(rows_height + header.sizeHint().height() + 2 * table.frameWidth())
        return table

    def _add_row(
        self,
        table: QTableWidget,
        row: int,
        conflict: MergeConflict,
        policy: SecretPolicy,
        mark: str,
    ) -> None:
        """The entry, its value before, and a radio button with each side's value."""
        entry_item = QTableWidgetItem(
            f"{conflict.path_text}   ({mark})" if mark else conflict.path_text
        )
        entry_item.setToolTip(escape(conflict.path_text))
        if mark:
            font = entry_item.font()
            font.setBold(True)
            entry_item.setFont(font)
        table.setItem(row, self.ENTRY, entry_item)
        before = _shown_value(conflict, conflict.base, policy)
        before_item = QTableWidgetItem(_short(before))
        before_item.setToolTip(
            self.tr("Before either change: {value}").format(value=_tooltip_text(before))
        )
        table.setItem(row, self.BEFORE, before_item)
        group = QButtonGroup(table)
        radios = []
        for column, value, whose, name in (
            (
                self.MINE,
                conflict.mine,
                self.tr("Yours: {value}"),
                self.tr("Keep mine for {entry}: {value}"),
            ),
            (
                self.THEIRS,
                conflict.theirs,
                self.tr("Theirs (on disk when you saved): {value}"),
                self.tr("Keep theirs for {entry}: {value}"),
            ),
        ):
            text = _shown_value(conflict, value, policy)
            radio = QRadioButton(_short(text))
            radio.setToolTip(whose.format(value=_tooltip_text(text)))
            # The cell's text alone ("guest") says nothing to a screen reader.
            radio.setAccessibleName(name.format(entry=conflict.path_text, value=_short(text, 200)))
            group.addButton(radio)
            table.setCellWidget(row, column, _padded(radio))
            radios.append(radio)
        if not conflict.path and conflict.theirs is ABSENT:
            radios[1].setEnabled(False)
            radios[1].setToolTip(
                self.tr(
                    "The file on disk is missing or not valid JSON: there is nothing of theirs "
                    "to keep. Reload shows it."
                )
            )
        self._radios[conflict.key] = (radios[0], radios[1])

    @staticmethod
    def _caption(text: str) -> QLabel:
        label = QLabel(f"<b>{text}</b>")
        label.setTextFormat(Qt.TextFormat.RichText)
        return label

    @staticmethod
    def _text_view(text: str) -> QPlainTextEdit:
        view = QPlainTextEdit()
        view.setReadOnly(True)
        view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        view.setPlainText(text)
        JsonHighlighter(view.document())
        return view

    def sides(self) -> dict[ConflictKey, Side]:
        """The side chosen so far for each entry (entries without a choice are left out)."""
        chosen: dict[ConflictKey, Side] = {}
        for key, (mine, theirs) in self._radios.items():
            if mine.isChecked():
                chosen[key] = Side.MINE
            elif theirs.isChecked():
                chosen[key] = Side.THEIRS
        return chosen

    def choose_side(self, key: ConflictKey, side: Side) -> None:
        """Keep ``side``'s version of the entry ``key`` (as clicking its radio button)."""
        mine, theirs = self._radios[key]
        radio = mine if side is Side.MINE else theirs
        if radio.isEnabled():
            radio.setChecked(True)

    def choose_all(self, side: Side) -> None:
        for key in self._radios:
            self.choose_side(key, side)

    def choose(self, choice: ConflictChoice) -> None:
        """Decide as if the matching button was clicked (for keyboard paths and tests)."""
        if choice is ConflictChoice.MERGE and not self.save_button.isEnabled():
            return  # an entry still has no choice
        sides = self.sides() if choice is ConflictChoice.MERGE else {}
        self.decision = ConflictDecision(choice, sides)
        if choice is ConflictChoice.CANCEL:
            self.reject()
        else:
            self.accept()

    @Slot()
    def _update_save_button(self) -> None:
        missing = len(self._radios) - len(self.sides())
        self.save_button.setEnabled(missing == 0)
        if missing == 1:
            tip = self.tr("Choose mine or theirs for 1 more entry first.")
        elif missing:
            tip = self.tr("Choose mine or theirs for {count} more entries first.")
        else:
            tip = self.tr(
                "Save again: each entry above as you chose, every other change merged. The merge "
                "is made against the file as it is when saving; if it changed again meanwhile, "
                "you are asked again."
            )
        self.save_button.setToolTip(tip.format(count=missing))

    @Slot(QAbstractButton)
    def _on_clicked(self, button: QAbstractButton) -> None:
        if button is self.save_button:
            self.choose(ConflictChoice.MERGE)
        elif button is self.reload_button:
            self.choose(ConflictChoice.RELOAD)
        elif button is self.replace_button:
            self.choose(ConflictChoice.REPLACE_FILE)
        else:
            self.choose(ConflictChoice.CANCEL)

    @Slot(int)
    def _on_finished(self, _result: int) -> None:
        self.choice_made.emit(self.decision)


def _padded(widget: QWidget) -> QWidget:
    """A cell widget with the table's usual margins (a bare radio button touches the grid)."""
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(6, 0, 6, 0)
    layout.addWidget(widget)
    return holder
