"""``python -m lockcore status|break``: the headless face of inspect_lock and break_stale_lock."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lockcore import FileLock, list_stores, locked_write_json
from lockcore._cli import main


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    locked_write_json(tmp_path / "settings.json", {"theme": "dark"})
    locked_write_json(tmp_path / "projects.json", [])
    return tmp_path


def test_status_lists_every_store_with_its_lock(store: Path, workers) -> None:
    holder = workers("lockcore", "serve", store / "settings.json")
    holder.hold()
    code, text = run("status", str(store))
    assert code == 0
    lines = {
        line.split()[0]: line
        for line in text.splitlines()
        if line.endswith(".json") or ".json " in line
    }
    assert "held" in lines["settings.json"]
    assert str(holder.pid) in lines["settings.json"]
    assert "free" in lines["projects.json"]
    assert text.endswith("\n2 stores: 1 free, 1 held\n")


def test_status_json_is_machine_readable(store: Path, workers) -> None:
    holder = workers("lockcore", "serve", store / "settings.json")
    holder.hold()
    code, text = run("status", str(store), "--json")
    assert code == 0
    rows = {Path(row["path"]).name: row for row in json.loads(text)}
    assert rows["settings.json"]["state"] == "held_alive"
    assert rows["settings.json"]["pid"] == holder.pid
    assert rows["settings.json"]["holder_alive"] is True
    assert rows["projects.json"]["state"] == "free"


def test_status_lists_a_lock_whose_data_file_is_missing(tmp_path: Path) -> None:
    (tmp_path / "orphan.json.lock").write_text("999999999")
    _, text = run("status", str(tmp_path), "--json")
    (row,) = json.loads(text)
    assert Path(row["path"]).name == "orphan.json"
    assert row["state"] == "stale_dead_holder"


def test_status_of_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    assert run("status", str(tmp_path / "nope"))[0] == 2


def test_break_removes_a_dead_holders_lock(store: Path, workers) -> None:
    path = store / "settings.json"
    holder = workers("lockcore", "serve", path)
    holder.hold()
    holder.kill()
    code, text = run("break", str(path), "--yes")
    assert code == 0, text
    assert f"PID {holder.pid}" in text
    assert not Path(str(path) + ".lock").exists()


def test_break_refuses_a_live_holder_without_force(store: Path, workers) -> None:
    path = store / "settings.json"
    holder = workers("lockcore", "serve", path)
    holder.hold()
    code, text = run("break", str(path), "--yes")
    assert code == 1
    assert "refused" in text
    assert Path(str(path) + ".lock").exists()


def test_break_with_force_removes_a_live_holders_lock(store: Path, workers) -> None:
    path = store / "settings.json"
    holder = workers("lockcore", "serve", path)
    holder.hold()
    code, _ = run("break", str(path), "--force", "--yes")
    assert code == 0
    assert not Path(str(path) + ".lock").exists()


def test_break_without_a_terminal_asks_for_yes_and_removes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    Path(str(path) + ".lock").write_text("999999999")
    result = subprocess.run(
        [sys.executable, "-m", "lockcore", "break", str(path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "--yes" in result.stdout
    assert Path(str(path) + ".lock").exists()


def test_break_of_a_free_store_says_so(store: Path) -> None:
    code, text = run("break", str(store / "projects.json"), "--yes")
    assert code == 0
    assert "not locked" in text


def test_own_lock_is_reported_held_by_this_process(store: Path) -> None:
    with FileLock(store / "projects.json"):
        _, text = run("status", str(store), "--json")
    rows = {Path(row["path"]).name: row for row in json.loads(text)}
    assert rows["projects.json"]["pid"] == os.getpid()


def test_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import metadata

    import lockcore

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"lockcore {lockcore.__version__}\n"
    assert lockcore.__version__ == metadata.version("lock-inspector")


def test_status_lists_the_stores_lockcore_lists(tmp_path: Path) -> None:
    """The CLI and the app ask lockcore which files make a store (list_stores)."""
    (tmp_path / "kept.json.corrupt-20260101T000000-abcdef").write_bytes(b"{")
    (tmp_path / "legacy.json.tmp").write_text("{}")
    (tmp_path / "old.json.lock.k3j2h1.tmp").write_text("")  # no name lockcore makes
    _, text = run("status", str(tmp_path), "--json")
    listed = [os.path.basename(row["path"]) for row in json.loads(text)]
    assert listed == ["kept.json", "legacy.json"]
    assert listed == [os.path.basename(store) for store in list_stores(tmp_path)]


# --- as a monitoring check (issue 9, §5) ---------------------------------------------------------


def test_status_exit_code_says_whether_a_person_should_look(store: Path, workers) -> None:
    holder = workers("lockcore", "serve", store / "settings.json")
    holder.hold()
    assert run("status", str(store))[0] == 0  # free or held by a live holder
    holder.kill()
    code, text = run("status", str(store))
    assert code == 1  # a stale lock: not "locked", and not fine
    assert text.endswith("\n2 stores: 1 free, 1 stale\n")
    assert run("status", str(store), "--json")[0] == 1
    (store / "projects.json.lock").write_bytes(b"\xff\xfe garbage")
    code, text = run("status", str(store))
    assert code == 1
    assert text.endswith("\n2 stores: 1 stale, 1 unreadable\n")


def test_status_of_one_store_file_and_plurals(store: Path) -> None:
    code, text = run("status", str(store / "projects.json"))
    assert code == 0
    assert "projects.json" in text
    assert "settings.json" not in text
    assert text.endswith("\n1 store: 1 free\n")
    assert run("status", str(store / "nope.json"))[0] == 2


def test_status_into_a_reader_that_stops_early_is_quiet(tmp_path: Path) -> None:
    for number in range(2000):
        (tmp_path / f"store{number}.json").write_text("{}")
    result = subprocess.run(
        f"{sys.executable} -m lockcore status {tmp_path} --json | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert result.stdout == "[\n"
    assert result.stderr == ""  # no "Broken pipe", no traceback


def test_break_of_a_store_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    code, text = run("break", str(tmp_path / "nope.json"), "--yes")
    assert code == 2
    assert "not locked" not in text


def test_break_escapes_control_bytes_of_a_garbage_lock(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("{}")
    Path(str(path) + ".lock").write_bytes(b"\x1b]0;owned\x07\x1b[2J\n\x9b31m")
    code, text = run("break", str(path), "--yes")
    assert code == 1  # unreadable: refused without --force
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "\\x1b]0;owned" in text


def test_a_successful_break_says_so_once(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("{}")
    Path(str(path) + ".lock").write_text("999999999")
    result = subprocess.run(
        [sys.executable, "-m", "lockcore", "break", str(path), "--yes"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("removed") == 1
    assert result.stderr == ""  # no log line repeating it
