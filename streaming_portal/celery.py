"""The Celery app. Workers and beat read the broker from Django's settings (CELERY_*)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming_portal.settings")

app = Celery("streaming_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="streaming_portal.ping", ignore_result=False, time_limit=10, soft_time_limit=5)
def ping() -> str:
    """Answers "pong": proves a worker is consuming from the broker (tests, readiness)."""
    return "pong"
