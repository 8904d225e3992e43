"""The user's answers the document pane's parts pass around (no Qt: the session and the dialogs
both import them, neither imports the other)."""

from __future__ import annotations

import enum


class ConflictChoice(enum.Enum):
    """The answer to a save that found conflicting changes (nothing was written yet)."""

    RELOAD = "reload"  # drop my edits, take what is on disk
    OVERWRITE = "overwrite"  # write mine anyway (still through locked_update_json)
    CANCEL = "cancel"  # keep editing; nothing written
