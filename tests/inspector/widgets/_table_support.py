"""What the store table's widget tests share: a directory service reduced to what the model
adapts."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from inspector.services.store_entry import StoreEntry


class FakeDirectory(QObject):
    """Just the signals and snapshot the model adapts."""

    entries_updated = Signal(object)
    entries_removed = Signal(object)

    def __init__(self, entries: list[StoreEntry]) -> None:
        super().__init__()
        self.initial = entries

    def entries(self) -> list[StoreEntry]:
        return self.initial
