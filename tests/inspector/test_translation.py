"""Translation: the window's own words go through Qt's translators (a pseudo-translation
shows any that do not), and Qt's own translations are installed for the user's language."""

from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTranslator
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLabel

from inspector.app import create_main_window
from inspector.document import DocumentPane
from inspector.document.pane.header import _KIND_WORDS
from inspector.document.results import DocumentKind
from inspector.document.save_service import DocumentService
from inspector.document.save_types import SaveRequest
from inspector.models.store_columns import Column
from inspector.presentation import HEALTH_WORDS
from inspector.services.store_entry import StoreHealth
from inspector.translation import install_translators
from inspector.widgets.break_lock_dialog import BreakLockDialog
from inspector.widgets.preferences_dialog import PreferencesDialog
from lockcore import LockState, inspect_lock

#: The contexts of the app's own code that these tests cover.
_CONTEXTS = {
    "MainWindow",
    "StoreTableView",
    "FolderBanners",
    "FolderStatusLabels",
    "RecentFoldersMenu",
    "AboutBox",
    "BreakLockDialog",
    "StoreTableModel",
    "DocumentActions",
    "MessageBars",
    "DocumentHeader",
    "RawView",
    "JsonTreeModel",
    "LockActions",
    "StoreDirectory",
    "DocumentPane",
    "EditSession",
    "DocumentService",
    "DocumentWords",
    "PreferencesDialog",
    "MessageBar",
}
_MARK = "[tr] "


class PseudoTranslator(QTranslator):
    """Translates every text of the app's contexts to ``[tr] text``."""

    def translate(self, context: str, source: str, *_disambiguation_and_count: object) -> str:
        return f"{_MARK}{source}" if context in _CONTEXTS else ""

    def isEmpty(self) -> bool:
        return False


def _untranslated(texts: list[str]) -> list[str]:
    return [text for text in texts if text and not text.replace("&", "").startswith(_MARK)]


def test_the_window_shows_its_words_translated(qtbot, qapp, store_folder, lock_holder):
    translator = PseudoTranslator()
    qapp.installTranslator(translator)
    try:
        window = create_main_window(store_folder)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.model.rowCount() == 4, timeout=5000)
        # The title is the folder's name (the platform adds the app's translated name).
        assert window.windowTitle() == os.path.basename(store_folder) + "[*]"
        texts = [window.filter_edit.placeholderText()]
        for menu_action in window.menuBar().actions():
            texts.append(menu_action.text())
            menu = menu_action.menu()
            texts += [a.text() for a in menu.actions() if not a.isSeparator() and a.data() is None]
        texts += [window.stores_label.text(), window.locked_label.text()]
        texts += [window.table.accessibleName(), window.filter_edit.accessibleName()]
        model = window.model
        texts += [model.headerData(column, Qt.Orientation.Horizontal) for column in Column]
        for row in range(model.rowCount()):
            texts += [model.index(row, column).data() for column in (Column.LOCK, Column.HEALTH)]
        assert _untranslated(texts) == []

        # What the services report in the status bar.
        assert window.select_store(os.path.join(store_folder, "cache.json"))
        with qtbot.waitSignal(window.lock_actions.recover_finished, timeout=5000) as recovered:
            window.recover_action.trigger()
        assert recovered.args[2].startswith(_MARK), recovered.args

        # The document pane's toolbar, bars, header, tree and raw status.
        pane = window.document_pane
        path = os.path.join(store_folder, "settings.json")
        pane_messages: list[str] = []
        pane.status_message.connect(pane_messages.append)
        with qtbot.waitSignal(pane.document_loaded, timeout=5000):
            assert window.select_store(path)
        assert pane_messages, "the pane said nothing on opening the store"
        assert _untranslated(pane_messages) == []
        pane.add_action.trigger()  # an edit: the "unsaved" badge
        texts = [action.text() for action in pane.toolbar.actions() if not action.isSeparator()]
        texts += [action.toolTip() for action in pane.toolbar.actions() if action.toolTip()]
        texts += [pane.reveal_action.text()]
        texts += [button.text() for button in (pane.change_reload_button, pane.cancel_save_button)]
        texts += pane.header.badge_texts()
        texts += [pane.tabs.tabText(0), pane.tabs.tabText(1), pane.tree_view.accessibleName()]
        texts += [
            pane.tree_view.model().headerData(column, Qt.Orientation.Horizontal)
            for column in range(3)
        ]
        kind = pane.header.details.text().split("  ·  ")[1]
        texts.append(kind)
        pane.tabs.setCurrentIndex(1)
        qtbot.waitUntil(lambda: _MARK in pane.raw_status.text(), timeout=5000)
        assert _untranslated(texts) == []
        pane.revert()

        path = os.path.join(store_folder, "settings.json")
        holder = lock_holder(path)
        holder.kill()
        info = inspect_lock(path)
        assert info.state is LockState.STALE_DEAD_HOLDER
        dialog = BreakLockDialog(info, window.lock_actions, window)
        qtbot.addWidget(dialog)
        form = dialog.findChild(QFormLayout)
        texts = [dialog.windowTitle(), dialog.break_button.text()]
        texts += [
            form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget().text()
            for row in range(form.rowCount())
        ]
        # The heading, the content's caption and the note (not what the lock file says).
        texts += [
            label.text().removeprefix("<h3>")
            for label in dialog.findChildren(QLabel)
            if label.buddy() is None and label.text().startswith(("<h3>", _MARK))
        ]
        assert len(texts) >= 10
        assert _untranslated(texts) == []
        dialog.reject()

        messages: list[str] = []
        window.directory.status_message.connect(messages.append)
        aside = store_folder + ".aside"
        os.rename(store_folder, aside)
        qtbot.waitUntil(window.folder_banner.isVisible, timeout=5000)
        os.rename(aside, store_folder)
        qtbot.waitUntil(lambda: not window.folder_banner.isVisible(), timeout=5000)
        # The folder's own messages (the watcher's, "Cannot watch …", are not translated yet).
        translated = [message for message in messages if message.startswith(_MARK)]
        assert any("no longer exists" in message for message in translated), messages
        assert any("is back" in message for message in translated), messages
        window.shutdown()
    finally:
        qapp.removeTranslator(translator)


def test_the_preferences_dialog_and_the_bars_icons_are_translated(
    qtbot, qapp, store_folder, tmp_path
):
    translator = PseudoTranslator()
    qapp.installTranslator(translator)
    try:
        window = create_main_window(store_folder)
        qtbot.addWidget(window)
        assert not _untranslated([window.preferences_action.text()])
        for folder in (store_folder, ""):
            dialog = PreferencesDialog(window.services.settings, folder, window)
            qtbot.addWidget(dialog)
            texts = [dialog.windowTitle()]
            texts += [group.title() for group in dialog.findChildren(QGroupBox)]
            texts += [box.text() for box in dialog.findChildren(QCheckBox)]
            texts += [label.text() for label in dialog.findChildren(QLabel) if label.text()]
            for form in dialog.findChildren(QFormLayout):
                for row in range(form.rowCount()):
                    field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
                    if field is not None and field.widget() is not None:
                        texts += [field.widget().accessibleName(), field.widget().toolTip()]
            texts += [button.accessibleName() for button in dialog.buttons.buttons()]
            texts += [dialog.versions_size_box.suffix().strip(), dialog.long_hold_box.suffix()]
            texts.append(dialog.versions_box.specialValueText())
            texts += [dialog.colours_box.itemText(i) for i in range(dialog.colours_box.count())]
            assert len(texts) > 20
            assert _untranslated([text.strip() for text in texts]) == []
        # What the message bars' icons say to a screen reader.
        bars = window.document_pane.bars
        names = [bar.icon_label.accessibleName() for bar in (bars.error_bar, bars.notice_bar)]
        assert _untranslated(names) == []
        window.shutdown()
    finally:
        qapp.removeTranslator(translator)


def test_a_failed_save_and_a_wait_for_the_lock_are_reported_translated(
    qtbot, qapp, tmp_path, lock_holder
):
    service = DocumentService()
    translator = PseudoTranslator()
    qapp.installTranslator(translator)
    try:
        gone = str(tmp_path / "gone" / "settings.json")  # its folder does not exist
        request = SaveRequest(gone, base={}, edited={"a": 1})
        with qtbot.waitSignal(service.save_failed, timeout=10000) as failed:
            assert service.save(request)
        message = failed.args[1]
        assert message.startswith(_MARK), message
        assert "its folder no longer exists" in message
        assert message.count(_MARK) == 3, message  # the sentence, its reason, "Nothing was …"

        path = str(tmp_path / "held.json")
        with open(path, "w") as handle:
            handle.write("{}")
        holder = lock_holder(path)
        progress: list[str] = []
        service.save_progress.connect(progress.append)
        with qtbot.waitSignal(service.save_failed, timeout=10000) as failed:
            assert service.save(SaveRequest(path, base={}, edited={"a": 1}, lock_wait=0.5))
        assert progress, "the save did not say that it waits"
        assert _untranslated(progress) == []
        assert failed.args[1].startswith(_MARK), failed.args
        holder.kill()
    finally:
        qapp.removeTranslator(translator)
        service.shutdown()


def test_closing_while_saving_is_refused_in_translated_words(
    qtbot, qapp, store_folder, lock_holder
):
    path = os.path.join(store_folder, "settings.json")
    translator = PseudoTranslator()
    qapp.installTranslator(translator)
    pane = DocumentPane()
    qtbot.addWidget(pane)
    try:
        with qtbot.waitSignal(pane.document_loaded, timeout=5000):
            pane.open_store(path)
        lock_holder(path)  # the save waits for the lock
        pane.add_action.trigger()  # an edit to save
        assert pane.save()
        assert pane.is_saving
        messages: list[str] = []
        pane.status_message.connect(messages.append)
        answers: list[bool] = []
        pane.close_when_ready(answers.append)
        assert answers == [False]
        assert messages
        assert _untranslated(messages) == []
        with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
            pane.cancel_save()
    finally:
        pane.shutdown()
        qapp.removeTranslator(translator)


def test_a_non_utf8_files_note_is_translated(qtbot, qapp, store_folder):
    path = os.path.join(store_folder, "latin.json")
    with open(path, "wb") as handle:
        handle.write('{"city": "Café"}'.encode("latin-1"))
    translator = PseudoTranslator()
    qapp.installTranslator(translator)
    try:
        window = create_main_window(store_folder)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=5000)
        pane = window.document_pane
        with qtbot.waitSignal(pane.document_loaded, timeout=5000):
            assert window.select_store(path)
        note = pane.convert_bar.text
        assert note.startswith(_MARK), note
        assert "latin.json is not UTF-8 text: byte 0xe9" in note
        window.shutdown()
    finally:
        qapp.removeTranslator(translator)


def test_a_corrupt_files_note_and_its_size_are_translated(qtbot, qapp, store_folder):
    path = os.path.join(store_folder, "damaged.json")
    with open(path, "w") as handle:
        handle.write('{"a": 1,')
    translator = PseudoTranslator()
    qapp.installTranslator(translator)
    try:
        window = create_main_window(store_folder)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=5000)
        pane = window.document_pane
        messages: list[str] = []
        pane.status_message.connect(messages.append)
        with qtbot.waitSignal(pane.document_loaded, timeout=5000):
            assert window.select_store(path)
        # The bar: the note (bold) and the repair advice, each translated.
        note = pane.error_bar.text
        assert note.startswith(f"<b>{_MARK}damaged.json is not valid JSON (line 1, column 9"), note
        assert note.count(_MARK) == 2, note
        # The status bar says the same.
        assert any(
            message.startswith(f"{_MARK}damaged.json is not valid JSON") for message in messages
        ), messages
        size = pane.header.details.text().split("  ·  ")[0]
        assert size == f"{_MARK}8 bytes", size
        window.shutdown()
    finally:
        qapp.removeTranslator(translator)


def test_qt_translations_are_installed_for_the_users_language(qapp):
    translators = install_translators(qapp, QLocale(QLocale.Language.German))
    try:
        assert translators, "Qt's own German translation was not found"
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Abbrechen"
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_every_health_verdict_and_document_kind_has_its_word_for_translators():
    # Words kept beside an enum: each enum value must have one (the same English), or the
    # translators never see it.
    assert {health: health.value for health in StoreHealth} == HEALTH_WORDS
    assert {kind: kind.value for kind in DocumentKind} == _KIND_WORDS


def test_the_notes_worded_from_data_keep_the_loaders_english(tmp_path):
    # Untranslated, what the pane and status bar show is the loader's English message.
    from inspector.document.loader import load_document
    from inspector.document.wording import kind_note

    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    big = tmp_path / "big.json"
    big.write_text('{"a": "' + "x" * 5000 + '"}')
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"a": 1,\n "b": ')
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)
    folder = tmp_path / "folder.json"
    folder.mkdir()
    loads = [
        load_document(str(deep)),
        load_document(str(big), size_limit=1024),
        load_document(str(corrupt)),
        load_document(str(tmp_path / "gone.json")),
        load_document(str(pipe)),
        load_document(str(folder)),
    ]
    assert [loaded.kind for loaded in loads] == [
        DocumentKind.TOO_COMPLEX,
        DocumentKind.TOO_LARGE,
        DocumentKind.CORRUPT,
        DocumentKind.MISSING,
        DocumentKind.UNREADABLE,
        DocumentKind.UNREADABLE,
    ]
    for loaded in loads:
        assert kind_note(loaded) == loaded.message


def test_a_missing_or_unreadable_files_note_is_translated(qapp, tmp_path):
    from inspector.document.loader import load_document
    from inspector.document.wording import kind_note

    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)
    loads = [load_document(str(tmp_path / "gone.json")), load_document(str(pipe))]
    translator = PseudoTranslator()
    qapp.installTranslator(translator)
    try:
        notes = [kind_note(loaded) for loaded in loads]
    finally:
        qapp.removeTranslator(translator)
    assert notes == [
        f"{_MARK}gone.json does not exist (any more).",
        f"{_MARK}pipe.json is a named pipe, not a file: there is nothing to show.",
    ]


def test_a_shortened_lines_marks_are_translated(qapp, tmp_path):
    from inspector.document.loader import load_document
    from inspector.document.raw_view import raw_content
    from inspector.document.secrets import SecretPolicy
    from inspector.document.text import LONG_LINE_CHARS

    path = tmp_path / "long.json"
    path.write_text('{"a": "' + "x" * (LONG_LINE_CHARS * 3) + '", ]')  # corrupt at its end
    loaded = load_document(str(path))
    assert loaded.kind is DocumentKind.CORRUPT
    assert loaded.long_lines
    translator = PseudoTranslator()
    qapp.installTranslator(translator)
    try:
        content = raw_content(loaded.document, loaded, SecretPolicy(), "")
    finally:
        qapp.removeTranslator(translator)
    # The part around the error is shown; what was left out before it is said, translated.
    assert f"{_MARK}(20,011 earlier characters) … " in content.text, content.text[:100]


class LexicalTranslator(QTranslator):
    """Translates only under the class each text is written in, as pyside6-lupdate files it:
    the mixins a class is assembled from, not the class of the object that shows the text.
    (PySide6's ``tr`` tries each class of the object in turn while a text is untranslated.)"""

    def __init__(self, contexts: set[str]) -> None:
        super().__init__()
        self.contexts = contexts

    def translate(self, context: str, source: str, *_disambiguation_and_count: object) -> str:
        # Elsewhere the text as it is, which is what Qt gives for a text no translator has.
        return f"{_MARK}{source}" if context in self.contexts else source

    def isEmpty(self) -> bool:
        return False


def test_a_mixins_words_are_found_under_the_class_they_are_written_in(
    qtbot, qapp, store_folder, lock_holder
):
    path = os.path.join(store_folder, "settings.json")
    # "… is being saved; cancel the save first." is said by PaneClosing, "Saving …" by
    # PaneSaving, the window's empty-table words by WindowStoreList: no "DocumentPane" or
    # "MainWindow" context here.
    translator = LexicalTranslator({"PaneClosing", "PaneSaving", "WindowStoreList"})
    qapp.installTranslator(translator)
    pane = DocumentPane()
    qtbot.addWidget(pane)
    try:
        with qtbot.waitSignal(pane.document_loaded, timeout=5000):
            pane.open_store(path)
        lock_holder(path)  # the save waits for the lock
        pane.add_action.trigger()  # an edit to save
        assert pane.save()
        qtbot.waitUntil(lambda: pane.progress_bar.text != "", timeout=5000)
        assert pane.progress_bar.text.startswith(_MARK)  # "Saving settings.json…"
        messages: list[str] = []
        pane.status_message.connect(messages.append)
        pane.close_when_ready(lambda _may_go: None)
        assert messages
        assert _untranslated(messages) == []
        with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
            pane.cancel_save()
        window = create_main_window(store_folder)
        qtbot.addWidget(window)
        assert window.table.empty_text.startswith(_MARK)  # "Looking for JSON files…"
        window.shutdown()
    finally:
        pane.shutdown()
        qapp.removeTranslator(translator)
