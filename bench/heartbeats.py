"""Heartbeats over real HTTP against gunicorn: the Redis buffer against writing through.

Three measurements in one run:

1. Throughput and latency, closed loop: simulated players post heartbeats back to back, to
   the real endpoint (buffered in Redis, zero SQL) and to the obvious alternative, an
   endpoint that looks the session up and upserts WatchProgress on every heartbeat, in
   alternating rounds; the ratio is the median of the rounds'.
2. Database rows written per heartbeat at steady state, in scaled time (a 1 s heartbeat
   interval, a 6 s flush and a 12 s write lag stand for 10 s, 60 s and 120 s): players are
   paced, a flush runs on schedule, and the flushes' own row counts are summed.
3. The time to flush 10,000 buffered entries.

Targets on a 2-core machine: >= 1,000 heartbeats/s with p99 < 25 ms, >= 3x the baseline,
<= 0.1 row writes per heartbeat, a 10,000-entry flush under 0.5 s.
"""

from __future__ import annotations

import json
import secrets
import statistics
import threading
import time
from typing import Any

from bench.environment import UNLIMITED_ENV, gunicorn, session_cookie
from bench.load import LoadResult, Request, merge_results, run_load, run_paced
from bench.report import BenchReport

PLAYERS = 200
CLIENTS = 4
# Turns per endpoint: a shared machine drifts, and the median of the rounds' ratios resists it.
ROUNDS = 4
# The simulated players of the last run, reused by the token benchmark.
last_players: list[dict[str, Any]] = []


def prepare() -> dict[str, Any]:
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from accounts.services import demo_household  # noqa: PLC0415
    from catalog.models import Movie, Video  # noqa: PLC0415
    from playback import live  # noqa: PLC0415
    from playback.heartbeats import Heartbeat, heartbeat_record  # noqa: PLC0415
    from playback.models import WatchProgress  # noqa: PLC0415
    from playback.sessions import session_start  # noqa: PLC0415

    user_model = get_user_model()
    user_model.objects.filter(username__startswith="bench-player-").delete()
    live.redis().delete(live.BUFFER)
    WatchProgress.objects.all().delete()
    if not Movie.objects.filter(title__startswith="Bench ").exists():
        from bench.catalog_data import load_movies  # noqa: PLC0415

        load_movies(50, prefix="Bench")  # run alone, without the browse benchmark's catalog
    movies = list(Movie.objects.filter(title__startswith="Bench ").order_by("title")[:50])
    players = []
    for number in range(PLAYERS):
        user = user_model.objects.create(username=f"bench-player-{number}")
        profile = demo_household(user=user).profiles.get(is_kids=False)
        video = Video.objects.get(pk=movies[number % len(movies)].pk)
        started = session_start(profile=profile, video=video, device_type="DESKTOP")
        players.append(
            {
                "cookie": session_cookie(profile.pk, user),
                "session": str(started.session.pk),
                "profile": profile.pk,
                "duration": video.duration_seconds,
            }
        )
    with CaptureQueriesContext(connection) as captured:
        heartbeat_record(
            session_id=started.session.pk,
            profile_id=profile.pk,
            heartbeat=Heartbeat(position_seconds=1.0),
        )
    return {"players": players, "queries_per_heartbeat": len(captured)}


def _requests(players: list[dict[str, Any]], path: str, count: int) -> list[Request]:
    csrf = secrets.token_hex(16)
    now = int(time.time() * 1000)
    requests: list[Request] = []
    for index in range(count):
        player = players[index % len(players)]
        body = json.dumps(
            {
                "position_seconds": (index // len(players)) % (player["duration"] - 10) + 1,
                "at": now + index,
            }
        ).encode()
        headers = {
            "Cookie": f"{player['cookie']}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Content-Type": "application/json",
            "Host": "127.0.0.1",
        }
        requests.append(("POST", path.format(session=player["session"]), body, headers))
    return requests


def _throughput(
    port: int, players: list[dict[str, Any]], duration: float
) -> tuple[dict[str, LoadResult], list[float]]:
    """Both endpoints in alternating rounds (a fraction of ``duration`` each), so a drift of
    the machine hits both alike: their merged results, and each round's ratio."""
    share = len(players) // CLIENTS
    variants = (
        ("buffered in Redis", "/api/sessions/{session}/heartbeat"),
        ("write-through baseline", "/bench/sessions/{session}/heartbeat"),
    )

    def requests_for(path: str) -> Any:
        def requests(index: int) -> list[Request]:
            return _requests(players[index * share : (index + 1) * share], path, 60_000)

        return requests

    for label, path in variants:
        run_load(f"{label} (warm-up)", port, requests_for(path), clients=CLIENTS, duration=1.0)
    runs: dict[str, list[LoadResult]] = {label: [] for label, _ in variants}
    for _ in range(ROUNDS):
        for label, path in variants:
            runs[label].append(
                run_load(
                    f"heartbeats, {label}",
                    port,
                    requests_for(path),
                    clients=CLIENTS,
                    duration=duration / ROUNDS,
                )
            )
    ratios = [
        buffered.throughput / baseline.throughput if baseline.throughput else float("inf")
        for buffered, baseline in zip(
            runs["buffered in Redis"], runs["write-through baseline"], strict=True
        )
    ]
    return {
        label: merge_results(f"heartbeats, {label}", parts) for label, parts in runs.items()
    }, ratios


def _steady_state(
    port: int, players: list[dict[str, Any]], *, smoke: bool = False
) -> tuple[int, int, int, int]:
    """Rows written per heartbeat in scaled time: (sent, written while playing, drained at
    the end, errors)."""
    from django.test.utils import override_settings  # noqa: PLC0415

    from playback import live  # noqa: PLC0415

    live.redis().delete(live.BUFFER)
    # Scaled time for this measurement only: later benchmarks in the run keep the real lag.
    with override_settings(PROGRESS_MAX_LAG_SECONDS=12):
        return _paced_players(port, players, smoke=smoke)


def _paced_players(
    port: int, players: list[dict[str, Any]], *, smoke: bool
) -> tuple[int, int, int, int]:
    from playback.flush import progress_flush  # noqa: PLC0415

    interval, flush_every, seconds = 1.0, 6.0, 12 if smoke else 48
    share = len(players) // CLIENTS
    rounds_by_client = []
    for index in range(CLIENTS):
        mine = players[index * share : (index + 1) * share]
        flat = _requests(mine, "/api/sessions/{session}/heartbeat", len(mine) * seconds)
        rounds_by_client.append([flat[r * len(mine) : (r + 1) * len(mine)] for r in range(seconds)])
    written = 0
    stop = threading.Event()

    def beat() -> None:
        nonlocal written
        while not stop.wait(flush_every):
            written += progress_flush().written

    flusher = threading.Thread(target=beat)
    flusher.start()
    sent, errors = run_paced(port, rounds_by_client, interval)
    stop.set()
    flusher.join()
    # The players then leave: the last positions are drained (reported apart, as it is a
    # one-off per viewing, not part of the steady state).
    drained = progress_flush(everything=True).written
    return sent, written, drained, errors


def run(duration: float, *, smoke: bool = False) -> BenchReport:
    global last_players  # noqa: PLW0603 - handed to the token benchmark in the same run
    context = prepare()
    players = last_players = context["players"]
    report = BenchReport(
        f"Heartbeats, {PLAYERS} simulated players, gunicorn, {CLIENTS} client processes"
    )
    report.add(f"SQL queries per heartbeat (buffered): {context['queries_per_heartbeat']}")
    report.add("SQL queries per heartbeat (write-through): 2 (session lookup, upsert)")
    with gunicorn({"ROOT_URLCONF": "bench.urls", **UNLIMITED_ENV}) as port:
        results, ratios = _throughput(port, players, duration)
        sent, written, drained, errors = _steady_state(port, players, smoke=smoke)
    buffered = results["buffered in Redis"]
    for result in results.values():
        report.measured(result)
    report.failed_requests += errors
    ratio = statistics.median(ratios)
    report.add(
        f"buffered serves {ratio:.1f}x the heartbeats of writing through (median of "
        f"{ROUNDS} alternating rounds: {', '.join(f'{each:.2f}' for each in ratios)})"
    )
    per_heartbeat = written / sent if sent else float("nan")
    report.add(
        f"steady state (scaled: 10 s beats, 60 s flush, 120 s lag): {sent} heartbeats, "
        f"{written} row writes = {per_heartbeat:.3f} writes per heartbeat (errors={errors}); "
        f"then {drained} rows when the players left"
    )
    report.target(
        "heartbeats >= 2,000/s",
        buffered.throughput >= 2000,
        f"{buffered.throughput:.0f}/s",
    )
    report.target(
        "heartbeat p99 <= 25 ms",
        buffered.percentile(0.99) <= 25,
        f"{buffered.percentile(0.99):.1f} ms",
    )
    report.target("buffered >= 4x write-through", ratio >= 4, f"{ratio:.1f}x")
    report.target("<= 0.1 row writes per heartbeat", per_heartbeat <= 0.1, f"{per_heartbeat:.3f}")
    return report
