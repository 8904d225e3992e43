"""Fixtures for the inspector's tests: isolated settings, real lock-holder processes, windows."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAbstractButton, QWidget

from inspector.settings import AppSettings


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Every test gets its own empty QSettings store, never the user's."""
    location = str(tmp_path_factory.mktemp("qsettings"))
    QCoreApplication.setOrganizationName("LockInspectorTests")
    QCoreApplication.setApplicationName("lock-inspector-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, location)
    return location


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: Any) -> str:
    """Every test gets its own data directory (lock event history), never the user's."""
    location = str(tmp_path_factory.mktemp("data"))
    monkeypatch.setenv("XDG_DATA_HOME", location)
    return location


_HOLDER_CODE = textwrap.dedent(
    """
    import sys
    from lockcore import FileLock
    with FileLock(sys.argv[1], timeout=30):
        print("held", flush=True)
        sys.stdin.readline()
    """
)


class Holder:
    """A real process holding a store's lock through lockcore."""

    def __init__(self, path: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HOLDER_CODE, path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.strip() == b"held", line

    @property
    def pid(self) -> int:
        return self.process.pid

    def release(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"\n")
        self.process.stdin.flush()
        self.process.wait(timeout=10)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


@pytest.fixture
def lock_holder() -> Iterator[Callable[[str], Holder]]:
    """Start processes that take a lock and keep it; all are killed at the end."""
    holders: list[Holder] = []

    def start(path: str) -> Holder:
        holder = Holder(path)
        holders.append(holder)
        return holder

    yield start
    for holder in holders:
        holder.close()


def write_json(path: str, data: Any) -> None:
    import json

    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)


@pytest.fixture
def store_folder(tmp_path: Any) -> str:
    """A folder with a few stores in known states."""
    folder = str(tmp_path / "stores")
    os.mkdir(folder)
    write_json(os.path.join(folder, "settings.json"), {"theme": "dark", "counter": 0})
    write_json(os.path.join(folder, "projects.json"), {"projects": []})
    with open(os.path.join(folder, "broken.json"), "w", encoding="utf-8") as handle:
        handle.write('{"a": 1,\n "b": ')
    write_json(os.path.join(folder, "cache.json.tmp"), {"recovered": True})
    with open(os.path.join(folder, "notes.txt"), "w", encoding="utf-8") as handle:
        handle.write("not a store")
    return folder


_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def app_script(tmp_path: Any) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``app_script(code, *args, config_home=None)`` runs ``code`` in a child Python from the
    checkout, offscreen, with a home (and a config home: ``config_home`` or the home) of its
    own, and returns what it printed and its exit status."""

    def run(code: str, *args: str, config_home: Any = None) -> subprocess.CompletedProcess[str]:
        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            HOME=str(tmp_path),
            XDG_CONFIG_HOME=str(tmp_path if config_home is None else config_home),
        )
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=_REPO,
            timeout=60,
            check=False,
        )

    return run


@pytest.fixture
def main_window(qtbot: Any, store_folder: str) -> Iterator[Any]:
    """The real main window on ``store_folder``, shut down cleanly afterwards."""
    from inspector.app import create_main_window

    window = create_main_window(store_folder)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 4, timeout=5000)
    yield window
    window.shutdown()


@pytest.fixture
def held_walk() -> type[Any]:
    """The lean inotify source whose first walk through the subfolders waits for
    ``release`` (``walking`` is set when it has begun): what happens meanwhile can be seen."""
    import threading

    from inspector.services.inotify import LeanInotifySource

    class HeldWalk(LeanInotifySource):
        def __init__(self) -> None:
            super().__init__()
            self.walking = threading.Event()
            self.release = threading.Event()

        def _watch_subfolders(self, top: str) -> None:
            if not self.walking.is_set():
                self.walking.set()
                assert self.release.wait(10), "the test never released the walk"
            super()._watch_subfolders(top)

    return HeldWalk


QUEUE_LIMIT = "/proc/sys/fs/inotify/max_queued_events"

_CREATE_FILES = """
import os, sys
for number in range(int(sys.argv[2])):
    os.close(os.open(os.path.join(sys.argv[1], f"f{number}.txt"), os.O_CREAT | os.O_WRONLY))
"""


def _inotify_instances() -> set[str]:
    """The inotify instances this process holds (as their /proc/self/fd entries)."""
    held = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:inotify":
                held.add(fd)
    return held


class InotifyOverflow:
    """Drives a real inotify queue overflow: a small queue, then more events than it holds."""

    @contextlib.contextmanager
    def small_queue(self, events: int) -> Iterator[None]:
        """The first inotify instance this process makes inside holds ``events`` events.

        The limit is system-wide, read when an instance is made: any other process's instance
        made meanwhile gets the small queue too, and overflows (the lock event stream of a test
        running beside this one lost holds that way under load). So it is lowered only until
        this process has a new inotify instance (watched for from a thread), then restored at
        once, not at the end of the block (needs root; skips otherwise). A watcher in a child
        process is overflowed with :meth:`stopped` instead, with no lowered limit."""
        try:
            with open(QUEUE_LIMIT, encoding="ascii") as handle:
                original = handle.read().strip()
        except OSError as error:
            pytest.skip(f"cannot read {QUEUE_LIMIT}: {error}")
        before = _inotify_instances()
        restored = threading.Event()
        guard = threading.Lock()

        def restore() -> None:
            with guard:
                if not restored.is_set():
                    with open(QUEUE_LIMIT, "w", encoding="ascii") as handle:
                        handle.write(original)
                    restored.set()

        def restore_once_made() -> None:
            while not restored.is_set() and not _inotify_instances() - before:
                time.sleep(0.0002)
            restore()

        try:
            with open(QUEUE_LIMIT, "w", encoding="ascii") as handle:
                handle.write(str(events))
        except OSError as error:
            pytest.skip(f"cannot lower {QUEUE_LIMIT}: {error}")
        watcher = threading.Thread(target=restore_once_made, name="inotify-limit", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            restore()
            watcher.join()

    @staticmethod
    @contextlib.contextmanager
    def stopped(pid: int) -> Iterator[None]:
        """The process ``pid`` stopped (SIGSTOP) for the block, then continued (SIGCONT): its
        inotify queue fills while it reads nothing."""
        os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(pid, signal.SIGCONT)

    @staticmethod
    def create_files(folder: Any, count: int) -> None:
        """Create ``count`` empty files in ``folder`` as fast as another process can: each is
        two events, and no reader keeps up with them."""
        subprocess.run([sys.executable, "-c", _CREATE_FILES, str(folder), str(count)], check=True)


@pytest.fixture
def inotify_overflow() -> InotifyOverflow:
    return InotifyOverflow()


class KeyboardStops:
    """What a keyboard and a screen reader meet in a window: for accessibility tests of any
    window or dialog (``keyboard_stops.unnamed(keyboard_stops.stops(dialog)) == []``)."""

    @staticmethod
    def stops(window: QWidget) -> list[QWidget]:
        """The widgets Tab visits in ``window``, in order: the focus chain's visible, enabled
        widgets that take focus by Tab."""
        stops = []
        widget = window.nextInFocusChain()
        while widget is not window:
            if (
                widget.isVisible()
                and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                and widget.window() is window
            ):
                stops.append(widget)
            widget = widget.nextInFocusChain()
        return stops

    @staticmethod
    def describe(widget: QWidget) -> str:
        parent = type(widget.parent()).__name__
        return f"{type(widget).__name__} {widget.objectName()!r} in {parent}"

    @classmethod
    def unnamed(cls, stops: list[QWidget]) -> list[str]:
        """Stops without a name of their own: an accessible name, or a button's own text (which
        Qt gives screen readers as its name); and, as the screen reader gets it, through
        QAccessible."""
        unnamed = []
        for stop in stops:
            own_text = stop.text().replace("&", "") if isinstance(stop, QAbstractButton) else ""
            interface = QAccessible.queryAccessibleInterface(stop)
            spoken = interface.text(QAccessible.Text.Name) if interface is not None else ""
            if not (stop.accessibleName().strip() or own_text.strip()) or not spoken.strip():
                unnamed.append(cls.describe(stop))
        return unnamed


@pytest.fixture
def keyboard_stops() -> type[KeyboardStops]:
    return KeyboardStops


@pytest.fixture
def settings(tmp_path: Path) -> AppSettings:
    """The app's settings in a file of the test's own (never the user's)."""
    return AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
