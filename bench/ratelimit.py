"""The rate limiter's cost per request, measured two ways in one run.

1. Over real HTTP against gunicorn: two counted pages with the middleware and without it
   (RATELIMIT_ENABLED=false removes it), the same requests to both. The sign-in page is the
   cheapest counted page (a form, no SQL; anonymous, so keyed by address); the home page is
   the one signed-in viewers load most (keyed by session). The two servers run side by side
   and are measured in turns (with, without, ROUNDS times over, a fraction of --duration
   each), so a drift of the machine hits both alike; the ratio is the median of the rounds'.
2. In-process, the counter alone: our Lua script (one round trip, atomic) against the naive
   INCR then EXPIRE (two round trips, and a counter left without expiry if the process dies
   between them), in alternating blocks from one thread.

Limits are set far above the load: this measures the counting, not the refusing. No target:
the issue asks for the cost to be shown; docs/ratelimits.md reads the numbers.
"""

from __future__ import annotations

import contextlib
import math
import statistics
import time
from typing import Any

from bench.environment import gunicorn, session_cookie
from bench.load import LoadResult, Request, merge_results, run_load
from bench.report import BenchReport

VIEWERS = 8
CLIENTS = 4
# Turns per variant: a shared machine drifts, and the median of the rounds' ratios resists it.
ROUNDS = 6
UNLIMITED = "1000000000/60"
COUNTER_CALLS = 20_000


def prepare() -> list[str]:
    """Session cookies of signed-in viewers with a profile chosen, on a catalog to browse."""
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    from accounts.services import demo_household  # noqa: PLC0415
    from bench.catalog_data import load_movies  # noqa: PLC0415
    from catalog.models import Movie  # noqa: PLC0415

    if not Movie.objects.filter(title__startswith="RLBench ").exists():
        load_movies(60, genres=4, prefix="RLBench")
    user_model = get_user_model()
    user_model.objects.filter(username__startswith="bench-rl-").delete()
    cookies = []
    for number in range(VIEWERS):
        user = user_model.objects.create(username=f"bench-rl-{number}")
        profile = demo_household(user=user).profiles.get(is_kids=False)
        cookies.append(session_cookie(profile.pk, user))
    return cookies


def _pages(cookies: list[str]) -> dict[str, Any]:
    """Per page, a function giving each client process its requests."""
    share = len(cookies) // CLIENTS

    def sign_in(index: int) -> list[Request]:
        return [("GET", "/account/login/", None, {"Host": "127.0.0.1"})]

    def home(index: int) -> list[Request]:
        mine = cookies[index * share : (index + 1) * share]
        return [("GET", "/", None, {"Cookie": cookie, "Host": "127.0.0.1"}) for cookie in mine]

    return {"sign-in page": sign_in, "home page": home}


def _http(
    duration: float, cookies: list[str]
) -> dict[str, tuple[LoadResult, LoadResult, list[float]]]:
    """Per page: (merged with, merged without, each round's ratio)."""
    pages = _pages(cookies)
    variants = {"with": "true", "without": "false"}
    runs: dict[tuple[str, str], list[LoadResult]] = {
        (page, variant): [] for page in pages for variant in variants
    }
    with contextlib.ExitStack() as stack:
        ports = {
            variant: stack.enter_context(
                gunicorn({"RATELIMIT_ENABLED": enabled, "RATELIMIT_VIEWER_READ": UNLIMITED})
            )
            for variant, enabled in variants.items()
        }
        for page, requests in pages.items():
            for port in ports.values():
                run_load(f"{page} (warm-up)", port, requests, clients=CLIENTS, duration=1.0)
        for _ in range(ROUNDS):
            for page, requests in pages.items():
                for variant, port in ports.items():
                    runs[page, variant].append(
                        run_load(
                            page, port, requests, clients=CLIENTS, duration=duration / ROUNDS * 2
                        )
                    )

    def merged(page: str, variant: str) -> LoadResult:
        return merge_results(f"{page}, {variant} limiter", runs[page, variant])

    return {
        page: (
            merged(page, "with"),
            merged(page, "without"),
            [
                limited.throughput / plain.throughput if plain.throughput else float("nan")
                for limited, plain in zip(runs[page, "with"], runs[page, "without"], strict=True)
            ],
        )
        for page in pages
    }


def _counter() -> tuple[float, float]:
    """Median microseconds per counted hit over alternating blocks: (script, INCR + EXPIRE)."""
    from streaming_portal.infra import ratelimit  # noqa: PLC0415
    from streaming_portal.infra.ratelimit import Scope, ip_bucket, limiter, rule_for  # noqa: PLC0415

    connection = ratelimit.redis_connection()
    bucket = ip_bucket("198.51.100.77")

    def script_hit() -> None:
        limiter.hit(Scope.VIEWER_READ, bucket)

    def naive_hit() -> None:
        rule = rule_for(Scope.VIEWER_READ)
        now = time.time()
        index = math.floor(now / rule.window)
        key = f"rl-naive:{Scope.VIEWER_READ.value}:{rule.window}:{index}:{bucket}"
        hits = connection.incr(key)
        connection.expire(key, max(1, math.ceil((index + 2) * rule.window - now)))
        _ = hits <= rule.limit

    timings: dict[str, list[float]] = {"script": [], "naive": []}
    script_hit()  # loads the script
    block = COUNTER_CALLS // 10
    for _ in range(10):
        for label, hit in (("script", script_hit), ("naive", naive_hit)):
            began = time.perf_counter()
            for _ in range(block):
                hit()
            timings[label].append((time.perf_counter() - began) / block * 1e6)
    return statistics.median(timings["script"]), statistics.median(timings["naive"])


def run(duration: float) -> BenchReport:
    from django.conf import settings  # noqa: PLC0415

    cookies = prepare()
    report = BenchReport(
        f"Rate limiter, gunicorn, {CLIENTS} client processes, "
        f"{ROUNDS} alternating rounds, limits far above the load"
    )
    report.add("sign-in page: anonymous, counted by address (a form, no SQL: the cheapest)")
    report.add(f"home page: {VIEWERS} signed-in viewers, counted by session (loaded most)")
    for page, (limited, plain, ratios) in _http(duration, cookies).items():
        share = statistics.median(ratios)
        report.measured(limited)
        report.measured(plain)
        report.add(
            f"{page}: with the limiter {share:.2f}x the requests of without it (rounds: "
            f"{', '.join(f'{ratio:.2f}' for ratio in ratios)}), "
            f"{limited.percentile(0.5) - plain.percentile(0.5):+.2f} ms at p50"
        )
    settings.RATELIMIT_VIEWER_READ = UNLIMITED
    script, naive = _counter()
    report.add(
        f"counter alone, one thread, {COUNTER_CALLS:,} hits each in 10 alternating blocks, "
        f"medians: Lua script {script:.0f} us per hit (1 round trip), INCR + EXPIRE "
        f"{naive:.0f} us (2 round trips): the script takes {script / naive:.2f}x the time"
    )
    return report
