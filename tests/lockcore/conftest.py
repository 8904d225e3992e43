"""Fixtures for lockcore's tests of judging and breaking locks."""

from __future__ import annotations

import pytest

import lockcore._platform


@pytest.fixture
def on_network_filesystem(monkeypatch: pytest.MonkeyPatch) -> None:
    """Judge as if the store were on a network filesystem (NFS, SMB), where another host's
    holder cannot be checked. On a local filesystem every holder shares this kernel, whatever
    its hostname, and its free kernel lock proves it dead; CI cannot mount NFS, so the list
    of filesystems lockcore knows to be local is emptied instead."""
    monkeypatch.setattr(lockcore._platform, "LOCAL_FILESYSTEMS", frozenset())
