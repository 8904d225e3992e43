"""The ``--demo`` store: a temporary folder showing every state the inspector knows.

* ``settings.json``, ``projects.json``, ``claude_agents.json``: updated every few seconds by
  writer processes that take real lockcore locks (and keep them a moment, so they show as held);
* ``secret_settings.json``: an API key and a token (masked in the document pane);
* ``broken.json``: corrupt JSON;
* ``cache.json``: missing, with a complete ``cache.json.tmp`` left by an interrupted legacy write;
* ``history.json``: a stale lock left by a writer that was SIGKILLed while holding it;
* ``legacy_queue.json``: locked in the legacy bare-PID format by a live writer.

Everything stops and the folder is removed by :meth:`DemoStore.stop`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from typing import Any

#: Writer processes: (store, process name, interval s, hold s, field).
_WRITERS = (
    ("settings.json", "settings-sync", 3.0, 0.9, "sync_count"),
    ("claude_agents.json", "agent-registry", 2.0, 1.2, "agents"),
    ("projects.json", "project-indexer", 4.5, 0.6, "scan_count"),
)

_DOCUMENTS: dict[str, Any] = {
    "settings.json": {
        "theme": "dark",
        "font_size": 13,
        "autosave": True,
        "editor": {"tab_width": 4, "wrap": False, "rulers": [80, 100]},
        "sync_count": 0,
    },
    "secret_settings.json": {
        "api_key": "sk-demo-3f9a1c77e2b84d0f9a6e51c2",
        "token": "ghp_demoToken5Yx82KqLmN0pQrStUv",
        "endpoint": "https://api.example.com/v1",
        "retries": 3,
    },
    "projects.json": {
        "projects": [
            {"name": "lock-inspector", "path": "~/src/lock-inspector", "starred": True},
            {"name": "website", "path": "~/src/website", "starred": False},
            {"name": "notes", "path": "~/Documents/notes", "starred": False},
        ],
        "scan_count": 0,
    },
    "claude_agents.json": {
        "agents": {
            "planner": {"model": "large", "runs": 12},
            "reviewer": {"model": "medium", "runs": 40},
        },
    },
    "history.json": {"entries": ["opened settings.json", "saved projects.json"]},
    "legacy_queue.json": {"queue": ["job-17", "job-18"], "paused": False},
}


def _write_json(path: str, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")


class DemoStore:
    """A demo folder and the writer processes that keep it busy."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []

    @classmethod
    def create(cls) -> DemoStore:
        """Make the folder and its files (no processes yet)."""
        folder = tempfile.mkdtemp(prefix="lock-inspector-demo-")
        for name, document in _DOCUMENTS.items():
            _write_json(os.path.join(folder, name), document)
        with open(os.path.join(folder, "broken.json"), "w", encoding="utf-8") as handle:
            handle.write('{\n  "window": {"width": 1200, "height": 800},\n  "recent": [\n')
        _write_json(
            os.path.join(folder, "cache.json.tmp"),
            {"thumbnails": 128, "last_cleanup": "2026-11-20 08:15:00"},
        )
        return cls(folder)

    def _spawn(self, *args: str) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            "-m",
            "inspector.demo.writer",
            *args,
            "--parent",
            str(os.getpid()),
        ]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    def _wait_held(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        line = process.stdout.readline()
        if line.strip() != b"held":
            raise RuntimeError(f"demo writer {process.pid} did not take its lock")

    def start(self) -> None:
        """Leave the stale and legacy locks, then start the writers."""
        history = os.path.join(self.folder, "history.json")
        victim = self._spawn("hold", history, "--name", "history-writer")
        self._wait_held(victim)
        victim.send_signal(signal.SIGKILL)  # dies holding the lock: a stale lock stays behind
        victim.wait()
        self.processes.remove(victim)
        if victim.stdout is not None:
            victim.stdout.close()

        self._wait_held(
            self._spawn(
                "legacy", os.path.join(self.folder, "legacy_queue.json"), "--name", "legacy-queue"
            )
        )
        for name, process_name, interval, hold, field in _WRITERS:
            self._spawn(
                "update",
                os.path.join(self.folder, name),
                "--interval",
                str(interval),
                "--hold",
                str(hold),
                "--field",
                field,
                "--name",
                process_name,
            )

    def stop(self) -> None:
        """Stop every writer and remove the folder; safe to call twice."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        self.processes.clear()
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.folder)
