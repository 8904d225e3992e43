"""bench_inspector's event storm (``--only storm``): sixteen writers updating their own stores as
fast as they can, in the window's session or another program's; the GUI thread's stalls and the
time until the table shows the truth."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from typing import Any

from inspector_folder import Folder
from inspector_window import (
    StallProbe,
    child_cpu_seconds,
    close_window,
    cpu_seconds,
    new_window,
    run_loop_for,
    run_loop_until,
)

from lockcore import LockState

STORM_WRITERS = 16


_WRITER_CODE = textwrap.dedent(
    """
    import sys, time
    from lockcore import locked_update_json
    path, seconds = sys.argv[1], float(sys.argv[2])
    def bump(doc):
        doc["n"] = doc.get("n", 0) + 1
        return doc
    print("ready", flush=True)
    sys.stdin.readline()
    end = time.monotonic() + seconds
    count = 0
    while time.monotonic() < end:
        locked_update_json(path, bump, default=dict, durable=False)
        count += 1
    print("done", count, time.monotonic(), flush=True)
    """
)


#: The storm's writers started as a separate program -- as a person meets a storm: writers started
#: from another terminal or by a service. This launcher runs in a session of its own (so in its
#: own scheduler autogroup, as every terminal's and service's programs are) and starts the
#: writers there; it says "ready" once they all are, passes "go" on, and reports their updates
#: and latest end. argv: the writer's code, seconds, the stores' paths.
_LAUNCHER_CODE = textwrap.dedent(
    """
    import subprocess, sys
    code, seconds, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", code, path, seconds],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for path in paths
    ]
    for writer in writers:
        assert writer.stdout.readline().strip() == b"ready"
    print("ready", flush=True)
    sys.stdin.readline()
    for writer in writers:
        writer.stdin.write(b"go\\n")
        writer.stdin.flush()
    updates, ends = 0, []
    for writer in writers:
        words = writer.stdout.read().split()
        assert words[0] == b"done", words
        updates += int(words[1])
        ends.append(float(words[2]))
        writer.wait()
    print("done", updates, max(ends), flush=True)
    """
)


# --- 2. event storm --------------------------------------------------------------------------


def run_writers(
    paths: list[str], seconds: float, probe: StallProbe, *, own_session: bool = False
) -> tuple[float, float, int]:
    """Run the storm's writers on ``paths``; (CPU seconds of this process, storm end, updates).
    ``own_session``: started by a launcher in a session of its own (another program's writers),
    not as this process's children (which share the window's session and autogroup)."""
    if own_session:
        launcher = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER_CODE, _WRITER_CODE, str(seconds), *paths],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        writers = [launcher]
    else:
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", _WRITER_CODE, path, str(seconds)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            for path in paths
        ]
    for writer in writers:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == b"ready"
    probe.start()
    cpu_before = cpu_seconds()
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write(b"go\n")
        writer.stdin.flush()
    assert run_loop_until(lambda: all(w.poll() is not None for w in writers), seconds + 30, 5)
    cpu = cpu_seconds() - cpu_before
    probe.stop()
    ends: list[float] = []
    updates = 0
    for writer in writers:
        assert writer.stdout is not None
        words = writer.stdout.read().split()
        assert words[0] == b"done", words
        updates += int(words[1])
        ends.append(float(words[2]))
        for stream in (writer.stdin, writer.stdout):
            if stream is not None:
                stream.close()
    return cpu, max(ends), updates


def stamp(path: str) -> tuple[int, int, int]:
    st = os.stat(path)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


#: Where the storm's writers run (--writers): as this process's children, in the window's own
#: session (the benchmark's first form), or as another program in a session of its own.
WRITER_SESSIONS = {"window": False, "own": True}


WRITER_SESSION_CHOICES = {"both": ("window", "own"), "window": ("window",), "own": ("own",)}


def show_folder(window: Any, folder: Folder) -> None:
    """``window`` shows ``folder``, every row listed and every document checked (the storm
    scripts' start: this benchmark's, probe_storm_path.py's, profile_storm_stall.py's)."""
    window.open_folder(folder.path)
    assert run_loop_until(lambda: window.model.rowCount() == folder.stores, 60)
    checked = [False]
    window.directory.checks_finished.connect(lambda: checked.__setitem__(0, True))
    run_loop_until(lambda: checked[0], 30)


def storm_stores(window: Any, folder: Folder) -> list[str]:
    """The storm's STORM_WRITERS stores, made in ``folder`` and shown by ``window``."""
    paths = [os.path.join(folder.path, f"aaa-storm-{n}.json") for n in range(STORM_WRITERS)]
    for path in paths:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("{}")
    assert run_loop_until(lambda: all(window.model.row_of(p) >= 0 for p in paths), 10)
    return paths


def bench_storm(
    folder: Folder, seconds: float, sessions: tuple[str, ...] = ("window", "own")
) -> list[tuple[str, str, str, str]]:
    window = new_window()
    show_folder(window, folder)
    run_loop_for(1.0)

    probe = StallProbe()
    probe.start()
    idle_cpu = cpu_seconds()
    run_loop_for(3.0)
    idle_cpu = (cpu_seconds() - idle_cpu) * seconds / 3.0
    probe.stop()
    idle_longest, idle_p99 = probe.stalls_ms()

    paths = storm_stores(window, folder)
    run_loop_for(0.5)

    def truthful() -> bool:
        for path in paths:
            entry = window.model.entry_at(window.model.row_of(path))
            if entry is None or entry.data_stamp != stamp(path):
                return False
            if entry.lock_state is not LockState.FREE:
                return False
        return True

    # When each storm row last changed in the table (the model takes the directory's entries
    # before this slot runs): the table shows the truth from the last of those changes on.
    last_changed: dict[str, float] = {}
    watched = set(paths)

    def note_changes(entries: list[Any]) -> None:
        now = time.monotonic()
        for entry in entries:
            if entry.path in watched:
                last_changed[entry.path] = now

    window.directory.entries_updated.connect(note_changes)

    rows: list[tuple[str, str, str, str]] = []
    for session in sessions:
        own_session = WRITER_SESSIONS[session]
        # The floor this machine sets: the same storm in a folder the window does not show.
        elsewhere = tempfile.mkdtemp(prefix="bench-inspector-elsewhere-")
        try:
            run_writers(
                [os.path.join(elsewhere, f"s{n}.json") for n in range(STORM_WRITERS)],
                seconds,
                probe,
                own_session=own_session,
            )
        finally:
            shutil.rmtree(elsewhere, ignore_errors=True)
        floor_longest, floor_p99 = probe.stalls_ms()
        run_loop_for(0.5)

        watching = "inspector.services.watch_process"
        child_cpu = child_cpu_seconds(watching)
        last_changed.clear()
        cpu, storm_end, updates = run_writers(paths, seconds, probe, own_session=own_session)
        child_cpu = child_cpu_seconds(watching) - child_cpu
        longest, p99 = probe.stalls_ms()
        # run_writers returns once every writer has exited, which takes a loaded machine
        # hundreds of milliseconds after the storm; the table may have shown the truth before.
        exited = time.monotonic() - storm_end
        assert run_loop_until(truthful, 10, 1)
        truth = max(0.0, max(last_changed.values()) - storm_end)
        rows += storm_rows(
            # The first form's rows keep their names.
            "event storm" if not own_session else "event storm, writers in their own session",
            seconds,
            updates,
            (longest, p99, floor_longest, floor_p99, idle_longest, idle_p99),
            (truth, exited),
            (cpu, idle_cpu, child_cpu),
        )
        run_loop_for(0.5)
    close_window(window)
    for path in paths:
        os.unlink(path)
    return rows


def storm_rows(
    name: str,
    seconds: float,
    updates: int,
    stalls: tuple[float, float, float, float, float, float],
    truths: tuple[float, float],
    cpus: tuple[float, float, float],
) -> list[tuple[str, str, str, str]]:
    longest, p99, floor_longest, floor_p99, idle_longest, idle_p99 = stalls
    cpu, idle_cpu, child_cpu = cpus
    truth, exited = truths
    rate = updates / seconds
    return [
        (
            f"{name} ({STORM_WRITERS} writers, {rate:,.0f} updates/s): longest stall",
            f"{longest:.1f} ms",
            f"{floor_longest:.1f} ms storm elsewhere, {idle_longest:.1f} ms idle; limit 50 ms",
            f"{longest / 50:.2f}x limit",
        ),
        (
            f"{name}: p99 stall",
            f"{p99:.1f} ms",
            f"{floor_p99:.1f} ms storm elsewhere, {idle_p99:.1f} ms idle",
            f"{p99 / floor_p99:.1f}x floor" if floor_p99 else "—",
        ),
        (
            f"{name}: table shows the truth after",
            f"{truth * 1000:.0f} ms",
            f"200 ms limit (the writers had all exited {exited * 1000:.0f} ms after the storm)",
            f"{truth / 0.2:.2f}x limit",
        ),
        (
            f"{name}: inspector CPU over {seconds:g} s",
            f"{cpu:.2f} s",
            f"{idle_cpu:.2f} s idle",
            f"{cpu / seconds:.0%} of one core",
        ),
        (
            f"{name}: CPU of the window's watching child (reads events, looks at stores)",
            f"{child_cpu:.2f} s",
            "",
            f"{child_cpu / seconds:.0%} of one core",
        ),
    ]
