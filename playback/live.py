"""Live playback state in Redis: viewing sessions, the heartbeat buffer, stream tokens.

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
  what is not flushed yet without scanning the buffer.
- ``pb:claim:{ms}:{uuid}`` and the set ``pb:claims``: batches handed from the buffer to a
  flush; a batch whose worker died stays here and is flushed again by the next run.
- ``pb:written:{profile}:{video}``: when the entry was last written to PostgreSQL (or first
  buffered): the write lag counts from here.
- ``pb:token:{session}``: the session's current stream token, with the token's TTL.

Every heartbeat is one script call (one round trip, constant work); nothing here touches
PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django_redis import get_redis_connection

PREFIX = "pb:"
BUFFER = f"{PREFIX}buffer"
CLAIMS = f"{PREFIX}claims"
SESSION_TTL = 24 * 3600
RECENT_TTL = 7 * 24 * 3600
MAX_ERRORS = 50


def redis() -> Any:
    return get_redis_connection("default")


def session_key(session_id: UUID | str) -> str:
    return f"{PREFIX}vs:{session_id}"


def streams_key(account_id: int) -> str:
    return f"{PREFIX}streams:{account_id}"


def recent_key(profile_id: int) -> str:
    return f"{PREFIX}recent:{profile_id}"


def token_key(session_id: UUID | str) -> str:
    return f"{PREFIX}token:{session_id}"


def entry_field(profile_id: int, video_id: UUID | str) -> str:
    return f"{profile_id}:{video_id}"


# Returns a status word; the caller maps it to an HTTP error. Ordering: a heartbeat older
# than (or as old as) the newest one seen for this profile and video changes nothing but the
# session's liveness, so duplicates and out-of-order deliveries never move progress back.
HEARTBEAT = """
local vs = KEYS[1]
local state = redis.call('HMGET', vs, 'profile', 'duration', 'ended', 'account', 'video',
  'resume', 'moved', 'refusal')
if not state[1] then return 'unknown_session' end
-- Ownership first: another profile's session is unknown, open or ended, so it cannot be probed.
if state[1] ~= ARGV[1] then return 'foreign_session' end
if state[3] == '1' then return state[8] or 'session_ended' end
local position = tonumber(ARGV[2])
if position > tonumber(state[2]) + 5 then return 'position_out_of_range' end
local now = ARGV[4]
-- The player's clock orders its own reports, but never past ours: a report dated in the
-- future would otherwise make every later one look stale.
local at = math.min(tonumber(ARGV[3]), tonumber(now))
redis.call('HSET', vs, 'last_seen', now)
redis.call('EXPIRE', vs, ARGV[8])
redis.call('ZADD', KEYS[4] .. state[4], now, ARGV[6])
for i = 10, #ARGV do
  redis.call('RPUSH', vs .. ':errors', ARGV[i])
end
if #ARGV >= 10 then
  redis.call('LTRIM', vs .. ':errors', -50, -1)
  redis.call('EXPIRE', vs .. ':errors', ARGV[8])
end
-- Until the player has reached the point it resumed from, an earlier position is a start
-- that failed or has not seeked yet, not the viewer's choice: it never replaces the saved one.
if state[7] ~= '1' then
  if position + 2 < tonumber(state[6] or '0') then return 'held' end
  redis.call('HSET', vs, 'moved', 1)
end
local field = ARGV[1] .. ':' .. state[5]
local recent = KEYS[3]
local previous = redis.call('HGET', recent, field)
if previous then
  local previous_at = tonumber(string.match(previous, '^(%d+)|'))
  if previous_at and previous_at >= at then return 'stale' end
end
local value = string.format('%d', at) .. '|' .. ARGV[2] .. '|' .. ARGV[5] .. '|' .. ARGV[6]
redis.call('HSET', vs, 'position', ARGV[2])
redis.call('HSET', KEYS[2], field, value)
-- The write lag runs from the first buffered heartbeat too, not only from the last write.
redis.call('SET', KEYS[5] .. field, now, 'NX', 'EX', ARGV[8])
redis.call('HSET', recent, field, value)
redis.call('EXPIRE', recent, ARGV[9])
return 'ok'
"""

# Moves every due entry from the buffer into a new claim batch, atomically: a heartbeat
# that arrives a moment later lands in the buffer and waits for the next flush. An entry is
# due when it is final (pause, page hidden, end) or has not been written for max_lag.
CLAIM = """
if tonumber(ARGV[2]) == 0 then
  -- Everything is due: hand the whole buffer over at once.
  if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('SADD', KEYS[3], KEYS[2])
  return redis.call('HLEN', KEYS[2])
end
local entries = redis.call('HGETALL', KEYS[1])
local claimed = 0
local now = tonumber(ARGV[1])
local lag = tonumber(ARGV[2])
for i = 1, #entries, 2 do
  local field, value = entries[i], entries[i + 1]
  local final = string.match(value, '^%d+|[%d%.]+|(%d)|')
  local written = redis.call('GET', ARGV[3] .. field)
  if final == '1' or not written or now - tonumber(written) >= lag then
    redis.call('HSET', KEYS[2], field, value)
    redis.call('HDEL', KEYS[1], field)
    claimed = claimed + 1
  end
end
if claimed > 0 then redis.call('SADD', KEYS[3], KEYS[2]) end
return claimed
"""


# Admits a new stream for an account if its plan allows one more, in one atomic step: idle
# streams are dropped, the open ones counted, and the new one registered, so simultaneous
# starts on many devices can never pass the limit together.
ADMIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
return 1
"""


# After a batch is committed: stamp its entries as written (so the lag counts from now) and
# drop the batch, in one round trip.
RELEASE = """
for i = 4, #ARGV do
  redis.call('SET', ARGV[1] .. ARGV[i], ARGV[2], 'EX', ARGV[3])
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], KEYS[1])
return #ARGV - 3
"""


@dataclass(frozen=True)
class EdgeSession:
    """What the edge needs of a session on every request: one HMGET."""

    stream_id: str
    video_id: str
    profile_id: int
    ended: bool
    refusal: str | None


def edge_session(session_id: UUID | str) -> EdgeSession | None:
    stream, video, profile, ended, refusal = redis().hmget(
        session_key(session_id), "stream", "video", "profile", "ended", "refusal"
    )
    if stream is None or video is None or profile is None:
        return None
    return EdgeSession(
        stream_id=stream.decode(),
        video_id=video.decode(),
        profile_id=int(profile),
        ended=ended == b"1",
        refusal=refusal.decode() if refusal else None,
    )


@dataclass(frozen=True)
class BufferedPosition:
    profile_id: int
    video_id: UUID
    at_ms: int
    position: float
    final: bool
    session_id: str

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


class Scripts:
    """The registered Lua scripts (EVALSHA after the first call)."""

    _heartbeat: Any = None
    _claim: Any = None
    _admit: Any = None

    _release: Any = None

    @classmethod
    def release(cls) -> Any:
        if cls._release is None:
            cls._release = redis().register_script(RELEASE)
        return cls._release

    @classmethod
    def admit(cls) -> Any:
        if cls._admit is None:
            cls._admit = redis().register_script(ADMIT)
        return cls._admit

    @classmethod
    def heartbeat(cls) -> Any:
        if cls._heartbeat is None:
            cls._heartbeat = redis().register_script(HEARTBEAT)
        return cls._heartbeat

    @classmethod
    def claim(cls) -> Any:
        if cls._claim is None:
            cls._claim = redis().register_script(CLAIM)
        return cls._claim
