"""Schema checks of stores: where the schema comes from, what it finds, and `status --schemas`."""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from lockcore import (
    SCHEMA_MAP_NAME,
    check_schema,
    find_schema,
    locked_write_json,
)
from lockcore._cli import EXIT_OK, EXIT_SCHEMA_ERRORS, main

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "theme": {"enum": ["dark", "light"], "description": "The colour scheme"},
        "ports": {"type": "array", "items": {"$ref": "defs.json#/port"}},
        "name": {"type": "string"},
    },
    "required": ["theme"],
}
DEFS = {"port": {"type": "integer", "minimum": 1, "maximum": 65535}}


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path / "defs.json", DEFS)
    return tmp_path


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_a_sidecar_schema_finds_errors_at_their_entries(folder: Path) -> None:
    write(folder / "settings.schema.json", SCHEMA)
    document = {"theme": "blue", "ports": [80, 0, "x"]}
    check = check_schema(folder / "settings.json", document)
    assert check.source is not None
    assert check.source.how == "sidecar"
    assert check.valid is False
    found = {(e.pointer, e.keyword) for e in check.errors}
    assert found == {("/theme", "enum"), ("/ports/1", "minimum"), ("/ports/2", "type")}
    assert check.summary() == "schema: 3 errors"
    assert check_schema(folder / "settings.json", {"theme": "dark", "ports": [443]}).valid


def test_dollar_schema_names_a_local_file_relative_to_the_store(folder: Path) -> None:
    (folder / "schemas").mkdir()
    write(folder / "schemas" / "app.json", {"type": "object", "required": ["x"]})
    document = {"$schema": "schemas/app.json"}
    check = check_schema(folder / "store.json", document)
    assert check.source is not None
    assert check.source.how == "$schema"
    assert check.source.path == str(folder / "schemas" / "app.json")
    assert [(e.pointer, e.keyword) for e in check.errors] == [("", "required")]


def test_a_web_address_is_never_fetched(folder: Path) -> None:
    # A server that records any connection: none may come.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    port = server.getsockname()[1]
    connections: list[object] = []

    def accept() -> None:
        with contextlib.suppress(OSError):  # the timeout: nobody came, as it should be
            connections.append(server.accept())

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        url = f"http://127.0.0.1:{port}/schema.json"
        check = check_schema(folder / "store.json", {"$schema": url})
        assert check.valid is None
        assert check.problem == f"not fetched ({url})"
        # Nor a $ref inside a local schema.
        write(folder / "remote.schema.json", {"$ref": url})
        check = check_schema(folder / "remote.json", {})
        assert check.problem is not None
        assert "not a usable schema" in check.problem
    finally:
        thread.join()
        server.close()
    assert connections == []


def test_the_folder_mapping_file_maps_globs_first_match_wins(folder: Path) -> None:
    write(folder / "strict.json", {"type": "object", "additionalProperties": False})
    write(folder / "loose.json", {"type": "object"})
    write(folder / SCHEMA_MAP_NAME, {"*.settings.json": "strict.json", "*.json": "loose.json"})
    source = find_schema(folder / "a.settings.json")
    assert source is not None
    assert (source.how, source.path) == ("mapping", str(folder / "strict.json"))
    assert check_schema(folder / "a.settings.json", {"x": 1}).summary() == "schema: 1 error"
    assert check_schema(folder / "other.json", {"x": 1}).valid is True


def test_no_schema_and_a_broken_schema_say_so(folder: Path) -> None:
    assert check_schema(folder / "plain.json", {}).summary() == "no schema"
    (folder / "bad.schema.json").write_text("{not json", encoding="utf-8")
    check = check_schema(folder / "bad.json", {})
    assert check.valid is None
    assert check.problem is not None
    assert "is not JSON" in check.problem
    write(folder / "wrong.schema.json", {"type": 12})
    wrong = check_schema(folder / "wrong.json", {})
    assert wrong.problem is not None
    assert "not a usable schema" in wrong.problem


def test_an_edited_schema_is_read_again(folder: Path) -> None:
    schema = write(folder / "s.schema.json", {"type": "object"})
    assert check_schema(folder / "s.json", []).valid is False
    write(schema, {"type": "array", "description": "now an array, and longer"})
    assert check_schema(folder / "s.json", []).valid is True


# -- the command line -----------------------------------------------------------------------------
def test_status_schemas_lists_errors_and_exits_nonzero(folder: Path) -> None:
    write(folder / "settings.schema.json", SCHEMA)
    locked_write_json(folder / "settings.json", {"theme": "blue", "ports": [70000]})
    locked_write_json(folder / "projects.json", [])
    code, text = run("status", str(folder), "--schemas")
    assert code == EXIT_SCHEMA_ERRORS
    assert "settings.json: schema: 2 errors" in text
    assert "  /theme: " in text
    assert "  /ports/0: 70000 is greater than the maximum of 65535" in text
    assert "projects.json: no schema" in text
    assert "1 failing their schema" in text

    locked_write_json(folder / "settings.json", {"theme": "dark", "ports": [443]})
    code, text = run("status", str(folder), "--schemas")
    assert code == EXIT_OK
    assert "settings.json: schema: valid" in text


def test_status_schemas_json_is_machine_readable(folder: Path) -> None:
    write(folder / "settings.schema.json", SCHEMA)
    locked_write_json(folder / "settings.json", {"ports": [1]})
    code, text = run("status", str(folder), "--schemas", "--json")
    assert code == EXIT_SCHEMA_ERRORS
    rows = {os.path.basename(row["path"]): row for row in json.loads(text)}
    schema = rows["settings.json"]["schema"]
    assert schema["valid"] is False
    assert schema["found_by"] == "sidecar"
    assert [e["pointer"] for e in schema["errors"]] == [""]
    assert schema["errors"][0]["keyword"] == "required"


def test_status_without_schemas_does_not_check_them(folder: Path) -> None:
    write(folder / "settings.schema.json", SCHEMA)
    locked_write_json(folder / "settings.json", {"theme": "blue"})
    code, text = run("status", str(folder))
    assert code == EXIT_OK
    assert "schema" not in text.replace("settings.schema.json", "")


def test_a_corrupt_store_is_not_checked_and_does_not_fail_the_schema_check(folder: Path) -> None:
    write(folder / "broken.schema.json", SCHEMA)
    (folder / "broken.json").write_text("{oops", encoding="utf-8")
    code, text = run("status", str(folder), "--schemas")
    assert "broken.json: not checked: not valid JSON" in text
    assert code == EXIT_OK


def test_importing_lockcore_does_not_load_the_schema_library() -> None:
    import subprocess
    import sys

    code = "import sys, lockcore; print('jsonschema_rs' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={**os.environ, "PYTHONPATH": os.getcwd()})  # fmt: skip
    assert result.stdout.strip() == "False"
