"""lockcore's platform boundary: it imports everywhere, works where it can, and says clearly
where it cannot. The fallbacks other systems take are real code, tested here on Linux by making
a child process take them (an import-time question needs a fresh interpreter anyway)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import lockcore

# A child without what Windows lacks: fcntl (so no kernel locks) and os.O_NONBLOCK.
_WITHOUT_FCNTL_AND_O_NONBLOCK = """
import os, sys
del os.O_NONBLOCK
sys.modules["fcntl"] = None  # "import fcntl" raises ImportError, as on Windows
"""


def run_child(code: str, *args: str, env: dict[str, str] | None = None) -> list[object]:
    """Run ``code`` in a fresh interpreter importing this checkout; its printed JSON lines."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(lockcore.__file__).parent.parent), **(env or {})},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_lockcore_imports_and_works_without_fcntl_and_o_nonblock(data_path: Path) -> None:
    out = run_child(
        _WITHOUT_FCNTL_AND_O_NONBLOCK
        + """
import json
import lockcore
from lockcore import _platform
path = sys.argv[1]
print(json.dumps(_platform.HAS_KERNEL_LOCKS))
for _ in range(3):
    lockcore.locked_update_json(path, lambda data: {"n": data["n"] + 1}, default={"n": 0})
print(json.dumps(lockcore.locked_read_json(path)))
with lockcore.FileLock(path):
    print(json.dumps(lockcore.inspect_lock(path).state.name))
print(json.dumps(lockcore.inspect_lock(path).state.name))
""",
        str(data_path),
    )
    # No kernel lock: the holder is judged by the PID and start time in its lock file.
    assert out == [False, {"n": 3}, "HELD_ALIVE", "FREE"]


def test_where_lockcore_cannot_work_it_raises_one_clear_error(data_path: Path) -> None:
    out = run_child(
        _WITHOUT_FCNTL_AND_O_NONBLOCK
        + """
del os.pread  # Windows has no pread: lockcore cannot check its lock is still in place
import json
import lockcore
path = sys.argv[1]
calls = {
    "FileLock.acquire": lambda: lockcore.FileLock(path).acquire(),
    "locked_update_json": lambda: lockcore.locked_update_json(path, lambda d: d, default={}),
    "inspect_lock": lambda: lockcore.inspect_lock(path),
}
for name, call in calls.items():
    try:
        call()
    except lockcore.UnsupportedPlatformError as error:
        print(json.dumps([name, str(error), error.path, isinstance(error, NotImplementedError)]))
""",
        str(data_path),
    )
    assert [line[0] for line in out] == ["FileLock.acquire", "locked_update_json", "inspect_lock"]
    for _name, message, path, builtin in out:
        assert "os.pread" in message
        assert path == str(data_path)
        assert builtin
    assert not data_path.exists(), "nothing was written"
    assert not Path(lockcore.lock_path_for(data_path)).exists()


def test_this_system_is_supported_and_windows_is_named_as_not() -> None:
    from lockcore import _platform

    assert _platform.unsupported_reason() is None
    reason = _platform.unsupported_reason("nt", "win32")
    assert reason is not None
    assert "POSIX systems only, not win32" in reason


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
@pytest.mark.parametrize("without", ["", "renameat2"])
def test_without_renameat2_a_write_replaces_the_file_with_os_replace(
    data_path: Path, tmp_path: Path, without: str
) -> None:
    trace = tmp_path / "trace"
    subprocess.run(
        [
            "strace",
            "-f",
            "-qq",
            "-o",
            str(trace),
            "-e",
            "trace=rename,renameat,renameat2",
            sys.executable,
            "-c",
            "import sys, lockcore\n"
            "for n in range(3): lockcore.locked_write_json(sys.argv[1], {'n': n}, durable=False)",
            str(data_path),
        ],
        env={
            **os.environ,
            "PYTHONPATH": str(Path(lockcore.__file__).parent.parent),
            "LOCKCORE_WITHOUT": without,
        },
        check=True,
        timeout=60,
    )
    calls = trace.read_text()
    assert json.loads(data_path.read_text()) == {"n": 2}
    if without:
        assert "RENAME_EXCHANGE" not in calls, calls
        assert "rename" in calls, "the portable path renames the temp file over the data file"
    else:
        assert "RENAME_EXCHANGE" in calls, "Linux swaps the files: the switch is what differs"


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
@pytest.mark.parametrize("without", ["", "renameat2,inotify,tmpfile"])
def test_processes_on_the_portable_paths_lose_no_update(
    data_path: Path, tmp_path: Path, without: str
) -> None:
    # Four processes updating one counter at once, each traced for the calls that tell which
    # path it took: every update is kept, and with the switch no inotify instance is made
    # (waiters sleep with jitter) and no file is swapped (the temp file is renamed over).
    code = """
import sys, lockcore
def add_one(data):
    return {"n": data["n"] + 1}
print("ready", flush=True)
sys.stdin.readline()  # all four start together
for _ in range(100):
    lockcore.locked_update_json(sys.argv[1], add_one, default={"n": 0}, durable=False)
"""
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(lockcore.__file__).parent.parent),
        "LOCKCORE_WITHOUT": without,
    }
    traces = [tmp_path / f"trace{number}" for number in range(4)]
    children = [
        subprocess.Popen(
            [
                *("strace", "-f", "-qq", "-o", str(trace)),
                *("-e", "trace=inotify_init1,renameat2,linkat"),
                *(sys.executable, "-c", code, str(data_path)),
            ],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for trace in traces
    ]
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.close()
    assert [child.wait(timeout=180) for child in children] == [0, 0, 0, 0]
    for child in children:
        assert child.stdout is not None
        child.stdout.close()
    assert json.loads(data_path.read_text()) == {"n": 400}
    calls = "".join(trace.read_text() for trace in traces)
    if without:
        assert "inotify_init1" not in calls
        assert "RENAME_EXCHANGE" not in calls
        assert "linkat" not in calls  # lock files made with O_EXCL, then written
    else:  # the switch is what differs: Linux's own paths are taken without it
        assert "inotify_init1" in calls
        assert "RENAME_EXCHANGE" in calls
        assert "AT_SYMLINK_FOLLOW" in calls  # lock files linked into place complete
