"""The portal's URLs plus the benchmarks' baselines (only the bench's gunicorn mounts this)."""

from __future__ import annotations

from django.urls import path

from bench import baselines
from streaming_portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("bench/sessions/<uuid:session_id>/heartbeat", baselines.heartbeat_write_through),
    path("bench/sessions/<uuid:session_id>/token", baselines.token_mint_every_time),
    *portal_urlpatterns,
]
