"""Issue 10: processes updating one hand-formatted store each keep every update and the format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from _procs import Worker

StartWorker = Callable[..., Worker]

HAND_FORMATTED = (
    b'\xef\xbb\xbf{\r\n\t"name": "caf\\u00e9",\r\n\t"ports": [80, 443],\r\n'
    b'\t"ratio": 1.50,\r\n\t"count": 0,\r\n\t"odd": NaN\r\n}\r\n'
)


def test_interleaved_updates_all_survive_and_the_format_is_kept(
    data_path: Path, workers: StartWorker
) -> None:
    data_path.write_bytes(HAND_FORMATTED)
    rounds = 40
    updaters = [
        workers("lockcore", "increment", data_path, "--repeat", str(rounds), "--barrier")
        for _ in range(2)
    ]
    for updater in updaters:
        updater.send("go")
    runs = [updater.expect("done") for updater in updaters]
    # The two runs overlapped in time, so their updates interleaved.
    assert max(float(run[2]) for run in runs) < min(float(run[3]) for run in runs)
    expected = HAND_FORMATTED.replace(b'"count": 0', f'"count": {2 * rounds}'.encode())
    assert data_path.read_bytes() == expected
