"""bench_inspector's windows and clocks: the Qt event loop run until a condition or for a time,
a window opened and closed as someone does, the GUI thread's stall probe, and CPU seconds."""

from __future__ import annotations

import time
from typing import Any

import psutil
from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, Qt, QTimer

from inspector.app import create_main_window
from inspector.widgets.main_window import MainWindow

# --- helpers ---------------------------------------------------------------------------------


def run_loop_until(condition: Any, timeout: float, poll_ms: int = 1) -> bool:
    """Run the Qt event loop until ``condition()`` is true (checked every ``poll_ms``)."""
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout
    met = [False]

    def check() -> None:
        if condition():
            met[0] = True
            loop.quit()
        elif time.perf_counter() > deadline:
            loop.quit()

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(check)
    timer.start(poll_ms)
    check()
    if not met[0]:
        loop.exec()
    timer.stop()
    return met[0]


def run_loop_for(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


#: Whether windows show subfolders too (--recursive).
RECURSIVE = [False]


def new_window() -> MainWindow:
    window = create_main_window(None)
    window.subfolders_action.setChecked(RECURSIVE[0])
    window.resize(1320, 1250)
    window.show()
    QCoreApplication.processEvents()
    return window


def close_window(window: MainWindow) -> None:
    window.shutdown()
    window.close()
    window.deleteLater()
    # Deleted now, not during the next measurement (processEvents leaves deferred deletes).
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


PROBE_MS = 5


class StallProbe:
    """A timer on the GUI thread; each tick records how late it came."""

    def __init__(self, interval_ms: int = PROBE_MS) -> None:
        self.interval = interval_ms / 1000
        self.gaps: list[float] = []
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.gaps.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def stalls_ms(self) -> tuple[float, float]:
        """(longest, p99) delay beyond the interval, in ms."""
        late = sorted(max(0.0, gap - self.interval) * 1000 for gap in self.gaps)
        if not late:
            return 0.0, 0.0
        return late[-1], late[min(len(late) - 1, int(len(late) * 0.99))]


def cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


def child_cpu_seconds(module: str) -> float:
    """User+system seconds of this process's children running ``python -m module``."""
    total = 0.0
    for child in psutil.Process().children():
        try:
            if module in child.cmdline():
                times = child.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            continue
    return total
