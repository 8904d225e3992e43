"""The settings the app keeps between runs: read back typed whatever the backend stored, with
their defaults, and brought into range, never stored as given."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from inspector.settings import HISTORY_VERSIONS, MAX_RECENT_FOLDERS, AppSettings

MIB = 1024 * 1024


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


def test_folder_settings_fall_back_to_the_defaults_and_are_bounded(
    qtbot: Any, settings: AppSettings
) -> None:
    one, other = "/srv/one", "/srv/other"
    assert settings.folder_history_versions(one) == 20
    assert settings.folder_history_max_bytes(one) == 10 * MIB
    assert settings.schema_checks_enabled(one)
    assert not settings.alerts_enabled(one)
    assert settings.review_before_first_save
    assert settings.keep_event_history
    assert settings.event_history_max_bytes == 20 * MIB

    with qtbot.waitSignal(settings.changed) as told:
        settings.set_folder_history_versions(one, 3)
    assert told.args == [HISTORY_VERSIONS, one]
    settings.set_folder_history_max_bytes(one, 2 * MIB)
    settings.set_schema_checks_enabled(one, False)
    settings.history_versions = 7  # the default of folders without their own
    assert (settings.folder_history_versions(one), settings.folder_history_versions(other)) == (
        3,
        7,
    )
    assert settings.folder_history_max_bytes(one) == 2 * MIB
    assert not settings.schema_checks_enabled(one)
    assert settings.schema_checks_enabled(other)

    # Out of range is brought into range, never stored as given.
    settings.set_folder_history_versions(one, -5)
    settings.set_long_hold_threshold(one, 0.0)
    settings.event_history_max_bytes = 0
    assert settings.folder_history_versions(one) == 0
    assert settings.long_hold_threshold(one) == 1.0
    assert settings.event_history_max_bytes == 1 * MIB


def test_an_unknown_colour_scheme_is_the_desktops(settings: AppSettings) -> None:
    settings._settings.setValue("view/colour_scheme", "purple")
    assert settings.colour_scheme == "system"
    settings.colour_scheme = "neon"
    assert settings.colour_scheme == "system"
    settings.colour_scheme = "light"
    assert settings.colour_scheme == "light"


def test_the_recheck_interval_is_bounded(settings: AppSettings) -> None:
    settings.recheck_seconds = 0.01
    assert settings.recheck_seconds == 0.2
    settings.recheck_seconds = 3600
    assert settings.recheck_seconds == 60.0
    settings._settings.setValue("folders/recheck_seconds", "often")
    assert settings.recheck_seconds == 1.0
