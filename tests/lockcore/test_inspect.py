"""``inspect_lock`` and ``break_stale_lock`` on real locks held, killed and forged on disk.

Each lock state is produced the way it happens in the field: a live child process holding,
a ``SIGKILL``ed one, a legacy bare-PID file, a PID reused by a newer process (``os.utime``
back-dating), a lock written on another host, a lock file caught before its PID was written.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _procs import Worker, back_date, dead_pid, lock_holder_pid, wait_until

import lockcore._holder
import lockcore._lock_content
import lockcore._lockinfo
import lockcore._platform
import lockcore._process
from lockcore import (
    FileLock,
    HolderAliveError,
    LockChangedError,
    LockFormat,
    LockIdentity,
    LockInfo,
    LockState,
    LockTimeout,
    break_stale_lock,
    inspect_lock,
)

StartWorker = Callable[..., Worker]
OTHER_HOST = "elsewhere.invalid"


@pytest.fixture
def on_network_filesystem(monkeypatch: pytest.MonkeyPatch) -> None:
    """Judge as if the store were on a network filesystem (NFS, SMB), where another host's
    holder cannot be checked. On a local filesystem every holder shares this kernel, whatever
    its hostname, and its free kernel lock proves it dead; CI cannot mount NFS, so the list
    of filesystems lockcore knows to be local is emptied instead."""
    monkeypatch.setattr(lockcore._platform, "LOCAL_FILESYSTEMS", frozenset())


def lock_path_of(data_path: Path) -> Path:
    return data_path.with_name(data_path.name + ".lock")


def directory_state(directory: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every entry's inode, mtime and bytes: inspecting must leave this exactly as it was."""
    return {
        entry.name: (entry.stat().st_ino, entry.stat().st_mtime_ns, entry.read_bytes())
        for entry in sorted(directory.iterdir())
    }


def inspect_read_only(data_path: Path, **kwargs: float) -> LockInfo:
    before = directory_state(data_path.parent)
    info = inspect_lock(data_path, **kwargs)
    assert directory_state(data_path.parent) == before, "inspect_lock changed the directory"
    return info


def killed_lockcore_lock(data_path: Path, workers: StartWorker) -> bytes:
    """A genuine lockcore lock file whose holder has been SIGKILLed; returns its bytes."""
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    holder.kill()
    return lock_path_of(data_path).read_bytes()


def rewrite_lock_lines(data_path: Path, replacements: dict[str, str]) -> None:
    """Replace whole ``key value`` lines of a lockcore lock file (forging what another wrote)."""
    lock_path = lock_path_of(data_path)
    lines = lock_path.read_text().split("\n")
    for index, line in enumerate(lines):
        key = line.split(" ", 1)[0]
        if key in replacements:
            lines[index] = f"{key} {replacements[key]}"
    lock_path.write_text("\n".join(lines))


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


# --- break_stale_lock ------------------------------------------------------------------------


def test_break_removes_the_dead_holders_lock(data_path: Path, workers: StartWorker) -> None:
    killed_lockcore_lock(data_path, workers)
    break_stale_lock(data_path, inspect_lock(data_path))
    assert not lock_path_of(data_path).exists()


def test_break_refuses_a_lock_that_changed(data_path: Path, workers: StartWorker) -> None:
    killed_lockcore_lock(data_path, workers)
    judged = inspect_lock(data_path)
    successor = workers("lockcore", "serve", data_path)
    successor.hold()  # takes over the dead lock: a new lock now stands at the same path

    with pytest.raises(LockChangedError) as caught:
        break_stale_lock(data_path, judged)

    assert caught.value.path == str(data_path)
    assert lock_holder_pid(lock_path_of(data_path)) == successor.pid
    if caught.value.current is not None:
        assert caught.value.current.pid == successor.pid


def test_break_refuses_a_lock_that_vanished(data_path: Path) -> None:
    lock_path_of(data_path).write_text(str(dead_pid()))
    judged = inspect_lock(data_path)
    lock_path_of(data_path).unlink()
    with pytest.raises(LockChangedError):
        break_stale_lock(data_path, judged)
    assert not lock_path_of(data_path).exists()


def test_break_refuses_a_live_holder(data_path: Path, workers: StartWorker) -> None:
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    content = lock_path_of(data_path).read_bytes()
    with pytest.raises(HolderAliveError) as caught:
        break_stale_lock(data_path, inspect_lock(data_path))
    assert caught.value.holder.pid == holder.pid
    assert lock_path_of(data_path).read_bytes() == content


@pytest.mark.usefixtures("on_network_filesystem")
def test_break_refuses_an_unverifiable_holder(data_path: Path, workers: StartWorker) -> None:
    killed_lockcore_lock(data_path, workers)
    rewrite_lock_lines(data_path, {"host": OTHER_HOST})
    with pytest.raises(HolderAliveError):
        break_stale_lock(data_path, inspect_lock(data_path))
    assert lock_path_of(data_path).exists()


def test_break_with_force_removes_a_live_holders_lock(
    data_path: Path, workers: StartWorker
) -> None:
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    break_stale_lock(data_path, inspect_lock(data_path), force=True)
    assert not lock_path_of(data_path).exists()
    # The holder learns it lost the lock when it next relies on it; its release is harmless.
    holder.send("release")
    holder.expect("released", "error")
    assert not lock_path_of(data_path).exists()


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


# --- judging fast: a holder seen alive is pinned by a pidfd (issue 11 §6) ---------------------

#: A holder that lives until the test kills it (waiting on stdin ended at once where the tests'
#: stdin is /dev/null, as under CI: a holder dead before it was judged).
IDLE_FOR_A_WHILE = "import time; time.sleep(600)"


@pytest.fixture
def bare_pid_holder(data_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A live process whose bare PID is in ``data_path``'s lock file, as a legacy holder's;
    killed (if the test did not) and reaped at the end."""
    holder = subprocess.Popen([sys.executable, "-c", IDLE_FOR_A_WHILE])
    try:
        lock_path_of(data_path).write_text(f"{holder.pid}\n", encoding="ascii")
        yield holder
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()


def test_a_live_bare_pid_holder_seen_before_is_checked_without_reading_proc(
    data_path: Path, bare_pid_holder: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A folder's legacy locks are judged again every second: a holder seen alive is pinned by
    # a pidfd, whose poll says it is still that process, without reading /proc/<pid>/stat.
    # Its death is still seen at once, the next look.
    holder = bare_pid_holder
    assert inspect_read_only(data_path).state is LockState.HELD_ALIVE
    reads: list[int] = []
    real_proc_stat = lockcore._process.proc_stat

    def counting_proc_stat(pid: int) -> object:
        reads.append(pid)
        return real_proc_stat(pid)

    monkeypatch.setattr(lockcore._process, "proc_stat", counting_proc_stat)
    # (lockcore before the pins read /proc through its own import of proc_stat)
    monkeypatch.setattr(lockcore._holder, "proc_stat", counting_proc_stat, raising=False)
    again = inspect_read_only(data_path)
    assert again.state is LockState.HELD_ALIVE
    assert again.holder_alive is True
    assert reads == []
    holder.kill()
    holder.wait()
    dead = inspect_read_only(data_path)
    assert dead.state is LockState.STALE_DEAD_HOLDER, dead.reason
    assert set(reads) == {holder.pid}  # read afresh once the pin said it exited


def _pidfds() -> list[int]:
    """This process's pidfds, found as a program closing descriptors it did not open would."""
    fds = []
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}") == "anon_inode:[pidfd]":
                fds.append(int(name))
        except OSError:
            continue
    return fds


def test_a_pin_closed_behind_lockcores_back_is_neither_polled_nor_closed(
    data_path: Path, bare_pid_holder: subprocess.Popen[bytes]
) -> None:
    # A program closes the pin's descriptor (a daemon closing all it did not open) and its
    # next file takes the number: lockcore must not take that file for the pin -- poll it as
    # the holder, close it when pins are dropped.
    lockcore._process.forget_pinned_processes()
    before = set(_pidfds())
    assert inspect_read_only(data_path).state is LockState.HELD_ALIVE
    (pin,) = set(_pidfds()) - before
    os.close(pin)
    reader, writer = os.pipe()  # no data: a poll of it says what a live pidfd says
    try:
        assert pin in (reader, writer)
        assert inspect_read_only(data_path).state is LockState.HELD_ALIVE
        bare_pid_holder.kill()
        bare_pid_holder.wait()
        dead = inspect_read_only(data_path)
        assert dead.state is LockState.STALE_DEAD_HOLDER, dead.reason
        lockcore._process.forget_pinned_processes()
        os.fstat(reader)
        os.fstat(writer)  # both still open: not closed as pins
    finally:
        os.close(reader)
        os.close(writer)


def test_a_pinned_holder_that_becomes_a_zombie_is_stale(
    data_path: Path, bare_pid_holder: subprocess.Popen[bytes]
) -> None:
    assert inspect_read_only(data_path).state is LockState.HELD_ALIVE
    os.kill(bare_pid_holder.pid, 9)  # not reaped until the end: a zombie
    stat_path = Path(f"/proc/{bare_pid_holder.pid}/stat")
    wait_until(
        lambda: stat_path.read_bytes().rsplit(b")", 1)[1].split()[0] == b"Z",
        10,
        "the holder became a zombie",
    )
    info = inspect_read_only(data_path)
    assert info.state is LockState.STALE_DEAD_HOLDER
    assert "zombie" in info.reason


NS_LAST_PID = Path("/proc/sys/kernel/ns_last_pid")


def _start_with_pid(pid: int, attempts: int = 50) -> subprocess.Popen[bytes] | None:
    """A new process with exactly ``pid`` (by setting the kernel's last PID), or None."""
    for _ in range(attempts):
        NS_LAST_PID.write_text(str(pid - 1))
        process = subprocess.Popen(["sleep", "60"])
        if process.pid == pid:
            return process
        process.kill()
        process.wait()
    return None


@pytest.mark.skipif(
    not os.access(NS_LAST_PID, os.W_OK), reason="needs the right to choose the next PID"
)
def test_a_reused_pid_is_not_taken_for_the_pinned_process_it_replaced(data_path: Path) -> None:
    # A holder judged alive is pinned; it dies and its PID goes to a newcomer. A memory of the
    # PID would call the newcomer the holder; the pin's process has exited, so the newcomer
    # is looked at afresh: it started at another clock tick since boot, the PID was reused.
    original = subprocess.Popen(["sleep", "60"])
    pid = original.pid
    ticks = lockcore._process.start_ticks(pid)
    lock_path_of(data_path).write_text(
        f"{pid}\nlockcore 1\nhost {socket.gethostname()}\nstart-ticks {ticks}\n"
        f"created {time.time():.6f}\ntoken 0123456789abcdef\nkernel-lock none\n",
        encoding="ascii",
    )
    assert inspect_read_only(data_path).state is LockState.HELD_ALIVE
    original.kill()
    original.wait()
    time.sleep(0.02)  # a newcomer needs another clock tick since boot than the original
    newcomer = _start_with_pid(pid)
    if newcomer is None:
        pytest.skip(f"PID {pid} went to another process")
    try:
        info = inspect_read_only(data_path)
        assert info.state is LockState.STALE_DEAD_HOLDER, info.reason
        assert "another process" in info.reason
    finally:
        newcomer.kill()
        newcomer.wait()


def test_a_lock_info_made_fast_is_the_dataclass_own() -> None:
    # inspect_lock fills a LockInfo's fields at once, past the frozen dataclass's __init__:
    # the object must be the one __init__ would make, for every field there is.
    values: dict[str, object] = {
        field.name: f"value of {field.name}" for field in dataclasses.fields(LockInfo)
    }
    values["identity"] = (1, 2)
    made = lockcore._lockinfo.lock_info(*values.values())  # type: ignore[arg-type]
    expected = LockInfo(**{**values, "identity": LockIdentity(1, 2, "value of content")})  # type: ignore[arg-type]
    assert made == expected
    assert vars(made) == vars(expected)
    assert hash(made.identity) == hash(expected.identity)
    no_identity = lockcore._lockinfo.lock_info(*{**values, "identity": None}.values())  # type: ignore[arg-type]
    assert no_identity == LockInfo(**{**values, "identity": None})  # type: ignore[arg-type]


@pytest.mark.usefixtures("bare_pid_holder")
def test_the_shared_pid_namespaces_declaration_is_read_as_the_environment_is_now(
    data_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read from os.environ's own dict (one lookup per legacy lock judged): a change made
    # through os.environ counts from the next judgement, as with os.environ.get.
    monkeypatch.delenv(lockcore._holder.SHARED_PID_NAMESPACES_VARIABLE, raising=False)
    assert inspect_read_only(data_path).state is LockState.HELD_ALIVE
    monkeypatch.setenv(lockcore._holder.SHARED_PID_NAMESPACES_VARIABLE, "1")
    assert inspect_read_only(data_path).state is LockState.HELD_OTHER_HOST
    monkeypatch.setenv(lockcore._holder.SHARED_PID_NAMESPACES_VARIABLE, "")
    assert inspect_read_only(data_path).state is LockState.HELD_ALIVE


def test_a_lock_looked_at_again_is_judged_again(data_path: Path, workers: StartWorker) -> None:
    # A lock described before is checked again by its kernel lock alone while it is the very
    # same file: its holder's death shows at the next look, and so does a new lock in its place.
    holder = workers("lockcore", "serve", data_path)
    holder.hold()
    first = inspect_read_only(data_path)
    again = inspect_read_only(data_path)
    assert first.state is again.state is LockState.HELD_ALIVE
    assert dataclasses.replace(again, inspected_at=first.inspected_at) == first
    assert again.inspected_at >= first.inspected_at
    holder.kill()
    dead = inspect_read_only(data_path)
    assert dead.state is LockState.STALE_DEAD_HOLDER, dead.reason
    newcomer = workers("lockcore", "serve", data_path)
    newcomer.hold()
    current = inspect_read_only(data_path)
    assert current.state is LockState.HELD_ALIVE
    assert current.pid == newcomer.pid
    assert current.identity != first.identity


@pytest.mark.usefixtures("bare_pid_holder")
def test_a_bare_pid_lock_looked_at_again_is_judged_again_when_its_file_changed(
    data_path: Path,
) -> None:
    # A bare-PID lock described before is the same judgement only while its file has the same
    # mtime: back-dated before its holder started, the PID now names a newer process.
    assert inspect_read_only(data_path).state is LockState.HELD_ALIVE
    assert inspect_read_only(data_path).state is LockState.HELD_ALIVE
    back_date(lock_path_of(data_path), 30)
    info = inspect_read_only(data_path)
    assert info.state is LockState.STALE_DEAD_HOLDER, info.reason
    assert "another process" in info.reason


def test_a_held_lock_without_a_created_line_shows_its_new_mtime_at_the_next_look(
    data_path: Path,
) -> None:
    # Without a created line a lock's age is its file's mtime (which the keep-alive touches):
    # a lock looked at again is described anew when its mtime moved.
    lock_path = lock_path_of(data_path)
    lock_path.write_text("", encoding="ascii")
    holder = subprocess.Popen(["flock", os.fspath(lock_path), "sleep", "60"])
    try:
        lock_path.write_text(
            f"{holder.pid}\nlockcore 1\nhost {socket.gethostname()}\ntoken 0123456789abcdef\n",
            encoding="ascii",
        )
        wait_until(
            lambda: inspect_lock(data_path).state is LockState.HELD_ALIVE, 10, "flock holds it"
        )
        first = inspect_read_only(data_path)
        assert first.created == pytest.approx(lock_path.stat().st_mtime)
        back_date(lock_path, 100)
        again = inspect_read_only(data_path)
        assert again.state is LockState.HELD_ALIVE
        assert again.created == pytest.approx(lock_path.stat().st_mtime)
        assert again.created is not None
        assert first.created is not None
        assert again.created < first.created - 50
    finally:
        holder.kill()
        holder.wait()
