"""ASGI entry point. Reads DATABASE_URL and REDIS_URL; starts no engines."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming_portal.settings")

application = get_asgi_application()
