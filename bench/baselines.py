"""The obvious alternatives the benchmarks compare against, written as plainly as a first
version would be: the same validation and the same answers, but PostgreSQL on every call."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from uuid import UUID

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from playback import tokens
from playback.errors import PlaybackRefused
from playback.heartbeats import parse_heartbeat
from playback.models import SignedStreamToken, ViewingSession
from playback.views import _session_profile_id, refused

UPSERT_ONE = """
INSERT INTO playback_watchprogress
    (profile_id, video_id, last_watched_timestamp, progress_seconds, is_finished)
VALUES (%s, %s, %s, %s, false)
ON CONFLICT (profile_id, video_id) DO UPDATE SET
    last_watched_timestamp = EXCLUDED.last_watched_timestamp,
    progress_seconds = EXCLUDED.progress_seconds
WHERE playback_watchprogress.last_watched_timestamp < EXCLUDED.last_watched_timestamp
"""


@require_POST
def heartbeat_write_through(request: HttpRequest, session_id: UUID) -> JsonResponse:
    """One session lookup and one upsert per heartbeat."""
    profile_id = _session_profile_id(request)
    if profile_id is None:
        return JsonResponse({"error": {"code": "not_signed_in", "message": "?"}}, status=403)
    try:
        beat = parse_heartbeat(json.loads(request.body))
    except PlaybackRefused as error:
        return refused(error)
    session = (
        ViewingSession.objects.filter(pk=session_id, profile_id=profile_id, ended_at__isnull=True)
        .select_related("video")
        .first()
    )
    if session is None:
        return JsonResponse({"error": {"code": "unknown_session", "message": "?"}}, status=404)
    at = datetime.fromtimestamp((beat.at_ms or time.time() * 1000) / 1000, tz=UTC)
    with connection.cursor() as cursor:
        cursor.execute(UPSERT_ONE, [profile_id, session.video_id, at, int(beat.position_seconds)])
    return JsonResponse({"status": "ok"})


@require_POST
def token_mint_every_time(request: HttpRequest, session_id: UUID) -> JsonResponse:
    """A fresh token and audit row on every call."""
    profile_id = _session_profile_id(request)
    if profile_id is None:
        return JsonResponse({"error": {"code": "not_signed_in", "message": "?"}}, status=403)
    session = ViewingSession.objects.filter(pk=session_id, profile_id=profile_id).first()
    if session is None:
        return JsonResponse({"error": {"code": "unknown_session", "message": "?"}}, status=404)
    ctx = tokens.viewer_context(profile_id=profile_id, session_id=session_id)
    token, value = tokens.mint(session_id=session_id, ctx=ctx, token_id=uuid.uuid4())
    now = time.time()
    SignedStreamToken.objects.create(
        token_id=token.tid,
        video_id=session.video_id,
        session_id=session_id,
        profile_id=profile_id,
        viewer_context=ctx,
        signed_url=f"https://{request.get_host()}{token.acl}",
        key_id=token.kid,
        token_sha256=tokens.token_hash(value),
        issued_at=datetime.fromtimestamp(now, tz=UTC),
        expires_at=datetime.fromtimestamp(token.exp, tz=UTC),
    )
    return JsonResponse({"token_expires_at": token.exp})
