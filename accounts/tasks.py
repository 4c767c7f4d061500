"""Thin Celery tasks for accounts: safe to run twice."""

from __future__ import annotations

from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task(name="accounts.tasks.clear_expired_sessions", soft_time_limit=250, time_limit=300)
def clear_expired_sessions() -> None:
    """Sessions live in PostgreSQL (Redis holds their fast copy): expired rows go daily, as
    ``manage.py clearsessions`` would."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
