"""Application setup: identity, icon, palette, and the ready main window."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QObject, QSettings, Qt, Slot
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from inspector import APPLICATION_ID, application_version
from inspector.colours import is_dark
from inspector.resources import icon
from inspector.services.watcher import ObserverFactory, default_observer_factory
from inspector.services.window_services import WindowServices
from inspector.settings import COLOUR_SCHEME, AppSettings
from inspector.time_slices import request_short_slice
from inspector.translation import install_translators
from inspector.widgets.main_window import MainWindow

#: QSettings' organisation and application: the application id split at its last dot, so the
#: settings live in ``~/.config/io.github.lockinspector/LockInspector.conf``.
ORGANIZATION_NAME, _, APPLICATION_NAME = APPLICATION_ID.rpartition(".")
DISPLAY_NAME = "Lock Inspector"
#: Where builds from before the application id kept their settings
#: (``~/.config/LockInspector/lock-inspector.conf``).
LEGACY_ORGANIZATION_NAME = "LockInspector"
LEGACY_APPLICATION_NAME = "lock-inspector"


def dark_palette() -> QPalette:
    """A dark palette for Fusion, used when the system asks for dark colours."""
    palette = QPalette()
    roles = QPalette.ColorRole
    window, base, text = QColor(45, 45, 48), QColor(30, 30, 32), QColor(230, 230, 230)
    for role, colour in (
        (roles.Window, window),
        (roles.WindowText, text),
        (roles.Base, base),
        (roles.AlternateBase, QColor(40, 40, 43)),
        (roles.ToolTipBase, QColor(60, 60, 64)),
        (roles.ToolTipText, text),
        (roles.PlaceholderText, QColor(140, 140, 140)),
        (roles.Text, text),
        (roles.Button, window),
        (roles.ButtonText, text),
        (roles.BrightText, QColor(255, 80, 80)),
        (roles.Light, QColor(70, 70, 74)),
        (roles.Midlight, QColor(58, 58, 62)),
        (roles.Mid, QColor(38, 38, 40)),
        (roles.Dark, QColor(25, 25, 27)),
        (roles.Shadow, QColor(0, 0, 0)),
        (roles.Highlight, QColor(42, 110, 200)),
        (roles.HighlightedText, QColor(255, 255, 255)),
        (roles.Link, QColor(100, 160, 255)),
        (roles.LinkVisited, QColor(170, 130, 255)),
    ):
        palette.setColor(role, colour)
    disabled = QColor(120, 120, 120)
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def high_contrast_requested(app: QGuiApplication) -> bool:
    """Whether the desktop asks for high contrast (Qt 6.10 and later can tell; before, the
    desktop's palette is all there is to go by)."""
    accessibility = getattr(app.styleHints(), "accessibility", None)
    if accessibility is None:
        return False
    preference = accessibility().contrastPreference()
    return bool(preference == Qt.ContrastPreference.HighContrast)


def light_palette() -> QPalette:
    """Fusion's own light palette, used when light colours are chosen on a dark desktop."""
    style = QStyleFactory.create("Fusion")
    return style.standardPalette() if style is not None else QPalette()


def palette_for_scheme(
    scheme: Qt.ColorScheme,
    desktop_palette: QPalette,
    *,
    high_contrast: bool,
    chosen: bool = False,
) -> QPalette | None:
    """The palette the app sets for ``scheme``, or None to keep the desktop's own.

    Following the desktop, only one case calls for ours: a dark scheme while the desktop's
    palette is light (Fusion with no platform theme to give dark colours). With a scheme
    ``chosen`` in Preferences, light colours on a dark desktop too. A high-contrast palette
    is never replaced.
    """
    if high_contrast or is_dark(desktop_palette) == (scheme == Qt.ColorScheme.Dark):
        return None
    if scheme == Qt.ColorScheme.Dark:
        return dark_palette()
    return light_palette() if chosen and scheme == Qt.ColorScheme.Light else None


def apply_color_scheme(app: QApplication, scheme: Qt.ColorScheme, *, chosen: bool = False) -> None:
    """Use the desktop's palette, with colours of our own only for a dark ``scheme`` that the
    desktop's palette does not follow, or a light one ``chosen`` on a dark desktop (see
    :func:`palette_for_scheme`)."""
    app.setPalette(QPalette())  # a palette with no roles set: back to the desktop's own
    palette = palette_for_scheme(
        scheme, app.palette(), high_contrast=high_contrast_requested(app), chosen=chosen
    )
    if palette is not None:
        app.setPalette(palette)


_SCHEMES = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}


def set_colour_scheme(app: QApplication, name: str) -> None:
    """Use the colours ``name`` says (one of :data:`~inspector.settings.COLOUR_SCHEMES`):
    the desktop's light or dark ("system"), or always light or always dark."""
    follower = app.findChild(_PaletteFollower)
    if follower is None:
        follower = _PaletteFollower(app)
    follower.set_chosen(_SCHEMES.get(name))


class _PaletteFollower(QObject):
    """Re-applies the palette when the system switches between light and dark, or between
    normal and high contrast; a scheme chosen in Preferences stays."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._chosen: Qt.ColorScheme | None = None
        hints = app.styleHints()
        hints.colorSchemeChanged.connect(self._on_color_scheme_changed)
        accessibility = getattr(hints, "accessibility", None)
        if accessibility is not None:
            accessibility().contrastPreferenceChanged.connect(self._on_contrast_preference_changed)

    def set_chosen(self, scheme: Qt.ColorScheme | None) -> None:
        """Always ``scheme``'s colours; None: the system's."""
        self._chosen = scheme
        hints = self._app.styleHints()
        # Where the platform can, its own parts (title bars, dialogs) follow too.
        if scheme is None:
            hints.unsetColorScheme()
        else:
            hints.setColorScheme(scheme)
        self._apply(hints.colorScheme())

    def _apply(self, system: Qt.ColorScheme) -> None:
        chosen = self._chosen
        apply_color_scheme(
            self._app, system if chosen is None else chosen, chosen=chosen is not None
        )

    @Slot(Qt.ColorScheme)
    def _on_color_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        self._apply(scheme)

    @Slot()
    def _on_contrast_preference_changed(self) -> None:
        self._apply(self._app.styleHints().colorScheme())


def set_application_identity() -> None:
    """Names used by QSettings and the desktop; set only where nothing else set them (tests
    give the app settings of its own)."""
    if not QCoreApplication.organizationName():
        QCoreApplication.setOrganizationName(ORGANIZATION_NAME)
        QCoreApplication.setApplicationName(APPLICATION_NAME)
    QCoreApplication.setApplicationVersion(application_version())


def migrate_legacy_settings(
    settings: QSettings | None = None, legacy: QSettings | None = None
) -> bool:
    """Copy the settings kept under the old names (``legacy``) into ``settings`` (default: the
    app's own) when it has none yet, so that the last folder, the recent folders and the window
    layout survive the new application id. The old file is left as it was. Returns whether
    anything was copied."""
    settings = QSettings() if settings is None else settings
    if legacy is None:
        legacy = QSettings(
            QSettings.defaultFormat(),
            QSettings.Scope.UserScope,
            LEGACY_ORGANIZATION_NAME,
            LEGACY_APPLICATION_NAME,
        )
    if settings.allKeys() or not legacy.allKeys():
        return False
    for key in legacy.allKeys():
        settings.setValue(key, legacy.value(key))
    settings.sync()
    return True


#: How long a thread running Python keeps the interpreter lock while another thread waits for
#: it (s). CPython's default is 5 ms, and the GUI thread needs the lock again for every Python
#: call Qt makes (each model ``data`` call of a paint, each slot): while a worker thread parses,
#: scans or saves, every one of those waited up to 5 ms, and one paint stalled for hundreds of
#: milliseconds (a 50 MB save: ~1 s). At 0.2 ms the same save stalls the GUI ~0.1 s, and the
#: worker hands the lock over more often only while someone waits for it.
GUI_SWITCH_INTERVAL = 0.0002


def share_interpreter_with_gui() -> None:
    """Let the GUI thread have the interpreter lock back soon when worker threads run Python
    (see :data:`GUI_SWITCH_INTERVAL`), and a CPU soon when other programs keep the machine busy
    (a short time slice, see :mod:`inspector.time_slices`); for the process that runs the
    window, called on its GUI thread."""
    sys.setswitchinterval(GUI_SWITCH_INTERVAL)
    request_short_slice()


def configure_application(app: QApplication) -> None:
    """Identity, icon, style, a palette that follows the system's light/dark setting, and an
    interpreter that answers the GUI thread first."""
    share_interpreter_with_gui()
    set_application_identity()
    migrate_legacy_settings()
    install_translators(app)
    QGuiApplication.setApplicationDisplayName(DISPLAY_NAME)
    QGuiApplication.setDesktopFileName(APPLICATION_ID)
    app.setWindowIcon(icon("app"))
    app.setStyle("Fusion")
    set_colour_scheme(app, AppSettings().colour_scheme)


def create_main_window(
    directory: str | None,
    *,
    poll: bool = False,
    observer_factory: ObserverFactory = default_observer_factory,
    select: str | None = None,
) -> MainWindow:
    """The ready main window showing ``directory`` (or nothing yet when None), with the store
    ``select`` of it made current once listed.

    A ``QApplication`` must exist. The window is not shown; call ``show()``. ``poll`` watches
    by polling (network folders are polled without asking); ``observer_factory`` makes the
    change sources that watch folders (see ``services/change_source.py``). The window
    owns the services built for it here: they stop when it closes or is destroyed.
    """
    set_application_identity()
    services = WindowServices(poll=poll, observer_factory=observer_factory)
    settings = services.settings

    def on_settings_changed(name: str, _folder: str) -> None:
        app = QApplication.instance()
        if name == COLOUR_SCHEME and isinstance(app, QApplication):
            set_colour_scheme(app, settings.colour_scheme)  # Preferences: at once

    settings.changed.connect(on_settings_changed)
    window = MainWindow(services, version=application_version())
    if directory:
        window.open_folder(directory, select=select)
    return window
