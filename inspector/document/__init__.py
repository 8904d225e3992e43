"""The document pane: view and safely edit one JSON store (tree and raw text).

``DocumentPane`` is the widget the main window embeds; everything else here is its machinery:
plain-Python tree nodes, the Qt tree model and its undo commands, the raw editor, secret
masking, the three-way merge, and the service that loads and saves off the GUI thread.

The names below are imported when first asked for, not with the package: the services import
``inspector.document.save_service`` and must not run the pane's widget modules by doing so.
Code that is type-checked imports them from their modules (a package importing its own widgets,
even for types only, would close a cycle through every module that imports ``inspector.document``).
"""

from __future__ import annotations

import importlib

_HOMES = {
    "ConflictChoice": "inspector.document.choices",
    "ConflictDecision": "inspector.document.choices",
    "ConflictDialog": "inspector.document.conflict_dialog",
    "DocumentPane": "inspector.document.pane.document_pane",
    "UnsavedChoice": "inspector.document.pane.prompts",
}

__all__ = ["ConflictChoice", "ConflictDecision", "ConflictDialog", "DocumentPane", "UnsavedChoice"]


def __getattr__(name: str) -> object:
    try:
        home = _HOMES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(importlib.import_module(home), name)
