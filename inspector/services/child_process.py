"""A Python child process of the app's own (the lock event stream, the folder's watcher): the
same interpreter running the same inspector and lockcore, its configuration one JSON argument,
its errors on the app's standard error."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QProcess, QProcessEnvironment

__all__ = ["configure_python_child"]

#: Where the packages the child imports are: this process's own (a checkout or an install).
_SOURCE_ROOT = str(Path(__file__).resolve().parent.parent.parent)


def configure_python_child(process: QProcess, module: str, config: dict[str, Any]) -> None:
    """Set ``process`` up, not started, to run ``python -m module CONFIG`` with ``config`` as
    JSON."""
    process.setProgram(sys.executable)
    # ensure_ascii: a folder name that is not UTF-8 travels as \udcXX escapes, which a QString
    # argument can carry (lone surrogates it cannot).
    process.setArguments(["-m", module, json.dumps(config, ensure_ascii=True)])
    environment = QProcessEnvironment.systemEnvironment()
    # The child imports the same inspector and lockcore as this process.
    paths = [_SOURCE_ROOT, environment.value("PYTHONPATH", "")]
    environment.insert("PYTHONPATH", os.pathsep.join(path for path in paths if path))
    process.setProcessEnvironment(environment)
    process.setProcessChannelMode(QProcess.ProcessChannelMode.ForwardedErrorChannel)
