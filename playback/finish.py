"""Ending viewing sessions: at once in Redis (the viewer's end, a revocation), then for good
in PostgreSQL by a worker (the session's row, its own viewer's progress).

Finishing writes only the finished session's own buffered entry, never the whole buffer, so
viewers coming and going do not turn the write-behind into write-through. Idle sessions are
closed in batches: one claim, one upsert and one bulk update per batch.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from playback import flush, live, ownership
from playback.errors import PlaybackRefused
from playback.models import EndReason, ViewingSession

FINISH_TASK = "playback.tasks.finish_viewing_session"
IDLE_BATCH = 1000


def parse_end_reason(value: Any) -> str:
    """ "ended" (played to the end) or "closed" (the default): an EndReason."""
    if value is None or (isinstance(value, str) and value in {"", "closed"}):
        return EndReason.CLOSED
    if value == "ended":
        return EndReason.ENDED
    raise PlaybackRefused("invalid_reason", 'reason must be "ended" or "closed".', field="reason")


def session_end(
    *, session_id: UUID, profile_id: int, reason: str = EndReason.CLOSED, refusal: str = ""
) -> None:
    """Stop a session now and let a worker record it.

    From here heartbeats and renewals are refused, and the edge refuses the session's token
    on its next request (it reads ``ended`` with the session on every request), so the token
    is revoked at once rather than at its expiry.
    """
    state = ownership.owned_session(session_id=session_id, profile_id=profile_id)
    live.session_mark_ended(session_id=session_id, account_id=state.account_id, refusal=refusal)
    # By name: the task module imports this one.
    transaction.on_commit(lambda: current_app.send_task(FINISH_TASK, (str(session_id), reason)))


def session_revoke(*, session_id: UUID, profile_id: int, code: str) -> None:
    """End a session whose viewer is no longer entitled; ``code`` says why, to the player."""
    session_end(
        session_id=session_id, profile_id=profile_id, reason=EndReason.REVOKED, refusal=code
    )


def session_finish(
    *, session_id: UUID, reason: str, now_ms: int | None = None
) -> ViewingSession | None:
    """Write a finished session's row from its Redis state, flush its progress. Idempotent."""
    finished, _ = sessions_finish({session_id: reason}, now_ms=now_ms)
    if finished:
        return finished[0]
    return ViewingSession.objects.filter(pk=session_id).first()


def sessions_finish(
    reasons: dict[UUID, str], *, now_ms: int | None = None
) -> tuple[list[ViewingSession], flush.FlushReport]:
    """Finish many sessions at once: their own entries flushed in one batch, their rows in one
    bulk update, their Redis state in one round trip. Sessions already written are skipped."""
    session_ids = list(reasons)
    states = dict(zip(session_ids, live.session_states(session_ids), strict=True))
    fields = sorted(
        {
            live.entry_field(state.profile_id, state.video_id)
            for state in states.values()
            if state is not None
        }
    )
    flushed = flush.progress_flush_entries(fields=fields, now_ms=now_ms)
    errors = dict(zip(session_ids, live.session_errors(list(session_ids)), strict=True))
    with transaction.atomic():
        sessions = list(
            ViewingSession.objects.select_for_update()
            .select_related("video")
            .filter(pk__in=session_ids, ended_at__isnull=True)
            .order_by("pk")
        )
        for session in sessions:
            _close(session, states[session.pk], errors[session.pk], reasons[session.pk])
        ViewingSession.objects.bulk_update(
            sessions, ["completion_percent", "player_errors", "ended_at", "end_reason"]
        )
    live.sessions_closed(
        [(pk, state.account_id if state else None) for pk, state in states.items()]
    )
    return sessions, flushed


def _close(
    session: ViewingSession, state: live.SessionState | None, errors: list[str], reason: str
) -> None:
    position = state.position if state else 0.0
    duration = session.video.duration_seconds or 1
    session.completion_percent = max(0, min(100, round(100 * position / duration)))
    session.player_errors = errors
    last_seen = state.last_seen_ms if state else 0
    ended = datetime.fromtimestamp(last_seen / 1000, tz=UTC) if last_seen else timezone.now()
    session.ended_at = max(ended, session.started_at)
    session.end_reason = reason


def sessions_close_idle(*, now_ms: int | None = None) -> int:
    """Close every open session whose last heartbeat is older than SESSION_IDLE_SECONDS (or
    that was ended in Redis and not written yet), in batches of IDLE_BATCH."""
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    idle_before = now - settings.SESSION_IDLE_SECONDS * 1000
    open_ids = list(
        ViewingSession.objects.filter(ended_at__isnull=True)
        .order_by("started_at")
        .values_list("id", flat=True)[:5000]
    )
    closed = 0
    for start in range(0, len(open_ids), IDLE_BATCH):
        chunk = open_ids[start : start + IDLE_BATCH]
        reasons: dict[UUID, str] = {}
        for session_id, state in zip(chunk, live.session_states(chunk), strict=True):
            if state is None or state.last_seen_ms < idle_before:
                reasons[session_id] = EndReason.IDLE
            elif state.ended:
                reasons[session_id] = EndReason.CLOSED
        if reasons:
            closed += len(sessions_finish(reasons, now_ms=now)[0])
    return closed
