"""Schema validation libraries on a 20 MB document: jsonschema, fastjsonschema, jsonschema-rs.

Run: ``python benchmarks/bench_schema.py [--mb 20]`` (each library that is not installed is
skipped). For each: building the validator, validating the valid document, listing every error
of a document with 1,000 errors (fastjsonschema stops at the first), and the longest time a
thread waiting for the interpreter lock waits while another thread validates — what the window
would freeze for if validation ran on a worker thread. Baseline: ``json.loads`` of the text.
"""

from __future__ import annotations

import argparse
import copy
import gc
import importlib.metadata
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_documents import make_document

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["meta", "events", "users"],
    "properties": {
        "meta": {"type": "object", "properties": {"version": {"type": "integer"}}},
        "events": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["seq", "kind", "ok"],
                "properties": {
                    "seq": {"type": "integer", "minimum": 0},
                    "kind": {"type": "string"},
                    "ok": {"type": "boolean"},
                },
            },
        },
        "users": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "email", "active", "score", "tags", "address"],
                "properties": {
                    "id": {"type": "integer", "minimum": 0},
                    "name": {"type": "string", "minLength": 1},
                    "email": {"type": "string", "pattern": "^[a-z]+[0-9]+@example\\.org$"},
                    "active": {"type": "boolean"},
                    "score": {"type": "number", "minimum": 0, "maximum": 100},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "address": {
                        "type": "object",
                        "properties": {
                            "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
                            "geo": {
                                "type": "object",
                                "properties": {
                                    "lat": {"type": "number", "minimum": -90, "maximum": 90},
                                    "lng": {"type": "number", "minimum": -180, "maximum": 180},
                                },
                            },
                        },
                    },
                    "history": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "event": {"type": "string"},
                                "value": {"type": "integer"},
                                "note": {"type": ["string", "null"]},
                            },
                        },
                    },
                },
            },
        },
    },
}

ERRORS = 1000


def with_errors(document: dict[str, Any]) -> dict[str, Any]:
    broken = copy.deepcopy(document)
    users = broken["users"]
    step = max(len(users) // ERRORS, 1)
    for i in range(0, step * ERRORS, step):
        users[i]["score"] = "high"  # a string where a number belongs
    return broken


def longest_gil_wait(work: Callable[[], object]) -> tuple[float, float]:
    """(seconds ``work`` took on a thread, the longest gap between two 5 ms ticks meanwhile)."""
    done = threading.Event()
    took: list[float] = []

    def run() -> None:
        started = time.perf_counter()
        work()
        took.append(time.perf_counter() - started)
        done.set()

    thread = threading.Thread(target=run)
    longest, last = 0.0, time.perf_counter()
    thread.start()
    while not done.is_set():
        time.sleep(0.005)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    thread.join()
    return took[0], longest


def median_time(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def candidates() -> dict[str, tuple[Callable[[], object], Callable[[object, Any], int]]]:
    """name → (build a validator, count the errors of a document with it)."""
    found: dict[str, tuple[Callable[[], object], Callable[[object, Any], int]]] = {}
    try:
        import jsonschema

        def build_jsonschema() -> object:
            cls = jsonschema.validators.validator_for(SCHEMA)
            return cls(SCHEMA)

        found[f"jsonschema {importlib.metadata.version('jsonschema')}"] = (
            build_jsonschema,
            lambda v, d: sum(1 for _ in v.iter_errors(d)),  # type: ignore[attr-defined]
        )
    except ImportError:
        pass
    try:
        import fastjsonschema

        def count_fast(validate: object, document: Any) -> int:
            try:
                validate(document)  # type: ignore[operator]
            except fastjsonschema.JsonSchemaValueException:
                return 1  # it stops at the first error
            return 0

        found[f"fastjsonschema {fastjsonschema.VERSION}"] = (
            lambda: fastjsonschema.compile(SCHEMA),
            count_fast,
        )
    except ImportError:
        pass
    try:
        import jsonschema_rs

        found["jsonschema-rs"] = (
            lambda: jsonschema_rs.validator_for(SCHEMA),
            lambda v, d: sum(1 for _ in v.iter_errors(d)),  # type: ignore[attr-defined]
        )
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="document size (default 20)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args()
    document = make_document(int(args.mb * 1024 * 1024))
    text = json.dumps(document, indent=2)
    broken = with_errors(document)
    load = median_time(lambda: json.loads(text), args.runs)
    print(f"document {len(text) / 1024 / 1024:.1f} MB; json.loads {load * 1000:.0f} ms (baseline)")
    print(f"{'library':<24} {'build':>8} {'valid doc':>10} {'x loads':>8} "
          f"{'1,000 errors':>13} {'found':>6} {'GIL wait':>9}")  # fmt: skip
    for name, (build, count) in candidates().items():
        built = median_time(build, args.runs)
        validator = build()
        assert count(validator, document) == 0, name
        valid = median_time(lambda: count(validator, document), args.runs)  # noqa: B023
        invalid = median_time(lambda: count(validator, broken), args.runs)  # noqa: B023
        found = count(validator, broken)
        _, wait = longest_gil_wait(lambda: count(validator, document))  # noqa: B023
        print(f"{name:<24} {built * 1000:>6.1f}ms {valid * 1000:>8.0f}ms {valid / load:>7.2f}x "
              f"{invalid * 1000:>11.0f}ms {found:>6} {wait * 1000:>7.0f}ms")  # fmt: skip


if __name__ == "__main__":
    main()
