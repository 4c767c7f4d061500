"""The flush of 10,000 buffered positions into WatchProgress, against the obvious alternative.

- **the flush** (playback/flush.py): one script claims the batch, one set-based upsert in which
  PostgreSQL takes the entries apart, one script releases it, stamping only changed rows;
- **baseline**: the same batch parsed in Python and written with Django's
  ``bulk_create(update_conflicts=True)`` (newest-wins is lost there: it is the plain version).

Each is timed over fresh buffers (newer positions each round, so every row changes), after a
round that inserts the rows; the median of ``ROUNDS`` is the figure, and the goal is at most
100 ms for the flush.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from typing import Any

from bench.report import BenchReport

ENTRIES = 10_000
ROUNDS = 5
GOAL_MS = 100.0


def _fill(profiles: list[int], titles: list[Any], *, round_number: int) -> None:
    from playback import live  # noqa: PLC0415

    client = live.redis()
    client.delete(live.BUFFER)
    at = int(time.time() * 1000) + round_number * 1000
    per_profile = ENTRIES // len(profiles)
    mapping = {
        live.entry_field(profile, titles[index % len(titles)][0]): (
            f"{at + index}|{(index * 37 + round_number) % 3000}.5|0|bench"
        )
        for number, profile in enumerate(profiles)
        for index in range(number * per_profile, (number + 1) * per_profile)
    }
    client.hset(live.BUFFER, mapping=mapping)


def _baseline() -> int:
    from playback import live  # noqa: PLC0415
    from playback.models import WatchProgress  # noqa: PLC0415

    batch, _ = live.claim_due(now_ms=int(time.time() * 1000), lag_ms=0)
    entries = [live.BufferedPosition.parse(f, v) for f, v in live.redis().hgetall(batch).items()]
    rows = [
        WatchProgress(
            profile_id=entry.profile_id,
            video_id=entry.video_id,
            last_watched_timestamp=datetime.fromtimestamp(entry.at_ms / 1000, tz=UTC),
            progress_seconds=int(entry.position),
        )
        for entry in entries
    ]
    WatchProgress.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["profile", "video"],
        update_fields=["last_watched_timestamp", "progress_seconds"],
    )
    live.batch_release(
        batch_key=batch, written=",".join(e.field for e in entries), now_ms=0, stamp_ttl=60
    )
    return len(rows)


def _time(action: Any, profiles: list[int], titles: list[Any]) -> tuple[list[float], int]:
    """Milliseconds per round, after a first round that inserts the rows (a viewer's first
    flush happens once; every later one updates): the shape of a flush at steady state."""
    _fill(profiles, titles, round_number=0)
    action()
    timings, written = [], 0
    for round_number in range(1, ROUNDS + 1):
        _fill(profiles, titles, round_number=round_number)
        started = time.perf_counter()
        written = action()
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings), written


def run() -> BenchReport:
    from bench.churn import prepare  # noqa: PLC0415
    from playback import flush  # noqa: PLC0415
    from playback.models import WatchProgress  # noqa: PLC0415

    profiles, titles = prepare(1000)
    WatchProgress.objects.filter(profile_id__in=profiles).delete()
    ours, ours_rows = _time(lambda: flush.progress_flush(everything=True).written, profiles, titles)
    WatchProgress.objects.filter(profile_id__in=profiles).delete()
    base, base_rows = _time(_baseline, profiles, titles)
    ours_ms, base_ms = statistics.median(ours), statistics.median(base)
    report = BenchReport(f"Flush of {ENTRIES:,} buffered positions (median of {ROUNDS})")
    report.add(
        f"the flush (claim, one upsert parsed in SQL, release): {ours_ms:7.1f} ms"
        f"  (best {ours[0]:.1f}, worst {ours[-1]:.1f})"
    )
    report.add(
        f"baseline (parse in Python, bulk_create update_conflicts): {base_ms:7.1f} ms"
        f"  (best {base[0]:.1f}, worst {base[-1]:.1f})"
    )
    report.add(f"the flush is {base_ms / ours_ms:.1f}x faster than the baseline")
    report.failed_requests += (ENTRIES - ours_rows) + (ENTRIES - base_rows)  # rows not written
    report.target(f"flush <= {GOAL_MS:.0f} ms", ours_ms <= GOAL_MS, f"{ours_ms:.1f} ms")
    return report
