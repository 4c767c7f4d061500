"""Live playback state in Redis: the only module of the portal that speaks to it for playback.

Everything else calls the typed functions below; the key layout and the Lua scripts
(playback/live_scripts.py) are read here and nowhere else.

Key layout (all under the ``pb:`` prefix, in the cache database):

- ``pb:vs:{session}``: hash of one running session (profile, account, video, duration,
  stream, started, last_seen, position, ended, and: ``resume``, where it started; ``moved``,
  1 once the player reached that point; ``refusal``, why it was revoked), expiring a day
  after the last heartbeat.
- ``pb:vs:{session}:errors``: list of player error codes (at most 50).
- ``pb:streams:{account}``: sorted set of the account's open sessions by last heartbeat,
  the concurrent-stream count.
- ``pb:buffer``: hash ``{profile}:{video}`` -> ``at_ms|position|final|session``, the newest
  position per profile and playable, waiting for the flush.
- ``pb:recent:{profile}``: the same entries for one profile, so Continue watching can merge
  what is not flushed yet without scanning the buffer; a hidden title's entry becomes a
  marker, ``at_ms|0|0|hidden``, that refuses reports dated before the hide.
- ``pb:claim:{ms}:{uuid}`` and the set ``pb:claims``: batches handed from the buffer to a
  flush; a batch whose worker died stays here and is flushed again by the next run.
- ``pb:written``: sorted set of ``{profile}:{video}`` by when the entry was last written to
  PostgreSQL (or first buffered), in ms: the write lag counts from here. One set rather than a
  key each, so a flush stamps 10,000 entries in a few ZADDs; stamps older than the longest
  lag are trimmed by each release.
- ``pb:token:{session}``: the session's current stream token, with the token's TTL.

Every heartbeat is one script call (one round trip, constant work); nothing here touches
PostgreSQL.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django_redis import get_redis_connection
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from playback import live_scripts, revocations

PREFIX = "pb:"
BUFFER = f"{PREFIX}buffer"
CLAIMS = f"{PREFIX}claims"
WRITTEN = f"{PREFIX}written"
SESSION_TTL = 24 * 3600
RECENT_TTL = 7 * 24 * 3600
FINISHED_SESSION_TTL = 3600
MAX_ERRORS = 50
# The session field of a ``pb:recent:`` marker left by positions_hide (never a session id).
HIDDEN = "hidden"
# What a call raises when Redis is away or too slow: pages degrade, the API answers 503.
UNAVAILABLE = (RedisError, ConnectionInterrupted)


def redis() -> Any:
    return get_redis_connection("default")


def session_key(session_id: UUID | str) -> str:
    return f"{PREFIX}vs:{session_id}"


def streams_key(account_id: int) -> str:
    return f"{PREFIX}streams:{account_id}"


RECENT_PREFIX = f"{PREFIX}recent:"


def recent_key(profile_id: int) -> str:
    return f"{RECENT_PREFIX}{profile_id}"


def token_key(session_id: UUID | str) -> str:
    return f"{PREFIX}token:{session_id}"


def entry_field(profile_id: int, video_id: UUID | str) -> str:
    return f"{profile_id}:{video_id}"


def claim_key(now_ms: int) -> str:
    return f"{PREFIX}claim:{now_ms}:{uuid.uuid4().hex}"


def claimed_at_ms(batch_key: str) -> int:
    return int(batch_key.split(":")[2])


class _Scripts:
    """The registered scripts (EVALSHA after the first call), by name."""

    registered: dict[str, Any] = {}

    @classmethod
    def get(cls, name: str) -> Any:
        if name not in cls.registered:
            cls.registered[name] = redis().register_script(getattr(live_scripts, name))
        return cls.registered[name]

    @classmethod
    def forget(cls) -> None:
        """Drop the registrations (a test that points live.redis elsewhere)."""
        cls.registered.clear()


# --- Sessions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionState:
    """A running (or recently ended) session, as Redis holds it."""

    profile_id: int
    account_id: int
    video_id: str
    stream_id: str
    duration: int
    position: float
    last_seen_ms: int
    ended: bool
    refusal: str | None


_STATE_FIELDS = (
    "profile",
    "account",
    "video",
    "stream",
    "duration",
    "position",
    "last_seen",
    "ended",
    "refusal",
)


def _state(values: list[bytes | None]) -> SessionState | None:
    profile, account, video, stream, duration, position, last_seen, ended, refusal = values
    if profile is None or account is None or video is None or stream is None:
        return None
    return SessionState(
        profile_id=int(profile),
        account_id=int(account),
        video_id=video.decode(),
        stream_id=stream.decode(),
        duration=int(duration or 0),
        position=float(position or 0),
        last_seen_ms=int(last_seen or 0),
        ended=ended == b"1",
        refusal=refusal.decode() if refusal else None,
    )


def session_state(session_id: UUID | str) -> SessionState | None:
    """One HMGET: what the edge, renewals and ends need of a session."""
    return _state(redis().hmget(session_key(session_id), *_STATE_FIELDS))


def session_states(session_ids: Iterable[UUID | str]) -> list[SessionState | None]:
    """The states of many sessions in one round trip."""
    with redis().pipeline(transaction=False) as pipe:
        for session_id in session_ids:
            pipe.hmget(session_key(session_id), *_STATE_FIELDS)
        return [_state(values) for values in pipe.execute()]


def stream_admit(
    *, account_id: int, session_id: UUID, limit: int, now_ms: int, idle_ms: int
) -> bool:
    """Take one of the plan's screens atomically (idle ones are dropped first)."""
    return bool(
        _Scripts.get("ADMIT")(
            keys=[streams_key(account_id)],
            args=[now_ms - idle_ms, limit, now_ms, str(session_id)],
        )
    )


def stream_release(*, account_id: int, session_id: UUID | str) -> None:
    redis().zrem(streams_key(account_id), str(session_id))


def session_open(
    *,
    session_id: UUID,
    profile_id: int,
    account_id: int,
    video_id: UUID,
    stream_id: UUID,
    duration: int,
    resume: int,
    now_ms: int,
) -> None:
    key = session_key(session_id)
    with redis().pipeline() as pipe:
        pipe.hset(
            key,
            mapping={
                "profile": profile_id,
                "account": account_id,
                "video": str(video_id),
                "stream": str(stream_id),
                "duration": duration,
                "started": now_ms,
                "last_seen": now_ms,
                "position": resume,
                "resume": resume,
                "moved": 0 if resume else 1,
                "ended": 0,
            },
        )
        pipe.expire(key, SESSION_TTL)
        pipe.execute()


def session_mark_ended(*, session_id: UUID | str, account_id: int, refusal: str = "") -> None:
    """Heartbeats, renewals and the edge refuse the session from now; its screen is free."""
    key = session_key(session_id)
    with redis().pipeline() as pipe:
        pipe.hset(key, mapping={"ended": 1, **({"refusal": refusal} if refusal else {})})
        pipe.zrem(streams_key(account_id), str(session_id))
        pipe.delete(token_key(session_id))
        revocations.revocations_add(pipe, [session_id])
        pipe.execute()


def session_errors(session_ids: list[UUID | str]) -> list[list[str]]:
    """Each session's player error codes, in one round trip."""
    with redis().pipeline(transaction=False) as pipe:
        for session_id in session_ids:
            pipe.lrange(f"{session_key(session_id)}:errors", 0, -1)
        return [[code.decode() for code in codes] for codes in pipe.execute()]


def sessions_closed(sessions: list[tuple[UUID | str, int | None]]) -> None:
    """After their rows are written: ended, kept an hour for late requests, screens freed.
    ``sessions`` is (session id, account id or None)."""
    with redis().pipeline() as pipe:
        for session_id, account_id in sessions:
            key = session_key(session_id)
            pipe.hset(key, "ended", 1)
            pipe.expire(key, FINISHED_SESSION_TTL)
            pipe.delete(f"{key}:errors")
            if account_id is not None:
                pipe.zrem(streams_key(account_id), str(session_id))
        revocations.revocations_add(pipe, [session for session, _ in sessions])
        pipe.execute()


# --- Stream tokens ----------------------------------------------------------------------------


def token_current(session_id: UUID | str) -> tuple[str | None, int]:
    """The session's current token and its remaining life in ms (-2 when there is none)."""
    with redis().pipeline() as pipe:
        pipe.get(token_key(session_id))
        pipe.pttl(token_key(session_id))
        value, remaining_ms = pipe.execute()
    return (value.decode() if value else None), int(remaining_ms)


def token_store(session_id: UUID | str, value: str, *, ttl_seconds: int) -> None:
    redis().set(token_key(session_id), value, ex=ttl_seconds)


# --- The heartbeat buffer --------------------------------------------------------------------


@dataclass(frozen=True)
class BufferedPosition:
    profile_id: int
    video_id: UUID
    at_ms: int
    position: float
    final: bool
    session_id: str

    @property
    def field(self) -> str:
        return entry_field(self.profile_id, self.video_id)

    @property
    def hidden(self) -> bool:
        """A marker left by positions_hide, not a position anyone reported."""
        return self.session_id == HIDDEN

    @classmethod
    def parse(cls, field: bytes | str, value: bytes | str) -> BufferedPosition:
        field_text = field.decode() if isinstance(field, bytes) else field
        value_text = value.decode() if isinstance(value, bytes) else value
        profile_id, video_id = field_text.split(":", 1)
        at_ms, position, final, session_id = value_text.split("|", 3)
        return cls(
            profile_id=int(profile_id),
            video_id=UUID(video_id),
            at_ms=int(at_ms),
            position=float(position),
            final=final == "1",
            session_id=session_id,
        )


def heartbeat_buffer(
    *,
    session_id: UUID,
    profile_id: int,
    position: float,
    at_ms: int,
    now_ms: int,
    final: bool,
    errors: tuple[str, ...],
) -> str:
    """Record one heartbeat; the status word of live_scripts.HEARTBEAT."""
    result = _Scripts.get("HEARTBEAT")(
        keys=[
            session_key(session_id),
            BUFFER,
            recent_key(profile_id),
            f"{PREFIX}streams:",
            WRITTEN,
        ],
        args=[
            profile_id,
            f"{position:.1f}",
            at_ms,
            now_ms,
            1 if final else 0,
            str(session_id),
            "",  # unused slot, kept so the errors start at ARGV[10]
            SESSION_TTL,
            RECENT_TTL,
            *errors,
        ],
    )
    return result.decode() if isinstance(result, bytes) else str(result)


def heartbeat_buffer_by_session(
    *,
    session_cache_key: str,
    session_fields: tuple[str, str],
    session_id: UUID,
    position: float,
    at_ms: int,
    now_ms: int,
    final: bool,
    errors: tuple[str, ...],
) -> tuple[str, int | None]:
    """HEARTBEAT, for the profile the Django session's copy in Redis names: one round trip
    for the session and the heartbeat; the status word and that profile. Besides HEARTBEAT's
    words: "session_not_cached" (read the session the usual way, then call heartbeat_buffer),
    "not_signed_in", "no_profile"."""
    user_field, profile_field = session_fields
    result = _Scripts.get("HEARTBEAT_BY_SESSION")(
        keys=[
            session_key(session_id),
            BUFFER,
            session_cache_key,
            f"{PREFIX}streams:",
            WRITTEN,
            RECENT_PREFIX,
        ],
        args=[
            user_field,
            f"{position:.1f}",
            at_ms,
            now_ms,
            1 if final else 0,
            str(session_id),
            profile_field,
            SESSION_TTL,
            RECENT_TTL,
            *errors,
        ],
    )
    status, profile = (part.decode() if isinstance(part, bytes) else str(part) for part in result)
    return status, int(profile) if profile else None


@dataclass(frozen=True)
class BufferedBeat:
    """One heartbeat of many sent together (load tools and simulations)."""

    session_id: UUID
    profile_id: int
    position: float
    at_ms: int
    final: bool


def heartbeat_buffer_many(beats: list[BufferedBeat], *, now_ms: int) -> list[str]:
    """The HEARTBEAT script for many heartbeats in one pipelined round trip."""
    script = _Scripts.get("HEARTBEAT")
    with redis().pipeline(transaction=False) as pipe:
        for beat in beats:
            script(
                keys=[
                    session_key(beat.session_id),
                    BUFFER,
                    recent_key(beat.profile_id),
                    f"{PREFIX}streams:",
                    WRITTEN,
                ],
                args=[
                    beat.profile_id,
                    f"{beat.position:.1f}",
                    beat.at_ms,
                    now_ms,
                    1 if beat.final else 0,
                    str(beat.session_id),
                    "",
                    SESSION_TTL,
                    RECENT_TTL,
                ],
                client=pipe,
            )
        return [r.decode() if isinstance(r, bytes) else str(r) for r in pipe.execute()]


def claim_due(*, now_ms: int, lag_ms: int) -> tuple[str, int]:
    """Move every due entry (final, or unwritten for ``lag_ms``; all when 0) into a new batch."""
    batch = claim_key(now_ms)
    claimed = _Scripts.get("CLAIM")(keys=[BUFFER, batch, CLAIMS, WRITTEN], args=[now_ms, lag_ms])
    return batch, int(claimed)


def claim_entries(*, fields: list[str], now_ms: int) -> tuple[str, int]:
    """Move just these entries into a new batch (a finished session's, idle sessions')."""
    batch = claim_key(now_ms)
    if not fields:
        return batch, 0
    claimed = _Scripts.get("CLAIM_FIELDS")(keys=[BUFFER, batch, CLAIMS], args=fields)
    return batch, int(claimed)


def claimed_batches() -> list[str]:
    return sorted(member.decode() for member in redis().smembers(CLAIMS))


def batch_text(batch_key: str) -> tuple[str, str]:
    """A batch as the buffer holds it: its fields and its values, each list as one
    comma-separated text, in matching order ("" for an empty or missing batch)."""
    fields, values = _Scripts.get("BATCH_TEXT")(keys=[batch_key])
    return fields.decode(), values.decode()


def batch_release(
    *,
    batch_key: str,
    written: str,
    now_ms: int,
    stamp_ttl: int,
    version_keys: Iterable[str] = (),
    version_stamp: int = 0,
) -> None:
    """Drop a committed batch, in one script: stamp as written only the entries the write
    changed (``written``, comma-separated fields), and set ``version_keys`` (the changed
    profiles' progress versions, as raw keys) to ``version_stamp``."""
    _Scripts.get("RELEASE")(
        keys=[batch_key, CLAIMS, WRITTEN],
        args=[now_ms, stamp_ttl * 1000, written, version_stamp, *version_keys],
    )


def buffered_for_profile(profile_id: int) -> dict[UUID, BufferedPosition]:
    """The profile's positions not flushed yet (or flushed recently), by video."""
    raw = redis().hgetall(recent_key(profile_id))
    entries = [BufferedPosition.parse(field, value) for field, value in raw.items()]
    return {entry.video_id: entry for entry in entries if not entry.hidden}


def buffered_fingerprint(profile_id: int, *, also_get: Iterable[str] = ()) -> tuple[str, list[Any]]:
    """A short digest of the profile's buffered positions, which changes whenever what
    buffered_for_profile would return changes (a cached page built on them keys on it),
    with the raw values of the keys ``also_get`` read in the same round trip."""
    with redis().pipeline(transaction=False) as pipe:
        pipe.hgetall(recent_key(profile_id))
        for key in also_get:
            pipe.get(key)
        raw, *values = pipe.execute()
    digest = hashlib.blake2b(digest_size=12)
    for field in sorted(raw):
        digest.update(field + b"=" + raw[field] + b";")
    return digest.hexdigest(), values


def recent_position(profile_id: int, video_id: UUID) -> BufferedPosition | None:
    field = entry_field(profile_id, video_id)
    value = redis().hget(recent_key(profile_id), field)
    entry = BufferedPosition.parse(field, value) if value else None
    return entry if entry is not None and not entry.hidden else None


def positions_hide(profile_id: int, video_ids: Iterable[UUID], *, at_ms: int) -> set[UUID]:
    """Take these videos' positions out of the buffer and out of any claimed batch, and
    refuse their reports dated up to ``at_ms`` (live_scripts.HIDE), in one script. Returns
    the videos a flush had already claimed: it may still write their old position."""
    fields = [entry_field(profile_id, video_id) for video_id in video_ids]
    if not fields:
        return set()
    claimed = _Scripts.get("HIDE")(
        keys=[BUFFER, recent_key(profile_id), CLAIMS],
        args=[f"{at_ms}|0|0|{HIDDEN}", *fields],
    )
    return {UUID(bytes(field).decode().split(":", 1)[1]) for field in claimed}


@dataclass(frozen=True)
class Backlog:
    buffered: int
    claimed_batches: int
    claimed: int
    oldest_ms: int | None


def heartbeat_backlog(client: Any) -> Backlog:
    """How much waits for the flush, and since when (server time). ``client`` is a Redis
    client of the caller's (/readyz uses one with short timeouts)."""
    buffered, batches, claimed, oldest = client.register_script(live_scripts.BACKLOG)(
        keys=[BUFFER, CLAIMS, WRITTEN]
    )
    return Backlog(int(buffered), int(batches), int(claimed), None if oldest < 0 else int(oldest))
