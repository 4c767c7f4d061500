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
    from catalog.crypto import stream_fernet  # noqa: PLC0415

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
