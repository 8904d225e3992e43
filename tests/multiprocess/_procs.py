"""Parent side of the multi-process tests: start ``_worker.py`` children and talk to them.

Synchronisation is by reading the children's stdout lines (each read has a deadline), never by
sleeping. Crash tests use real ``SIGKILL``; syscall-timing tests run the child under ``strace``
(``-e inject=...:delay_enter``) to hold it *inside* one system call, which is how a crash or a
lost race "between two syscalls" is made deterministic without mocking anything.
"""

from __future__ import annotations

import contextlib
import os
import platform
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

WORKER_SCRIPT = Path(__file__).resolve().with_name("_worker.py")
DEFAULT_DEADLINE = 15.0

# System-call numbers, for reading /proc/PID/syscall while strace holds a child in a call.
_SYSCALL_NUMBERS = {
    "x86_64": {
        "unlink": 87,
        "unlinkat": 263,
        "rename": 82,
        "renameat": 264,
        "renameat2": 316,
        "flock": 73,
        "poll": 7,
        "ppoll": 271,
    },
    "aarch64": {"unlinkat": 35, "renameat": 38, "renameat2": 276, "flock": 32, "ppoll": 73},
}
REMOVAL_SYSCALLS = ("unlink", "unlinkat", "rename", "renameat", "renameat2")
RENAME_SYSCALLS = ("rename", "renameat", "renameat2")


def syscall_numbers(names: Sequence[str]) -> set[int]:
    table = _SYSCALL_NUMBERS[platform.machine()]
    return {table[name] for name in names if name in table}


def existing_syscalls(names: Sequence[str]) -> str:
    """Comma list of the ``names`` this architecture has (aarch64 has no plain unlink)."""
    table = _SYSCALL_NUMBERS[platform.machine()]
    return ",".join(name for name in names if name in table)


class Worker:
    """One child process running ``_worker.py IMPL MODE PATH ...``."""

    def __init__(
        self,
        impl: str,
        mode: str,
        path: str | os.PathLike[str],
        *options: str,
        prefix: Sequence[str] = (),
    ) -> None:
        command = [
            *prefix,
            sys.executable,
            str(WORKER_SCRIPT),
            impl,
            mode,
            os.fspath(path),
            *options,
        ]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
        self.impl = impl
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            env=env,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.stderr_lines: list[str] = []
        # Reader threads: a blocking readline() with a deadline needs one; they end at EOF.
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        threading.Thread(target=self._pump_stderr, daemon=True).start()
        #: PID of the Python worker itself (differs from proc.pid under a strace prefix).
        self.pid = int(self.expect("ready")[1])

    def _pump_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _pump_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_lines.append(line.rstrip("\n"))

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, *events: str, timeout: float = DEFAULT_DEADLINE) -> list[str]:
        """Next stdout line, split; its first word must be one of ``events``."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"{self.impl} worker sent nothing within {timeout}s (waiting for {events}); "
                f"stderr: {self.stderr_tail()}"
            ) from None
        if line is None:
            self.proc.wait(timeout=timeout)
            raise AssertionError(
                f"{self.impl} worker exited ({self.proc.returncode}) while {events} was "
                f"expected; stderr: {self.stderr_tail()}"
            )
        words = line.split()
        if not words or words[0] not in events:
            raise AssertionError(
                f"{self.impl} worker said {line!r}, expected {events}; stderr: {self.stderr_tail()}"
            )
        return words

    def stderr_tail(self) -> str:
        return " | ".join(self.stderr_lines[-15:])

    def acquire(self, timeout: float) -> list[str]:
        """Ask a ``serve`` worker to acquire; returns the ``held``/``timeout`` event."""
        self.send(f"acquire {timeout}")
        self.expect("waiting")
        return self.expect("held", "timeout", timeout=timeout + DEFAULT_DEADLINE)

    def hold(self, timeout: float = 5.0) -> list[str]:
        event = self.acquire(timeout)
        assert event[0] == "held", f"{self.impl} worker could not take the lock: {event}"
        return event

    def kill(self) -> None:
        """SIGKILL the Python worker and wait until it is really gone.

        Under strace, the worker may sit stopped at the entry of a delayed syscall, where it
        cannot die until its tracer lets go. So SIGKILL goes to the worker first (pending), then
        to strace: detached with a fatal signal pending, the kernel skips the stalled syscall
        and the worker dies without running it.
        """
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        if self.proc.pid != self.pid:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        self.proc.wait(timeout=DEFAULT_DEADLINE)
        wait_until(lambda: not _is_running(self.pid), DEFAULT_DEADLINE, "the worker died")

    def finish(self, timeout: float = DEFAULT_DEADLINE) -> int:
        assert self.proc.stdin is not None
        with contextlib.suppress(BrokenPipeError, OSError):
            self.proc.stdin.close()
        return self.proc.wait(timeout=timeout)

    def cleanup(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=DEFAULT_DEADLINE)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


@contextlib.contextmanager
def worker_pool() -> Iterator[Callable[..., Worker]]:
    """Factory of workers that are all killed and reaped when the block ends."""
    started: list[Worker] = []

    def start(*args: str | os.PathLike[str], prefix: Sequence[str] = ()) -> Worker:
        worker = Worker(*args, prefix=prefix)  # type: ignore[arg-type]
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.cleanup()


def _is_running(pid: int) -> bool:
    """False once ``pid`` is gone or a zombie (dead, not yet reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def strace_delay_prefix(
    watched_path: str | os.PathLike[str] | None,
    syscalls: Sequence[str],
    delay_seconds: float,
    log_path: str | os.PathLike[str],
) -> list[str]:
    """strace arguments that stall every ``syscalls`` call (touching ``watched_path``).

    strace's ``-P`` matches only a call's *first* path (rename's source, not its target), so
    pass None to stall every such call when the interesting path is a target.
    """
    names = existing_syscalls(syscalls)
    path_filter = ["-P", os.fspath(watched_path)] if watched_path is not None else []
    return [
        "strace",
        "-f",
        "-qq",
        "-o",
        os.fspath(log_path),
        *path_filter,
        "-e",
        f"trace={names}",
        "-e",
        f"inject={names}:delay_enter={int(delay_seconds * 1_000_000)}",
    ]


def current_syscall(pid: int) -> int | None:
    """The system call ``pid``'s main thread is in, or None when running/gone."""
    try:
        text = Path(f"/proc/{pid}/syscall").read_text()
    except OSError:
        return None
    first = text.split()[0] if text.split() else ""
    return int(first) if first.lstrip("-").isdigit() else None


def wait_until_in_syscall(pid: int, names: Sequence[str], timeout: float) -> None:
    """Poll (with a deadline) until ``pid`` is stopped inside one of the ``names`` calls."""
    wanted = syscall_numbers(names)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if current_syscall(pid) in wanted:
            return
        time.sleep(0.001)
    raise AssertionError(f"process {pid} never entered any of {names} within {timeout}s")


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {what}")
        time.sleep(0.002)


def back_date(path: str | os.PathLike[str], seconds: float) -> None:
    """Set atime and mtime ``seconds`` into the past (how an old lock looks)."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def lock_holder_pid(lock_path: str | os.PathLike[str]) -> int | None:
    """The PID on the lock file's first line (both formats), or None."""
    try:
        first = Path(lock_path).read_bytes().split(b"\n", 1)[0].strip()
    except OSError:
        return None
    return int(first) if first.isdigit() else None


def dead_pid() -> int:
    """A PID that belonged to a process which has exited and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=DEFAULT_DEADLINE)
    return proc.pid


def impls_where_legacy_fails(reason: str) -> list[object]:
    """``["legacy", "lockcore"]`` parameters; legacy is a strict xfail: it has the defect.

    Strict, so that if the legacy double ever passed, the test would be shown not to detect
    the defect it is named after.
    """
    return [
        pytest.param("legacy", marks=pytest.mark.xfail(strict=True, reason=reason)),
        "lockcore",
    ]
