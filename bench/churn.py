"""The write-behind under churn: viewers who start and end sessions, pause and seek.

A simulation in scaled time, on the real Redis scripts and the real PostgreSQL upsert: every
simulated viewer (a real profile) watches sessions of a realistic length (exponential, mean
45 minutes, 5 to 150), pauses now and then for a few minutes, seeks sometimes, and starts
another title a little after each ends. Heartbeats every 10 s of simulated time, the flush
every 60 s, PROGRESS_MAX_LAG_SECONDS as configured (120 s). The clock is the simulation's:
every service takes ``now_ms``.

Two runs over the same trace (same seed):

- **own entry**: a finished session writes only its own viewer's position (finish.py);
- **old: full flush per end**: every finished session flushed the whole buffer, as before.

It prints row writes per heartbeat for each, and their ratio. The goal is at most 0.1.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from uuid import UUID

from bench.report import BenchReport

STEP_MS = 10_000
FLUSH_EVERY_MS = 60_000
MEAN_SESSION_MIN, SHORTEST_MIN, LONGEST_MIN = 45, 5, 150
PAUSE_CHANCE, SEEK_CHANCE = 0.003, 0.005  # per 10 s step of a playing viewer
GOAL = 0.1


@dataclass
class Viewer:
    profile_id: int
    video_id: UUID
    duration: int
    session_id: UUID = field(default_factory=uuid.uuid4)
    position: float = 0.0
    ends_at_ms: int = 0
    paused_until_ms: int = 0
    next_start_ms: int = 0  # > 0: between sessions


@dataclass
class Outcome:
    heartbeats: int = 0
    row_writes: int = 0
    sessions_ended: int = 0
    flushes: int = 0
    refused: int = 0  # heartbeats the script refused: the simulation lost its sessions
    seconds: float = 0.0

    @property
    def per_heartbeat(self) -> float:
        return self.row_writes / self.heartbeats if self.heartbeats else float("nan")


def prepare(viewers: int) -> tuple[list[int], list[tuple[UUID, int]]]:
    """``viewers`` real profiles (households of five, bulk-created once) and 200 titles."""
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    from accounts.models import Account, Profile  # noqa: PLC0415
    from bench.catalog_data import load_movies  # noqa: PLC0415
    from catalog.models import Movie  # noqa: PLC0415

    if Movie.objects.filter(title__startswith="Churn ").count() < 200:
        load_movies(200, prefix="Churn")
    titles = list(
        Movie.objects.filter(title__startswith="Churn ")
        .order_by("title")
        .values_list("pk", "duration_minutes")[:200]
    )
    households = (viewers + 4) // 5
    have = Account.objects.filter(owner__username__startswith="churn-").count()
    if have < households:
        users = get_user_model().objects.bulk_create(
            get_user_model()(username=f"churn-{uuid.uuid4().hex[:12]}")
            for _ in range(households - have)
        )
        accounts = Account.objects.bulk_create(
            Account(owner=user, email=f"{user.username}@example.com") for user in users
        )
        Profile.objects.bulk_create(
            Profile(account=account, name=f"Viewer {number}")
            for account in accounts
            for number in range(5)
        )
    profiles = list(
        Profile.objects.filter(account__owner__username__startswith="churn-")
        .order_by("pk")
        .values_list("pk", flat=True)[:viewers]
    )
    return profiles, [(pk, minutes * 60) for pk, minutes in titles]


def _session_length_ms(rng: random.Random) -> int:
    minutes = min(LONGEST_MIN, max(SHORTEST_MIN, rng.expovariate(1 / MEAN_SESSION_MIN)))
    return int(minutes * 60_000)


def _open(viewer: Viewer, rng: random.Random, titles: list[tuple[UUID, int]], now: int) -> None:
    from playback import live  # noqa: PLC0415

    viewer.video_id, viewer.duration = rng.choice(titles)
    viewer.session_id = uuid.uuid4()
    viewer.position = float(rng.randrange(0, max(1, viewer.duration // 2)))
    viewer.ends_at_ms = now + _session_length_ms(rng)
    viewer.paused_until_ms = viewer.next_start_ms = 0
    live.session_open(
        session_id=viewer.session_id,
        profile_id=viewer.profile_id,
        account_id=0,
        video_id=viewer.video_id,
        stream_id=viewer.video_id,
        duration=viewer.duration,
        resume=0,
        now_ms=now,
    )


def simulate(  # noqa: PLR0912, PLR0915 - one loop of the simulation, read top to bottom
    profiles: list[int],
    titles: list[tuple[UUID, int]],
    *,
    minutes: int,
    full_flush_per_end: bool,
    seed: int = 7,
) -> Outcome:
    from django.db import connection  # noqa: PLC0415

    from playback import finish, flush, live  # noqa: PLC0415
    from playback.models import EndReason, WatchProgress  # noqa: PLC0415

    live.redis().flushdb()
    WatchProgress.objects.filter(profile_id__in=profiles).delete()
    rng = random.Random(seed)
    now = int(time.time() * 1000)
    viewers = [
        Viewer(profile_id=pk, video_id=titles[0][0], duration=titles[0][1]) for pk in profiles
    ]
    for viewer in viewers:
        _open(viewer, rng, titles, now)
        # Steady state: each viewer is somewhere in their session already.
        viewer.ends_at_ms = now + rng.randrange(0, _session_length_ms(rng))
    outcome, started, next_flush = Outcome(), time.perf_counter(), now + FLUSH_EVERY_MS
    end = now + minutes * 60_000
    while now < end:
        now += STEP_MS
        beats: list[live.BufferedBeat] = []
        ended: list[Viewer] = []
        for viewer in viewers:
            if viewer.next_start_ms:
                if now >= viewer.next_start_ms:
                    _open(viewer, rng, titles, now)
                continue
            if now >= viewer.ends_at_ms or viewer.position >= viewer.duration - 10:
                beats.append(
                    live.BufferedBeat(
                        viewer.session_id, viewer.profile_id, viewer.position, now, True
                    )
                )
                ended.append(viewer)
                continue
            if viewer.paused_until_ms:
                if now < viewer.paused_until_ms:
                    continue
                viewer.paused_until_ms = 0  # play again
            elif rng.random() < PAUSE_CHANCE:
                viewer.paused_until_ms = now + rng.randrange(60_000, 600_000)
                beats.append(
                    live.BufferedBeat(
                        viewer.session_id, viewer.profile_id, viewer.position, now, True
                    )
                )
                continue
            if rng.random() < SEEK_CHANCE:
                jump = rng.choice([-1, 1]) * rng.randrange(30, 600)
                viewer.position = min(viewer.duration - 11, max(0.0, viewer.position + jump))
            else:
                viewer.position += STEP_MS / 1000
            beats.append(
                live.BufferedBeat(viewer.session_id, viewer.profile_id, viewer.position, now, False)
            )
        statuses = live.heartbeat_buffer_many(beats, now_ms=now)
        outcome.refused += sum(status not in {"ok", "stale"} for status in statuses)
        outcome.heartbeats += len(beats)
        for viewer in ended:
            if full_flush_per_end:  # what a session end did before: flush everyone
                outcome.row_writes += flush.progress_flush(everything=True, now_ms=now).written
            # The real end path: the session's own entry, its row, its Redis state.
            _, flushed = finish.sessions_finish({viewer.session_id: EndReason.ENDED}, now_ms=now)
            outcome.row_writes += flushed.written
            outcome.sessions_ended += 1
            viewer.next_start_ms = now + rng.randrange(30_000, 600_000)
        if now >= next_flush:
            outcome.row_writes += flush.progress_flush(now_ms=now).written
            outcome.flushes += 1
            next_flush += FLUSH_EVERY_MS
        connection.close_if_unusable_or_obsolete()
    outcome.seconds = time.perf_counter() - started
    return outcome


def run(viewers: int = 10_000, minutes: int = 10) -> BenchReport:
    profiles, titles = prepare(viewers)
    new = simulate(profiles, titles, minutes=minutes, full_flush_per_end=False)
    old = simulate(profiles, titles, minutes=minutes, full_flush_per_end=True)
    ratio = old.per_heartbeat / new.per_heartbeat if new.per_heartbeat else float("inf")
    report = BenchReport(
        f"Write-behind under churn: {len(profiles):,} viewers, {minutes} simulated minutes, "
        f"10 s heartbeats, flush every 60 s, sessions mean {MEAN_SESSION_MIN} min"
    )
    for label, outcome in (("own entry per end", new), ("old: full flush per end", old)):
        report.add(
            f"{label:<24} {outcome.heartbeats:>9,} heartbeats {outcome.row_writes:>8,} row "
            f"writes = {outcome.per_heartbeat:.3f} per heartbeat "
            f"({outcome.sessions_ended:,} sessions ended, {outcome.seconds:.0f} s)"
        )
        report.failed_requests += outcome.refused
    report.add(f"the old behaviour writes {ratio:.1f}x the rows per heartbeat")
    report.target(
        f"<= {GOAL} row writes per heartbeat", new.per_heartbeat <= GOAL, f"{new.per_heartbeat:.3f}"
    )
    return report
