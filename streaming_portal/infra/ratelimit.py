"""Rate limits: two scopes, fixed windows counted in Redis, one round trip per request.

- ``VIEWER_READ``: every viewer-facing request (pages, sign-in, starting playback; any method)
  except the player's calls within a viewing session, keyed by the session when signed in,
  else by the client's address (an IPv6 client by its /64).
- ``ADMIN_MUTATION``: state-changing requests under ``/admin/``, keyed by the signed-in user's
  id (the admin's sign-in form, before anyone is signed in, by the client's address).

Counters live in one sorted set per scope and window, ``rl:{scope}:{seconds}:{index}``, whose
members are bucket keys (``session:``, ``ip:`` or ``user:`` and a keyed hash, never the raw
address or session key) and whose scores are the hits. ``ZINCRBY`` in a Lua script is atomic,
so concurrent requests are counted exactly, and ``ratelimit_status`` reads the hottest buckets
straight off the set. docs/ratelimits.md explains the choices.

The limiter never touches PostgreSQL: it reads the session (Redis) and never ``request.user``,
which would load the user row (a test refuses a signed-in viewer with zero queries).
"""

from __future__ import annotations

import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.crypto import salted_hmac
from django_redis import get_redis_connection
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from streaming_portal.infra.api import api_error

logger = logging.getLogger("streaming_portal.ratelimit")

PREFIX = "rl:"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Never counted. Static files are served by WhiteNoise before this middleware runs (the prefix
# check covers a miss). The probes must answer under any load. Edge files are authorized per
# request by the stream token and a player fetches dozens of segments a minute. The demo
# origin stands in for the object store that serves posters in production: a home page
# loads dozens of them. /api/sessions/ is the player inside a viewing session (heartbeat,
# token renewal, end): each costs one Redis script and no SQL, as much as counting it would,
# so a limit there would shed nothing, and a refused renewal could stop a film because its
# viewer browsed fast in another tab (docs/ratelimits.md).
EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
EXEMPT_PREFIXES = ("/edge/", "/origin/", "/api/sessions/")
# A Redis outage raises either, depending on whether the session store or our script met it.
REDIS_ERRORS = (RedisError, ConnectionInterrupted)
# The admin's 503 asks the browser to wait this long before a retry.
UNAVAILABLE_RETRY_SECONDS = 30

# KEYS[1]: the scope's sorted set for this window. ARGV: the bucket, the set's time to live.
# Every request is counted, refused ones too: a bucket's hits show how hard it pushes, and
# the one request that makes hits == limit + 1 is the crossing, logged once per window.
HIT = """
local hits = tonumber(redis.call('ZINCRBY', KEYS[1], 1, ARGV[1]))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return hits
"""


class Scope(models.TextChoices):
    VIEWER_READ = "VIEWER_READ", "Viewer reads"
    ADMIN_MUTATION = "ADMIN_MUTATION", "Admin changes"


@dataclass(frozen=True)
class Rule:
    limit: int
    window: int  # seconds


@lru_cache(maxsize=8)
def _parse_rule(name: str, value: str) -> Rule:
    limit, _, window = value.partition("/")
    try:
        rule = Rule(limit=int(limit), window=int(window))
    except ValueError:
        rule = Rule(limit=0, window=0)
    if rule.limit < 1 or rule.window < 1:
        raise ImproperlyConfigured(
            f"{name} must be 'requests/seconds' with both at least 1, like '300/60' "
            f"(it is {value!r})."
        )
    return rule


def rule_for(scope: Scope) -> Rule:
    """The scope's limit and window, read from settings on every call (tests override them)."""
    name = f"RATELIMIT_{scope.value}"
    return _parse_rule(name, str(getattr(settings, name)))


@dataclass(frozen=True)
class Verdict:
    scope: Scope
    bucket: str
    hits: int
    rule: Rule
    window_start: float
    now: float

    @property
    def allowed(self) -> bool:
        return self.hits <= self.rule.limit

    @property
    def crossed(self) -> bool:
        """True for exactly one request per bucket and window: the first one refused."""
        return self.hits == self.rule.limit + 1

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window ends (at least 1, as Retry-After needs)."""
        return max(1, math.ceil(self.window_start + self.rule.window - self.now))


def redis_connection() -> Any:
    """The limiter's Redis client (the cache's). Tests point it at a closed port."""
    return get_redis_connection("default")


def window_key(scope: Scope, window: int, index: int) -> str:
    return f"{PREFIX}{scope.value}:{window}:{index}"


def bucket_hash(kind: str, value: str) -> str:
    """``kind:hash``: keyed with SECRET_KEY, so a stored or logged bucket cannot be turned
    back into an address by hashing all four billion of them."""
    digest = salted_hmac("streaming_portal.ratelimit", f"{kind}:{value}").hexdigest()
    return f"{kind}:{digest[:16]}"


def address_group(address: str) -> str:
    """The unit an address is limited by: an IPv4 address, or an IPv6 /64 (one subscriber's
    network; a client picks any of its 2^64 addresses at will)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with RATELIMIT_TRUSTED_PROXY_COUNT proxies in front, the address the
    outermost trusted proxy saw (their X-Forwarded-For entries are the rightmost ones; anything
    further left is whatever the client chose to send)."""
    hops: int = settings.RATELIMIT_TRUSTED_PROXY_COUNT
    if hops > 0:
        header = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return str(request.META.get("REMOTE_ADDR", ""))


def ip_bucket(address: str) -> str:
    return bucket_hash("ip", address_group(address))


def user_bucket(user_id: int | str) -> str:
    return bucket_hash("user", str(user_id))


def scope_for(request: HttpRequest, *, static_prefix: str) -> Scope | None:
    """Which scope counts this request, or None when it is exempt."""
    path = request.path_info
    if path in EXEMPT_PATHS or path.startswith((*EXEMPT_PREFIXES, static_prefix)):
        return None
    if path.startswith("/admin/") and request.method not in SAFE_METHODS:
        return Scope.ADMIN_MUTATION
    return Scope.VIEWER_READ


def bucket_for(request: HttpRequest, scope: Scope) -> str:
    """The request's bucket. Reads the session (a Redis GET when a cookie came), no SQL."""
    session = request.session
    if SESSION_KEY in session:
        if scope is Scope.ADMIN_MUTATION:
            return user_bucket(session[SESSION_KEY])
        # The session, not the user: each device of a household has its own budget.
        return bucket_hash("session", str(session.session_key))
    return ip_bucket(client_address(request))


class RateLimiter:
    """Counts hits in fixed windows aligned on ``clock()``; one script call per hit.

    ``clock`` is injectable so tests can stand exactly on a window's edge. Windows are
    computed from the web server's clock, not Redis's: servers kept in step by NTP disagree
    by milliseconds, which moves a boundary by as much.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._script: Any = None
        self._outage_lock = threading.Lock()
        self._in_outage = False

    def hit(self, scope: Scope, bucket: str) -> Verdict:
        """Count one request; raises a Redis error when Redis does not answer."""
        rule = rule_for(scope)
        now = self.clock()
        index = math.floor(now / rule.window)
        # The set outlives its window by one more, so ratelimit_status can show the last one.
        ttl = max(1, math.ceil((index + 2) * rule.window - now))
        connection = redis_connection()
        if self._script is None:
            self._script = connection.register_script(HIT)
        hits = self._script(
            keys=[window_key(scope, rule.window, index)], args=[bucket, ttl], client=connection
        )
        self._recovered()
        return Verdict(scope, bucket, int(hits), rule, index * rule.window, now)

    def outage(self, error: BaseException) -> None:
        """Log the first failure of an outage; the ones after it are silent until Redis
        answers again, so a dead Redis does not turn every request into a log line."""
        with self._outage_lock:
            if self._in_outage:
                return
            self._in_outage = True
        logger.error(
            "ratelimit_unavailable error=%r: viewer reads are served without limits and admin "
            "changes are refused until Redis answers",
            str(error),
            extra={"event": "ratelimit_unavailable"},
        )

    def _recovered(self) -> None:
        # Silent: /readyz reports Redis answering again, and a line here would land in
        # whatever request happens to come first.
        if self._in_outage:
            self._in_outage = False


limiter = RateLimiter()


def _refusal(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    heading: str,
    message: str,
    retry_after: int,
) -> HttpResponse:
    """The JSON error shape under /api/, our own error page elsewhere.

    The page overrides base.html's header, which would load the user row: a refusal costs no
    SQL, so a flood of them cannot reach the database.
    """
    response: HttpResponse
    if request.path_info.startswith("/api/"):
        response = api_error(code, message, status=status)
    else:
        response = render(
            request,
            "429.html",
            {
                "status": status,
                "code": code,
                "heading": heading,
                "message": message,
                "retry_after": retry_after,
            },
            status=status,
        )
    response["Retry-After"] = str(retry_after)
    return response


def too_many_requests(request: HttpRequest, verdict: Verdict) -> HttpResponse:
    seconds = verdict.retry_after
    response = _refusal(
        request,
        status=429,
        code="rate_limited",
        heading="Slow down a moment",
        message=(
            "You have made a lot of requests in a short time. "
            f"Try again in {seconds} second{'s' if seconds != 1 else ''}."
        ),
        retry_after=seconds,
    )
    # Django logs every 4xx answer as a warning of django.request; the crossing was logged
    # once already, and a line per refused request is what a flood must not cost.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def admin_unavailable(request: HttpRequest) -> HttpResponse:
    return _refusal(
        request,
        status=503,
        code="ratelimit_unavailable",
        heading="Changes are paused",
        message=(
            "The service that guards admin changes is not answering, so nothing was saved. "
            "Try again in a minute; if this persists, check that Redis is running."
        ),
        retry_after=UNAVAILABLE_RETRY_SECONDS,
    )


class RateLimitMiddleware:
    """Placed right after AuthenticationMiddleware: the session is available by then, and a
    refused request stops before CSRF checks, messages and the view do any work."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not settings.RATELIMIT_ENABLED:
            raise MiddlewareNotUsed("RATELIMIT_ENABLED is off")
        self.get_response = get_response
        # STATIC_URL may be relative ("static/") or a full URL; only its path matters here,
        # and never "/" alone, which would exempt everything.
        path = urlsplit(settings.STATIC_URL or "").path.strip("/")
        self.static_prefix = f"/{path}/" if path else "/static/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scope = scope_for(request, static_prefix=self.static_prefix)
        if scope is None:
            return self.get_response(request)
        try:
            verdict = limiter.hit(scope, bucket_for(request, scope))
        except REDIS_ERRORS as error:
            limiter.outage(error)
            if scope is Scope.ADMIN_MUTATION:
                return admin_unavailable(request)
            return self.get_response(request)  # viewer reads fail open
        if verdict.crossed:
            logger.warning(
                "ratelimit_exceeded scope=%s key=%s limit=%d window=%ds path=%s",
                scope.value,
                verdict.bucket,
                verdict.rule.limit,
                verdict.rule.window,
                request.path_info,
                extra={
                    "event": "ratelimit_exceeded",
                    "scope": scope.value,
                    "key_hash": verdict.bucket,
                    "limit": verdict.rule.limit,
                    "window_seconds": verdict.rule.window,
                },
            )
        if not verdict.allowed:
            return too_many_requests(request, verdict)
        return self.get_response(request)
