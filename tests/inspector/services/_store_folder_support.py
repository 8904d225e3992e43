"""What the store-directory service's tests share: a JSON document written, and the re-check
interval they wait on. (The ``directory`` fixture, a service listing store_folder: conftest.py.)"""

from __future__ import annotations

import json

from inspector.services import store_directory as store_directory_module


def write_json(path: str, data: object) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)


assert store_directory_module.RECHECK_INTERVAL_MS <= 1000, "the tests above wait a few seconds"
