"""Thin Celery tasks for media validation: an id in, one service call, retries declared.

Idempotent: a check only records the verdict of the row as it is now. A transient failure
(timeout, 5xx, reset) records UNKNOWN and retries with backoff; it never records INVALID.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from catalog import media, trickplay
from catalog.models import TrickplayStatus, ValidationStatus

RETRY_DELAYS = (30, 120, 600, 1800)


def _retry_if_unknown(task: Any, status: str | None) -> str | None:
    if status == ValidationStatus.UNKNOWN and task.request.retries < len(RETRY_DELAYS):
        raise task.retry(countdown=RETRY_DELAYS[task.request.retries])
    return status


@shared_task(
    bind=True,
    name="catalog.tasks.validate_stream_source",
    acks_late=True,
    max_retries=len(RETRY_DELAYS),
    soft_time_limit=120,
    time_limit=150,
)
def validate_stream_source(self: Any, stream_id: str) -> str | None:
    verdict = media.stream_source_validate(stream_id=stream_id)
    return _retry_if_unknown(self, verdict.status if verdict else None)


@shared_task(
    bind=True,
    name="catalog.tasks.validate_caption_track",
    acks_late=True,
    max_retries=len(RETRY_DELAYS),
    soft_time_limit=60,
    time_limit=90,
)
def validate_caption_track(self: Any, caption_id: str) -> str | None:
    verdict = media.caption_track_validate(caption_id=caption_id)
    return _retry_if_unknown(self, verdict.status if verdict else None)


@shared_task(name="catalog.tasks.revalidate_stale_media", soft_time_limit=60, time_limit=90)
def revalidate_stale_media() -> int:
    return media.stale_media_enqueue()


@shared_task(
    bind=True,
    name="catalog.tasks.build_trickplay",
    acks_late=True,
    max_retries=len(RETRY_DELAYS),
    soft_time_limit=300,
    time_limit=330,
)
def build_trickplay(self: Any, video_id: str) -> str | None:
    """Generate a video's thumbnails, or check the editor's own track. Safe to run twice:
    generation replaces the thumbs/ folder whole, a check only records what it finds."""
    outcome = trickplay.trickplay_build(video_id=video_id)
    transient = outcome is not None and outcome.status == TrickplayStatus.PENDING
    if transient and self.request.retries < len(RETRY_DELAYS):
        raise self.retry(countdown=RETRY_DELAYS[self.request.retries])
    return outcome.status if outcome else None
