"""System checks for deployment mistakes that Django's own checks cannot see."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
