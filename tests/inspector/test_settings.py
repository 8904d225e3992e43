"""The settings the app keeps between runs, read back typed whatever the backend stored."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from inspector.settings import MAX_RECENT_FOLDERS, AppSettings


def test_recent_folders_latest_first_without_repeats_and_bounded(qapp, isolated_settings):
    settings = AppSettings()
    assert (settings.last_folder, settings.recent_folders) == ("", [])
    settings.remember_folder("/a")
    # Read back from the file: QSettings gives a one-element list back as a bare string.
    settings.sync()
    assert AppSettings().recent_folders == ["/a"]
    for number in range(MAX_RECENT_FOLDERS + 2):
        settings.remember_folder(f"/f{number}")
    settings.remember_folder("/f5")
    again = AppSettings()
    assert again.last_folder == "/f5"
    assert again.recent_folders[:2] == ["/f5", "/f9"]
    assert len(again.recent_folders) == MAX_RECENT_FOLDERS
    assert again.recent_folders.count("/f5") == 1


def test_values_of_another_type_fall_back_to_their_default(qapp, isolated_settings):
    raw = QSettings()
    raw.setValue("folders/recent", 3)
    raw.setValue("view/include_subfolders", "true")  # what an INI file gives back
    raw.setValue("window/geometry", "not a state")
    settings = AppSettings(raw)
    assert settings.recent_folders == []
    assert settings.include_subfolders is True
    assert settings.window_geometry is None
    assert settings.splitter_state is None
    settings.splitter_state = QByteArray(b"\x01\x02")
    assert settings.splitter_state == QByteArray(b"\x01\x02")
    settings.last_store = "/a/b.json"
    assert AppSettings(raw).last_store == "/a/b.json"
