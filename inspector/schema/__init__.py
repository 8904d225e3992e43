"""JSON Schema checks of the open document: the worker that runs them, and per-entry hints."""

from inspector.schema.hints import SchemaHints
from inspector.schema.service import SchemaChecker

__all__ = ["SchemaChecker", "SchemaHints"]
