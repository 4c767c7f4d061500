"""Readiness (``/readyz``): the engines, and the two backlogs the portal must keep short.

Each check answers ``ok`` or ``degraded`` with the facts it read, or raises; a check that
raises or does not answer in time is ``failed`` with its message, never a 500. The checks run
side by side in threads, each bounded by its own short timeouts, and the answer comes after
the longer of ``READYZ_CHECK_TIMEOUT_SECONDS`` and the worker ping, plus half a second, at worst.

Cost per call: one PostgreSQL connection per database check (a thread's own, closed after),
``SELECT 1`` and two aggregates over the streams and captions never validated; a Redis PING;
one broker connection and a worker ping; one Lua script that reads the whole heartbeat buffer
and its claimed batches (O(buffered entries), a few milliseconds for ten thousand).

``/healthz`` (streaming_portal/views.py) touches none of this: it says the process answers.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import redis
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count, Min
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection
from redis.backoff import NoBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

from catalog.models import CaptionTrack, StreamSource
from playback import live
from streaming_portal.celery import app


class CheckStatus(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    FAILED = "failed"


@dataclass(frozen=True)
class CheckResult:
    status: CheckStatus
    facts: dict[str, Any] = field(default_factory=dict)


def _timeout() -> float:
    return float(settings.READYZ_CHECK_TIMEOUT_SECONDS)


# --- PostgreSQL -----------------------------------------------------------------------------


@contextlib.contextmanager
def _statement_timeout() -> Iterator[None]:
    """A transaction whose statements PostgreSQL cancels after the check's timeout."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            # is_local: the limit ends with the transaction, not with the (reused) connection.
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)", [str(int(_timeout() * 1000))]
            )
        yield


def postgres() -> CheckResult:
    with _statement_timeout(), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return CheckResult(CheckStatus.OK)


def unvalidated_media() -> CheckResult:
    """Streams and captions never validated, and how long their videos have existed.

    When a source was added is not stored, so the age is its video's: a new source on an old
    video counts as old until its first check (queued on commit, seconds with a worker up).
    """
    with _statement_timeout():
        counts = [
            model.objects.filter(last_validated_at__isnull=True).aggregate(
                count=Count("pk"), oldest=Min("video__created_at")
            )
            for model in (StreamSource, CaptionTrack)
        ]
    oldest_dates = [row["oldest"] for row in counts if row["oldest"] is not None]
    oldest = min(oldest_dates) if oldest_dates else None
    age = (datetime.now(tz=UTC) - oldest).total_seconds() if oldest else None
    threshold = settings.READYZ_UNVALIDATED_MAX_AGE_SECONDS
    return CheckResult(
        CheckStatus.DEGRADED if age is not None and age > threshold else CheckStatus.OK,
        {
            "streams": counts[0]["count"],
            "captions": counts[1]["count"],
            "oldest_video_created_at": oldest.isoformat() if oldest else None,
            "oldest_age_seconds": round(age) if age is not None else None,
            "threshold_seconds": threshold,
        },
    )


# --- Redis ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _redis_client(url: str, timeout: float) -> redis.Redis:
    # The cache's own client waits up to 2 s per call; the probe gets its own, shorter one.
    # One attempt: redis-py retries three times by default, which would quadruple the wait.
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


@functools.lru_cache(maxsize=4)
def _sentinel_master(sentinels: tuple[str, ...], timeout: float) -> redis.Redis:
    addresses = [(host, int(port)) for host, _, port in (s.rpartition(":") for s in sentinels)]
    manager = Sentinel(  # type: ignore[no-untyped-call]
        addresses, socket_timeout=timeout, sentinel_kwargs={"socket_timeout": timeout}
    )
    db = int(str(settings.REDIS_URL).rstrip("/").rpartition("/")[2] or 0)
    return manager.master_for(  # type: ignore[no-any-return, no-untyped-call]
        settings.REDIS_SENTINEL_MASTER,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        db=db,
        retry=Retry(NoBackoff(), 0),
    )


def _cache_redis() -> redis.Redis:
    """The Redis of the cache, the sessions and the heartbeat buffer (playback/live.py)."""
    if settings.REDIS_SENTINELS:  # wherever the sentinels say the master is now
        return _sentinel_master(tuple(settings.REDIS_SENTINELS), _timeout())
    location: Any = settings.CACHES["default"]["LOCATION"]
    url = location if isinstance(location, str) else location[0]
    return _redis_client(url, _timeout())


def redis_ping() -> CheckResult:
    _cache_redis().ping()
    return CheckResult(CheckStatus.OK)


def heartbeat_backlog() -> CheckResult:
    client = _cache_redis()
    backlog = live.heartbeat_backlog(client)
    buffered, batches, claimed = backlog.buffered, backlog.claimed_batches, backlog.claimed
    age = (
        max(0.0, time.time() - backlog.oldest_ms / 1000) if backlog.oldest_ms is not None else None
    )
    threshold = settings.READYZ_HEARTBEAT_MAX_AGE_SECONDS
    return CheckResult(
        CheckStatus.DEGRADED if age is not None and age > threshold else CheckStatus.OK,
        {
            "buffered": buffered,
            "claimed_batches": batches,
            "claimed": claimed,
            "oldest_age_seconds": round(age) if age is not None else None,
            "threshold_seconds": threshold,
        },
    )


# --- The Celery broker ----------------------------------------------------------------------


def broker() -> CheckResult:
    timeout = _timeout()
    with Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=timeout,
        transport_options={
            **getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
        },
    ) as broker_connection:
        broker_connection.ensure_connection(max_retries=0)  # one attempt: no retry sleeps
    return CheckResult(CheckStatus.OK)


def worker_answered() -> bool:
    """Whether any worker answered a ping in READYZ_WORKER_PING_SECONDS.

    Information, never a failure: web processes serve pages with every worker stopped
    (tasks wait in the broker), workers restart and scale on their own, and a load balancer
    must not take the site out because of them. A lasting worker outage shows in the
    heartbeat backlog, which does degrade.
    """
    return bool(app.control.ping(timeout=settings.READYZ_WORKER_PING_SECONDS, limit=1))


# --- Running them -----------------------------------------------------------------------------


CHECKS: dict[str, Callable[[], CheckResult]] = {
    "postgres": postgres,
    "redis": redis_ping,
    "broker": broker,
    "heartbeats": heartbeat_backlog,
    "unvalidated_media": unvalidated_media,
}


@dataclass(frozen=True)
class Outcome:
    result: CheckResult | None
    error: str
    seconds: float


def _run(check: Callable[[], CheckResult]) -> Outcome:
    started = time.perf_counter()
    try:
        return Outcome(check(), "", time.perf_counter() - started)
    except Exception as error:  # a failed check is a verdict, never a 500
        return Outcome(None, _message(error), time.perf_counter() - started)
    finally:
        # The thread's own database connection: closed here, or it would outlive the thread.
        connections.close_all()


def readiness() -> dict[str, Any]:
    """Every check's verdict and facts, and the worst of them as ``status``."""
    timeout = _timeout()
    # Side by side, so the answer takes one timeout at worst (plus a margin for the threads).
    deadline = time.monotonic() + max(timeout, settings.READYZ_WORKER_PING_SECONDS) + 0.5
    executor = ThreadPoolExecutor(max_workers=len(CHECKS) + 1, thread_name_prefix="readyz")
    futures = {name: executor.submit(_run, check) for name, check in CHECKS.items()}
    ping = executor.submit(worker_answered)
    report: dict[str, dict[str, Any]] = {}
    try:
        for name, future in futures.items():
            try:
                outcome = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                report[name] = {
                    "status": CheckStatus.FAILED,
                    "error": f"No answer within {timeout:g} s.",
                }
                continue
            entry: dict[str, Any] = {"ms": round(outcome.seconds * 1000, 1)}
            if outcome.result is not None:
                report[name] = {"status": outcome.result.status, **entry, **outcome.result.facts}
            else:
                report[name] = {"status": CheckStatus.FAILED, **entry, "error": outcome.error}
        try:
            answered: bool | None = ping.result(timeout=max(0.0, deadline - time.monotonic()))
        except Exception:  # no answer in time, or no broker: unknown, and still no failure
            answered = None
        report["broker"]["worker_answered"] = answered
    finally:
        # A check past its deadline finishes on its own (its timeouts bound it); nobody waits.
        executor.shutdown(wait=False, cancel_futures=True)
    statuses = {entry["status"] for entry in report.values()}
    overall = next(
        (status for status in (CheckStatus.FAILED, CheckStatus.DEGRADED) if status in statuses),
        CheckStatus.OK,
    )
    return {"status": overall, "checks": report}


def _message(error: Exception) -> str:
    text = str(error)
    return (f"{type(error).__name__}: {text}" if text else type(error).__name__)[:300]


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when every check is ok; 503 naming what is degraded or failed."""
    report = readiness()
    return JsonResponse(report, status=200 if report["status"] == CheckStatus.OK else 503)
