"""Edit ▸ Preferences…: the settings of the folder shown and the app's own, over
:class:`~inspector.settings.AppSettings` (which announces each change: those who follow it apply
it at once).

The dialog only draws and writes settings. OK writes and closes, Apply writes and stays, Cancel
forgets what was not applied, Restore Defaults puts the defaults in the fields (written by OK or
Apply, like any edit). Values are bounded as the settings are; a field left in a state that is
not a value (emptied, say) disables OK and Apply until it is one again.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inspector.display import printable_path
from inspector.models.store_columns import (
    DEFAULT_HIDDEN_COLUMNS,
    HIDEABLE_COLUMNS,
    Column,
    column_key,
    column_title,
    columns_from_keys,
)
from inspector.settings import (
    COLOUR_SCHEMES,
    DEFAULT_EVENT_HISTORY_MAX_MIB,
    DEFAULT_HISTORY_MAX_MIB,
    DEFAULT_HISTORY_VERSIONS,
    DEFAULT_LONG_HOLD_SECONDS,
    DEFAULT_RECHECK_SECONDS,
    EVENT_HISTORY_MAX_MIB_RANGE,
    HISTORY_MAX_MIB_RANGE,
    HISTORY_VERSIONS_RANGE,
    LONG_HOLD_SECONDS_RANGE,
    RECHECK_SECONDS_RANGE,
    AppSettings,
)

_MIB = 1024 * 1024


def _editor(box: QAbstractSpinBox) -> QLineEdit:
    """The spin box's own line edit: what takes the focus and is typed in."""
    editor = box.findChild(QLineEdit)
    assert editor is not None  # every QAbstractSpinBox makes one
    return editor


def _name(box: QAbstractSpinBox, name: str) -> None:
    # The line edit inside is what Tab reaches and a screen reader announces.
    box.setAccessibleName(name)
    _editor(box).setAccessibleName(name)
    # Typed text outside the range is not taken as is: the nearest value is.
    box.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)


def _spin_box(bounds: tuple[int, int], suffix: str, name: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(*bounds)
    box.setSuffix(suffix)
    _name(box, name)
    return box


class PreferencesDialog(QDialog):
    """The settings of ``folder`` ("" when none is shown: only the app's are offered) and the
    app's, in ``settings``."""

    #: () what the fields say was written to the settings (OK or Apply)
    applied = Signal()

    def __init__(self, settings: AppSettings, folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle(self.tr("Preferences"))
        self._settings = settings
        self._folder = folder
        self._loading = False
        layout = QVBoxLayout(self)
        self.no_folder_label = QLabel(self.tr("Open a folder to change its settings."))
        self.no_folder_label.setObjectName("noFolderLabel")
        layout.addWidget(self.no_folder_label)
        layout.addWidget(self._build_folder_group())
        layout.addWidget(self._build_app_group())
        layout.addWidget(self._build_columns_group())
        layout.addStretch(1)
        layout.addWidget(self._build_buttons())
        self._show_folder()
        self._load()
        for box in self._spin_boxes():
            # The text, not the value: a text that is no value (emptied) changes no value.
            _editor(box).textChanged.connect(self._on_field_edited)
        checks = (self.schema_box, self.alerts_box, self.review_box, self.event_history_box)
        for check in (*checks, *self.column_boxes.values()):
            check.toggled.connect(self._on_field_edited)
        self.colours_box.currentIndexChanged.connect(self._on_field_edited)
        settings.changed.connect(self._on_settings_changed)

    def _build_folder_group(self) -> QGroupBox:
        self.folder_group = QGroupBox()
        self.folder_group.setObjectName("folderSettingsGroup")
        folder_form = QFormLayout(self.folder_group)
        self.versions_box = _spin_box(
            HISTORY_VERSIONS_RANGE, "", self.tr("Versions kept of each store")
        )
        self.versions_box.setObjectName("historyVersionsBox")
        self.versions_box.setSpecialValueText(self.tr("None"))
        self.versions_box.setToolTip(
            self.tr("How many earlier versions each save keeps beside a store (History dock)")
        )
        folder_form.addRow(self.tr("&Versions kept of each store:"), self.versions_box)
        self.versions_size_box = _spin_box(
            HISTORY_MAX_MIB_RANGE, self.tr(" MiB"), self.tr("Size of a store's versions, at most")
        )
        self.versions_size_box.setObjectName("historyMaxMibBox")
        self.versions_size_box.setToolTip(
            self.tr("The oldest versions of a store go first once they take more than this")
        )
        folder_form.addRow(self.tr("Their si&ze, at most:"), self.versions_size_box)
        self.schema_box = QCheckBox(self.tr("Check documents against their JSON &Schema"))
        self.schema_box.setObjectName("schemaChecksBox")
        self.schema_box.setAccessibleName(self.tr("Check documents against their JSON Schema"))
        folder_form.addRow(self.schema_box)
        self.alerts_box = QCheckBox(self.tr("&Alert on stale, long-held and corrupt locks"))
        self.alerts_box.setObjectName("alertsBox")
        self.alerts_box.setAccessibleName(self.tr("Alert on stale, long-held and corrupt locks"))
        folder_form.addRow(self.alerts_box)
        self.long_hold_box = QDoubleSpinBox()
        self.long_hold_box.setObjectName("longHoldBox")
        self.long_hold_box.setRange(*LONG_HOLD_SECONDS_RANGE)
        self.long_hold_box.setDecimals(1)
        self.long_hold_box.setSuffix(self.tr(" s"))
        _name(self.long_hold_box, self.tr("Alert when a lock is held longer than"))
        self.long_hold_box.setToolTip(
            self.tr("A lock held longer than this (seconds) alerts, when alerts are on")
        )
        folder_form.addRow(self.tr("Alert when a lock is held &longer than:"), self.long_hold_box)
        return self.folder_group

    def _build_app_group(self) -> QGroupBox:
        app_group = QGroupBox(self.tr("All folders"))
        app_group.setObjectName("appSettingsGroup")
        app_form = QFormLayout(app_group)
        self.colours_box = QComboBox()
        self.colours_box.setObjectName("colourSchemeBox")
        words = {
            "system": self.tr("As the desktop (light or dark)"),
            "light": self.tr("Light"),
            "dark": self.tr("Dark"),
        }
        for scheme in COLOUR_SCHEMES:
            self.colours_box.addItem(words[scheme], scheme)
        self.colours_box.setAccessibleName(self.tr("Colours"))
        app_form.addRow(self.tr("&Colours:"), self.colours_box)
        self.recheck_box = QDoubleSpinBox()
        self.recheck_box.setObjectName("recheckSecondsBox")
        self.recheck_box.setRange(*RECHECK_SECONDS_RANGE)
        self.recheck_box.setDecimals(1)
        self.recheck_box.setSingleStep(0.5)
        self.recheck_box.setSuffix(self.tr(" s"))
        _name(self.recheck_box, self.tr("Check locks and the folder again every"))
        self.recheck_box.setToolTip(
            self.tr(
                "How often locks whose holder can die unseen (legacy programs) are checked "
                "again, and whether the folder is still there and writable"
            )
        )
        app_form.addRow(self.tr("Check locks and the folder again &every:"), self.recheck_box)
        self.default_versions_box = _spin_box(
            HISTORY_VERSIONS_RANGE, "", self.tr("Versions kept of each store, by default")
        )
        self.default_versions_box.setObjectName("defaultHistoryVersionsBox")
        self.default_versions_box.setSpecialValueText(self.tr("None"))
        self.default_versions_box.setToolTip(
            self.tr("For the folders whose own number was never set")
        )
        app_form.addRow(self.tr("Versions kept of each store, by &default:"),
                        self.default_versions_box)  # fmt: skip
        self.default_versions_size_box = _spin_box(
            HISTORY_MAX_MIB_RANGE,
            self.tr(" MiB"),
            self.tr("Size of a store's versions at most, by default"),
        )
        self.default_versions_size_box.setObjectName("defaultHistoryMaxMibBox")
        self.default_versions_size_box.setToolTip(
            self.tr("For the folders whose own size was never set")
        )
        app_form.addRow(self.tr("Their size at most, &by default:"),
                        self.default_versions_size_box)  # fmt: skip
        self.review_box = QCheckBox(self.tr("&Review changes before the first save of a session"))
        self.review_box.setObjectName("reviewFirstSaveBox")
        self.review_box.setAccessibleName(
            self.tr("Review changes before the first save of a session")
        )
        app_form.addRow(self.review_box)
        self.event_history_box = QCheckBox(self.tr("&Keep lock events across restarts"))
        self.event_history_box.setObjectName("keepEventHistoryBox")
        self.event_history_box.setAccessibleName(self.tr("Keep lock events across restarts"))
        self.event_history_box.setToolTip(
            self.tr("Each folder's lock events are kept in your data folder, never in the folder")
        )
        app_form.addRow(self.event_history_box)
        self.event_history_size_box = _spin_box(
            EVENT_HISTORY_MAX_MIB_RANGE,
            self.tr(" MiB"),
            self.tr("Lock events kept of each folder, at most"),
        )
        self.event_history_size_box.setObjectName("eventHistoryMaxMibBox")
        app_form.addRow(self.tr("Lock events kept of each folder, at &most:"),
                        self.event_history_size_box)  # fmt: skip
        return app_group

    def _build_columns_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("Columns of the store &table"))
        group.setObjectName("tableColumnsGroup")
        group.setToolTip(self.tr("The table's header menu shows and hides them too"))
        grid = QGridLayout(group)
        per_column = (len(HIDEABLE_COLUMNS) + 2) // 3  # three side by side, read downwards
        #: One check box per column that may be hidden (all but File), in the table's order.
        self.column_boxes: dict[Column, QCheckBox] = {}
        for place, column in enumerate(HIDEABLE_COLUMNS):
            title = column_title(column)
            box = QCheckBox(title.replace("&", "&&"))
            box.setObjectName(f"columnBox_{column_key(column)}")
            box.setAccessibleName(self.tr("Show the column {title}").format(title=title))
            grid.addWidget(box, place % per_column, place // per_column)
            self.column_boxes[column] = box
        return group

    def _build_buttons(self) -> QDialogButtonBox:
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.defaults_button = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        # Qt's own words for these buttons come from Qt's translations; the names are ours.
        for button, name in (
            (self.ok_button, self.tr("OK")),
            (self.apply_button, self.tr("Apply")),
            (self.cancel_button, self.tr("Cancel")),
            (self.defaults_button, self.tr("Restore Defaults")),
        ):
            button.setAccessibleName(name)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.clicked.connect(self._on_buttons_clicked)
        return self.buttons

    # -- public API ---------------------------------------------------------------------------

    @property
    def folder(self) -> str:
        return self._folder

    def apply(self) -> bool:
        """Write what the fields say; False (nothing written) while one holds no value."""
        if not self._valid():
            return False
        settings, folder = self._settings, self._folder
        self._loading = True  # the settings' announcements are ours: the fields are right
        try:
            settings.history_versions = self.default_versions_box.value()
            settings.history_max_bytes = self.default_versions_size_box.value() * _MIB
            folder_history = (self.versions_box.value(), self.versions_size_box.value())
            # A folder that follows the default keeps following it (a new default applies to
            # it) unless its own fields were changed.
            if folder and (
                settings.folder_history_is_own(folder)
                or folder_history != self._loaded_folder_history
            ):
                settings.set_folder_history_versions(folder, folder_history[0])
                settings.set_folder_history_max_bytes(folder, folder_history[1] * _MIB)
            if folder:
                settings.set_schema_checks_enabled(folder, self.schema_box.isChecked())
                settings.set_long_hold_threshold(folder, self.long_hold_box.value())
                settings.set_alerts_enabled(folder, self.alerts_box.isChecked())
            settings.colour_scheme = str(self.colours_box.currentData())
            settings.recheck_seconds = self.recheck_box.value()
            settings.review_before_first_save = self.review_box.isChecked()
            settings.hidden_columns = [
                column_key(column)
                for column, box in self.column_boxes.items()
                if not box.isChecked()
            ]
            settings.event_history_max_bytes = self.event_history_size_box.value() * _MIB
            settings.keep_event_history = self.event_history_box.isChecked()
            settings.sync()
        finally:
            self._loading = False
        self._load()  # what applies now (a folder following a new default shows it)
        self.applied.emit()
        return True

    def restore_defaults(self) -> None:
        """Put the defaults in the fields (written by OK or Apply)."""
        self.versions_box.setValue(DEFAULT_HISTORY_VERSIONS)
        self.versions_size_box.setValue(DEFAULT_HISTORY_MAX_MIB)
        self.schema_box.setChecked(True)
        self.alerts_box.setChecked(False)
        self.long_hold_box.setValue(DEFAULT_LONG_HOLD_SECONDS)
        self.colours_box.setCurrentIndex(COLOUR_SCHEMES.index("system"))
        self.default_versions_box.setValue(DEFAULT_HISTORY_VERSIONS)
        self.default_versions_size_box.setValue(DEFAULT_HISTORY_MAX_MIB)
        self.recheck_box.setValue(DEFAULT_RECHECK_SECONDS)
        self.review_box.setChecked(True)
        self.event_history_box.setChecked(True)
        self.event_history_size_box.setValue(DEFAULT_EVENT_HISTORY_MAX_MIB)
        self._show_hidden_columns(DEFAULT_HIDDEN_COLUMNS)

    def accept(self) -> None:
        if self.apply():
            super().accept()

    # -- helpers ------------------------------------------------------------------------------

    def _spin_boxes(self) -> tuple[QAbstractSpinBox, ...]:
        return (
            self.versions_box,
            self.versions_size_box,
            self.long_hold_box,
            self.recheck_box,
            self.default_versions_box,
            self.default_versions_size_box,
            self.event_history_size_box,
        )

    def _show_folder(self) -> None:
        folder = self._folder
        shown = printable_path(folder) if folder else ""
        name = os.path.basename(shown.rstrip(os.sep)) or shown
        self.folder_group.setTitle(
            self.tr("This folder: {name}").format(name=name) if folder else self.tr("This folder")
        )
        self.folder_group.setToolTip(shown)
        self.folder_group.setEnabled(bool(folder))
        self.no_folder_label.setVisible(not folder)

    def _load(self) -> None:
        """The fields say what the settings say."""
        settings, folder = self._settings, self._folder
        self._loading = True
        try:
            self._loaded_folder_history = (
                settings.folder_history_versions(folder),
                settings.folder_history_max_bytes(folder) // _MIB,
            )
            self.versions_box.setValue(self._loaded_folder_history[0])
            self.versions_size_box.setValue(self._loaded_folder_history[1])
            self.schema_box.setChecked(settings.schema_checks_enabled(folder))
            self.alerts_box.setChecked(bool(folder) and settings.alerts_enabled(folder))
            self.long_hold_box.setValue(settings.long_hold_threshold(folder))
            self.colours_box.setCurrentIndex(COLOUR_SCHEMES.index(settings.colour_scheme))
            self.default_versions_box.setValue(settings.history_versions)
            self.default_versions_size_box.setValue(settings.history_max_bytes // _MIB)
            self.recheck_box.setValue(settings.recheck_seconds)
            self.review_box.setChecked(settings.review_before_first_save)
            self.event_history_box.setChecked(settings.keep_event_history)
            self.event_history_size_box.setValue(settings.event_history_max_bytes // _MIB)
            hidden = settings.hidden_columns
            self._show_hidden_columns(
                DEFAULT_HIDDEN_COLUMNS if hidden is None else columns_from_keys(hidden)
            )
        finally:
            self._loading = False
        self._update_buttons(edited=False)

    def _show_hidden_columns(self, hidden: tuple[Column, ...] | list[Column]) -> None:
        for column, box in self.column_boxes.items():
            box.setChecked(column not in hidden)

    def _valid(self) -> bool:
        return all(box.hasAcceptableInput() for box in self._spin_boxes())

    def _update_buttons(self, *, edited: bool) -> None:
        valid = self._valid()
        self.ok_button.setEnabled(valid)
        self.apply_button.setEnabled(valid and edited)
        self.long_hold_box.setEnabled(self.alerts_box.isChecked())
        self.event_history_size_box.setEnabled(self.event_history_box.isChecked())

    @Slot()
    def _on_field_edited(self) -> None:
        if not self._loading:
            self._update_buttons(edited=True)

    @Slot(QAbstractButton)
    def _on_buttons_clicked(self, button: QAbstractButton) -> None:
        if button is self.apply_button:
            self.apply()
        elif button is self.defaults_button:
            self.restore_defaults()

    @Slot(str, str)
    def _on_settings_changed(self, _name: str, folder: str) -> None:
        # Changed elsewhere while open (View ▸ Alerts, say), and nothing edited here yet.
        if not self._loading and not self.apply_button.isEnabled() and folder in ("", self._folder):
            self._load()
