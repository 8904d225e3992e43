"""Render docs/preferences.png: Edit ▸ Preferences… on a folder whose alerts are on (offscreen,
with settings of its own, never the user's; run ``python tools/screenshot_preferences.py``)."""

from __future__ import annotations

import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from inspector.settings import AppSettings
from inspector.widgets.preferences_dialog import PreferencesDialog


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    out = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs",
                       "preferences.png")  # fmt: skip
    with tempfile.TemporaryDirectory() as place:
        settings = AppSettings(QSettings(os.path.join(place, "s.ini"), QSettings.Format.IniFormat))
        folder = "/srv/shared/settings"
        settings.set_alerts_enabled(folder, True)
        settings.set_long_hold_threshold(folder, 30.0)
        settings.set_folder_history_versions(folder, 50)
        dialog = PreferencesDialog(settings, folder)
        dialog.show()
        app.processEvents()
        dialog.grab().save(out)
    print(out)


if __name__ == "__main__":
    main()
