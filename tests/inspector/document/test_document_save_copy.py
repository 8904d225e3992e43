"""Save a Copy As: the edit written to another path through that path's lock; an existing file
replaced only when the person says so; the way out when the store's folder vanished or became
read-only."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

from _documents import edit_value
from PySide6.QtCore import Qt

from inspector.document import DocumentPane
from lockcore import StoreFileKind, list_versions, read_version


def write(path: str, document: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)


def read(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def test_a_copy_is_written_elsewhere_and_the_store_keeps_its_edits(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any, tmp_path: Any
) -> None:
    before = read(store)
    target = str(tmp_path / "elsewhere" / "copy.json")
    os.mkdir(os.path.dirname(target))
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    pane.copy_path_prompt = lambda _pane, answer: answer(target)

    with qtbot.waitSignal(pane.session.copy_saved, timeout=10000):
        assert pane.save_copy_as()

    assert read(target) == {**before, "theme": "light"}
    assert read(store) == before  # the store itself is not written
    assert pane.is_dirty
    assert "copy.json" in pane.notice_bar.text
    assert not os.path.exists(target + ".lock")
    assert not pane.progress_bar.isVisible()


def test_an_existing_file_is_replaced_only_when_the_person_says_so(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any, tmp_path: Any
) -> None:
    target = str(tmp_path / "existing.json")
    write(target, {"mine": "keep me"})
    open_and_wait(pane, store)
    asked: list[str] = []
    answers = [False, True]

    def replace_prompt(_pane: DocumentPane, path: str, answer: Any) -> None:
        asked.append(path)
        answer(answers.pop(0))

    pane.replace_prompt = replace_prompt

    with qtbot.waitSignal(pane.session.copy_target_exists, timeout=10000):
        assert pane.save_copy(target)
    assert asked == [target]
    assert read(target) == {"mine": "keep me"}  # "no": nothing written

    with qtbot.waitSignal(pane.session.copy_saved, timeout=10000):
        assert pane.save_copy(target)  # asked again: "yes" starts the replacing save
    assert asked == [target, target]
    assert read(target) == read(store)
    (kept,) = [v for v in list_versions(target) if v.kind is StoreFileKind.VERSION]
    assert json.loads(read_version(target, kept.version_id)) == {"mine": "keep me"}


def test_the_copy_waits_for_the_targets_lock(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any, lock_holder: Any
) -> None:
    target = os.path.join(os.path.dirname(store), "held.json")
    holder = lock_holder(target)
    open_and_wait(pane, store)

    assert pane.save_copy(target)
    qtbot.waitUntil(lambda: "held by" in pane.progress_bar.text.lower(), timeout=10000)
    assert not os.path.exists(target)

    with qtbot.waitSignal(pane.session.copy_saved, timeout=10000):
        holder.release()
    assert read(target) == read(store)


def test_a_vanished_folder_offers_save_a_copy_as_in_the_error_bar(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    store = str(folder / "prefs.json")
    write(store, {"theme": "dark"})
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    shutil.rmtree(folder)

    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.save()
    assert pane.error_bar.isVisible()
    assert pane.save_copy_button.isVisible()

    target = str(tmp_path / "rescued.json")
    pane.copy_path_prompt = lambda _pane, answer: answer(target)
    with qtbot.waitSignal(pane.session.copy_saved, timeout=10000):
        qtbot.mouseClick(pane.save_copy_button, Qt.MouseButton.LeftButton)
    assert read(target) == {"theme": "light"}
    assert not folder.exists()  # the vanished folder is never made again


def test_a_folder_that_became_read_only_offers_save_a_copy_as(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any, tmpfs: Any
) -> None:
    store = str(tmpfs.path / "prefs.json")
    write(store, {"theme": "dark"})
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    tmpfs.remount_read_only()

    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.save()
    assert "read-only" in pane.error_bar.text
    assert pane.save_copy_button.isVisible()

    target = str(tmp_path / "rescued.json")
    pane.copy_path_prompt = lambda _pane, answer: answer(target)
    with qtbot.waitSignal(pane.session.copy_saved, timeout=10000):
        qtbot.mouseClick(pane.save_copy_button, Qt.MouseButton.LeftButton)
    assert read(target) == {"theme": "light"}
    assert read(store) == {"theme": "dark"}


def test_other_save_errors_do_not_offer_a_copy(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    with open(store, "w") as handle:
        handle.write("{damaged")

    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.save()

    assert pane.error_bar.isVisible()
    assert not pane.save_copy_button.isVisible()


def test_the_real_questions_are_answered_later_and_nest_no_event_loop(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any, tmp_path: Any
) -> None:
    """The default path dialog and replace question are window-modal and opened with open():
    the call that asked returns while they are shown, and the copy follows the answers."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    target = str(tmp_path / "existing.json")
    write(target, {"mine": "keep me"})
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")

    def ask_and_choose_the_target() -> None:
        assert pane.save_copy_as()  # returns while the dialog is open
        dialog = pane.findChild(QFileDialog, "copyPathDialog")
        assert dialog is not None
        assert dialog.isVisible()
        dialog.selectFile(target)
        dialog.accept()

    def replace_question() -> Any:
        box = pane.findChild(QMessageBox, "replaceQuestion")
        return box if box is not None and box.isVisible() else None

    with qtbot.waitSignal(pane.session.copy_target_exists, timeout=10000):
        ask_and_choose_the_target()
    qtbot.waitUntil(lambda: replace_question() is not None)
    replace_question().button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: replace_question() is None)
    assert read(target) == {"mine": "keep me"}  # "no": nothing written

    with qtbot.waitSignal(pane.session.copy_target_exists, timeout=10000):
        ask_and_choose_the_target()
    qtbot.waitUntil(lambda: replace_question() is not None)
    with qtbot.waitSignal(pane.session.copy_saved, timeout=10000):
        replace_question().button(QMessageBox.StandardButton.Yes).click()
    assert read(target)["theme"] == "light"
    assert pane.is_dirty  # the store itself keeps its edits
