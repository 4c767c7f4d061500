"""Browse pages over real HTTP against gunicorn, on a 10,000-title catalog.

The obvious alternative to our cached rows is to rebuild them on every request
(BROWSE_CACHE_SECONDS=0); both run in the same process tree, one after the other, and the
ratio is printed. Limits are sized for the load (the limiter has its own benchmark), so a
refused request is a failure. Targets on a 2-core machine, at 10,000 titles: home >= 1,000
req/s with its rows cached, genre and search pages >= 500 req/s.
"""

from __future__ import annotations

import secrets
from typing import Any

from bench.environment import UNLIMITED_ENV, gunicorn, session_cookie
from bench.load import LoadResult, run_load
from bench.report import BenchReport

TITLES = 10_000
# What viewers type: a few words of the synthetic titles, a typo, a word with no match.
SEARCH_TERMS = ["harbour", "river", "night", "ember", "lantern", "garden", "glass+orbit", "zzyzx"]


def prepare() -> dict[str, Any]:
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from accounts.services import demo_household  # noqa: PLC0415
    from bench.catalog_data import load_movies  # noqa: PLC0415
    from catalog import page_cache  # noqa: PLC0415
    from catalog.models import Genre, Movie  # noqa: PLC0415
    from streaming_portal.infra import page_shell  # noqa: PLC0415

    existing = Movie.objects.filter(title__regex=r"^Bench[0-9]* ").count()
    if existing < TITLES:
        print(f"Loading {TITLES - existing} synthetic titles…")
        load_movies(TITLES - existing, prefix="Bench" if not existing else f"Bench{existing}")
    user, _ = get_user_model().objects.get_or_create(
        username="bench-viewer", defaults={"email": "bench@example.com"}
    )
    profile = demo_household(user=user).profiles.get(is_kids=False)
    # A viewer with a Continue watching row, as most are.
    from django.utils import timezone  # noqa: PLC0415

    from playback.models import WatchProgress  # noqa: PLC0415

    WatchProgress.objects.filter(profile=profile).delete()
    WatchProgress.objects.bulk_create(
        WatchProgress(
            profile=profile,
            video_id=movie_id,
            progress_seconds=600 + index * 60,
            last_watched_timestamp=timezone.now(),
        )
        for index, movie_id in enumerate(
            Movie.objects.filter(title__startswith="Bench ").values_list("pk", flat=True)[:6]
        )
    )
    genre = Genre.objects.filter(slug__startswith="bench").order_by("slug").first()
    slugs = list(
        Movie.objects.filter(title__startswith="Bench ").values_list("slug", flat=True)[:50]
    )
    paths = {
        "home": "/",
        "genre page": f"/genres/{genre.slug}/" if genre else "/",
        "search": "/search/?q=harbour",
        "movie detail": f"/movies/{slugs[0]}/",
    }
    # SQL queries per page, measured once in-process with a cold cache.
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    session["profile_id"] = profile.pk
    session.save()
    queries = {}
    for label, path in paths.items():
        from django.core.cache import cache  # noqa: PLC0415

        # Every cache a page reads, emptied (sessions stay): parts, shells, households, rows.
        for pattern in ("browse:*", "page-shell:*", "identity:*", "continue:*"):
            cache.delete_pattern(pattern)  # type: ignore[attr-defined]
        page_cache.clear_local()
        page_shell.clear_local()
        with CaptureQueriesContext(connection) as captured:
            status = client.get(path, secure=True).status_code
        queries[label] = (len(captured), status)
    return {
        "cookie": session_cookie(profile.pk, user),
        "paths": paths,
        "slugs": slugs,
        "queries": queries,
    }


TARGETS = {"home": 1000, "genre page": 500, "search": 500}


def run(duration: float) -> BenchReport:
    context = prepare()
    # A browser sends back the CSRF cookie the first page set; without it every page would
    # mint a new secret and set a cookie, which no returning viewer costs the server.
    cookie = f"{context['cookie']}; csrftoken={secrets.token_hex(16)}"
    headers = {"Cookie": cookie, "Host": "127.0.0.1"}
    report = BenchReport(f"Browse pages, {TITLES:,} titles, gunicorn, 4 client processes")
    for label, (count, status) in context["queries"].items():
        report.add(f"SQL queries per {label} (cold cache): {count}  [HTTP {status}]")
        if status != 200:
            report.failed_requests += 1
    results: dict[str, dict[str, LoadResult]] = {}
    from django.core.cache import cache  # noqa: PLC0415

    for variant, cache_seconds in (("cached rows", "60"), ("rows rebuilt per request", "0")):
        # Each variant starts cold: the rebuilt one must not read what the cached one stored.
        cache.delete_pattern("browse:*")  # type: ignore[attr-defined]
        cache.delete_pattern("page-shell:*")  # type: ignore[attr-defined]
        with gunicorn({"BROWSE_CACHE_SECONDS": cache_seconds, **UNLIMITED_ENV}) as port:
            results[variant] = {}
            for label, path in context["paths"].items():
                if variant != "cached rows" and label != "home":
                    continue  # only the home page has rows to cache
                if label == "movie detail":
                    requests = [
                        ("GET", f"/movies/{slug}/", None, headers) for slug in context["slugs"]
                    ]
                elif label == "search":
                    requests = [
                        ("GET", f"/search/?q={term}", None, headers) for term in SEARCH_TERMS
                    ]
                else:
                    requests = [("GET", path, None, headers)]
                run_load(f"{label} (warm-up)", port, requests, clients=2, duration=1.0)
                result = run_load(f"{label}, {variant}", port, requests, duration=duration)
                results[variant][label] = report.measured(result)
    cached = results["cached rows"]["home"]
    rebuilt = results["rows rebuilt per request"]["home"]
    ratio = cached.throughput / rebuilt.throughput if rebuilt.throughput else float("inf")
    report.add(f"home: cached rows serve {ratio:.1f}x the requests of rows rebuilt per request")
    for label, goal in TARGETS.items():
        result = results["cached rows"][label]
        report.target(
            f"{label} >= {goal:,} req/s",
            result.throughput >= goal,
            f"{result.throughput:.0f} req/s, p99 {result.percentile(0.99):.1f} ms",
        )
    return report
