"""Media validation workflows: check a stream or caption, record the verdict, queue checks.

The checks themselves (fetching, parsing, the rules) are in catalog/media_checks.py; this
module owns what is saved and when work is queued. Checks are queued with on_commit, so a
worker never looks for a row that is not committed yet.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from catalog.media_checks import Verdict, check_caption, check_stream
from catalog.models import (
    CaptionTrack,
    Episode,
    Movie,
    Series,
    StreamSource,
    Title,
    ValidationStatus,
    Video,
)

logger = logging.getLogger(__name__)
STREAM_TASK = "catalog.tasks.validate_stream_source"
CAPTION_TASK = "catalog.tasks.validate_caption_track"


def stream_source_validate(*, stream_id: UUID | str) -> Verdict | None:
    """Check one stream source and record its verdict; None if the row is gone."""
    stream = StreamSource.objects.select_related("video").filter(pk=stream_id).first()
    if stream is None:
        return None
    verdict = check_stream(stream.stream_url, stream.video.duration_seconds)
    _record(
        StreamSource.objects.filter(pk=stream.pk),
        verdict,
        validation_renditions=verdict.facts.get("renditions", []),
    )
    if verdict.status != ValidationStatus.VALID:
        logger.warning(
            "Stream source failed validation",
            extra={
                "stream_id": str(stream.pk),
                "video_id": str(stream.video_id),
                "validation_status": verdict.status,
                "validation_message": verdict.message,
            },
        )
    return verdict


def caption_track_validate(*, caption_id: UUID | str) -> Verdict | None:
    caption = CaptionTrack.objects.select_related("video").filter(pk=caption_id).first()
    if caption is None:
        return None
    verdict = check_caption(caption.caption_url, caption.format, caption.video.duration_seconds)
    _record(CaptionTrack.objects.filter(pk=caption.pk), verdict)
    if verdict.status != ValidationStatus.VALID:
        logger.warning(
            "Caption track failed validation",
            extra={
                "caption_id": str(caption.pk),
                "video_id": str(caption.video_id),
                "language_code": caption.language_code,
                "validation_status": verdict.status,
                "validation_message": verdict.message,
            },
        )
    return verdict


def _record(
    rows: QuerySet[StreamSource] | QuerySet[CaptionTrack], verdict: Verdict, **more: Any
) -> None:
    rows.update(
        validation_status=verdict.status,
        validation_message=verdict.message[:2000],
        last_validated_at=timezone.now(),
        **more,
    )


def media_validation_enqueue(
    *, stream_ids: Iterable[UUID | str] = (), caption_ids: Iterable[UUID | str] = ()
) -> int:
    """Queue a check per stream and caption once the current transaction commits.

    The tasks are sent by name: catalog/tasks.py imports this module, not the other way.
    """
    streams, captions = [str(i) for i in stream_ids], [str(i) for i in caption_ids]

    def send() -> None:
        for stream_id in streams:
            current_app.send_task(STREAM_TASK, (stream_id,))
        for caption_id in captions:
            current_app.send_task(CAPTION_TASK, (caption_id,))

    if streams or captions:
        transaction.on_commit(send)
    return len(streams) + len(captions)


def media_urls_changed(
    *, stream_ids: Iterable[UUID | str] = (), caption_ids: Iterable[UUID | str] = ()
) -> int:
    """Streams and captions that are new or whose URL changed: forget their verdicts, then
    queue a check for each once the current transaction commits. Returns the checks queued.

    The verdict was about the old URL, so it must not stay on screen until the check runs
    (a new row's verdict is already UNKNOWN: resetting it costs nothing). One UPDATE per
    model, none for an empty list. The admin and the importer both call this.
    """
    streams, captions = list(stream_ids), list(caption_ids)
    unknown = {
        "validation_status": ValidationStatus.UNKNOWN,
        "validation_message": "",
        "last_validated_at": None,
    }
    if streams:
        StreamSource.objects.filter(pk__in=streams).update(**unknown, validation_renditions=[])
    if captions:
        CaptionTrack.objects.filter(pk__in=captions).update(**unknown)
    return media_validation_enqueue(stream_ids=streams, caption_ids=captions)


def videos_of(title: Title) -> QuerySet[Video]:
    if isinstance(title, Movie):
        return Video.objects.filter(pk=title.pk)
    if isinstance(title, Series):
        return Video.objects.filter(
            pk__in=Episode.objects.filter(season__series=title).values("pk")
        )
    raise TypeError(f"Not a title: {title!r}")


def title_validate_now(*, title: Title) -> int:
    """Queue checks for every stream and caption of a movie or of a series' episodes."""
    videos = videos_of(title)
    return media_validation_enqueue(
        stream_ids=StreamSource.objects.filter(video__in=videos).values_list("pk", flat=True),
        caption_ids=CaptionTrack.objects.filter(video__in=videos).values_list("pk", flat=True),
    )


def stale_filter(at: datetime | None = None) -> Q:
    """Never checked, or checked longer ago than MEDIA_REVALIDATE_AFTER_HOURS."""
    before = (at or timezone.now()) - timedelta(hours=settings.MEDIA_REVALIDATE_AFTER_HOURS)
    return Q(last_validated_at__isnull=True) | Q(last_validated_at__lt=before)


def stale_media_enqueue(*, limit: int = 500) -> int:
    """Queue checks for the stalest streams and captions (beat runs this)."""
    # Never-checked rows first (PostgreSQL sorts NULLs last by default), then the stalest.
    oldest_first = F("last_validated_at").asc(nulls_first=True)
    streams = (
        StreamSource.objects.filter(stale_filter())
        .order_by(oldest_first)
        .values_list("pk", flat=True)[:limit]
    )
    captions = (
        CaptionTrack.objects.filter(stale_filter())
        .order_by(oldest_first)
        .values_list("pk", flat=True)[:limit]
    )
    return media_validation_enqueue(stream_ids=list(streams), caption_ids=list(captions))
