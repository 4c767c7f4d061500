"""The heartbeat flush: Redis buffer -> WatchProgress, and the workers that end sessions.

The promises under test: one set-based upsert per batch; an entry waits for the write lag
unless it is final; the newest timestamp always wins; nothing is lost when heartbeats and
flushes run at the same time, or when a worker dies holding a batch (the next flush writes
the same rows a clean run would). Buffer entries are written here in the HEARTBEAT script's
own format (``at_ms|position|final|session``) where a test needs thousands of them.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
import redis as redis_client
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import Settings

from accounts.models import Account, Profile, SubscriptionPlan
from accounts.services import demo_household
from bench.catalog_data import load_movies
from catalog.models import Movie, Video
from playback import finish, flush, heartbeats, live, sessions, tasks
from playback.flush import FlushReport
from playback.heartbeats import Heartbeat
from playback.models import EndReason, ViewingSession, WatchProgress
from tests.factories import MovieFactory, UserFactory

pytestmark = pytest.mark.usefixtures("fast_passwords")

DURATION = 95 * 60  # MovieFactory's running time, in seconds


# --- The cast and the buffer ----------------------------------------------------------------


def households(count: int, plan: str = SubscriptionPlan.STANDARD) -> list[Account]:
    accounts = [demo_household(user=UserFactory.create()) for _ in range(count)]
    Account.objects.filter(pk__in=[account.pk for account in accounts]).update(
        subscription_plan=plan
    )
    for account in accounts:
        account.refresh_from_db()
    return accounts


def profiles(count: int) -> list[Profile]:
    """``count`` profiles (each household gives an adult and a kids one)."""
    accounts = households((count + 1) // 2)
    return list(Profile.objects.filter(account__in=accounts).order_by("pk")[:count])


def videos(count: int) -> list[Video]:
    load_movies(count, genres=1, prefix="Flush")
    return list(Video.objects.order_by("pk")[:count])


@dataclass(frozen=True)
class Entry:
    """One buffered position, as the HEARTBEAT script stores it."""

    profile_id: int
    video_id: UUID
    at_ms: int
    position: float
    final: bool = False
    session: str = "00000000-0000-0000-0000-000000000000"

    @property
    def field(self) -> str:
        return live.entry_field(self.profile_id, self.video_id)

    @property
    def value(self) -> str:
        return f"{self.at_ms}|{self.position:.1f}|{1 if self.final else 0}|{self.session}"


def buffer_put(entries: list[Entry]) -> None:
    with live.redis().pipeline(transaction=False) as pipe:
        for entry in entries:
            pipe.hset(live.BUFFER, entry.field, entry.value)
            pipe.hset(live.recent_key(entry.profile_id), entry.field, entry.value)
        pipe.execute()


def now_ms() -> int:
    return int(time.time() * 1000)


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


Rows = dict[tuple[int, UUID], tuple[datetime, int, bool]]


def rows() -> Rows:
    """Every WatchProgress row: (profile, video) -> (timestamp, seconds, finished)."""
    return {
        (row.profile_id, row.video_id): (
            row.last_watched_timestamp,
            row.progress_seconds,
            row.is_finished,
        )
        for row in WatchProgress.objects.all()
    }


def upserts(captured: CaptureQueriesContext) -> list[str]:
    """The statements run, savepoints aside (the test transaction adds those)."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def claims_left() -> set[bytes]:
    return set(live.redis().smembers(live.CLAIMS))


def mark_written(entry: Entry, *, seconds_ago: float) -> None:
    """What the flush records after a write, as if it wrote ``seconds_ago``."""
    live.redis().zadd(live.WRITTEN, {entry.field: int(now_ms() - seconds_ago * 1000)})


# --- One upsert per batch, and what is due --------------------------------------------------


@pytest.mark.django_db
def test_it_writes_every_due_entry_in_one_upsert() -> None:
    cast, titles = profiles(3), [MovieFactory.create().video for _ in range(4)]
    sent = now_ms()
    entries = [
        Entry(profile.pk, video.pk, sent + index, 60.0 + index, final=True)  # paused: due
        for index, (profile, video) in enumerate(
            (profile, video) for profile in cast for video in titles
        )
    ]
    buffer_put(entries)

    with CaptureQueriesContext(connection) as captured:
        report = flush.progress_flush()

    # One INSERT ... ON CONFLICT DO UPDATE for all 12 entries, and nothing else.
    statements = upserts(captured)
    assert len(statements) == 1
    assert "INSERT INTO playback_watchprogress" in statements[0]
    assert report == FlushReport(claimed=12, written=12, batches=1)
    assert rows() == {
        (entry.profile_id, entry.video_id): (at(entry.at_ms), int(entry.position), False)
        for entry in entries
    }
    assert live.redis().hlen(live.BUFFER) == 0
    assert claims_left() == set()


@pytest.mark.django_db
def test_it_leaves_a_playing_entry_in_the_buffer_until_the_lag_has_passed(
    settings: Settings,
) -> None:
    settings.PROGRESS_MAX_LAG_SECONDS = 120
    (profile,), video = profiles(1), MovieFactory.create().video
    first = Entry(profile.pk, video.pk, now_ms() - 1000, 100)
    buffer_put([first])
    assert flush.progress_flush(everything=True).written == 1  # written now
    later = Entry(profile.pk, video.pk, now_ms(), 110)
    buffer_put([later])

    report = flush.progress_flush()

    assert report.claimed == 0
    assert rows()[(profile.pk, video.pk)][1] == 100
    assert live.redis().hget(live.BUFFER, later.field) == later.value.encode()


@pytest.mark.django_db
def test_it_writes_a_playing_entry_once_the_lag_has_passed(settings: Settings) -> None:
    settings.PROGRESS_MAX_LAG_SECONDS = 120
    (profile,), video = profiles(1), MovieFactory.create().video
    entry = Entry(profile.pk, video.pk, now_ms(), 110)
    buffer_put([entry])
    mark_written(entry, seconds_ago=120)

    report = flush.progress_flush()

    assert report.claimed == 1
    assert rows()[(profile.pk, video.pk)] == (at(entry.at_ms), 110, False)


def playing(profile: Profile, movie: Movie) -> UUID:
    profile = Profile.objects.select_related("account").get(pk=profile.pk)
    return sessions.session_start(
        profile=profile, video=movie.video, device_type="DESKTOP"
    ).session.pk


def report_position(
    session_id: UUID, profile: Profile, position: float, *, event: str = "tick", at_ms: int
) -> str:
    return heartbeats.heartbeat_record(
        session_id=session_id,
        profile_id=profile.pk,
        heartbeat=Heartbeat(position, event=event, at_ms=at_ms),
    )


@pytest.mark.django_db
def test_it_waits_the_lag_from_the_first_buffered_heartbeat(settings: Settings) -> None:
    settings.PROGRESS_MAX_LAG_SECONDS = 120
    (profile,), movie = profiles(1), MovieFactory.create()
    report_position(playing(profile, movie), profile, 100, at_ms=now_ms())

    report = flush.progress_flush()

    assert report.claimed == 0
    assert rows() == {}


@pytest.mark.django_db
@pytest.mark.parametrize("event", ["pause", "hidden", "ended"])
def test_it_writes_a_final_heartbeat_at_once_within_the_lag(settings: Settings, event: str) -> None:
    settings.PROGRESS_MAX_LAG_SECONDS = 120
    (profile,), movie = profiles(1), MovieFactory.create()
    session_id, sent = playing(profile, movie), now_ms()
    report_position(session_id, profile, 100, at_ms=sent)
    flush.progress_flush(everything=True)  # written just now: the lag starts again
    report_position(session_id, profile, 130, event=event, at_ms=sent + 1)

    report = flush.progress_flush()

    assert report.claimed == 1
    assert rows()[(profile.pk, movie.pk)] == (at(sent + 1), 130, False)


@pytest.mark.django_db
@pytest.mark.parametrize("event", ["tick", "play", "seek"])
def test_it_keeps_a_playing_heartbeat_within_the_lag_for_a_later_flush(
    settings: Settings, event: str
) -> None:
    # The counterpart of the final-event test: the same steps with a non-final event wait.
    settings.PROGRESS_MAX_LAG_SECONDS = 120
    (profile,), movie = profiles(1), MovieFactory.create()
    session_id, sent = playing(profile, movie), now_ms()
    report_position(session_id, profile, 100, at_ms=sent)
    flush.progress_flush(everything=True)
    report_position(session_id, profile, 130, event=event, at_ms=sent + 1)

    report = flush.progress_flush()

    assert report.claimed == 0
    assert rows()[(profile.pk, movie.pk)] == (at(sent), 100, False)


@pytest.mark.django_db
def test_it_writes_everything_when_asked_whatever_the_lag(settings: Settings) -> None:
    settings.PROGRESS_MAX_LAG_SECONDS = 120
    cast, video = profiles(2), MovieFactory.create().video
    entries = [Entry(profile.pk, video.pk, now_ms(), 200) for profile in cast]
    buffer_put(entries)
    for entry in entries:
        mark_written(entry, seconds_ago=1)

    report = flush.progress_flush(everything=True)

    assert (report.claimed, report.written) == (2, 2)
    assert {seconds for _, seconds, _ in rows().values()} == {200}


# --- What a write may change ----------------------------------------------------------------


@pytest.mark.django_db
def test_it_never_overwrites_a_newer_stored_row() -> None:
    (profile,), video = profiles(1), MovieFactory.create().video
    newer = timezone.now()
    WatchProgress.objects.create(
        profile=profile, video=video, progress_seconds=3000, last_watched_timestamp=newer
    )
    buffer_put([Entry(profile.pk, video.pk, int(newer.timestamp() * 1000) - 60_000, 100)])

    report = flush.progress_flush(everything=True)

    assert report.written == 0
    assert rows() == {(profile.pk, video.pk): (newer, 3000, False)}


@pytest.mark.django_db
def test_it_overwrites_an_older_stored_row() -> None:
    (profile,), video = profiles(1), MovieFactory.create().video
    WatchProgress.objects.create(
        profile=profile,
        video=video,
        progress_seconds=3000,
        last_watched_timestamp=timezone.now() - timedelta(days=1),
        is_finished=False,
    )
    entry = Entry(profile.pk, video.pk, now_ms(), 100)
    buffer_put([entry])

    assert flush.progress_flush(everything=True).written == 1
    assert rows() == {(profile.pk, video.pk): (at(entry.at_ms), 100, False)}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("position", "finished"),
    [
        (DURATION * 0.95, True),  # 5415 s of 5700
        (DURATION * 0.95 - 1, False),
        (DURATION, True),
        (0, False),
    ],
)
def test_it_marks_a_title_finished_from_the_finished_fraction(
    position: float, finished: bool
) -> None:
    (profile,), video = profiles(1), MovieFactory.create().video
    buffer_put([Entry(profile.pk, video.pk, now_ms(), position)])

    flush.progress_flush(everything=True)

    assert rows()[(profile.pk, video.pk)][2] is finished


@pytest.mark.django_db
def test_it_follows_a_changed_finished_fraction(settings: Settings) -> None:
    settings.FINISHED_FRACTION = 0.5
    (profile,), video = profiles(1), MovieFactory.create().video
    buffer_put([Entry(profile.pk, video.pk, now_ms(), DURATION * 0.5)])

    flush.progress_flush(everything=True)

    assert rows()[(profile.pk, video.pk)][2] is True


@pytest.mark.django_db
def test_it_skips_entries_of_a_deleted_profile_or_video() -> None:
    cast = profiles(3)
    kept, gone_video = MovieFactory.create().video, MovieFactory.create()
    gone_profile = cast[2]
    sent = now_ms()
    entries = [
        Entry(cast[0].pk, kept.pk, sent, 10),
        Entry(gone_profile.pk, kept.pk, sent, 20),
        Entry(cast[1].pk, gone_video.pk, sent, 30),
        Entry(cast[1].pk, kept.pk, sent, 40),
    ]
    buffer_put(entries)
    gone_profile.delete()
    gone_video.delete()

    report = flush.progress_flush(everything=True)

    assert report == FlushReport(claimed=4, written=2, batches=1)
    assert rows() == {
        (cast[0].pk, kept.pk): (at(sent), 10, False),
        (cast[1].pk, kept.pk): (at(sent), 40, False),
    }
    assert live.redis().hlen(live.BUFFER) == 0
    assert claims_left() == set()


# --- Concurrency and crashes ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_loses_no_heartbeat_while_flushes_run_alongside() -> None:
    accounts = households(4, plan=SubscriptionPlan.PREMIUM)  # 4 streams each
    titles = [MovieFactory.create().video for _ in range(4)]
    started_sessions: list[tuple[UUID, int, UUID]] = []  # (session, profile, video)
    for account in accounts:
        adult = Profile.objects.select_related("account").get(account=account, name="Alex")
        for video in titles:
            started = sessions.session_start(profile=adult, video=video, device_type="TV")
            started_sessions.append((started.session.pk, adult.pk, video.pk))
    newest: dict[tuple[int, UUID], tuple[int, float]] = {}
    base, beats, stop = now_ms(), 150, threading.Event()
    failures: list[BaseException] = []

    def player(mine: list[tuple[UUID, int, UUID]]) -> None:
        try:
            for step in range(beats):
                for session_id, profile_id, video_id in mine:
                    position, sent = 10.0 + step * 2, base + step
                    event = "pause" if step % 10 == 9 else "tick"
                    heartbeats.heartbeat_record(
                        session_id=session_id,
                        profile_id=profile_id,
                        heartbeat=Heartbeat(position, event=event, at_ms=sent),
                    )
                    newest[(profile_id, video_id)] = (sent, position)
        except BaseException as error:  # reported below, so a dead thread cannot pass
            failures.append(error)

    def flusher(everything: bool) -> None:
        try:
            while not stop.is_set():
                flush.progress_flush(everything=everything)
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    players = [threading.Thread(target=player, args=(started_sessions[i::4],)) for i in range(4)]
    flushers = [threading.Thread(target=flusher, args=(i % 2 == 0,)) for i in range(3)]
    for thread in [*flushers, *players]:
        thread.start()
    for thread in players:
        thread.join()
    stop.set()
    for thread in flushers:
        thread.join()
    flushed_while_playing = WatchProgress.objects.count()

    flush.progress_flush(everything=True)

    assert failures == []
    assert flushed_while_playing > 0  # the flushers did run alongside the players
    assert rows() == {
        key: (at(sent), int(position), False) for key, (sent, position) in newest.items()
    }
    assert live.redis().hlen(live.BUFFER) == 0
    assert claims_left() == set()


def claim_like_a_worker(*, claimed_at_ms: int) -> str:
    """Run the CLAIM script as a flush does, then stop: the worker died before writing."""
    batch, claimed = live.claim_due(now_ms=claimed_at_ms, lag_ms=0)
    assert claimed > 0
    return batch


def crash_input(cast: list[Profile], titles: list[Video]) -> list[Entry]:
    sent = now_ms() - 5_000
    return [
        Entry(profile.pk, video.pk, sent + index, float(index * 97 % DURATION), index % 3 == 0)
        for index, (profile, video) in enumerate(
            (profile, video) for profile in cast for video in titles
        )
    ]


def clean_run(entries: list[Entry]) -> Rows:
    """The rows after a flush of ``entries`` on the current table, when nothing goes wrong."""
    live.redis().flushdb()
    buffer_put(entries)
    flush.progress_flush(everything=True)
    return rows()


@pytest.mark.django_db
def test_it_writes_a_batch_left_by_a_crashed_flush() -> None:
    entries = crash_input(profiles(3), [MovieFactory.create().video for _ in range(3)])
    buffer_put(entries)
    orphan = claim_like_a_worker(claimed_at_ms=now_ms() - flush.ORPHAN_AFTER_MS - 1000)
    assert live.redis().hlen(live.BUFFER) == 0
    assert rows() == {}

    report = flush.progress_flush()

    assert (report.claimed, report.batches) == (0, 1)
    assert claims_left() == set()
    assert not live.redis().exists(orphan)
    recovered = rows()
    WatchProgress.objects.all().delete()
    assert recovered == clean_run(entries)


@pytest.mark.django_db
def test_it_leaves_a_batch_another_flush_is_still_writing() -> None:
    entries = crash_input(profiles(1), [MovieFactory.create().video])
    buffer_put(entries)
    in_hand = claim_like_a_worker(claimed_at_ms=now_ms())

    report = flush.progress_flush()

    assert report == FlushReport(claimed=0, written=0, batches=0)
    assert claims_left() == {in_hand.encode()}
    assert rows() == {}


def rows_create(stored: Rows) -> None:
    WatchProgress.objects.bulk_create(
        WatchProgress(
            profile_id=profile_id,
            video_id=video_id,
            last_watched_timestamp=stamp,
            progress_seconds=seconds,
            is_finished=finished,
        )
        for (profile_id, video_id), (stamp, seconds, finished) in stored.items()
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_recovers_from_a_worker_killed_in_the_middle_of_a_flush(
    celery_worker_process: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = crash_input(profiles(50), videos(100))  # 5,000 entries
    # Rows from before the flush, for every fifth pair: half of them newer than the buffered
    # entry (they must stay as they are), half older (the entry replaces them).
    before: Rows = {
        (entry.profile_id, entry.video_id): (
            at(entry.at_ms + (60_000 if index % 10 == 0 else -60_000)),
            7,
            False,
        )
        for index, entry in enumerate(entries)
        if index % 5 == 0
    }
    rows_create(before)
    buffer_put(entries)
    client = live.redis()

    tasks.flush_watch_progress.delay(everything=True)
    deadline = time.monotonic() + 60
    while not client.exists(live.CLAIMS) and client.hlen(live.BUFFER) == len(entries):
        assert time.monotonic() < deadline, "the worker did not start the flush within 60 s"
        time.sleep(0.001)
    os.kill(celery_worker_process.pid, signal.SIGKILL)
    celery_worker_process.wait(timeout=10)
    orphaned = claims_left()
    try:
        assert len(orphaned) == 1, "the kill landed after the flush had finished"
        assert WatchProgress.objects.count() == len(before)  # its upsert never committed
        # The batch is a moment old; the next beat would take it as orphaned after 30 s.
        monkeypatch.setattr(flush, "ORPHAN_AFTER_MS", 0)
        flush.progress_flush(everything=True)
        recovered = rows()
        assert claims_left() == set()
        assert client.hlen(live.BUFFER) == 0
    finally:
        # The killed task stays unacknowledged in the broker, and a worker of a later run
        # would deliver it again after the visibility timeout: drop it with the test.
        broker = redis_client.Redis.from_url(django_settings.CELERY_BROKER_URL)
        broker.delete("unacked", "unacked_index")

    WatchProgress.objects.all().delete()
    rows_create(before)
    clean = clean_run(entries)
    assert len(clean) == len(entries)
    assert recovered == clean
    buffered_at = {(entry.profile_id, entry.video_id): at(entry.at_ms) for entry in entries}
    kept = {key: row for key, row in before.items() if row[0] > buffered_at[key]}
    assert len(kept) == len(before) // 2
    assert all(clean[key] == row for key, row in kept.items())


@pytest.mark.django_db
def test_it_flushes_ten_thousand_entries_in_one_batch() -> None:
    # Its time is measured in bench/heartbeats.py, not asserted here.
    cast, titles = profiles(50), videos(200)
    sent = now_ms()
    entries = [
        Entry(profile.pk, video.pk, sent + index, float(index % 3000), True)
        for index, (profile, video) in enumerate(
            (profile, video) for profile in cast for video in titles
        )
    ]
    buffer_put(entries)

    with CaptureQueriesContext(connection) as captured:
        report = flush.progress_flush(everything=True)

    assert report == FlushReport(claimed=10_000, written=10_000, batches=1)
    assert len(upserts(captured)) == 1
    assert WatchProgress.objects.count() == 10_000


# --- The command ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_prints_a_summary_from_the_flush_command(settings: Settings) -> None:
    settings.PROGRESS_MAX_LAG_SECONDS = 120
    cast, video = profiles(3), MovieFactory.create().video
    entries = [Entry(profile.pk, video.pk, now_ms(), 300) for profile in cast]
    buffer_put(entries)
    for entry in entries:
        mark_written(entry, seconds_ago=1)  # not due: only --all writes them
    out = io.StringIO()

    call_command("flush_watch_progress", "--all", stdout=out)

    assert out.getvalue().strip() == (
        "Flushed 3 buffered position(s) in 1 batch(es); 3 row(s) written."
    )
    assert len(rows()) == 3


@pytest.mark.django_db
def test_it_writes_only_due_entries_from_the_flush_command_without_all(
    settings: Settings,
) -> None:
    settings.PROGRESS_MAX_LAG_SECONDS = 120
    cast, video = profiles(2), MovieFactory.create().video
    entries = [Entry(profile.pk, video.pk, now_ms(), 300) for profile in cast]
    buffer_put(entries)
    mark_written(entries[0], seconds_ago=1)
    mark_written(entries[1], seconds_ago=121)
    out = io.StringIO()

    call_command("flush_watch_progress", stdout=out)

    assert "Flushed 1 buffered position(s)" in out.getvalue()
    assert set(rows()) == {(entries[1].profile_id, entries[1].video_id)}


# --- Ending sessions ------------------------------------------------------------------------


def open_session(profile: Profile, movie: Movie, *, position: float) -> UUID:
    session_id = playing(profile, movie)
    report_position(session_id, profile, position, at_ms=now_ms())
    return session_id


@pytest.mark.django_db
def test_it_closes_a_session_that_stopped_sending_heartbeats(settings: Settings) -> None:
    settings.SESSION_IDLE_SECONDS = 60
    (account,) = households(1)
    adult = account.profiles.get(name="Alex")
    quiet, busy = MovieFactory.create(), MovieFactory.create()
    idle_id = open_session(adult, quiet, position=1140)  # 20 % of 95 minutes
    live_id = open_session(adult, busy, position=300)
    last_seen = now_ms() - 61_000
    live.redis().hset(live.session_key(idle_id), "last_seen", last_seen)

    closed = finish.sessions_close_idle()

    assert closed == 1
    idle = ViewingSession.objects.get(pk=idle_id)
    assert (idle.end_reason, idle.completion_percent) == (EndReason.IDLE, 20)
    assert idle.ended_at == max(at(last_seen), idle.started_at)
    assert ViewingSession.objects.get(pk=live_id).ended_at is None
    assert rows()[(adult.pk, quiet.pk)][1] == 1140
    # The idle stream no longer counts against the plan.
    assert live.redis().zscore(live.streams_key(account.pk), str(idle_id)) is None
    assert live.redis().zscore(live.streams_key(account.pk), str(live_id)) is not None


@pytest.mark.django_db
def test_it_closes_idle_sessions_from_the_beat_task(settings: Settings) -> None:
    settings.SESSION_IDLE_SECONDS = 60
    (account,) = households(1)
    session_id = open_session(account.profiles.get(name="Alex"), MovieFactory.create(), position=60)
    live.redis().hset(live.session_key(session_id), "last_seen", now_ms() - 61_000)

    assert tasks.close_idle_sessions() == 1
    assert ViewingSession.objects.get(pk=session_id).end_reason == EndReason.IDLE


@pytest.mark.django_db
def test_it_finishes_a_session_once_however_often_the_task_runs() -> None:
    (account,) = households(1)
    adult = account.profiles.get(name="Alex")
    session_id = open_session(adult, MovieFactory.create(), position=2850)
    heartbeats.heartbeat_record(
        session_id=session_id,
        profile_id=adult.pk,
        heartbeat=Heartbeat(2850.0, errors=("net_timeout",), at_ms=now_ms() + 1),
    )
    finish.session_end(session_id=session_id, profile_id=adult.pk, reason=EndReason.ENDED)

    assert tasks.finish_viewing_session(str(session_id), EndReason.ENDED) == str(session_id)
    first = ViewingSession.objects.values().get(pk=session_id)
    # A retry arrives after the state moved on (a stray error report, another reason).
    key = live.session_key(session_id)
    live.redis().hset(key, mapping={"position": 10, "last_seen": now_ms() + 60_000})
    live.redis().rpush(f"{key}:errors", "late_error")
    assert tasks.finish_viewing_session(str(session_id), EndReason.IDLE) == str(session_id)

    assert ViewingSession.objects.values().get(pk=session_id) == first
    assert first["end_reason"] == EndReason.ENDED
    assert first["completion_percent"] == 50
    assert first["player_errors"] == ["net_timeout"]


@pytest.mark.django_db
def test_it_answers_none_for_a_session_that_does_not_exist() -> None:
    assert tasks.finish_viewing_session(str(uuid.uuid4()), EndReason.CLOSED) is None


# --- Only what a write changed is stamped as written ----------------------------------------


@pytest.mark.django_db
def test_it_stamps_only_the_rows_a_rewritten_batch_changed(settings: Settings) -> None:
    settings.PROGRESS_MAX_LAG_SECONDS = 120
    (profile,) = profiles(1)
    (stale_video, fresh_video) = videos(2)
    newer, older = now_ms() - 10_000, now_ms() - 60_000
    # The database already holds a newer position than the left-behind batch's for one video.
    WatchProgress.objects.create(
        profile=profile, video=stale_video, last_watched_timestamp=at(newer), progress_seconds=900
    )
    left_behind = [
        Entry(profile.pk, stale_video.pk, older, 300.0),
        Entry(profile.pk, fresh_video.pk, older, 400.0),
    ]
    buffer_put(left_behind)
    claim_like_a_worker(claimed_at_ms=now_ms() - flush.ORPHAN_AFTER_MS - 1000)  # then it died
    stamp_before = now_ms() - 100_000  # the stale video's entry was last written 100 s ago
    mark_written(left_behind[0], seconds_ago=100)

    report = flush.progress_flush()

    assert report.written == 1  # the fresh video's row; the stale one changed nothing
    assert rows()[(profile.pk, stale_video.pk)][1] == 900
    stamps = {
        entry.video_id: live.redis().zscore(live.WRITTEN, entry.field) for entry in left_behind
    }
    # A newer position for the stale video, buffered now, is due in 20 s, not in 120 s.
    assert abs(int(stamps[stale_video.pk]) - stamp_before) < 1000
    assert int(stamps[fresh_video.pk]) >= now_ms() - 5_000
