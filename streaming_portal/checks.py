"""System checks for deployment mistakes that Django's own checks cannot see."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.database, deploy=True)
def check_embedded_engines(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if not settings.EMBEDDED_ENGINES_DIR:
        return []
    return [
        Warning(
            "The embedded PostgreSQL and Redis are in use.",
            hint="They are for development and tests. Set DATABASE_URL and REDIS_URL to "
            "managed servers before deploying.",
            id="streaming_portal.W001",
        )
    ]


@register(Tags.security, deploy=True)
def check_stream_url_keys(app_configs: Any, **kwargs: Any) -> list[Error]:
    from streaming_portal.infra.crypto import stream_fernet  # noqa: PLC0415

    try:
        stream_fernet()
    except ImproperlyConfigured as error:
        return [
            Error(
                str(error),
                hint="Stream URLs are encrypted at rest; without a key none can be saved or read.",
                id="streaming_portal.E001",
            )
        ]
    return []


@register(Tags.security)
def check_stream_tokens(app_configs: Any, **kwargs: Any) -> list[Error]:
    from playback.tokens import signing_keys  # noqa: PLC0415

    errors = []
    if settings.STREAM_TOKEN_TTL_SECONDS > 300 or settings.STREAM_TOKEN_TTL_SECONDS < 30:
        errors.append(
            Error(
                f"STREAM_TOKEN_TTL_SECONDS is {settings.STREAM_TOKEN_TTL_SECONDS}.",
                hint="Stream tokens live between 30 and 300 seconds (5 minutes at most).",
                id="streaming_portal.E002",
            )
        )
    try:
        signing_keys()
    except ImproperlyConfigured as error:
        errors.append(
            Error(
                str(error),
                hint="Set STREAM_SIGNING_KEYS to kid:secret pairs, newest first.",
                id="streaming_portal.E003",
            )
        )
    return errors
