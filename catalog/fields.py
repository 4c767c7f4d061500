from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from streaming_portal.infra import crypto
from streaming_portal.infra.fetch import refusal_for_url
from streaming_portal.infra.text import single_line


def validate_fetchable_url(value: str) -> None:
    """Refuse, when a URL is entered, what the fetcher would refuse when it checks the file:
    credentials in the URL (user:pass@), IP literals in private, loopback, link-local or
    reserved ranges, and localhost/.local names (streaming_portal.infra.fetch owns the rule;
    LOCAL_ORIGIN_URL stays admitted). The https:// rule is left to each field's own check,
    so that a plain-http URL gets one message, not two."""
    try:
        if urlsplit(value).scheme != "https":
            return
    except ValueError:  # e.g. an unclosed [ in the host: the URL validator says so
        return
    refusal = refusal_for_url(value)
    if refusal is not None:
        raise ValidationError(refusal, code="url_not_fetchable")


def validate_stream_url(value: str) -> None:
    """HTTPS, a host, and a path ending in .m3u8 (a signed query string may follow)."""
    try:
        parts = urlsplit(value)
    except ValueError as error:  # "Invalid IPv6 URL": an unclosed [ in the host
        raise ValidationError(
            "The stream URL must be an https:// address.", code="stream_url_not_https"
        ) from error
    if parts.scheme != "https" or not parts.netloc:
        raise ValidationError(
            "The stream URL must be an https:// address.", code="stream_url_not_https"
        )
    if not parts.path.lower().endswith(".m3u8"):
        raise ValidationError(
            "The stream URL must point to an HLS playlist ending in .m3u8.",
            code="stream_url_not_m3u8",
        )


class EncryptedStreamURLField(models.TextField):  # type: ignore[type-arg]
    """A stream URL, encrypted at rest with the keys in STREAM_URL_KEYS.

    The database holds Fernet ciphertext only, so no CHECK constraint can see the URL: the
    rules are enforced here instead, on every write path including a bare ORM ``save()`` or
    ``update()``, which raise ``ValidationError`` before anything reaches the database.
    """

    description = "An encrypted HTTPS HLS URL"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "validators", [validate_stream_url, single_line("Stream URL"), validate_fetchable_url]
        )
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("validators", None)
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        validate_stream_url(value)
        return crypto.encrypt(value)

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().formfield(
            **{
                "form_class": forms.URLField,
                "max_length": 1000,
                "assume_scheme": "https",
                **kwargs,
                # TextField (and the admin) would render a textarea; a URL is one line.
                "widget": forms.URLInput(attrs={"class": "vURLField"}),
            }
        )
