"""JSON Schema checks of stores: which schema applies to a store, and what it finds wrong.

Where a store's schema comes from, first found wins:

1. a ``"$schema"`` string at the top of the document naming a local file, relative to the
   store's folder (``"$schema": "schemas/settings.schema.json"``). An ``http(s)://`` address is
   never fetched: the check says "not fetched" and finds no errors;
2. a sidecar file beside the store: ``X.schema.json`` for ``X.json``;
3. the folder's mapping file :data:`SCHEMA_MAP_NAME`, a JSON object of glob patterns (matched
   against the store's file name) to schema files relative to that folder, first match in the
   file's order: ``{"*.settings.json": "schemas/settings.schema.json"}``.

Validation uses ``jsonschema_rs`` (imported only when a check runs), offline: a ``$ref`` to a
local file is read from disk, one to the network is an error of the schema, never a fetch.
"""

from __future__ import annotations

import fnmatch
import json
import os
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Final

SCHEMA_MAP_NAME: Final = ".lock-inspector-schemas.json"
"""The per-folder mapping file: ``{"glob": "schema path relative to the folder", ...}``."""

SIDECAR_SUFFIX: Final = ".schema.json"

_ERROR_LIMIT: Final = 10_000
"""At most this many errors are listed for one store (a wrong schema flags every entry)."""


@dataclass(frozen=True)
class SchemaSource:
    """Where a store's schema is (``path``), how it was found, or why it was not read.

    ``how`` is ``"$schema"``, ``"sidecar"`` or ``"mapping"``. ``path`` is None when the schema
    is named but not read: ``not_fetched`` holds the network address that was not fetched.
    """

    how: str
    path: str | None
    not_fetched: str | None = None


@dataclass(frozen=True)
class SchemaViolation:
    """One place where the document breaks its schema."""

    path: tuple[str | int, ...]  # from the document's root, indexes as ints
    message: str
    keyword: str = ""  # the schema keyword that failed ("type", "enum", "required", ...)

    @property
    def pointer(self) -> str:
        """The RFC 6901 JSON Pointer of the entry (``""`` for the root)."""
        return "".join("/" + str(s).replace("~", "~0").replace("/", "~1") for s in self.path)


@dataclass(frozen=True)
class SchemaCheck:
    """The outcome of checking one document: its schema, its errors, or why it was not checked.

    ``problem`` says why no verdict was reached (the schema is missing, not JSON, not a valid
    schema, not fetched); then ``errors`` is empty and :attr:`valid` is None.
    """

    source: SchemaSource | None
    errors: tuple[SchemaViolation, ...] = ()
    problem: str | None = None
    truncated: bool = False
    schema: Any = field(default=None, repr=False, compare=False)  # the schema document, if read

    @property
    def valid(self) -> bool | None:
        """True or False once validated; None when there is no schema or it was not used."""
        if self.source is None or self.problem is not None:
            return None
        return not self.errors

    def summary(self) -> str:
        """``"schema: valid"``, ``"schema: 3 errors"``, ``"schema: not fetched (https://…)"``."""
        if self.source is None:
            return "no schema"
        if self.problem is not None:
            return f"schema: {self.problem}"
        if not self.errors:
            return "schema: valid"
        count = f"{len(self.errors):,}{'+' if self.truncated else ''}"
        return f"schema: {count} error{'' if count == '1' else 's'}"


def find_schema(store_path: str | os.PathLike[str], document: Any = None) -> SchemaSource | None:
    """The schema that applies to the store at ``store_path`` (see the module), or None.

    ``document``: the store's parsed content, for its ``"$schema"`` key (None: not looked at).
    Only the store's folder is read; nothing is fetched.
    """
    path = os.fspath(store_path)
    folder = os.path.dirname(os.path.abspath(path))
    named = document.get("$schema") if isinstance(document, dict) else None
    if isinstance(named, str) and named:
        scheme = urllib.parse.urlsplit(named).scheme.lower()
        if scheme in ("http", "https"):
            return SchemaSource("$schema", None, not_fetched=named)
        if scheme == "file":
            return SchemaSource(
                "$schema", urllib.request.url2pathname(urllib.parse.urlsplit(named).path)
            )
        return SchemaSource("$schema", os.path.normpath(os.path.join(folder, named)))
    base = os.path.basename(path)
    stem = base[: -len(".json")] if base.endswith(".json") else base
    if not base.endswith(SIDECAR_SUFFIX):  # a schema is not its own sidecar's store
        sidecar = os.path.join(folder, stem + SIDECAR_SUFFIX)
        if os.path.isfile(sidecar):
            return SchemaSource("sidecar", sidecar)
    mapped = _mapped_schema(folder, base)
    if mapped is not None:
        return SchemaSource("mapping", mapped)
    return None


def _mapped_schema(folder: str, name: str) -> str | None:
    try:
        with open(os.path.join(folder, SCHEMA_MAP_NAME), encoding="utf-8") as handle:
            mapping = json.load(handle)
    except (OSError, ValueError):  # none, unreadable or not JSON: as if there were none
        return None
    if not isinstance(mapping, dict):
        return None
    for pattern, schema in mapping.items():
        if isinstance(schema, str) and fnmatch.fnmatchcase(name, pattern):
            return os.path.normpath(os.path.join(folder, schema))
    return None


def check_schema(store_path: str | os.PathLike[str], document: Any) -> SchemaCheck:
    """Validate ``document`` (the store's parsed content) against the schema that applies.

    Never raises for a bad schema: the reason is in :attr:`SchemaCheck.problem`.
    """
    source = find_schema(store_path, document)
    if source is None:
        return SchemaCheck(None)
    if source.path is None:
        return SchemaCheck(source, problem=f"not fetched ({source.not_fetched})")
    try:
        schema, validator = _validator(source.path)
    except _SchemaProblem as problem:
        return SchemaCheck(source, problem=str(problem))
    errors: list[SchemaViolation] = []
    truncated = False
    for error in validator.iter_errors(document):
        if len(errors) >= _ERROR_LIMIT:
            truncated = True
            break
        errors.append(
            SchemaViolation(
                tuple(error.instance_path),
                error.message,
                str(error.schema_path[-1]) if error.schema_path else "",
            )
        )
    return SchemaCheck(source, tuple(errors), truncated=truncated, schema=schema)


class _SchemaProblem(Exception):
    """Why a schema file could not be used, in plain words."""


_cache_lock = threading.Lock()
_cache: dict[
    str, tuple[tuple[int, int], Any, Any]
] = {}  # path → ((mtime_ns, size), schema, validator)


def _validator(schema_path: str) -> tuple[Any, Any]:
    """The schema and a compiled validator for the file (compiled once per version of it)."""
    try:
        stat = os.stat(schema_path)
    except OSError as error:
        raise _SchemaProblem(f"cannot read {schema_path}: {error.strerror or error}") from None
    version = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _cache.get(schema_path)
    if cached is not None and cached[0] == version:
        return cached[1], cached[2]
    try:
        with open(schema_path, encoding="utf-8") as handle:
            schema = json.load(handle)
    except OSError as error:
        raise _SchemaProblem(f"cannot read {schema_path}: {error.strerror or error}") from None
    except ValueError as error:
        raise _SchemaProblem(f"{schema_path} is not JSON: {error}") from None
    import jsonschema_rs  # noqa: PLC0415 - only a schema check pays for loading it

    def local_only(uri: str) -> Any:
        parts = urllib.parse.urlsplit(uri)
        if parts.scheme != "file":
            raise ValueError(f"not fetched: {uri}")
        with open(urllib.request.url2pathname(parts.path), encoding="utf-8") as handle:
            return json.load(handle)

    try:
        validator = jsonschema_rs.validator_for(
            schema,
            retriever=local_only,
            base_uri=urllib.parse.urljoin("file:", urllib.request.pathname2url(schema_path)),
        )
    except (ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise _SchemaProblem(
            f"{os.path.basename(schema_path)} is not a usable schema: {first_line}"
        ) from None
    with _cache_lock:
        _cache[schema_path] = (version, schema, validator)
    return schema, validator
