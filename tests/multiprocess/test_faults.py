"""Crash windows, injected syscall faults and containers (issue 9, §3 and §4).

Each test makes the fault real: a child held inside one system call by ``strace`` and SIGKILLed
there, a system call made to fail with ``strace -e inject=...:error=...``, a holder in its own
UTS or PID namespace (``unshare``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from _procs import (
    RENAME_SYSCALLS,
    Worker,
    existing_syscalls,
    strace_delay_prefix,
    wait_until_in_syscall,
)

import lockcore
from lockcore import LockState, _process
from lockcore._process import WallClockSteps

StartWorker = Callable[..., Worker]


def increment(data: dict[str, int]) -> dict[str, int]:
    return {**data, "count": data.get("count", 0) + 1}


def lock_path_of(data_path: Path) -> Path:
    return data_path.with_name(data_path.name + ".lock")


def strace_fault_prefix(
    watched_path: Path | None, syscall: str, error: str, log_path: Path, when: str = "1+"
) -> list[str]:
    """strace arguments that make ``syscall`` (on ``watched_path``) fail with ``error``, from
    its ``when``-th call on (strace's syntax: ``2`` only the second, ``1+`` every one)."""
    path_filter = ["-P", os.fspath(watched_path)] if watched_path is not None else []
    return [
        "strace",
        "-f",
        "-qq",
        "-o",
        os.fspath(log_path),
        *path_filter,
        "-e",
        f"trace={syscall}",
        "-e",
        f"inject={syscall}:error={error}:when={when}",
    ]


def test_creator_killed_before_its_lock_has_content_is_recovered_at_once(
    data_path: Path, tmp_path: Path, workers: StartWorker
) -> None:
    # Held inside the flock of the lock file it is creating, then SIGKILLed: the reviewed
    # protocol's empty lock file would cost every contender the 5 s grace. A lockcore lock
    # appears only complete, so there is nothing to wait for.
    prefix = strace_delay_prefix(None, ["flock"], 30, tmp_path / "strace.log")
    creator = workers("lockcore", "serve", data_path, prefix=prefix)
    creator.send("acquire 5")
    creator.expect("waiting")
    wait_until_in_syscall(creator.pid, ["flock"], timeout=10)
    creator.kill()
    assert lockcore.locked_update_json(data_path, increment, timeout=1.0) == {"count": 1}
    assert sorted(os.listdir(data_path.parent)) == ["store.json", "strace.log"]


def test_temp_file_of_a_writer_killed_mid_write_is_reaped_under_the_lock(
    data_path: Path, tmp_path: Path, workers: StartWorker
) -> None:
    lockcore.locked_write_json(data_path, {"count": 41})
    prefix = strace_delay_prefix(None, RENAME_SYSCALLS, 30, tmp_path / "strace.log")
    writer = workers("lockcore", "update-once", data_path, "--timeout", "5", prefix=prefix)
    wait_until_in_syscall(writer.pid, RENAME_SYSCALLS, timeout=10)
    writer.kill()  # dies holding the lock, its temp file written but not renamed
    assert list(data_path.parent.glob("store.json.*.tmp"))
    assert lockcore.locked_update_json(data_path, increment, timeout=1.0) == {"count": 42}
    assert list(data_path.parent.glob("store.json.*.tmp")) == []


def test_directory_that_cannot_be_opened_for_fsync_is_reported(
    data_path: Path, tmp_path: Path, workers: StartWorker
) -> None:
    lockcore.locked_write_json(data_path, {"count": 1})
    # The directory is opened twice: to make the lock file in it (O_TMPFILE), then to sync it.
    prefix = strace_fault_prefix(
        data_path.parent, "openat", "EACCES", tmp_path / "strace.log", when="2"
    )
    writer = workers("lockcore", "update-once", data_path, "--timeout", "5", prefix=prefix)
    error = writer.expect("error", "committed")
    assert error[:3] == ["error", "NotDurableError", "True"], "a durable update skipped fsync"
    assert lockcore.locked_read_json(data_path) == {"count": 2}  # committed nonetheless


def test_directory_fsync_failure_says_committed_not_durable(
    data_path: Path, tmp_path: Path, workers: StartWorker
) -> None:
    lockcore.locked_write_json(data_path, {"count": 1})
    prefix = strace_fault_prefix(data_path.parent, "fsync", "EIO", tmp_path / "strace.log")
    writer = workers("lockcore", "update-once", data_path, "--timeout", "5", prefix=prefix)
    error = writer.expect("error", "committed")
    # A caller that retried on a plain OSError would apply its update twice.
    assert error[:3] == ["error", "NotDurableError", "True"]
    assert lockcore.locked_read_json(data_path) == {"count": 2}
    assert issubclass(lockcore.NotDurableError, OSError)


def test_holder_without_kernel_lock_is_judged_by_its_pid(
    data_path: Path, tmp_path: Path, workers: StartWorker
) -> None:
    # A filesystem without flock: the holder cannot take its kernel lock, so a free kernel
    # lock proves nothing about it. Its lock says so, and it is judged by its PID: alive.
    prefix = strace_fault_prefix(None, "flock", "ENOLCK", tmp_path / "strace.log")
    holder = workers("lockcore", "serve", data_path, prefix=prefix)
    holder.hold()
    info = lockcore.inspect_lock(data_path)
    assert info.state is LockState.HELD_ALIVE, info.reason
    with pytest.raises(lockcore.LockTimeout):
        lockcore.locked_update_json(data_path, increment, timeout=0.3)
    assert "\nkernel-lock none\n" in lock_path_of(data_path).read_text()
    holder.kill()
    assert lockcore.locked_update_json(data_path, increment, timeout=1.0) == {"count": 1}


def rewrite_lock_line(data_path: Path, key: str, value: str) -> None:
    lock_path = lock_path_of(data_path)
    lines = [
        f"{key} {value}" if line.split(" ", 1)[0] == key else line
        for line in lock_path.read_text().split("\n")
    ]
    lock_path.write_text("\n".join(lines))


def test_wall_clock_step_does_not_make_a_live_holder_look_like_a_reused_pid(
    data_path: Path, tmp_path: Path, workers: StartWorker
) -> None:
    # Judged by PID (no kernel lock). Stepping the wall clock moves every process start time
    # in seconds (psutil derives it from the boot time): as if the lock had recorded another.
    prefix = strace_fault_prefix(None, "flock", "ENOLCK", tmp_path / "strace.log")
    holder = workers("lockcore", "serve", data_path, prefix=prefix)
    holder.hold()
    started = float(lock_path_of(data_path).read_text().split("\nstarted ")[1].split()[0])
    rewrite_lock_line(data_path, "started", f"{started + 3600:.6f}")
    info = lockcore.inspect_lock(data_path)
    assert info.state is LockState.HELD_ALIVE, info.reason
    with pytest.raises(lockcore.LockTimeout):
        lockcore.locked_update_json(data_path, increment, timeout=0.2)
    # Another start in clock ticks since boot is another process: the PID was reused.
    ticks = int(lock_path_of(data_path).read_text().split("\nstart-ticks ")[1].split()[0])
    rewrite_lock_line(data_path, "start-ticks", str(ticks + 1))
    assert lockcore.inspect_lock(data_path).state is LockState.STALE_DEAD_HOLDER


def test_wall_clock_step_seen_does_not_make_a_live_legacy_holder_look_like_a_reused_pid(
    data_path: Path, workers: StartWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bare-PID lock has only its file's wall-clock time. After the wall clock is stepped
    # forward, its holder's start (ticks since boot plus the boot time in wall-clock seconds)
    # lies after that time: as a lock would look whose holder died and whose PID was reused.
    holder = workers("legacy", "serve", data_path)
    holder.hold()
    lock = lock_path_of(data_path)
    assert lock.read_text().strip() == str(holder.proc.pid)
    started = psutil.Process(holder.proc.pid).create_time()
    os.utime(lock, (started - 600, started - 600))
    # With no step seen, that is a reused PID (what the judgement is for).
    monkeypatch.setattr(_process, "_wall_clock_steps", WallClockSteps(_process._wall_clock_lead()))
    assert lockcore.inspect_lock(data_path).state is LockState.STALE_DEAD_HOLDER
    # This process saw the wall clock stepped an hour forward since it began: the holder lives.
    lead = _process._wall_clock_lead()
    assert lead is not None
    monkeypatch.setattr(_process, "_wall_clock_steps", WallClockSteps(lead - 3600))
    info = lockcore.inspect_lock(data_path)
    assert info.state is LockState.HELD_ALIVE, info.reason
    with pytest.raises(lockcore.LockTimeout):
        lockcore.locked_update_json(data_path, increment, timeout=0.2)
    assert lock.read_text().strip() == str(holder.proc.pid)


def test_wall_clock_steps_are_told_from_the_spread_of_two_reads() -> None:
    steps = WallClockSteps(1000.0)
    assert steps.observe(1000.0 + WallClockSteps.NOISE / 2) == (0.0, 0.0)
    assert steps.observe(1003.0) == pytest.approx((3.0, 0.0))
    assert steps.observe(1001.0) == pytest.approx((3.0, 2.0))
    assert steps.observe(None) == pytest.approx((3.0, 2.0))
    # The lead read now, on this machine, moves by no more than the spread.
    lead = _process._wall_clock_lead()
    assert lead is not None
    assert WallClockSteps(lead).observe(_process._wall_clock_lead()) == (0.0, 0.0)


needs_unshare = pytest.mark.skipif(
    shutil.which("unshare") is None
    or subprocess.run(["unshare", "--uts", "true"], check=False).returncode != 0,
    reason="needs unshare and the right to make namespaces",
)


@needs_unshare
def test_holder_in_a_container_with_its_own_hostname_is_judged_by_the_kernel(
    data_path: Path, workers: StartWorker
) -> None:
    # A container sharing this machine's disk: its hostname differs, its kernel does not.
    prefix = ["unshare", "--uts", "sh", "-c", 'hostname ctr-lockcore-test && exec "$0" "$@"']
    holder = workers("lockcore", "serve", data_path, prefix=prefix)
    holder.hold()
    info = lockcore.inspect_lock(data_path)
    assert info.hostname == "ctr-lockcore-test"
    assert info.state is LockState.HELD_ALIVE, info.reason
    with pytest.raises(lockcore.LockTimeout):
        lockcore.locked_update_json(data_path, increment, timeout=0.2)
    holder.kill()
    assert lockcore.inspect_lock(data_path).state is LockState.STALE_DEAD_HOLDER
    assert lockcore.locked_update_json(data_path, increment, timeout=1.0) == {"count": 1}


@needs_unshare
def test_holder_in_its_own_pid_namespace_is_judged_by_the_kernel(
    data_path: Path, workers: StartWorker
) -> None:
    # Its PID (1 or 2 inside) means another process here, or none: only the kernel lock tells.
    prefix = ["unshare", "--pid", "--fork", "--mount-proc"]
    holder = workers("lockcore", "serve", data_path, prefix=prefix)
    holder.hold()
    assert lockcore.inspect_lock(data_path).state is LockState.HELD_ALIVE
    with pytest.raises(lockcore.LockTimeout):
        lockcore.locked_update_json(data_path, increment, timeout=0.2)
    # The worker is PID 1 of its namespace; seen from here it is unshare's child.
    children = Path(f"/proc/{holder.proc.pid}/task/{holder.proc.pid}/children").read_text()
    os.kill(int(children.split()[0]), signal.SIGKILL)
    holder.proc.wait(timeout=10)
    assert lockcore.locked_update_json(data_path, increment, timeout=2.0) == {"count": 1}


assert existing_syscalls(["flock"])  # the strace helpers know flock on this architecture


@needs_unshare
def test_bare_pid_holder_in_another_pid_namespace_is_left_alone_when_declared(
    data_path: Path, workers: StartWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A legacy holder in a container: its PID (3999991 there) names no process here. By
    # default a bare PID means this namespace and such a lock is broken at once; a deployment
    # that shares stores across PID namespaces declares it, and the live holder is left alone.
    in_container = (
        'echo 3999990 > /proc/sys/kernel/ns_last_pid && "$0" "$@"'  # the next PID: 3999991
    )
    prefix = ["unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", in_container]
    holder = workers("legacy", "serve", data_path, prefix=prefix)
    holder.hold()
    assert lock_path_of(data_path).read_text().strip() == "3999991"
    assert not Path("/proc/3999991").exists()

    monkeypatch.setenv("LOCKCORE_SHARED_PID_NAMESPACES", "1")
    info = lockcore.inspect_lock(data_path)
    assert info.state is LockState.HELD_OTHER_HOST, info.reason
    with pytest.raises(lockcore.LockTimeout):
        lockcore.locked_update_json(data_path, increment, timeout=0.2)
    assert lock_path_of(data_path).read_text().strip() == "3999991"

    monkeypatch.delenv("LOCKCORE_SHARED_PID_NAMESPACES")
    assert lockcore.inspect_lock(data_path).state is LockState.STALE_DEAD_HOLDER
