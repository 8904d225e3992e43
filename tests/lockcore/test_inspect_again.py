"""``inspect_lock`` judging fast and still right (issue 11 §6): a holder seen alive is pinned by
a pidfd and checked by a poll of it (never fooled by a descriptor closed behind lockcore's back,
a zombie, or its PID reused), and a lock looked at again is judged again by what judged it --
a holder's death, a new lock in its place, a back-dated file, a moved mtime are each seen at the
next look."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _locks_on_disk import StartWorker, inspect_read_only, lock_path_of
from _procs import back_date, wait_until

import lockcore._holder
import lockcore._lockinfo
import lockcore._process
from lockcore import LockIdentity, LockInfo, LockState, inspect_lock

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
