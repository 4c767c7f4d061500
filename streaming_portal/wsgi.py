"""WSGI entry point for gunicorn. Reads DATABASE_URL and REDIS_URL; starts no engines."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming_portal.settings")

application = get_wsgi_application()
