"""Thin Qt models adapting the services' signals (no I/O here)."""

from inspector.models.store_columns import Column
from inspector.models.store_table import StoreTableModel

__all__ = ["Column", "StoreTableModel"]
