"""Which keys and files are secret, and how documents are masked."""

import pytest

from inspector.document.secrets import (
    MASK,
    SecretPolicy,
    has_secrets,
    is_secret_file,
    is_secret_key,
    mask_document,
)


@pytest.mark.parametrize(
    "key",
    [
        "password", "db_password", "passwd", "token", "githubToken", "access_token", "secret",
        "client_secret", "api_key", "apiKey", "API-KEY", "x-api-key", "apikey", "private_key",
        "privateKey", "private key", "credentials", "auth", "Authorization", "oauth_refresh",
    ],
)  # fmt: skip
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key", ["name", "author", "port", "keyboard", "passenger", "compass", "monkey"]
)
def test_ordinary_keys(key: str) -> None:
    assert not is_secret_key(key)


def test_secret_files() -> None:
    assert is_secret_file("/x/secret_settings.json")
    assert is_secret_file("/x/MySecrets.json")
    assert not is_secret_file("/x/settings.json")
    assert not is_secret_file(None)


def test_mask_document_masks_values_under_secret_keys_only() -> None:
    document = {"user": "ana", "password": "pw", "oauth": {"refresh": "r", "expires": 3}}
    masked = mask_document(document, SecretPolicy())
    assert masked == {"user": "ana", "password": MASK, "oauth": {"refresh": MASK, "expires": MASK}}
    assert document["password"] == "pw"  # a copy


def test_secret_file_masks_every_value() -> None:
    policy = SecretPolicy(secret_file=True)
    assert mask_document({"a": 1, "b": [True, None]}, policy) == {"a": MASK, "b": [MASK, MASK]}


def test_revealed_policy_masks_nothing() -> None:
    policy = SecretPolicy(secret_file=True, revealed=True)
    assert mask_document({"password": "pw"}, policy) == {"password": "pw"}
    assert has_secrets({"password": "pw"}, policy)
    assert not has_secrets({"user": "ana"}, SecretPolicy())


def test_a_superseded_check_stops_walking_and_lets_go() -> None:
    from inspector.document.secrets import has_secrets

    document = [{"name": f"n{n}"} for n in range(20_000)] + [{"token": "abc"}]
    asked: list[int] = []

    def superseded() -> bool:
        asked.append(1)
        return True

    assert has_secrets(document, SecretPolicy()) is True
    # Another document opened: the walk stops at its first look, before the secret key.
    assert has_secrets(document, SecretPolicy(), superseded=superseded) is False
    assert asked == [1]
