"""The document pane: view and safely edit one JSON store (tree and raw text).

``DocumentPane`` is the widget the main window embeds; everything else here is its machinery:
plain-Python tree nodes, the Qt tree model and its undo commands, the raw editor, secret
masking, the three-way merge, and the service that loads and saves off the GUI thread.
"""

from inspector.document.choices import ConflictChoice, ConflictDecision
from inspector.document.conflict_dialog import ConflictDialog
from inspector.document.document_pane import DocumentPane
from inspector.document.prompts import UnsavedChoice

__all__ = ["ConflictChoice", "ConflictDecision", "ConflictDialog", "DocumentPane", "UnsavedChoice"]
