"""Encryption at rest for stream URLs: Fernet with a list of keys, so keys can rotate.

``STREAM_URL_KEYS`` holds comma-separated Fernet keys, newest first. The newest encrypts;
every key decrypts. To rotate: put a new key first, deploy, run
``manage.py rotate_stream_keys`` (re-encrypts every row under the newest key), then drop the
old key.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "STREAM_URL_KEYS is not set. Generate a key with python -c 'from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'."
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "STREAM_URL_KEYS must hold 32-byte url-safe base64 Fernet keys, newest first."
        ) from error


def stream_fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.STREAM_URL_KEYS))


def encrypt(plaintext: str) -> str:
    return stream_fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return stream_fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A stream URL could not be decrypted with any key in STREAM_URL_KEYS; was a key "
            "removed before rotate_stream_keys ran?"
        ) from error


def reencrypt(token: str) -> str:
    """The same plaintext under the newest key (a no-op in meaning, new ciphertext)."""
    return stream_fernet().rotate(token.encode()).decode()
