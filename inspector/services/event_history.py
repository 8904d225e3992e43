"""A folder's lock events kept on disk across restarts, bounded, and exported (no Qt here).

Each watched folder gets a directory of its own under the app's data directory (never in the
watched folder): ``lock-events/<hash of the folder's path>/``, holding ``folder.txt`` (which
folder it is) and the events as JSON Lines, one object per event exactly as ``lockcore watch
--json`` prints them. The current file, ``events.jsonl``, is rotated when it passes
:data:`MAX_FILE_BYTES` (``events.jsonl`` → ``events.1.jsonl`` → … → ``events.<KEEP>.jsonl``,
the oldest dropped), so a folder's history never takes more than about
``(KEEP_FILES + 1) * MAX_FILE_BYTES`` bytes.

Written by the event stream's own thread as events come (buffered, flushed at least every
:data:`FLUSH_INTERVAL` seconds and when the stream stops): a crash loses at most that much.
A line that cannot be read back (cut short by a crash, written by something else) is skipped;
the next run's first event starts on a line of its own.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from lockcore import EventKind, LockEvent, LockFormat

__all__ = [
    "CSV_FIELDS",
    "KEEP_FILES",
    "MAX_FILE_BYTES",
    "EventHistory",
    "event_from_json",
    "history_dir_for",
    "history_file_bytes",
    "write_csv",
    "write_jsonl",
]

#: The current history file is rotated past this size (bytes).
MAX_FILE_BYTES = 4 * 1024 * 1024
#: How many rotated files are kept besides the current one.
KEEP_FILES = 4
#: Buffered events reach the disk at least this often (seconds).
FLUSH_INTERVAL = 1.0
#: The columns of a CSV export, in order (the JSON Lines keys).
CSV_FIELDS = (
    "time",
    "event",
    "store",
    "pid",
    "process",
    "host",
    "format",
    "duration_s",
    "size",
    "since",
    "reason",
    "by_us",
)
_CURRENT = "events.jsonl"


def history_file_bytes(total: int) -> int:
    """The size past which the current file rotates, for a history of about ``total`` bytes
    (the current file and :data:`KEEP_FILES` rotated ones)."""
    return max(64 * 1024, total // (KEEP_FILES + 1))


def history_dir_for(folder: str, data_dir: str | os.PathLike[str]) -> Path:
    """Where ``folder``'s history is kept under the app's ``data_dir``."""
    digest = hashlib.sha256(os.fsencode(os.path.abspath(folder))).hexdigest()[:24]
    return Path(data_dir) / "lock-events" / digest


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def event_from_json(record: dict[str, Any]) -> LockEvent:
    """The event a ``LockEvent.to_json()`` object describes (KeyError/ValueError if none)."""
    since = record.get("since")
    fmt = record.get("format")
    return LockEvent(
        time=_epoch(record["time"]),
        event=EventKind(record["event"]),
        store=str(record["store"]),
        pid=None if record.get("pid") is None else int(record["pid"]),
        process=record.get("process"),
        host=record.get("host"),
        format=None if fmt is None else LockFormat(fmt),
        duration_s=None if record.get("duration_s") is None else float(record["duration_s"]),
        size=None if record.get("size") is None else int(record["size"]),
        since=None if since is None else _epoch(since),
        by_us=bool(record.get("by_us", False)),
        reason=str(record.get("reason") or ""),
    )


class EventHistory:
    """One folder's history directory: appending with rotation, and reading it back."""

    def __init__(
        self,
        folder: str,
        data_dir: str | os.PathLike[str],
        *,
        max_file_bytes: int = MAX_FILE_BYTES,
        keep_files: int = KEEP_FILES,
    ) -> None:
        self.folder = os.path.abspath(folder)
        self.directory = history_dir_for(folder, data_dir)
        self.max_file_bytes = max_file_bytes
        self.keep_files = keep_files
        self._file: IO[str] | None = None
        self._size = 0
        self._last_flush = 0.0

    @property
    def current(self) -> Path:
        return self.directory / _CURRENT

    def files(self) -> list[Path]:
        """The history's files, oldest first."""
        rotated = [self.directory / f"events.{n}.jsonl" for n in range(self.keep_files, 0, -1)]
        return [path for path in [*rotated, self.current] if path.exists()]

    def read(self, limit: int) -> list[LockEvent]:
        """The last ``limit`` events kept, oldest first."""
        kept: deque[LockEvent] = deque(maxlen=limit)
        for path in self.files():
            kept.extend(self._read_file(path))
        return list(kept)

    @staticmethod
    def _read_file(path: Path) -> Iterator[LockEvent]:
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    with contextlib.suppress(ValueError, KeyError, TypeError):
                        yield event_from_json(json.loads(line))
        except OSError:
            return

    def append(self, events: Iterable[LockEvent]) -> None:
        """Write ``events`` (buffered; see :meth:`flush`); OSError when the disk refuses."""
        for event in events:
            line = json.dumps(event.to_json(), ensure_ascii=False) + "\n"
            handle = self._open()
            if self._size and self._size + len(line) > self.max_file_bytes:
                self._rotate()
                handle = self._open()
            handle.write(line)
            self._size += len(line.encode("utf-8", "surrogateescape"))
        if time.monotonic() - self._last_flush >= FLUSH_INTERVAL:
            self.flush()

    def flush(self) -> None:
        self._last_flush = time.monotonic()
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None

    def _open(self) -> IO[str]:
        if self._file is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            label = self.directory / "folder.txt"
            if not label.exists():
                label.write_text(self.folder + "\n", encoding="utf-8", errors="surrogateescape")
            self._file = self.current.open("a", encoding="utf-8", errors="surrogateescape")
            self._size = self._file.tell()
            if self._size and not _ends_with_newline(self.current):
                # A line cut short (a crash mid-write) ends here, not in the next event's.
                self._file.write("\n")
                self._size += 1
        return self._file

    def _rotate(self) -> None:
        self.close()
        oldest = self.directory / f"events.{self.keep_files}.jsonl"
        with contextlib.suppress(FileNotFoundError):
            oldest.unlink()
        for number in range(self.keep_files - 1, 0, -1):
            with contextlib.suppress(FileNotFoundError):
                os.replace(
                    self.directory / f"events.{number}.jsonl",
                    self.directory / f"events.{number + 1}.jsonl",
                )
        if self.keep_files > 0:
            os.replace(self.current, self.directory / "events.1.jsonl")
        else:
            self.current.unlink()
        self._size = 0


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def write_jsonl(events: Iterable[LockEvent], path: str | os.PathLike[str]) -> int:
    """Export ``events`` as JSON Lines (``lockcore watch --json``'s format); returns how many."""
    count = 0
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
        for event in events:
            handle.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
            count += 1
    return count


def write_csv(events: Iterable[LockEvent], path: str | os.PathLike[str]) -> int:
    """Export ``events`` as CSV with a header row (:data:`CSV_FIELDS`); returns how many."""
    count = 0
    with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for event in events:
            record = event.to_json()
            record.setdefault("by_us", False)
            writer.writerow(record)
            count += 1
    return count
