"""The flush: buffered positions from Redis into WatchProgress, in bulk.

One script claims the due entries into a batch, one set-based upsert writes the batch, one
script releases it. Safe to run twice and concurrently: a batch is claimed atomically,
written with an upsert in which the newer timestamp wins, and only then dropped; a batch whose
worker died stays claimed, and the next run writes it again to the same result.

Only the rows the upsert changed are stamped as written: a batch written again after a crash
changes nothing, and must not hold a newer position in the buffer back a whole lag period.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db import connection, transaction

from playback import live
from playback.progress_versions import progress_version_keys

ORPHAN_AFTER_MS = 30_000


@dataclass(frozen=True)
class FlushReport:
    claimed: int
    written: int
    batches: int


# The batch goes over as the buffer holds it, two comma-separated texts of
# "{profile}:{video}" and "at_ms|position|final|session", and PostgreSQL takes the entries
# apart; what it changed comes back as one text of fields and one array of profiles. 10,000
# entries cost Python four strings, not 30,000 objects.
UPSERT = """
WITH entry AS (
    SELECT split_part(raw.field, ':', 1)::bigint AS profile_id,
           split_part(raw.field, ':', 2)::uuid AS video_id,
           timestamptz 'epoch' + split_part(raw.value, '|', 1)::bigint * interval '1 millisecond'
               AS at,
           floor(split_part(raw.value, '|', 2)::numeric)::integer AS position
    FROM unnest(string_to_array(%(fields)s, ','), string_to_array(%(values)s, ','))
        AS raw(field, value)
), written AS (
    INSERT INTO playback_watchprogress
        (profile_id, video_id, last_watched_timestamp, progress_seconds, is_finished)
    SELECT entry.profile_id, entry.video_id, entry.at, entry.position,
           entry.position >= video.duration_seconds * %(finished)s  -- rules.is_finished, in SQL
    FROM entry
    JOIN accounts_profile profile ON profile.id = entry.profile_id
    JOIN catalog_video video ON video.id = entry.video_id
    -- One lock order for every flush: two flushes upserting overlapping rows queue, never
    -- deadlock.
    ORDER BY entry.profile_id, entry.video_id
    ON CONFLICT (profile_id, video_id) DO UPDATE SET
        last_watched_timestamp = EXCLUDED.last_watched_timestamp,
        progress_seconds = EXCLUDED.progress_seconds,
        is_finished = EXCLUDED.is_finished
    WHERE playback_watchprogress.last_watched_timestamp < EXCLUDED.last_watched_timestamp
    RETURNING profile_id, video_id
)
SELECT count(*),
       coalesce(string_agg(profile_id::text || ':' || video_id::text, ','), ''),
       coalesce(array_agg(DISTINCT profile_id), '{}')
FROM written
"""


def progress_flush(*, everything: bool = False, now_ms: int | None = None) -> FlushReport:
    """Write the due buffered positions (all of them with ``everything``: --all, tests), and
    any batch a dead worker left behind (with ``everything``, every claimed batch at once)."""
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    lag_ms = 0 if everything else settings.PROGRESS_MAX_LAG_SECONDS * 1000
    own, claimed = live.claim_due(now_ms=now, lag_ms=lag_ms)
    batches, written = 0, 0
    for batch in live.claimed_batches():
        if not everything and batch != own and now - live.claimed_at_ms(batch) < ORPHAN_AFTER_MS:
            continue  # another worker's batch, still in its hands (--all writes it too: the
            # upsert keeps the newest, so writing a batch twice changes nothing)
        written += batch_write(batch, now_ms=now)
        batches += 1
    return FlushReport(claimed=claimed, written=written, batches=batches)


def progress_flush_entries(*, fields: list[str], now_ms: int | None = None) -> FlushReport:
    """Write just these buffered entries now (a finished session's own, idle sessions')."""
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    batch, claimed = live.claim_entries(fields=fields, now_ms=now)
    if not claimed:
        return FlushReport(claimed=0, written=0, batches=0)
    return FlushReport(claimed=claimed, written=batch_write(batch, now_ms=now), batches=1)


def batch_write(batch_key: str, *, now_ms: int) -> int:
    """Upsert one claimed batch, then release it; the number of rows it changed."""
    fields, values = live.batch_text(batch_key)
    changed, written, profile_ids = 0, "", []
    if fields:
        with transaction.atomic():
            connection.ensure_connection()
            # A server-binding cursor sends the texts as parameters; Django's default
            # client-side binding would spell 10,000 entries out inside the SQL text.
            raw = psycopg.Cursor(connection.connection)
            with connection._prepare_cursor(raw) as cursor:  # type: ignore[attr-defined]  # logged like any query
                cursor.execute(
                    UPSERT,
                    {"finished": settings.FINISHED_FRACTION, "fields": fields, "values": values},
                )
                changed, written, profile_ids = cursor.fetchone()
    # Only after the commit: the written stamps, and the changed profiles' cached Continue
    # watching rows go (their progress versions move), in the script that drops the batch.
    version_keys, stamp = progress_version_keys(profile_ids)
    live.batch_release(
        batch_key=batch_key,
        written=written,
        now_ms=now_ms,
        stamp_ttl=max(settings.PROGRESS_MAX_LAG_SECONDS * 3, 600),
        version_keys=version_keys,
        version_stamp=stamp,
    )
    return int(changed)
