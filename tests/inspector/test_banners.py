"""Banners mark their kind with an icon, never a symbol character (issue 12: "⚠", "✖", "🔒"
draw as an empty box, or as a colour emoji, wherever the fonts lack them)."""

from __future__ import annotations

import unicodedata
from typing import Any

from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QLabel, QWidget

from inspector.document import DocumentPane
from inspector.document.pane.message_bar import BarKind, MessageBar
from inspector.services.store_directory import StoreDirectory
from inspector.widgets.folder_state import FolderBanners


def _symbols(text: str) -> list[str]:
    """The emoji, dingbats and other pictographs in ``text`` (Unicode's "Symbol, other")."""
    return [char for char in text if unicodedata.category(char) == "So"]


def _drawn_marks(bar: QWidget) -> list[str]:
    """Every text the bar draws, apart from its buttons."""
    return [label.text() for label in bar.findChildren(QLabel)]


def test_every_kind_of_bar_shows_an_icon_and_no_symbol(qtbot: Any) -> None:
    for kind in BarKind:
        bar = MessageBar(kind, f"bar{kind.name}")
        qtbot.addWidget(bar)
        bar.show_message("Something happened.")
        assert not bar.icon_label.pixmap().isNull(), kind
        side = bar.label.fontMetrics().height()
        assert bar.icon_label.pixmap().deviceIndependentSize().height() == side
        assert bar.icon_label.accessibleName(), kind  # what the icon means, for a screen reader
        assert [_symbols(text) for text in _drawn_marks(bar)] == [[], []], kind


def test_the_pane_read_only_bar_and_the_folder_banners_have_no_symbols(qtbot: Any) -> None:
    pane = DocumentPane()
    qtbot.addWidget(pane)
    pane.set_read_only("The folder is on a read-only filesystem.")
    bars = [pane.bars.read_only_bar]
    directory = StoreDirectory()
    banners = FolderBanners(directory)
    qtbot.addWidget(banners)
    try:
        directory.folder_available_changed.emit(False)  # as when the folder vanishes
        directory.read_only_changed.emit(True, "The folder is on a read-only filesystem.")
    finally:
        directory.shutdown()
    bars += [banners.folder_banner, banners.read_only_banner]
    for bar in bars:
        assert bar.isVisibleTo(bar.parentWidget())
        assert "read-only" in bar.text or "no longer exists" in bar.text
        assert not bar.icon_label.pixmap().isNull()
        assert [_symbols(text) for text in _drawn_marks(bar)] == [[], []], bar.text


class _Marker(QTranslator):
    def translate(self, context: str, source: str, *_rest: object) -> str:
        return f"[tr] {source}" if context in ("DocumentPane", "MessageBar") else ""

    def isEmpty(self) -> bool:
        return False


def test_the_pane_read_only_bar_is_translated(qtbot: Any, qapp: Any) -> None:
    translator = _Marker()
    qapp.installTranslator(translator)
    try:
        pane = DocumentPane()
        qtbot.addWidget(pane)
        pane.set_read_only("The folder is on a read-only filesystem.")
        assert pane.bars.read_only_bar.text.startswith("[tr] <b>Read-only:</b>")
        assert pane.bars.read_only_bar.icon_label.accessibleName() == "[tr] Information"
    finally:
        QCoreApplication.removeTranslator(translator)


def test_the_break_lock_warning_is_a_warning_bar_without_symbols(
    qtbot: Any, tmp_path: Any, lock_holder: Any
) -> None:
    from inspector.services.lock_actions import LockActions
    from inspector.widgets.break_lock_dialog import BreakLockDialog
    from lockcore import inspect_lock

    store = str(tmp_path / "settings.json")
    with open(store, "w", encoding="utf-8") as handle:
        handle.write("{}")
    lock_holder(store)  # alive: the dialog warns
    dialog = BreakLockDialog(inspect_lock(store), LockActions())
    qtbot.addWidget(dialog)
    warning = dialog.findChild(MessageBar, "breakLockWarning")
    assert warning is not None
    assert "is still running and holds this lock" in warning.text
    assert not warning.icon_label.pixmap().isNull()
    assert [_symbols(text) for text in _drawn_marks(warning)] == [[], []]


def test_the_raw_views_status_says_valid_or_where_without_symbols(
    qtbot: Any, tmp_path: Any
) -> None:
    store = str(tmp_path / "settings.json")
    with open(store, "w", encoding="utf-8") as handle:
        handle.write('{"a": 1}')
    pane = DocumentPane()
    qtbot.addWidget(pane)
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        pane.open_store(store)
    pane.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: "Valid JSON" in pane.raw_status.text(), timeout=5000)
    assert _symbols(pane.raw_status.text()) == []
    pane.raw_editor.setPlainText('{"a": }')
    pane.raw_editor.validate_now()
    assert "Line 1, column" in pane.raw_status.text()
    assert _symbols(pane.raw_status.text()) == []
    pane.shutdown()
