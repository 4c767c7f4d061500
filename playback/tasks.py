"""Thin Celery tasks: ids in, one service call, retries and limits declared. Safe to rerun."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from celery import shared_task

from playback import finish, flush


@shared_task(
    name="playback.tasks.flush_watch_progress",
    acks_late=True,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=50,
    time_limit=60,
)
def flush_watch_progress(everything: bool = False) -> dict[str, Any]:
    """Claimed batches survive a crash and are written again; the upsert keeps the newest."""
    report = flush.progress_flush(everything=everything)
    return {"claimed": report.claimed, "written": report.written, "batches": report.batches}


@shared_task(
    name="playback.tasks.finish_viewing_session",
    acks_late=True,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=50,
    time_limit=60,
)
def finish_viewing_session(session_id: str, reason: str) -> str | None:
    """Idempotent: a session already written is left as it is."""
    session = finish.session_finish(session_id=UUID(session_id), reason=reason)
    return None if session is None else str(session.pk)


@shared_task(
    name="playback.tasks.close_idle_sessions",
    acks_late=True,
    soft_time_limit=100,
    time_limit=120,
)
def close_idle_sessions() -> int:
    return finish.sessions_close_idle()
