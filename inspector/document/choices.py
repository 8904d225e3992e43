"""The user's answers the document pane's parts pass around (no Qt: the session and the dialogs
both import them, neither imports the other)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from inspector.document.merge import ConflictKey, Side


class ConflictChoice(enum.Enum):
    """The answer to a save that found conflicting changes (nothing was written yet)."""

    MERGE = "merge"  # save again: each conflicting entry as chosen, everything else merged
    RELOAD = "reload"  # drop my edits, take what is on disk
    REPLACE_FILE = "replace-file"  # write my version as it is: all their changes are discarded
    CANCEL = "cancel"  # keep editing; nothing written


@dataclass(frozen=True)
class ConflictDecision:
    """What the person decided in the conflict dialog; ``sides`` for :attr:`ConflictChoice.MERGE`
    names the version to keep of every conflicting entry (by :attr:`MergeConflict.key`)."""

    choice: ConflictChoice
    sides: Mapping[ConflictKey, Side] = field(default_factory=dict)
