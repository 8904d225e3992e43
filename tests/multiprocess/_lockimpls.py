"""Load a lock implementation by name, in the test process and in worker processes alike.

``"legacy"`` is the test double ``tests/legacy_file_lock.py`` (the reviewed code, defects
included); ``"lockcore"`` is the package under test. Tests are parametrized over ``IMPLS``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

TESTS_DIR = Path(__file__).resolve().parents[1]
IMPLS = ("legacy", "lockcore")


def load_impl(name: str) -> ModuleType:
    """Return the module implementing the reviewed API under ``name``."""
    if name == "legacy":
        # tests/ is not a package; put it on sys.path explicitly so this works under any
        # pytest import mode and in child processes started as plain scripts.
        if str(TESTS_DIR) not in sys.path:
            sys.path.insert(0, str(TESTS_DIR))
        return importlib.import_module("legacy_file_lock")
    if name == "lockcore":
        return importlib.import_module("lockcore")
    raise ValueError(f"unknown lock implementation {name!r}")
