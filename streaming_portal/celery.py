"""The Celery app. Workers and beat read the broker from Django's settings (CELERY_*)."""

from __future__ import annotations

import os
from logging.config import dictConfig
from typing import Any

from celery import Celery, signals

from streaming_portal.infra import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming_portal.settings")

app = Celery("streaming_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="streaming_portal.ping", ignore_result=False, time_limit=10, soft_time_limit=5)
def ping() -> str:
    """Answers "pong": proves a worker is consuming from the broker (tests, readiness)."""
    return "pong"


# --- Logging: the worker and beat log like the web (streaming_portal/infra/logs.py) ---------------


@signals.setup_logging.connect
def _log_through_django_settings(**kwargs: Any) -> None:
    """With a receiver here, Celery configures no logging of its own: it would otherwise
    hijack the root logger with its own handler and format (and ignore LOGGING). Its
    ``--loglevel`` option is ignored too; LOG_LEVEL sets the level, as on the web."""
    from django.conf import settings  # noqa: PLC0415 - read once the worker starts

    dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def _carry_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    # A task queued while serving a request names that request in its lines on the worker.
    request_id = logs.current_request_id()
    if request_id and headers is not None:
        headers.setdefault(logs.TASK_REQUEST_ID_HEADER, request_id)


@signals.task_prerun.connect
def _task_context_set(task_id: str, task: Any, **kwargs: Any) -> None:
    logs.task_started(
        task_id=task_id,
        task_name=task.name,
        # Eager runs (``apply()``) inside a request keep that request's id.
        request_id=getattr(task.request, logs.TASK_REQUEST_ID_HEADER, None)
        or logs.current_request_id(),
    )


@signals.task_postrun.connect
def _task_context_clear(task_id: str, **kwargs: Any) -> None:
    logs.task_finished(task_id=task_id)
