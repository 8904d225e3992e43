"""Shared test setup: Qt runs offscreen everywhere (CI has no display)."""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# tests/lockcore and tests/inspector have no __init__.py, so with pytest's default "prepend"
# import mode they would be found as namespace packages named "lockcore" and "inspector" and
# shadow the real packages (the editable install's finder runs after the path finder). Putting
# the checkout first makes both names resolve to the code under test.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

# Qt's offscreen platform (used here and in CI) warns "This plugin does not support
# propagateSizeHints()" whenever a top-level widget with a layout is shown; it is an artefact
# of that platform plugin, not of our code. Every other Qt warning still fails the test
# (qt_log_level_fail = WARNING).
_OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(items: list) -> None:
    import pytest

    for item in items:
        item.add_marker(pytest.mark.qt_log_ignore(_OFFSCREEN_NOISE))
