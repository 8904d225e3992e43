"""Forking while other threads take and give back locks (issue 9, §2).

A child forked at any moment must not inherit a descriptor that carries one of the parent's
kernel locks (it would keep the lock alive after the parent dies), and must be able to wait for
a lock itself (no lockcore guard left locked by a thread that does not exist in the child).
``os.fork`` runs the ``register_at_fork`` hooks; a raw ``libc.fork()`` bypasses them and is out
of scope (see the README's Guarantees).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import lockcore

ROOT = Path(__file__).resolve().parents[2]

CHILD_PROGRAM = textwrap.dedent(
    """
    import json, os, signal, sys, threading, time
    sys.path.insert(0, sys.argv[1])
    import lockcore
    from lockcore import _platform

    directory = sys.argv[2]
    stores = [os.path.join(directory, f"store{index}.json") for index in range(2)]
    stop = threading.Event()

    def hammer(path):
        while not stop.is_set():
            with lockcore.FileLock(path, timeout=5):
                pass

    def inherited_kernel_locks():
        count = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                info = open(f"/proc/self/fdinfo/{fd}").read()
            except OSError:
                continue
            count += "FLOCK" in info and "WRITE" in info
        return count

    threads = [threading.Thread(target=hammer, args=(stores[i % 2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    results = []
    for _ in range(int(sys.argv[3])):
        time.sleep(0.002)
        pid = os.fork()
        if pid == 0:
            signal.alarm(10)  # a deadlocked child dies of SIGALRM instead of hanging the test
            held = inherited_kernel_locks()
            _platform.ReleaseWatch().close()  # takes the pool's guard
            with lockcore.FileLock(stores[0], timeout=5):  # waits beside the parent's threads
                pass
            os._exit(held)
        _, status = os.waitpid(pid, 0)
        results.append(os.waitstatus_to_exitcode(status))
    stop.set()
    for thread in threads:
        thread.join()
    print(json.dumps(results))
    """
)


@pytest.mark.slow
def test_children_forked_beside_acquiring_threads_inherit_no_kernel_lock(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD_PROGRAM, str(ROOT), str(tmp_path), "30"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    exit_codes = json.loads(result.stdout)
    # 0: nothing inherited; N > 0: N kernel locks inherited; negative: killed (deadlocked).
    assert exit_codes == [0] * len(exit_codes), exit_codes


def test_a_forked_childs_lock_file_names_the_child(tmp_path: Path) -> None:
    # The lines a lock file says about its holder are made once per process (issue 9 §6) and
    # forgotten by a forked child: its lock names it, not the parent whose facts it inherited.
    store = tmp_path / "store.json"
    with lockcore.FileLock(store):
        parents = (tmp_path / "store.json.lock").read_bytes()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(reader)
            with lockcore.FileLock(store):
                os.write(writer, (tmp_path / "store.json.lock").read_bytes())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        childs = pipe.read()
    os.waitpid(pid, 0)
    assert parents.split(b"\n")[0] == str(os.getpid()).encode()
    assert childs.split(b"\n")[0] == str(pid).encode()
    started = [
        next(line for line in content.split(b"\n") if line.startswith(b"started "))
        for content in (parents, childs)
    ]
    assert started[0] != started[1]
