"""WSGI entry point for gunicorn. Reads DATABASE_URL and REDIS_URL; starts no engines."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming_portal.settings")

django_application = get_wsgi_application()  # sets Django up: the apps import after it

# Heartbeats, most of the portal's requests, are answered beside Django's handler with the
# checks they need (playback/fastpath.py says which); everything else goes through Django.
from playback.fastpath import HeartbeatFastPath  # noqa: E402

application = HeartbeatFastPath(django_application)
