"""``inspect_lock`` on real locks held, killed and forged on disk.

Each lock state is produced the way it happens in the field: a live child process holding,
a ``SIGKILL``ed one, a legacy bare-PID file, a PID reused by a newer process (``os.utime``
back-dating), a lock written on another host, a lock file caught before its PID was written.
Breaking a lock: test_break.py; looking again, fast: test_inspect_again.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _locks_on_disk import (
    OTHER_HOST,
    StartWorker,
    inspect_read_only,
    killed_lockcore_lock,
    lock_path_of,
    rewrite_lock_lines,
)
from _procs import back_date, dead_pid, lock_holder_pid, wait_until

import lockcore._holder
import lockcore._lock_content
import lockcore._lockinfo
import lockcore._platform
import lockcore._process
from lockcore import (
    FileLock,
    LockFormat,
    LockState,
    LockTimeout,
    inspect_lock,
)


def test_free(tmp_path: Path) -> None:
    data_path = tmp_path / "store.json"
    info = inspect_read_only(data_path)
    assert info.state is LockState.FREE
    assert info.format is LockFormat.NONE
    assert not info.is_locked
    assert not info.is_stale
    assert info.pid is None
    assert info.path == str(data_path)
    assert info.lock_path == str(data_path) + ".lock"
    assert inspect_lock(tmp_path / "missing" / "store.json").state is LockState.FREE
    assert not (tmp_path / "missing").exists()


def test_held_alive_by_a_lockcore_process(data_path: Path, workers: StartWorker) -> None:
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    info = inspect_read_only(data_path)
    lock_path = lock_path_of(data_path)

    assert info.state is LockState.HELD_ALIVE
    assert info.format is LockFormat.LOCKCORE
    assert info.pid == holder.pid
    assert info.hostname == socket.gethostname()
    assert info.holder_alive is True
    assert info.process_name
    assert any("_worker.py" in part for part in info.cmdline)
    assert info.created is not None
    assert abs(info.created - time.time()) < 30
    assert info.age() is not None
    assert info.identity is not None
    assert info.identity.inode == lock_path.stat().st_ino
    assert info.content == lock_path.read_bytes()
    assert info.reason
    assert info.is_locked
    assert not info.is_stale


def test_stale_after_the_holder_is_killed(data_path: Path, workers: StartWorker) -> None:
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    holder.kill()
    info = inspect_read_only(data_path)
    assert info.state is LockState.STALE_DEAD_HOLDER
    assert info.format is LockFormat.LOCKCORE
    assert info.pid == holder.pid
    assert info.holder_alive is False
    assert info.is_stale
    assert info.is_locked


@pytest.mark.usefixtures("on_network_filesystem")
def test_a_dead_or_remote_holder_is_named_as_its_lock_file_recorded(
    data_path: Path, workers: StartWorker
) -> None:
    # Whoever breaks a stale lock must see whose it was: the process can no longer be asked.
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    alive = inspect_lock(data_path)
    assert alive.process_name
    holder.kill()
    dead = inspect_read_only(data_path)
    assert dead.state is LockState.STALE_DEAD_HOLDER
    assert dead.process_name == alive.process_name
    assert dead.cmdline == ()  # nothing is read from a process that is gone
    assert f"\nname {alive.process_name}\n" in dead.content.decode()
    rewrite_lock_lines(data_path, {"host": OTHER_HOST})
    remote = inspect_read_only(data_path)
    assert remote.state is LockState.HELD_OTHER_HOST
    assert remote.process_name == alive.process_name
    assert remote.describe_holder() == f"PID {holder.pid} ({alive.process_name}) on {OTHER_HOST}"


def test_a_recorded_name_is_one_ascii_line() -> None:
    assert lockcore._lock_content.recordable_name("sync.py") == "sync.py"
    assert lockcore._lock_content.recordable_name("Web Content") == "Web Content"
    assert lockcore._lock_content.recordable_name("caf\u00e9\nsync\x1b") == "caf??sync?"
    assert (
        len(lockcore._lock_content.recordable_name("x" * 500))
        == lockcore._lock_content.MAX_NAME_CHARS
    )


def test_legacy_bare_pid_of_a_live_holder(data_path: Path, workers: StartWorker) -> None:
    holder = workers("legacy", "serve", data_path)
    holder.hold()
    info = inspect_read_only(data_path)
    assert info.state is LockState.HELD_ALIVE
    assert info.format is LockFormat.LEGACY
    assert info.pid == holder.pid
    assert info.hostname is None
    assert info.holder_alive is True


def test_holder_that_execs_another_program_shows_its_new_name(
    data_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The name and command line of a holder are remembered per process (PID and start time)
    # for a short while; an exec keeps both, so only that while may pass before the new name.
    monkeypatch.setattr(lockcore._process, "PROCESS_FACTS_TTL", 0.2)
    code = "import os, sys; sys.stdin.readline(); os.execvp('sleep', ['sleep', '120'])"
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE)
    try:
        lock_path_of(data_path).write_text(f"{holder.pid}\n", encoding="ascii")
        before = inspect_read_only(data_path)
        assert before.state is LockState.HELD_ALIVE
        assert before.process_name is not None
        assert before.process_name.startswith("python")
        assert holder.stdin is not None
        holder.stdin.write(b"exec\n")
        holder.stdin.close()
        wait_until(
            lambda: inspect_lock(data_path).process_name == "sleep",
            10,
            "the new program's name showed",
        )
        after = inspect_lock(data_path)
        assert after.state is LockState.HELD_ALIVE
        assert after.cmdline == ("sleep", "120")
    finally:
        holder.kill()
        holder.wait()


def test_legacy_bare_pid_of_a_dead_process(data_path: Path) -> None:
    pid = dead_pid()
    lock_path_of(data_path).write_text(str(pid))
    info = inspect_read_only(data_path)
    assert info.state is LockState.STALE_DEAD_HOLDER
    assert info.format is LockFormat.LEGACY
    assert info.pid == pid
    assert info.holder_alive is False
    assert str(pid) in info.reason


def test_reused_pid_is_stale(data_path: Path, workers: StartWorker) -> None:
    newcomer = workers("legacy", "serve", data_path)  # alive, started just now
    lock_path_of(data_path).write_text(str(newcomer.pid))
    back_date(lock_path_of(data_path), 30)  # the lock predates the process: PID reused
    info = inspect_read_only(data_path)
    assert info.state is LockState.STALE_DEAD_HOLDER
    assert info.pid == newcomer.pid
    assert info.holder_alive is False


@pytest.mark.usefixtures("on_network_filesystem")
def test_other_host_is_not_verifiable_and_never_stale_by_age(
    data_path: Path, workers: StartWorker
) -> None:
    killed_lockcore_lock(data_path, workers)
    rewrite_lock_lines(data_path, {"host": OTHER_HOST, "created": repr(time.time() - 7200)})
    back_date(lock_path_of(data_path), 7200)
    content = lock_path_of(data_path).read_bytes()

    info = inspect_read_only(data_path)
    assert info.state is LockState.HELD_OTHER_HOST
    assert info.hostname == OTHER_HOST
    assert info.holder_alive is None
    assert not info.is_stale
    with pytest.raises(LockTimeout):
        FileLock(data_path, timeout=0.2).acquire()
    assert lock_path_of(data_path).read_bytes() == content


@pytest.mark.usefixtures("on_network_filesystem")
def test_other_host_lease_is_opt_in(data_path: Path, workers: StartWorker) -> None:
    killed_lockcore_lock(data_path, workers)
    rewrite_lock_lines(data_path, {"host": OTHER_HOST, "created": repr(time.time() - 7200)})
    back_date(lock_path_of(data_path), 7200)

    assert inspect_read_only(data_path, stale_after=60).is_stale
    assert not inspect_read_only(data_path, stale_after=3 * 3600).is_stale
    with FileLock(data_path, timeout=0.5, stale_after=60):
        assert lock_holder_pid(lock_path_of(data_path)) == os.getpid()


def test_empty_fresh_lock_is_being_created_not_stale(data_path: Path) -> None:
    lock_path_of(data_path).touch()  # a legacy creator between O_EXCL and writing its PID
    info = inspect_read_only(data_path)
    assert info.state is LockState.BEING_CREATED
    assert not info.is_stale
    with pytest.raises(LockTimeout):
        FileLock(data_path, timeout=0.2).acquire()
    assert lock_path_of(data_path).exists()


def test_empty_lock_dated_in_the_future_is_not_being_created(data_path: Path) -> None:
    # Clock skew or a copied file: "being created" would last as long as the skew.
    lock_path_of(data_path).touch()
    back_date(lock_path_of(data_path), -3600)
    info = inspect_read_only(data_path)
    assert info.state is LockState.STALE_DEAD_HOLDER, info.reason
    with FileLock(data_path, timeout=1.0):
        assert lock_holder_pid(lock_path_of(data_path)) == os.getpid()


def test_legacy_bare_pid_of_a_zombie_is_stale(data_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])  # not reaped until the end
    try:
        stat_path = Path(f"/proc/{child.pid}/stat")
        wait_until(
            lambda: stat_path.read_bytes().rsplit(b")", 1)[1].split()[0] == b"Z",
            10,
            "the child became a zombie",
        )
        lock_path_of(data_path).write_text(f"{child.pid}\n", encoding="ascii")
        info = inspect_read_only(data_path)
        assert info.state is LockState.STALE_DEAD_HOLDER
        assert "zombie" in info.reason
        assert info.holder_alive is False
    finally:
        child.wait()


def test_judging_a_bare_pid_reads_proc_once_not_psutil(
    data_path: Path, workers: StartWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A folder's legacy locks are judged by one read of /proc/<pid>/stat each (psutil read it
    # three times and cost 40-140 us a lock); psutil is left the holder's name, remembered.
    holder = workers("legacy", "serve", data_path)
    holder.hold()
    first = inspect_read_only(data_path)
    assert first.state is LockState.HELD_ALIVE
    asked: list[int] = []
    real_process = lockcore._holder.psutil.Process

    def counting_process(pid: int) -> object:
        asked.append(pid)
        return real_process(pid)

    monkeypatch.setattr(lockcore._holder.psutil, "Process", counting_process)
    again = inspect_read_only(data_path)
    assert again.state is LockState.HELD_ALIVE
    assert again.process_name == first.process_name
    assert asked == []
    # The start time is psutil's, so that the process facts remembered under it are found.
    facts = lockcore._process.proc_stat(holder.pid)
    assert facts is not None
    assert facts[2] == pytest.approx(real_process(holder.pid).create_time(), abs=1e-6)
