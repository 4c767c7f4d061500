"""The Lua scripts of the playback state in Redis, as text. Only playback/live.py runs them.

Each script is one round trip and constant work per key it touches; ``live.py`` documents
the key layout they share.
"""

# Returns a status word; the caller maps it to an HTTP error. Ordering: a heartbeat older
# than (or as old as) the newest one seen for this profile and video changes nothing but the
# session's liveness, so duplicates and out-of-order deliveries never move progress back.
from __future__ import annotations

# The body of both heartbeat scripts below: ``profile`` and ``recent`` are set before it.
_HEARTBEAT_BODY = """
local vs = KEYS[1]
local state = redis.call('HMGET', vs, 'profile', 'duration', 'ended', 'account', 'video',
  'resume', 'moved', 'refusal')
if not state[1] then return 'unknown_session' end
-- Ownership first: another profile's session is unknown, open or ended, so it cannot be probed.
if state[1] ~= profile then return 'foreign_session' end
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
local field = profile .. ':' .. state[5]
local previous = redis.call('HGET', recent, field)
if previous then
  local previous_at = tonumber(string.match(previous, '^(%d+)|'))
  if previous_at and previous_at >= at then return 'stale' end
end
local value = string.format('%d', at) .. '|' .. ARGV[2] .. '|' .. ARGV[5] .. '|' .. ARGV[6]
redis.call('HSET', vs, 'position', ARGV[2])
redis.call('HSET', KEYS[2], field, value)
-- The write lag runs from the first buffered heartbeat too, not only from the last write.
redis.call('ZADD', KEYS[5], 'NX', now, field)
redis.call('HSET', recent, field, value)
redis.call('EXPIRE', recent, ARGV[9])
return 'ok'
"""

# A heartbeat for a profile the caller already knows: ARGV[1] is the profile, KEYS[3] its
# ``pb:recent:`` hash.
HEARTBEAT = f"""
local profile = ARGV[1]
local recent = KEYS[3]
local function beat()
{_HEARTBEAT_BODY}
end
return beat()
"""

# A heartbeat that finds its profile in the Django session's own copy in Redis (JSON, the
# sessions cache's serializer), so the session read and the heartbeat are one round trip.
# KEYS[3] is the session's cache key; ARGV[1] names the session's user field and ARGV[7] its
# profile field (accounts' names, passed in, not spelled here); KEYS[6] is the prefix of the
# ``pb:recent:`` hashes. It returns {status, profile}; 'session_not_cached' sends the caller
# the long way: it reads the session as Django does (from PostgreSQL when Redis lost it) and
# calls HEARTBEAT.
HEARTBEAT_BY_SESSION = (
    """
local raw = redis.call('GET', KEYS[3])
if not raw then return {'session_not_cached', ''} end
local ok, session = pcall(cjson.decode, raw)
if not ok or type(session) ~= 'table' then return {'session_not_cached', ''} end
if session[ARGV[1]] == nil then return {'not_signed_in', ''} end
local chosen = session[ARGV[7]]
if type(chosen) == 'string' and string.match(chosen, '^%d+$') then chosen = tonumber(chosen) end
if type(chosen) ~= 'number' then return {'no_profile', ''} end
local profile = string.format('%d', chosen)
local recent = KEYS[6] .. profile
local function beat()
"""
    + _HEARTBEAT_BODY
    + """
end
return {beat(), profile}
"""
)


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
  local written = redis.call('ZSCORE', KEYS[4], field)
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


# After a batch is committed: stamp the entries the write changed as written (their lag counts
# from now; an entry the upsert left alone keeps its stamp, so a newer position waiting in the
# buffer is not held back a whole lag period) and drop the batch, in one round trip.
RELEASE = """
local now = ARGV[1]
local stamps = {}
for field in string.gmatch(ARGV[3], '[^,]+') do
  stamps[#stamps + 1] = now
  stamps[#stamps + 1] = field
  if #stamps >= 2000 then
    redis.call('ZADD', KEYS[3], unpack(stamps))
    stamps = {}
  end
end
if #stamps > 0 then redis.call('ZADD', KEYS[3], unpack(stamps)) end
-- A stamp older than this says nothing a missing one would not (the entry is due either way).
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (tonumber(now) - tonumber(ARGV[2])))
for i = 5, #ARGV do
  redis.call('SET', ARGV[i], ARGV[4])
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], KEYS[1])
return 1
"""


# A claimed batch as two comma-separated texts, its fields and its values in matching order:
# PostgreSQL splits them (string_to_array), so 10,000 entries cross Redis, Python and the
# database as two strings rather than 20,000 objects. Neither a field ("{profile}:{video}")
# nor a value ("at_ms|position|final|session") holds a comma.
BATCH_TEXT = """
local entries = redis.call('HGETALL', KEYS[1])
local fields, values = {}, {}
for i = 1, #entries, 2 do
  fields[#fields + 1] = entries[i]
  values[#values + 1] = entries[i + 1]
end
return {table.concat(fields, ','), table.concat(values, ',')}
"""


# Moves the named entries (one finished session's, or a batch of idle sessions') from the
# buffer into a new claim batch: a session end writes only its own viewer's position.
CLAIM_FIELDS = """
local claimed = 0
for i = 1, #ARGV do
  local value = redis.call('HGET', KEYS[1], ARGV[i])
  if value then
    redis.call('HSET', KEYS[2], ARGV[i], value)
    redis.call('HDEL', KEYS[1], ARGV[i])
    claimed = claimed + 1
  end
end
if claimed > 0 then redis.call('SADD', KEYS[3], KEYS[2]) end
return claimed
"""


# The oldest unflushed position, in server time: an entry's ``pb:written:`` stamp (its last
# write to PostgreSQL, or its first heartbeat since), else its ``at_ms``. The player's clock
# (at_ms) may be minutes off, so it is only the fallback. Claimed batches count too: a batch
# whose worker died waits there for the next flush.
BACKLOG = """
local oldest = false
local function scan(key)
  local entries = redis.call('HGETALL', key)
  for i = 1, #entries, 2 do
    local since = redis.call('ZSCORE', KEYS[3], entries[i])
    since = tonumber(since or string.match(entries[i + 1], '^(%d+)|'))
    if since and (not oldest or since < oldest) then oldest = since end
  end
  return #entries / 2
end
local buffered = scan(KEYS[1])
local batches = redis.call('SMEMBERS', KEYS[2])
local claimed = 0
for _, batch in ipairs(batches) do claimed = claimed + scan(batch) end
return {buffered, #batches, claimed, oldest or -1}
"""


# Hides positions (a viewer hid titles from their viewing activity), atomically against the
# claims and the heartbeats: each named entry leaves the buffer and every claimed batch, and
# where the profile's ``pb:recent:`` hash holds it, it is replaced there by a marker dated at
# the hide (``at_ms|0|0|hidden``) which HEARTBEAT's ordering rule then uses: a report dated
# before the hide, still on its way from the player, is "stale" and buffers nothing. A
# report dated after it is the viewer watching again, and is kept. Returns the fields that
# were in a claimed batch: a flush may already hold their old position in memory, so the
# caller keeps a row dated at the hide that its upsert cannot overwrite. KEYS: the buffer,
# the profile's recent hash, the set of claims; ARGV: the marker, then the fields.
HIDE = """
local batches = redis.call('SMEMBERS', KEYS[3])
local claimed = {}
for i = 2, #ARGV do
  local field = ARGV[i]
  redis.call('HDEL', KEYS[1], field)
  if redis.call('HEXISTS', KEYS[2], field) == 1 then
    redis.call('HSET', KEYS[2], field, ARGV[1])
  end
  for _, batch in ipairs(batches) do
    if redis.call('HDEL', batch, field) == 1 then claimed[#claimed + 1] = field end
  end
end
return claimed
"""
