"""bench_inspector's folder: ``--stores`` small JSON stores, 300 of them locked for real by four
holder processes (lockcore locks) and 100 legacy bare-PID lock files naming those holders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

HOLDERS = 4


LOCKCORE_LOCKS_PER_HOLDER = 50


LEGACY_LOCKS = 100


_HOLDER_CODE = textwrap.dedent(
    """
    import sys
    from lockcore import FileLock
    locks = [FileLock(path, timeout=10) for path in sys.argv[1:]]
    for lock in locks:
        lock.acquire()
    print("held", flush=True)
    sys.stdin.readline()
    """
)


# --- the folder ------------------------------------------------------------------------------


class Folder:
    """The folder of stores and the processes that hold its locks."""

    def __init__(self, stores: int) -> None:
        self.path = tempfile.mkdtemp(prefix="bench-inspector-")
        self.stores = stores
        self.holders: list[subprocess.Popen[bytes]] = []
        for number in range(stores):
            document = {"id": number, "name": f"store {number}", "tags": ["a", "b"], "n": number}
            with open(self.store(number), "w", encoding="utf-8") as handle:
                json.dump(document, handle)
        locked = self.locked_numbers()
        per = LOCKCORE_LOCKS_PER_HOLDER
        for holder in range(HOLDERS):
            paths = [self.store(n) for n in locked[holder * per : (holder + 1) * per]]
            process = subprocess.Popen(
                [sys.executable, "-c", _HOLDER_CODE, *paths],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            assert process.stdout is not None
            assert process.stdout.readline().strip() == b"held"
            self.holders.append(process)
        legacy = locked[HOLDERS * per :]
        for index, number in enumerate(legacy):
            pid = self.holders[index % HOLDERS].pid
            with open(self.store(number) + ".lock", "w", encoding="ascii") as handle:
                handle.write(f"{pid}\n")

    def store(self, number: int) -> str:
        return os.path.join(self.path, f"store-{number:05d}.json")

    def locked_numbers(self) -> list[int]:
        total = HOLDERS * LOCKCORE_LOCKS_PER_HOLDER + LEGACY_LOCKS
        step = max(1, self.stores // total)
        return [n * step for n in range(total)]

    @property
    def locked(self) -> int:
        return HOLDERS * LOCKCORE_LOCKS_PER_HOLDER + LEGACY_LOCKS

    def close(self) -> None:
        for process in self.holders:
            if process.poll() is None:
                process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
        shutil.rmtree(self.path, ignore_errors=True)
