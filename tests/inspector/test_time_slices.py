"""The GUI thread asks Linux for short time slices, for itself alone (issue 11 §6)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from inspector.time_slices import GUI_SLICE_NS, current_slice_ns

ROOT = Path(__file__).resolve().parents[2]


def _kernel_at_least(major: int, minor: int) -> bool:
    try:
        numbers = platform.release().split("-")[0].split(".")
        return (int(numbers[0]), int(numbers[1])) >= (major, minor)
    except (IndexError, ValueError):
        return False


pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or not _kernel_at_least(6, 12)
    or current_slice_ns() is None,
    reason="needs Linux 6.12 or later, which takes slice requests and reports se.slice",
)

# Run in a child: the test runner's own threads keep their slices. As ``nobody`` (we run as
# root): asking needs no privilege. The child prints its default slice, its GUI thread's, those
# of a thread and of a process it starts afterwards, and whether its nice value and policy
# stayed.
_CHILD = """
import os, subprocess, sys, threading
from PySide6.QtWidgets import QApplication
from inspector.app import share_interpreter_with_gui
from inspector.time_slices import current_slice_ns, request_short_slice
os.setgid(65534)  # after the imports: nobody cannot read the interpreter's files
os.setuid(65534)
app = QApplication([])
def policy():  # the policy and nice value (sched_getscheduler adds SCHED_RESET_ON_FORK)
    return os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0) & ~0x40000000
before = policy()
default = current_slice_ns()
share_interpreter_with_gui()
after = policy()
share_interpreter_with_gui()  # twice (the benchmarks call it again): the same
started = []
thread = threading.Thread(target=lambda: started.append(current_slice_ns()))
thread.start()
thread.join()
sched = subprocess.run(["cat", "/proc/self/sched"], capture_output=True, text=True, check=True)
process = next(line for line in sched.stdout.splitlines() if line.startswith("se.slice"))
gui = current_slice_ns()
request_short_slice(0)  # the default again (bench_inspector.py --default-slice)
print(default, gui, started[0], int(process.split(":")[1]), before == after, current_slice_ns())
"""


def test_the_gui_thread_asks_for_short_slices_and_what_it_starts_does_not() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
        cwd="/",
    )
    default, gui, thread, process, kept, again = result.stdout.split()
    assert int(gui) == GUI_SLICE_NS != int(default)
    assert int(thread) == int(process) == int(again) == int(default)
    assert kept == "True"
