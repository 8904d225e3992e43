"""Fixtures of the services' tests: a store-directory service that has listed store_folder."""

from __future__ import annotations

import pytest

from inspector.services.store_directory import StoreDirectory


@pytest.fixture
def directory(qtbot, store_folder):
    service = StoreDirectory()
    with qtbot.waitSignal(service.scan_finished, timeout=5000):
        service.set_folder(store_folder)
    yield service
    service.shutdown()
