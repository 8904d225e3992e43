"""Translation: the translators the app installs, and a typed marker for words kept in tables.

User-visible text goes through ``self.tr("…")`` in QObject classes and
``QCoreApplication.translate("Context", "…")`` elsewhere; words defined once in a module-level
table are marked with :func:`QT_TRANSLATE_NOOP` and translated where shown. Placeholders are
named, ``self.tr("Copied {path}").format(path=…)``, so a translation may reorder them. The
README says how ``pyside6-lupdate`` extracts it all into ``.ts`` files; compiled ``.qm`` files
in ``inspector/resources/translations/`` are found by :func:`install_translators`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from inspector.resources import RESOURCE_DIR

if TYPE_CHECKING:

    def QT_TRANSLATE_NOOP(_context: str, source: str, /) -> str:
        """Marks ``source`` for lupdate (in the context given first); gives it back unchanged."""
        return source

else:
    from PySide6.QtCore import QT_TRANSLATE_NOOP

__all__ = ["QT_TRANSLATE_NOOP", "TRANSLATIONS_DIR", "install_translators"]

#: The app's compiled translations, ``lock_inspector_<language>.qm``.
TRANSLATIONS_DIR = RESOURCE_DIR / "translations"


def install_translators(app: QCoreApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """Install Qt's own translations (standard buttons and dialogs) and the app's, for
    ``locale`` (default: the user's), where they exist; returns those installed."""
    locale = QLocale() if locale is None else locale
    installed = []
    for name, folder in (
        ("qtbase", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
        ("lock_inspector", str(TRANSLATIONS_DIR)),
    ):
        translator = QTranslator(app)
        if translator.load(locale, name, "_", folder):
            app.installTranslator(translator)
            installed.append(translator)
        else:
            translator.deleteLater()
    return installed
