"""Widgets: they draw and forward the user's intent to services."""

from inspector.widgets.break_lock_dialog import BreakLockDialog
from inspector.widgets.main_window import MainWindow

__all__ = ["BreakLockDialog", "MainWindow"]
