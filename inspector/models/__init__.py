"""Thin Qt models adapting the services' signals (no I/O here)."""

from inspector.models.store_table import Column, StoreTableModel

__all__ = ["Column", "StoreTableModel"]
