"""Playback workflows: start a session, take heartbeats, issue tokens, flush, finish.

Hot paths and who pays:

- ``heartbeat_record``: one Redis script call, no SQL (a test asserts zero queries).
- ``token_issue``: one Redis GET; when a new token is due, one SET and one audit INSERT.
- ``progress_flush``: one Redis script to claim due entries, one set-based upsert per batch.
"""

from __future__ import annotations

import logging
import math
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Profile
from catalog.models import CaptionTrack, StreamSource, Video
from playback import entitlement, live, tokens
from playback.errors import PlaybackRefused
from playback.models import DeviceType, EndReason, SignedStreamToken, ViewingSession, WatchProgress

logger = logging.getLogger(__name__)


# --- Starting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaptionInfo:
    language_code: str
    label: str
    url: str
    is_default: bool


@dataclass(frozen=True)
class PlaybackStart:
    session: ViewingSession
    token: str
    token_expires_at: int
    playlist_url: str
    resume_seconds: int
    duration_seconds: int
    captions: list[CaptionInfo]
    drm_required: bool


MOBILE = re.compile(r"iPhone|Android.+Mobile|Windows Phone", re.IGNORECASE)
TABLET = re.compile(r"iPad|Android(?!.*Mobile)|Tablet", re.IGNORECASE)
TV = re.compile(r"SmartTV|SMART-TV|AppleTV|GoogleTV|HbbTV|Web0S|Tizen|CrKey", re.IGNORECASE)


def device_from_user_agent(user_agent: str) -> DeviceType:
    if TV.search(user_agent):
        return DeviceType.TV
    if TABLET.search(user_agent):
        return DeviceType.TABLET
    if MOBILE.search(user_agent):
        return DeviceType.MOBILE
    return DeviceType.DESKTOP if user_agent else DeviceType.UNKNOWN


def parse_device_type(value: Any, *, default: str) -> str:
    """The body's device_type (a DeviceType value, any case) or ``default`` when absent."""
    if value is None or value == "":
        return default
    if not isinstance(value, str) or value.upper() not in DeviceType.values:
        raise PlaybackRefused(
            "invalid_device_type",
            f"device_type must be one of {', '.join(DeviceType.values)}.",
            field="device_type",
        )
    return value.upper()


def parse_end_reason(value: Any) -> str:
    """ "ended" (played to the end) or "closed" (the default): an EndReason."""
    if value is None or (isinstance(value, str) and value in {"", "closed"}):
        return EndReason.CLOSED
    if value == "ended":
        return EndReason.ENDED
    raise PlaybackRefused("invalid_reason", 'reason must be "ended" or "closed".', field="reason")


def session_start(
    *,
    profile: Profile,
    video: Video,
    device_type: str,
    edge_origin: str = "",
    from_start: bool = False,
) -> PlaybackStart:
    """Check entitlement, open a viewing session and issue its first stream token.

    ``video`` must come from ``entitlement.entitled_video`` (or ``Video.objects.for_profile``):
    availability and the ceiling are the caller's query. Here: the account is active, the
    title has a primary stream, and the plan's concurrent-stream limit is not reached.
    ``edge_origin`` is the scheme and host the viewer reaches the edge at (the audit's URL).
    """
    account = profile.account
    refusal = entitlement.account_refusal(profile)
    if refusal is not None:
        raise refusal
    stream = (
        StreamSource.objects.filter(video=video, is_primary=True).only("id", "drm_required").first()
    )
    if stream is None:
        raise PlaybackRefused("no_stream", "This title is not ready to play yet.", status=409)
    now_ms = int(time.time() * 1000)
    client = live.redis()
    streams = live.streams_key(account.pk)
    session_id = uuid.uuid4()
    admitted = live.Scripts.admit()(
        keys=[streams],
        args=[
            now_ms - settings.SESSION_IDLE_SECONDS * 1000,
            account.stream_limit,
            now_ms,
            str(session_id),
        ],
    )
    if not admitted:
        raise PlaybackRefused(
            "too_many_streams",
            f"The {account.get_subscription_plan_display()} plan plays on "
            f"{account.stream_limit} screen{'s' if account.stream_limit != 1 else ''} at a time, "
            "and that many are playing now. Stop one of them, then try again.",
            status=409,
        )
    try:
        session = ViewingSession.objects.create(
            id=session_id,
            video=video,
            profile=profile,
            device_type=device_type if device_type in DeviceType.values else DeviceType.UNKNOWN,
        )
        resume = 0 if from_start else resume_position(profile=profile, video=video)
    except BaseException:
        client.zrem(streams, str(session_id))  # give the admitted place back
        raise
    with client.pipeline() as pipe:
        key = live.session_key(session.pk)
        pipe.hset(
            key,
            mapping={
                "profile": profile.pk,
                "account": account.pk,
                "video": str(video.pk),
                "stream": str(stream.pk),
                "duration": video.duration_seconds,
                "started": now_ms,
                "last_seen": now_ms,
                "position": resume,
                "resume": resume,
                "moved": 0 if resume else 1,
                "ended": 0,
            },
        )
        pipe.expire(key, live.SESSION_TTL)
        pipe.execute()
    token, expires = token_issue(
        session_id=session.pk, profile_id=profile.pk, edge_origin=edge_origin, checked=True
    )
    captions = [
        CaptionInfo(
            language_code=caption.language_code,
            label=str(caption).replace(" (default)", ""),
            url=f"{tokens.acl_for(session.pk)}captions/{caption.pk}.vtt",
            is_default=caption.is_default,
        )
        for caption in CaptionTrack.objects.filter(video=video, format=CaptionTrack.Format.WEBVTT)
    ]
    return PlaybackStart(
        session=session,
        token=token,
        token_expires_at=expires,
        playlist_url=f"{tokens.acl_for(session.pk)}master.m3u8",
        resume_seconds=resume,
        duration_seconds=video.duration_seconds,
        captions=captions,
        drm_required=stream.drm_required,
    )


def resume_position(*, profile: Profile, video: Video) -> int:
    """Where to start: the newest of the unflushed buffer and the stored progress."""
    recent = live.redis().hget(live.recent_key(profile.pk), live.entry_field(profile.pk, video.pk))
    stored = WatchProgress.objects.filter(profile=profile, video=video).first()
    candidates: list[tuple[float, float]] = []
    if recent:
        entry = live.BufferedPosition.parse(live.entry_field(profile.pk, video.pk), recent)
        candidates.append((entry.at_ms / 1000, entry.position))
    if stored:
        candidates.append((stored.last_watched_timestamp.timestamp(), stored.progress_seconds))
    if not candidates:
        return 0
    _, position = max(candidates)
    if position >= video.duration_seconds * settings.FINISHED_FRACTION:
        return 0  # finished: start again from the beginning
    return int(position)


# --- Tokens -----------------------------------------------------------------------------------


def token_issue(
    *, session_id: UUID, profile_id: int, edge_origin: str = "", checked: bool = False
) -> tuple[str, int]:
    """The session's stream token and its expiry (Unix time).

    Every call re-checks entitlement (two queries; ``checked`` skips it when the caller has
    just done so): a viewer no longer entitled is refused and the session revoked at once.
    Within the first half of a token's life the same token is returned; after that a fresh
    one is minted (and audited), so a live session always holds a token with minutes left.
    """
    client = live.redis()
    state = client.hmget(live.session_key(session_id), "profile", "ended", "video", "refusal")
    if state[0] is None or int(state[0]) != profile_id:
        raise PlaybackRefused("unknown_session", "This viewing session does not exist.", status=404)
    if state[1] == b"1":
        code = state[3].decode() if state[3] else "session_ended"
        message = entitlement.MESSAGES.get(code, "This viewing session has ended.")
        raise PlaybackRefused(code, message, status=409 if code == "session_ended" else 403)
    video_id = state[2].decode()
    refusal = (
        None if checked else entitlement.still_entitled(profile_id=profile_id, video_id=video_id)
    )
    if refusal is not None:
        session_revoke(session_id=session_id, profile_id=profile_id, code=refusal.code)
        refusal.status = 403
        raise refusal
    ttl = settings.STREAM_TOKEN_TTL_SECONDS
    key = live.token_key(session_id)
    with client.pipeline() as pipe:
        pipe.get(key)
        pipe.pttl(key)
        current, remaining_ms = pipe.execute()
    now = time.time()
    if current is not None and remaining_ms > ttl * 500:
        value = current.decode()
        return value, tokens.parse(value)[0].exp
    ctx = tokens.viewer_context(profile_id=profile_id, session_id=session_id)
    token, value = tokens.mint(session_id=session_id, ctx=ctx, token_id=uuid.uuid4(), now=now)
    client.set(key, value, ex=ttl)
    SignedStreamToken.objects.create(
        token_id=token.tid,
        video_id=video_id,
        session_id=session_id,
        profile_id=profile_id,
        viewer_context=ctx,
        signed_url=(edge_origin or default_edge_origin()).rstrip("/") + token.acl,
        key_id=token.kid,
        token_sha256=tokens.token_hash(value),
        issued_at=datetime.fromtimestamp(now, tz=UTC),
        expires_at=datetime.fromtimestamp(token.exp, tz=UTC),
    )
    return value, token.exp


def default_edge_origin() -> str:
    """The edge's origin when no request says it (commands, workers): STREAM_EDGE_URL, else
    the first of ALLOWED_HOSTS over HTTPS."""
    if settings.STREAM_EDGE_URL:
        return str(settings.STREAM_EDGE_URL)
    hosts = [host for host in settings.ALLOWED_HOSTS if host and "*" not in host]
    return f"https://{hosts[0].lstrip('.') if hosts else 'localhost'}"


# --- Heartbeats -------------------------------------------------------------------------------


FINAL_EVENTS = frozenset({"pause", "ended", "hidden"})
EVENTS = frozenset({"tick", "seek", "play", *FINAL_EVENTS})
ERROR_CODE = re.compile(r"^[a-z0-9_.:-]{1,40}$")


@dataclass(frozen=True)
class Heartbeat:
    position_seconds: float
    event: str = "tick"
    at_ms: int | None = None
    errors: tuple[str, ...] = ()


def parse_heartbeat(data: Any) -> Heartbeat:
    """Validate a heartbeat body; PlaybackRefused names the field."""
    if not isinstance(data, dict):
        raise PlaybackRefused("malformed_body", "The body must be a JSON object.")
    position = data.get("position_seconds")
    if (
        isinstance(position, bool)
        or not isinstance(position, int | float)
        or not math.isfinite(position)
    ):
        raise PlaybackRefused(
            "invalid_position", "position_seconds must be a number.", field="position_seconds"
        )
    if position < 0:
        raise PlaybackRefused(
            "position_out_of_range",
            "position_seconds cannot be negative.",
            field="position_seconds",
        )
    event = data.get("event", "tick")
    if not isinstance(event, str) or event not in EVENTS:
        raise PlaybackRefused(
            "invalid_event", f"event must be one of {', '.join(sorted(EVENTS))}.", field="event"
        )
    at_ms = data.get("at")
    now_ms = int(time.time() * 1000)
    if at_ms is not None and (
        isinstance(at_ms, bool) or not isinstance(at_ms, int) or abs(at_ms - now_ms) > 300_000
    ):
        raise PlaybackRefused(
            "invalid_time",
            "at must be the player's clock in milliseconds, within 5 minutes of ours.",
            field="at",
        )
    errors = data.get("errors", [])
    if (
        not isinstance(errors, list)
        or len(errors) > 10
        or not all(isinstance(code, str) and ERROR_CODE.match(code) for code in errors)
    ):
        raise PlaybackRefused(
            "invalid_errors",
            "errors must be a list of at most 10 short codes (letters, digits, _.:-).",
            field="errors",
        )
    return Heartbeat(float(position), event, at_ms, tuple(errors))


STATUS_ERRORS = {
    "unknown_session": (404, "This viewing session does not exist."),
    entitlement.TITLE_UNAVAILABLE: (403, entitlement.MESSAGES[entitlement.TITLE_UNAVAILABLE]),
    entitlement.ACCOUNT_INACTIVE: (403, entitlement.MESSAGES[entitlement.ACCOUNT_INACTIVE]),
    "foreign_session": (404, "This viewing session does not exist."),
    "session_ended": (409, "This viewing session has ended; start playback again."),
    "position_out_of_range": (400, "position_seconds is beyond the end of this title."),
}


def heartbeat_record(*, session_id: UUID, profile_id: int, heartbeat: Heartbeat) -> str:
    """Buffer one position report in Redis. No SQL.

    Returns "ok", "stale" (older than one already buffered) or "held" (before the point the
    session resumed from, which it has not reached yet: kept out of the saved progress).
    """
    now_ms = int(time.time() * 1000)
    result = live.Scripts.heartbeat()(
        keys=[
            live.session_key(session_id),
            live.BUFFER,
            live.recent_key(profile_id),
            f"{live.PREFIX}streams:",
            f"{live.PREFIX}written:",
        ],
        args=[
            profile_id,
            f"{heartbeat.position_seconds:.1f}",
            heartbeat.at_ms or now_ms,
            now_ms,
            1 if heartbeat.event in FINAL_EVENTS else 0,
            str(session_id),
            heartbeat.event,
            live.SESSION_TTL,
            live.RECENT_TTL,
            *heartbeat.errors,
        ],
    )
    status = result.decode() if isinstance(result, bytes) else str(result)
    if heartbeat.errors:
        # Still no SQL: the video is on the session's row, found by session_id.
        logger.warning(
            "Player reported errors",
            extra={
                "session_id": str(session_id),
                "profile_id": profile_id,
                "error_codes": list(heartbeat.errors),
                "event": heartbeat.event,
                "position_seconds": heartbeat.position_seconds,
                "heartbeat_status": status,
            },
        )
    if status in STATUS_ERRORS:
        code = "unknown_session" if status == "foreign_session" else status
        http_status, message = STATUS_ERRORS[status]
        field = "position_seconds" if status == "position_out_of_range" else None
        raise PlaybackRefused(code, message, status=http_status, field=field)
    return status


# --- The flush --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlushReport:
    claimed: int
    written: int
    batches: int


ORPHAN_AFTER_MS = 30_000

UPSERT = """
INSERT INTO playback_watchprogress
    (profile_id, video_id, last_watched_timestamp, progress_seconds, is_finished)
SELECT entry.profile_id, entry.video_id, entry.at, entry.position,
       entry.position >= video.duration_seconds * %s
FROM unnest(%s::bigint[], %s::uuid[], %s::timestamptz[], %s::integer[])
     AS entry(profile_id, video_id, at, position)
JOIN accounts_profile profile ON profile.id = entry.profile_id
JOIN catalog_video video ON video.id = entry.video_id
-- One lock order for every flush: two flushes upserting overlapping rows queue, never deadlock.
ORDER BY entry.profile_id, entry.video_id
ON CONFLICT (profile_id, video_id) DO UPDATE SET
    last_watched_timestamp = EXCLUDED.last_watched_timestamp,
    progress_seconds = EXCLUDED.progress_seconds,
    is_finished = EXCLUDED.is_finished
WHERE playback_watchprogress.last_watched_timestamp < EXCLUDED.last_watched_timestamp
"""


def progress_flush(*, everything: bool = False) -> FlushReport:
    """Move due buffered positions into WatchProgress: one upsert per claimed batch.

    Safe to run twice and safe to run concurrently: a batch is claimed atomically, written
    with an upsert in which the newer timestamp wins, and only then dropped; a batch whose
    worker died stays claimed and the next run writes it again, to the same result.
    ``everything`` ignores the write lag (session end, ``flush_watch_progress --all``).
    """
    client = live.redis()
    now_ms = int(time.time() * 1000)
    claim = f"{live.PREFIX}claim:{now_ms}:{uuid.uuid4().hex}"
    lag_ms = 0 if everything else settings.PROGRESS_MAX_LAG_SECONDS * 1000
    claimed = int(
        live.Scripts.claim()(
            keys=[live.BUFFER, claim, live.CLAIMS], args=[now_ms, lag_ms, f"{live.PREFIX}written:"]
        )
    )
    batches, written = 0, 0
    for batch_key in sorted(member.decode() for member in client.smembers(live.CLAIMS)):
        if batch_key != claim and now_ms - int(batch_key.split(":")[2]) < ORPHAN_AFTER_MS:
            continue  # another worker's batch, still in its hands
        written += _write_batch(client, batch_key)
        batches += 1
    return FlushReport(claimed=claimed, written=written, batches=batches)


def _write_batch(client: Any, batch_key: str) -> int:
    entries = [live.BufferedPosition.parse(f, v) for f, v in client.hgetall(batch_key).items()]
    written = 0
    if entries:
        with transaction.atomic():
            connection.ensure_connection()
            # A server-binding cursor sends the four arrays as parameters; Django's default
            # client-side binding would spell 10,000-element arrays out as SQL text.
            raw = psycopg.Cursor(connection.connection)
            with connection._prepare_cursor(raw) as cursor:  # type: ignore[attr-defined]  # logged like any query
                cursor.execute(
                    UPSERT,
                    [
                        settings.FINISHED_FRACTION,
                        [entry.profile_id for entry in entries],
                        [entry.video_id for entry in entries],
                        [datetime.fromtimestamp(entry.at_ms / 1000, tz=UTC) for entry in entries],
                        [int(entry.position) for entry in entries],
                    ],
                )
                written = cursor.rowcount
    # Only after the commit: mark the entries written, drop the batch, and let the touched
    # profiles' cached Continue watching rows go.
    if entries:
        from playback.progress import progress_changed  # noqa: PLC0415 - progress reads services

        progress_changed(entry.profile_id for entry in entries)
    live.Scripts.release()(
        keys=[batch_key, live.CLAIMS],
        args=[
            f"{live.PREFIX}written:",
            int(time.time() * 1000),
            max(settings.PROGRESS_MAX_LAG_SECONDS * 3, 600),
            *(live.entry_field(entry.profile_id, entry.video_id) for entry in entries),
        ],
    )
    return max(int(written), 0)


# --- Ending -----------------------------------------------------------------------------------


def session_end(
    *, session_id: UUID, profile_id: int, reason: str = EndReason.CLOSED, refusal: str = ""
) -> None:
    """Stop a session now and let a worker record it.

    From here heartbeats and renewals are refused, and the edge refuses the session's token
    on its next request (it reads ``ended`` with the session on every request), so the token
    is revoked at once rather than at its expiry.
    """
    client = live.redis()
    key = live.session_key(session_id)
    state = client.hmget(key, "profile", "account")
    if state[0] is None or int(state[0]) != profile_id:
        raise PlaybackRefused("unknown_session", "This viewing session does not exist.", status=404)
    with client.pipeline() as pipe:
        pipe.hset(key, mapping={"ended": 1, **({"refusal": refusal} if refusal else {})})
        pipe.zrem(live.streams_key(int(state[1])), str(session_id))
        pipe.delete(live.token_key(session_id))
        pipe.execute()
    from playback.tasks import finish_viewing_session  # noqa: PLC0415 - tasks import services

    transaction.on_commit(lambda: finish_viewing_session.delay(str(session_id), reason))


def session_revoke(*, session_id: UUID, profile_id: int, code: str) -> None:
    """End a session whose viewer is no longer entitled; ``code`` says why, to the player."""
    session_end(
        session_id=session_id, profile_id=profile_id, reason=EndReason.REVOKED, refusal=code
    )


def session_finish(*, session_id: UUID, reason: str) -> ViewingSession | None:
    """Write a finished session's row from its Redis state, flush its progress. Idempotent."""
    progress_flush(everything=True)
    client = live.redis()
    key = live.session_key(session_id)
    with client.pipeline() as pipe:
        pipe.hgetall(key)
        pipe.lrange(f"{key}:errors", 0, -1)
        state, errors = pipe.execute()
    with transaction.atomic():
        session = (
            ViewingSession.objects.select_for_update()
            .select_related("video")
            .filter(pk=session_id)
            .first()
        )
        if session is None or session.ended_at is not None:
            return session
        position = float(state.get(b"position", 0) or 0)
        last_seen = int(state.get(b"last_seen", 0) or 0)
        duration = session.video.duration_seconds or 1
        session.completion_percent = max(0, min(100, round(100 * position / duration)))
        session.player_errors = [code.decode() for code in errors]
        ended = datetime.fromtimestamp(last_seen / 1000, tz=UTC) if last_seen else timezone.now()
        session.ended_at = max(ended, session.started_at)
        session.end_reason = reason
        session.save(
            update_fields=["completion_percent", "player_errors", "ended_at", "end_reason"]
        )
    with client.pipeline() as pipe:
        pipe.hset(key, "ended", 1)
        pipe.expire(key, 3600)
        pipe.delete(f"{key}:errors")
        if b"account" in state:
            pipe.zrem(live.streams_key(int(state[b"account"])), str(session_id))
        pipe.execute()
    return session


def sessions_close_idle() -> int:
    """Close every open session whose last heartbeat is older than SESSION_IDLE_SECONDS."""
    client = live.redis()
    open_ids = list(
        ViewingSession.objects.filter(ended_at__isnull=True).values_list("id", flat=True)[:5000]
    )
    if not open_ids:
        return 0
    with client.pipeline() as pipe:
        for session_id in open_ids:
            pipe.hmget(live.session_key(session_id), "last_seen", "ended")
        states = pipe.execute()
    idle_before = (time.time() - settings.SESSION_IDLE_SECONDS) * 1000
    closed = 0
    for session_id, (last_seen, ended) in zip(open_ids, states, strict=True):
        if last_seen is None or ended == b"1" or int(last_seen) < idle_before:
            session_finish(
                session_id=session_id,
                reason=EndReason.CLOSED if ended == b"1" else EndReason.IDLE,
            )
            closed += 1
    return closed


# --- Reading and forgetting -----------------------------------------------------------------


def buffered_positions(profile: Profile) -> dict[UUID, live.BufferedPosition]:
    """The profile's positions not flushed yet (or flushed recently), by video."""
    raw = live.redis().hgetall(live.recent_key(profile.pk))
    entries = [live.BufferedPosition.parse(field, value) for field, value in raw.items()]
    return {entry.video_id: entry for entry in entries}


def progress_forget(*, profile: Profile, video_id: UUID) -> int:
    """Drop this profile's progress for one video (the row leaves Continue watching)."""
    field = live.entry_field(profile.pk, video_id)
    with live.redis().pipeline() as pipe:
        pipe.hdel(live.BUFFER, field)
        pipe.hdel(live.recent_key(profile.pk), field)
        pipe.execute()
    deleted, _ = WatchProgress.objects.filter(profile=profile, video_id=video_id).delete()
    from playback.progress import progress_changed  # noqa: PLC0415 - progress reads services

    progress_changed([profile.pk])
    return int(deleted)
