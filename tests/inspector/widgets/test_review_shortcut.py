"""Issue 10: Review Changes has a shortcut of its own in the main window."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction, QKeySequence


def test_review_changes_has_a_shortcut_no_other_action_has(main_window: Any) -> None:
    review = main_window.review_action.shortcut()
    assert not review.isEmpty()
    others = [
        action.shortcut()
        for action in main_window.findChildren(QAction)
        if action is not main_window.review_action and not action.shortcut().isEmpty()
    ]
    assert review not in others
    assert review != QKeySequence(QKeySequence.StandardKey.SaveAs)
