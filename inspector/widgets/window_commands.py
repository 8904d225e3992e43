"""The main window's actions, menus and toolbar, and what each command does (open, save,
refresh, find, break a lock, recover a write, ...)."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import (
    QSize,
    Qt,
    Slot,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QStyle,
    QToolBar,
)

from inspector.display import printable_path
from inspector.resources import icon
from inspector.services.store_directory import StoreHealth
from inspector.widgets.about_box import AboutBox
from inspector.widgets.break_lock_dialog import BreakLockDialog, break_outcome
from inspector.widgets.preferences_dialog import PreferencesDialog
from inspector.widgets.recent_menu import RecentFoldersMenu
from inspector.widgets.shortcuts_dialog import ShortcutsDialog
from inspector.widgets.window_state import WindowState
from lockcore import LockInfo


class WindowCommands(WindowState):
    """Builds the window's actions, menus and toolbar, and carries out each command."""

    def _action(
        self,
        text: str,
        slot: Callable[..., object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        style = self.style()
        # The tips that say more when the folder is read-only (see _update_action_tips).
        self._tips = {
            "save": self.tr("Save the edited document under the store's lock"),
            "break": self.tr("Remove the selected store's lock file after confirmation"),
            "recover": self.tr("Finish the legacy write that left X.json.tmp behind"),
        }
        self.open_action = self._action(
            self.tr("&Open Folder…"),
            self._on_open_action_triggered,
            QKeySequence.StandardKey.Open,
            self.tr("Show the stores of another folder"),
        )
        self.open_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon))
        self.quit_action = self._action(
            self.tr("&Quit"), self._on_quit_action_triggered, QKeySequence.StandardKey.Quit
        )
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        pane = self.document_pane
        # Not the stack's createUndoAction: that one is enabled whenever the stack can undo,
        # also while a save runs or the folder is read-only.
        self.undo_action = self._action(
            self.tr("&Undo"), pane.undo_action.trigger, QKeySequence.StandardKey.Undo
        )
        self.redo_action = self._action(
            self.tr("&Redo"), pane.redo_action.trigger, QKeySequence("Ctrl+Shift+Z")
        )
        self.save_action = self._action(
            self.tr("&Save"),
            self._on_save_action_triggered,
            QKeySequence.StandardKey.Save,
            self._tips["save"],
        )
        self.save_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.review_action = self._action(
            self.tr("Re&view Changes…"),
            pane.review_action.trigger,
            # Ctrl+Shift+S (the choice) is Save Copy As (QKeySequence.SaveAs) on Linux;
            # one shortcut with two owners would do nothing.
            QKeySequence("Ctrl+Alt+S"),
            pane.review_action.toolTip(),
        )
        self.revert_action = self._action(
            self.tr("Re&vert"),
            self._on_revert_action_triggered,
            None,
            self.tr("Drop unsaved edits and show the file as it is on disk"),
        )
        self.break_lock_action = self._action(
            self.tr("&Break Lock…"),
            self._on_break_lock_action_triggered,
            QKeySequence("Ctrl+Shift+B"),
            self._tips["break"],
        )
        self.break_lock_action.setIcon(icon("lock-stale"))
        self.table.addAction(self.break_lock_action)
        self.recover_action = self._action(
            self.tr("Re&cover Interrupted Write"),
            self._on_recover_action_triggered,
            QKeySequence("Ctrl+Shift+R"),
            self._tips["recover"],
        )
        self.recover_action.setIcon(icon("lock-free"))
        self.table.addAction(self.recover_action)
        self.copy_path_action = self._action(
            self.tr("Copy &Path"),
            self._on_copy_path_action_triggered,
            QKeySequence("Ctrl+Shift+C"),
            self.tr("Copy the selected store's full path"),
        )
        self.table.addAction(self.copy_path_action)
        self.show_openers_action = self._action(
            self.tr("Show &Who Has It Open"),
            self._on_show_openers_action_triggered,
            QKeySequence("Ctrl+Shift+O"),
            self.tr("List the processes that have the selected store's file or lock file open"),
        )
        self.table.addAction(self.show_openers_action)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.refresh_action = self._action(
            self.tr("&Refresh"),
            self._on_refresh_action_triggered,
            QKeySequence.StandardKey.Refresh,
            self.tr("Rescan the folder"),
        )
        self.refresh_action.setShortcuts([QKeySequence("F5")])
        self.refresh_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.subfolders_action = self._action(
            self.tr("Include &Subfolders"),
            self._on_subfolders_action_triggered,
            None,
            self.tr("Also list stores in subfolders"),
        )
        self.subfolders_action.setCheckable(True)
        self.find_action = self._action(
            self.tr("&Find…"),
            self._on_find_action_triggered,
            QKeySequence.StandardKey.Find,
            self.tr("Filter the store list"),
        )
        self.about_action = self._action(
            self.tr("&About Lock Inspector"), self._on_about_action_triggered
        )
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.preferences_action = self._action(
            self.tr("&Preferences…"),
            self.show_preferences,
            QKeySequence.StandardKey.Preferences,
            self.tr("Settings of this folder and of the app"),
        )
        if self.preferences_action.shortcut().isEmpty():  # no platform-wide key (X11, Windows)
            self.preferences_action.setShortcut(QKeySequence("Ctrl+,"))
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addAction(self.open_action)
        self.recent_menu = RecentFoldersMenu(self)
        self.recent_menu.folder_chosen.connect(self.open_folder)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        self.document_pane.save_copy_action.setShortcut(QKeySequence.StandardKey.SaveAs)
        file_menu.addAction(self.document_pane.save_copy_action)
        file_menu.addSeparator()
        file_menu.addAction(self.lock_events_dock.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu(self.tr("&Edit"))
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.save_action)
        edit_menu.addAction(self.review_action)
        edit_menu.addAction(self.revert_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.break_lock_action)
        edit_menu.addAction(self.recover_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.copy_path_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.preferences_action)

        view_menu = bar.addMenu(self.tr("&View"))
        view_menu.addAction(self.refresh_action)
        view_menu.addAction(self.subfolders_action)
        view_menu.addSeparator()
        view_menu.addAction(self.find_action)
        view_menu.addSeparator()
        view_menu.addAction(self.lock_events_dock.toggleViewAction())
        view_menu.addAction(self.show_openers_action)
        view_menu.addAction(self.history_dock.toggleViewAction())
        view_menu.addAction(self.alert_presenter.toggle_action)

        help_menu = bar.addMenu(self.tr("&Help"))
        self.shortcuts_action = help_menu.addAction(self.tr("&Keyboard Shortcuts"))
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.about_action)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar(self.tr("Main"), self)
        toolbar.setObjectName("mainToolBar")
        toolbar.setMovable(False)
        toolbar.setIconSize(QSize(18, 18))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (
            self.open_action,
            self.refresh_action,
            None,
            self.save_action,
            None,
            self.break_lock_action,
            self.recover_action,
        ):
            if action is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(action)
        self.addToolBar(toolbar)

    @Slot()
    def _on_open_action_triggered(self) -> None:
        # Window-modal and opened with open(), not the static getExistingDirectory: that nests
        # an event loop (see conflict_dialog.py); the folder opens when one is chosen.
        start = self.directory.folder or os.path.expanduser("~")
        dialog = QFileDialog(self, self.tr("Open Folder of JSON Stores"), start)
        dialog.setObjectName("openFolderDialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self._on_open_folder_dialog_file_selected)
        dialog.open()

    @Slot(str)
    def _on_open_folder_dialog_file_selected(self, folder: str) -> None:
        if folder:
            self.open_folder(folder)

    @Slot()
    def _on_quit_action_triggered(self) -> None:
        self.close()

    @Slot()
    def _on_save_action_triggered(self) -> None:
        if self.directory.read_only_reason:
            self._show_message(
                self.tr("Cannot save: {reason}").format(reason=self.directory.read_only_reason)
            )
            return
        self.document_pane.save()

    @Slot()
    def _on_revert_action_triggered(self) -> None:
        self.document_pane.revert()

    @Slot()
    def _on_refresh_action_triggered(self) -> None:
        self.directory.refresh()
        self._show_message(self.tr("Rescanning…"))

    @Slot(bool)
    def _on_subfolders_action_triggered(self, checked: bool) -> None:
        self.directory.set_recursive(checked)

    @Slot()
    def _on_find_action_triggered(self) -> None:
        focus = QApplication.focusWidget()
        if focus is not None and self.document_pane.isAncestorOf(focus):
            self.document_pane.find_action.trigger()  # Ctrl+F finds in the document shown
            return
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    @Slot()
    def show_shortcuts(self) -> ShortcutsDialog:
        """Help ▸ Keyboard Shortcuts: the shortcuts of this window's actions."""
        self.shortcuts_dialog = ShortcutsDialog(self)
        self.shortcuts_dialog.open()
        return self.shortcuts_dialog

    @Slot()
    def show_preferences(self) -> PreferencesDialog:
        """Edit ▸ Preferences…: the shown folder's settings and the app's (window-modal, no
        nested event loop; one at a time)."""
        if self.preferences_dialog is not None:
            self.preferences_dialog.raise_()
            self.preferences_dialog.activateWindow()
            return self.preferences_dialog
        dialog = PreferencesDialog(self._settings, self.directory.folder, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(self._on_preferences_dialog_destroyed)
        self.preferences_dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def _on_preferences_dialog_destroyed(self) -> None:
        self.preferences_dialog = None

    def _on_about_action_triggered(self) -> None:
        self.about_box = AboutBox(self.version, self)
        self.about_box.open()

    @Slot()
    def _on_copy_path_action_triggered(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            QApplication.clipboard().setText(printable_path(entry.path))
            self._show_message(self.tr("Copied {path}").format(path=printable_path(entry.path)))

    @Slot()
    def _on_show_openers_action_triggered(self) -> None:
        if self.selected_entry() is not None:
            self.lock_events_dock.show_openers()

    @Slot()
    def _on_break_lock_action_triggered(self) -> None:
        entry = self.selected_entry()
        if entry is None or entry.lock is None or not entry.lock.is_locked:
            return
        if self.directory.read_only_reason:
            self._show_message(
                self.tr("Cannot break the lock: {reason}").format(
                    reason=self.directory.read_only_reason
                )
            )
            return
        dialog = BreakLockDialog(entry.lock, self.lock_actions, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(self._on_break_lock_dialog_destroyed)
        self.break_lock_dialog = dialog
        dialog.open()

    @Slot(object, object)
    def _on_lock_actions_break_finished(self, expected: LockInfo, error: Exception | None) -> None:
        # Said here whether the dialog is still open (it shows the outcome too) or not.
        self._show_message(break_outcome(expected, error))

    @Slot()
    def _on_break_lock_dialog_destroyed(self) -> None:
        self.break_lock_dialog = None

    @Slot()
    def _on_recover_action_triggered(self) -> None:
        entry = self.selected_entry()
        if entry is None or entry.health is not StoreHealth.RECOVERABLE:
            return
        self.recover_action.setEnabled(False)
        self._show_message(self.tr("Recovering {name}…").format(name=entry.name))
        self.lock_actions.recover(entry.path)

    @Slot(object, bool, str)
    def _on_recover_finished(self, path: str, ok: bool, message: str) -> None:
        self._show_message(message)  # the services look at the store again
        if ok and path == self._current_path:
            self.document_pane.notify_disk_change(path)
        self._update_actions()
