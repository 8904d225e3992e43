"""Which values are secret, and how they are shown masked (pure Python, no Qt).

A value is secret when any key on its path looks like a secret (password, token, API key, …) or
when the file's name contains "secret". Masked values are shown as :data:`MASK`; nothing in the
inspector writes a secret value to a log, a tooltip or a status message.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import compress
from typing import Any, Final

from inspector.document.nodes import JsonKey

MASK: Final = "••••••"
"""What a masked value is shown as; its length says nothing about the secret."""

_SECRET_WORDS: Final = frozenset(
    {
        "password", "passwd", "pwd", "passphrase", "pass",
        "token", "secret", "secrets", "credential", "credentials", "creds",
        "auth", "authorization", "oauth", "bearer", "cookie",
        "apikey", "privatekey", "accesskey", "secretkey", "signingkey", "clientsecret",
        "pin", "otp", "salt",
    }
)  # fmt: skip
_SECRET_PAIRS: Final = frozenset(
    {
        ("api", "key"), ("private", "key"), ("access", "key"), ("secret", "key"),
        ("signing", "key"), ("encryption", "key"), ("client", "secret"), ("master", "key"),
    }
)  # fmt: skip
_WORD_SPLIT: Final = re.compile(r"[^0-9a-zA-Z]+|(?<=[a-z0-9])(?=[A-Z])")


def key_words(key: str) -> list[str]:
    """Split ``apiKey``, ``api_key``, ``X-Api-Key`` into lower-case words."""
    return [word.lower() for word in _WORD_SPLIT.split(key) if word]


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """Whether a member key names a secret ("password", "api_key", "githubToken", ...)."""
    words = key_words(key)
    if any(word in _SECRET_WORDS for word in words):
        return True
    if any(pair in _SECRET_PAIRS for pair in itertools.pairwise(words)):
        return True
    squashed = "".join(words)
    return any(word in squashed for word in ("password", "passwd", "apikey", "privatekey"))


def is_secret_file(path: str | None) -> bool:
    """Every value of a file named like ``*secret*`` is secret."""
    return path is not None and "secret" in os.path.basename(path).lower()


@dataclass(frozen=True)
class SecretPolicy:
    """The masking in force for one open document."""

    secret_file: bool = False
    revealed: bool = False

    def is_secret_path(self, path: tuple[JsonKey, ...]) -> bool:
        """Whether the value at ``path`` is secret (revealed or not)."""
        if self.secret_file and path:
            return True
        return any(isinstance(step, str) and is_secret_key(step) for step in path)

    def masks(self, path: tuple[JsonKey, ...]) -> bool:
        """Whether the value at ``path`` is shown masked right now."""
        return not self.revealed and self.is_secret_path(path)

    def masks_member(self, keys: list[str], is_root: bool) -> bool:
        """:meth:`masks` for a value given only the object keys on its path."""
        if self.revealed:
            return False
        if self.secret_file and not is_root:
            return True
        return any(is_secret_key(key) for key in keys)


def mask_document(document: Any, policy: SecretPolicy, path: tuple[JsonKey, ...] = ()) -> Any:
    """A copy of ``document`` with every value the policy masks replaced by :data:`MASK`.

    Containers under a secret key keep their shape; their scalar members are masked.
    """
    if policy.revealed:
        return document
    return _masked(document, policy.secret_file and bool(path), policy, policy.masks(path))


def _masked(value: Any, below_root: bool, policy: SecretPolicy, secret: bool) -> Any:
    # ``secret`` carries "some key above is secret" down, so each key is judged once.
    if isinstance(value, dict):
        return {
            k: _masked(v, True, policy, secret or policy.secret_file or is_secret_key(k))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked(v, True, policy, secret or policy.secret_file) for v in value]
    return MASK if secret or (policy.secret_file and below_root) else value


def has_secrets(
    document: Any,
    policy: SecretPolicy,
    path: tuple[JsonKey, ...] = (),
    *,
    superseded: Callable[[], bool] | None = None,
) -> bool:
    """Whether any scalar in ``document`` is secret under ``policy`` (revealed or not).

    ``superseded`` is asked now and then during a long walk: once it says True the walk stops
    (the answer is then False, and meaningless) and lets go of the document.
    """
    if policy.is_secret_path(path):
        return True
    if policy.secret_file:
        return isinstance(document, dict | list) and bool(document)
    return _has_secret_key(document, superseded)


_CONTAINER_TYPES: Final = frozenset({dict, list})


def _has_secret_key(value: Any, superseded: Callable[[], bool] | None = None) -> bool:
    # Gathers the distinct keys first and judges each once; the walk over members runs in C
    # (map/compress), which matters for documents of tens of megabytes (ten times faster).
    keys: set[str] = set()
    containers = [value]
    is_container = _CONTAINER_TYPES.__contains__
    for walked, container in enumerate(containers):  # grows while it is walked
        if walked % 1000 == 999:
            # Measured: without this, a worker walking a 20 MB document held the GIL for up to
            # 50 ms at a time and the GUI thread stalled; sleep(0) hands it over for sure.
            time.sleep(0)
            if superseded is not None and superseded():
                # Another document was opened meanwhile: walking on kept this one (hundreds
                # of MiB for a 30 MiB file) alive for seconds after it was closed.
                return False
        if isinstance(container, dict):
            keys.update(container)
            members: Any = container.values()
        elif isinstance(container, list):
            members = container
        else:
            continue
        containers.extend(compress(members, map(is_container, map(type, members))))
    return any(is_secret_key(key) for key in keys)
