"""Rate limits (streaming_portal/infra/ratelimit.py) against the real Redis of the test engines.

The limiter's clock is injected: every test starts on a window boundary (T0), so the windows
and Retry-After values below are exact, not "about a minute".
"""

from __future__ import annotations

import logging
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from io import StringIO

import pytest
import redis
from django.contrib.sessions.backends.cache import SessionStore
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpResponse
from django.test import Client, RequestFactory
from pytest_django import DjangoAssertNumQueries
from pytest_django import Settings as SettingsWrapper

from catalog.models import Genre
from streaming_portal.infra import ratelimit
from streaming_portal.infra.ratelimit import (
    RateLimitMiddleware,
    Scope,
    ip_bucket,
    limiter,
    user_bucket,
)
from tests.cast import Household
from tests.factories import EditorFactory

T0 = 1_800_000_000.0  # a multiple of 60: a window starts here
LOGIN = "/account/login/"
GENRE_ADD = "/admin/catalog/genre/add/"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(T0)
    monkeypatch.setattr(limiter, "clock", clock)
    monkeypatch.setattr(limiter, "_in_outage", False)
    return clock


@pytest.fixture
def redis_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limiter's Redis client pointed at a port nothing listens on: a real refused
    connection, while sessions (the cache's Redis) keep working."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    monkeypatch.setattr(ratelimit, "redis_connection", lambda: closed)


def exceeded(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The limiter's warning lines (every one of them, whatever it says)."""
    return [
        record
        for record in caplog.records
        if record.name == "streaming_portal.ratelimit" and record.levelno >= logging.WARNING
    ]


def statuses(client: Client, count: int, path: str = LOGIN, **extra: str) -> list[int]:
    return [client.get(path, **extra).status_code for _ in range(count)]  # type: ignore[arg-type]


# --- The limit, the answer ---------------------------------------------------------------


def test_it_refuses_the_request_after_the_limit_with_retry_after(
    client: Client, settings: SettingsWrapper, clock: Clock
) -> None:
    settings.RATELIMIT_VIEWER_READ = "3/60"
    clock.now = T0 + 15

    assert statuses(client, 3) == [200, 200, 200]
    response = client.get(LOGIN)

    assert response.status_code == 429
    assert response["Retry-After"] == "45"


def test_it_logs_one_warning_when_a_bucket_is_hammered(
    client: Client, settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    settings.RATELIMIT_VIEWER_READ = "5/60"

    with caplog.at_level(logging.INFO):
        codes = statuses(client, 40, REMOTE_ADDR="203.0.113.7")

    assert Counter(codes) == {200: 5, 429: 35}
    # One line in all: not one per refused request from Django's request logger either.
    (line,) = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert line.name == "streaming_portal.ratelimit"
    assert line.levelno == logging.WARNING
    assert (line.scope, line.key_hash, line.limit, line.window_seconds) == (  # type: ignore[attr-defined]
        "VIEWER_READ",
        ip_bucket("203.0.113.7"),
        5,
        60,
    )
    assert "scope=VIEWER_READ" in line.getMessage()
    assert "203.0.113.7" not in line.getMessage()


def test_it_logs_again_when_the_bucket_crosses_in_the_next_window(
    client: Client, settings: SettingsWrapper, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    settings.RATELIMIT_VIEWER_READ = "2/60"

    with caplog.at_level(logging.WARNING, logger="streaming_portal.ratelimit"):
        statuses(client, 5)
        clock.now = T0 + 60
        statuses(client, 5)

    assert len(exceeded(caplog)) == 2


def test_it_answers_a_page_with_our_own_429_page(client: Client, settings: SettingsWrapper) -> None:
    settings.RATELIMIT_VIEWER_READ = "1/60"
    client.get(LOGIN)

    response = client.get(LOGIN)

    assert response.status_code == 429
    assert [template.name for template in response.templates] == ["429.html", "base.html"]
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Slow down a moment" in page
    assert "Try again in 60 seconds." in page
    assert "Error 429 · rate_limited" in page


def test_it_answers_the_api_with_the_json_error_shape(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.RATELIMIT_VIEWER_READ = "1/60"
    start = f"/api/playback/{uuid.uuid4()}/sessions"
    assert client.post(start).status_code == 403  # counted, then refused by the view

    response = client.post(start)

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json() == {
        "error": {
            "code": "rate_limited",
            "message": "You have made a lot of requests in a short time. Try again in 60 seconds.",
        }
    }


def test_it_refuses_a_signed_in_viewer_without_any_sql(
    viewer: Client,
    settings: SettingsWrapper,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    settings.RATELIMIT_VIEWER_READ = "1/60"
    viewer.get("/")

    with django_assert_num_queries(0):
        response = viewer.get("/")

    assert response.status_code == 429


def test_it_leaves_static_files_probes_and_edge_segments_alone(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.RATELIMIT_VIEWER_READ = "1/60"
    edge = f"/edge/{uuid.uuid4()}/seg-00001.ts"

    assert statuses(client, 3, "/healthz") == [200, 200, 200]
    assert statuses(client, 3, "/static/css/portal.css") == [200, 200, 200]
    assert statuses(client, 3, edge) == [403, 403, 403]  # the token check, never a 429
    assert statuses(client, 2) == [200, 429]  # one budget, untouched by the above


def test_it_leaves_the_players_calls_within_a_session_alone(
    viewer: Client, settings: SettingsWrapper
) -> None:
    settings.RATELIMIT_VIEWER_READ = "1/60"
    session = uuid.uuid4()
    calls = [f"/api/sessions/{session}/{call}" for call in ("heartbeat", "token", "end")] * 2

    codes = [viewer.post(call).status_code for call in calls]

    assert 429 not in codes  # each answered by its view (the session is unknown)
    assert statuses(viewer, 2, "/account/profiles/") == [200, 429]


def test_it_rejects_a_malformed_limit_setting(settings: SettingsWrapper) -> None:
    settings.RATELIMIT_VIEWER_READ = "300 per minute"

    with pytest.raises(ImproperlyConfigured, match="RATELIMIT_VIEWER_READ"):
        ratelimit.rule_for(Scope.VIEWER_READ)


# --- Keys --------------------------------------------------------------------------------


def test_it_groups_ipv6_clients_by_their_64(client: Client, settings: SettingsWrapper) -> None:
    settings.RATELIMIT_VIEWER_READ = "2/60"

    assert statuses(client, 1, REMOTE_ADDR="2001:db8:1:2::1") == [200]
    assert statuses(client, 1, REMOTE_ADDR="2001:db8:1:2:ffff:ffff:ffff:fffe") == [200]
    assert statuses(client, 1, REMOTE_ADDR="2001:db8:1:2:abcd::9") == [429]
    assert statuses(client, 1, REMOTE_ADDR="2001:db8:1:3::1") == [200]  # the next /64


def test_it_counts_ipv4_addresses_apart(client: Client, settings: SettingsWrapper) -> None:
    settings.RATELIMIT_VIEWER_READ = "1/60"

    assert statuses(client, 2, REMOTE_ADDR="198.51.100.1") == [200, 429]
    assert statuses(client, 1, REMOTE_ADDR="198.51.100.2") == [200]
    assert statuses(client, 1, REMOTE_ADDR="::ffff:198.51.100.1") == [429]  # the same client


def test_it_keys_signed_in_viewers_by_their_session(
    viewer: Client, household: Household, settings: SettingsWrapper
) -> None:
    settings.RATELIMIT_VIEWER_READ = "2/60"
    same_owner_other_device = Client()
    same_owner_other_device.force_login(household.owner)
    anonymous = Client()

    assert statuses(viewer, 3) == [302, 302, 429]  # signed in: the login page redirects
    assert statuses(same_owner_other_device, 2) == [302, 302]
    assert statuses(anonymous, 2) == [200, 200]  # the address's bucket, not the sessions'


def test_it_reads_the_client_behind_trusted_proxies_only(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.RATELIMIT_VIEWER_READ = "1/60"
    settings.RATELIMIT_TRUSTED_PROXY_COUNT = 1

    # The proxy appends the address it saw; whatever the client put before it is ignored.
    assert statuses(client, 1, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9") == [200]
    assert statuses(client, 1, HTTP_X_FORWARDED_FOR="2.2.2.2, 203.0.113.9") == [429]
    assert statuses(client, 1, HTTP_X_FORWARDED_FOR="203.0.113.10") == [200]


def test_it_keys_admin_changes_by_user(settings: SettingsWrapper, db: None) -> None:
    settings.RATELIMIT_ADMIN_MUTATION = "2/60"
    first, second = Client(), Client()
    first.force_login(EditorFactory.create())
    second.force_login(EditorFactory.create())

    assert [first.post(GENRE_ADD, {}).status_code for _ in range(3)] == [200, 200, 429]
    assert first.get(GENRE_ADD).status_code == 200  # reading is not an admin change
    assert second.post(GENRE_ADD, {}).status_code == 200  # same address, another user


def test_it_counts_the_admin_sign_in_by_address(
    client: Client, settings: SettingsWrapper, db: None
) -> None:
    settings.RATELIMIT_ADMIN_MUTATION = "2/60"
    attempt = {"username": "editor", "password": "guess"}

    codes = [client.post("/admin/login/", attempt).status_code for _ in range(3)]

    assert codes == [200, 200, 429]


# --- Exactness ---------------------------------------------------------------------------


def test_it_allows_exactly_the_limit_under_concurrent_requests(
    settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    settings.RATELIMIT_VIEWER_READ = "50/60"
    middleware = RateLimitMiddleware(lambda request: HttpResponse("ok"))
    factory = RequestFactory()
    threads, per_thread = 8, 25
    start = threading.Barrier(threads)
    results: list[int] = []
    lock = threading.Lock()

    def hammer() -> None:
        codes = []
        start.wait()
        for _ in range(per_thread):
            request = factory.get("/", REMOTE_ADDR="192.0.2.44")
            request.session = SessionStore()
            codes.append(middleware(request).status_code)
        with lock:
            results.extend(codes)

    with caplog.at_level(logging.WARNING, logger="streaming_portal.ratelimit"):
        workers = [threading.Thread(target=hammer) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    assert Counter(results) == {200: 50, 429: threads * per_thread - 50}
    assert len(exceeded(caplog)) == 1


def test_it_starts_a_fresh_window_exactly_on_the_boundary(
    client: Client, settings: SettingsWrapper, clock: Clock
) -> None:
    settings.RATELIMIT_VIEWER_READ = "2/60"
    clock.now = T0 + 59.999

    assert statuses(client, 2) == [200, 200]
    refused = client.get(LOGIN)
    assert (refused.status_code, refused["Retry-After"]) == (429, "1")

    clock.now = T0 + 60
    assert statuses(client, 3) == [200, 200, 429]
    clock.now = T0 + 119.999
    assert statuses(client, 1) == [429]


def test_it_counts_the_first_request_of_a_window_in_that_window(
    client: Client, settings: SettingsWrapper, clock: Clock
) -> None:
    settings.RATELIMIT_VIEWER_READ = "1/60"
    clock.now = T0 - 0.001
    assert statuses(client, 1) == [200]

    clock.now = T0
    assert statuses(client, 2) == [200, 429]


# --- Redis down --------------------------------------------------------------------------


@pytest.mark.usefixtures("redis_down")
def test_it_serves_viewer_reads_when_redis_is_down_and_logs_once(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="streaming_portal.ratelimit"):
        codes = statuses(client, 3)

    assert codes == [200, 200, 200]
    errors = [record for record in caplog.records if record.name == "streaming_portal.ratelimit"]
    assert [record.levelno for record in errors] == [logging.ERROR]
    assert "Redis" in errors[0].getMessage()


@pytest.mark.usefixtures("redis_down")
def test_it_refuses_admin_changes_when_redis_is_down(
    client: Client, db: None, caplog: pytest.LogCaptureFixture
) -> None:
    client.force_login(EditorFactory.create())

    with caplog.at_level(logging.ERROR, logger="streaming_portal.ratelimit"):
        response = client.post(GENRE_ADD, {"name": "Noir", "slug": "noir"})

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Changes are paused" in page
    assert "nothing was saved" in page
    assert "Error 503 · ratelimit_unavailable" in page
    assert not Genre.objects.filter(slug="noir").exists()
    assert client.get(GENRE_ADD).status_code == 200  # reading still works


def test_it_logs_each_outage_once(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    working: Callable[[], object] = ratelimit.redis_connection
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = redis.Redis(port=port, socket_connect_timeout=1)

    with caplog.at_level(logging.INFO, logger="streaming_portal.ratelimit"):
        monkeypatch.setattr(ratelimit, "redis_connection", lambda: closed)
        statuses(client, 2)
        monkeypatch.setattr(ratelimit, "redis_connection", working)
        statuses(client, 2)
        monkeypatch.setattr(ratelimit, "redis_connection", lambda: closed)
        statuses(client, 2)

    events = [getattr(record, "event", "") for record in caplog.records]
    assert events == ["ratelimit_unavailable", "ratelimit_unavailable"]


# --- manage.py ratelimit_status ----------------------------------------------------------


def test_it_lists_the_hottest_buckets(
    client: Client, settings: SettingsWrapper, clock: Clock
) -> None:
    settings.RATELIMIT_VIEWER_READ = "3/60"
    clock.now = T0 + 20
    statuses(client, 5, REMOTE_ADDR="203.0.113.7")
    statuses(client, 2, REMOTE_ADDR="203.0.113.8")
    out = StringIO()

    call_command("ratelimit_status", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["SCOPE", "BUCKET", "HITS", "LIMIT", "WINDOW", "(UTC)", "STATE"]
    assert lines[1].split() == [
        "VIEWER_READ",
        ip_bucket("203.0.113.7"),
        "5",
        "3",
        "2027-01-15",
        "08:00:00",
        "+60s",
        "limited,",
        "40",
        "s",
        "left",
    ]
    assert lines[2].split()[:4] == ["VIEWER_READ", ip_bucket("203.0.113.8"), "2", "3"]
    assert lines[-1] == (
        "2 bucket(s) listed from the current and previous windows; 1 over the limit now."
    )


def test_it_shows_the_window_just_ended(
    client: Client, settings: SettingsWrapper, clock: Clock
) -> None:
    settings.RATELIMIT_VIEWER_READ = "3/60"
    statuses(client, 4)
    clock.now = T0 + 61
    out = StringIO()

    call_command("ratelimit_status", stdout=out)

    assert out.getvalue().splitlines()[1].endswith("limited, ended")
    assert out.getvalue().splitlines()[-1].endswith("0 over the limit now.")


def test_it_shows_one_users_admin_bucket(
    settings: SettingsWrapper, db: None, client: Client
) -> None:
    editor = EditorFactory.create()
    client.force_login(editor)
    client.post(GENRE_ADD, {})
    client.post(GENRE_ADD, {})
    out = StringIO()

    call_command("ratelimit_status", "--user", str(editor.pk), stdout=out)

    (row,) = out.getvalue().splitlines()[1:2]
    assert row.split()[:4] == ["ADMIN_MUTATION", user_bucket(editor.pk), "2", "60"]


def test_it_says_so_when_nothing_was_counted() -> None:
    out = StringIO()

    call_command("ratelimit_status", "--ip", "2001:db8::1", stdout=out)

    assert out.getvalue() == (
        f"No requests counted for {ip_bucket('2001:db8::1')} in the current or previous window.\n"
    )


@pytest.mark.usefixtures("redis_down")
def test_it_exits_non_zero_when_redis_does_not_answer() -> None:
    with pytest.raises(CommandError, match="Redis did not answer") as raised:
        call_command("ratelimit_status")

    assert raised.value.returncode == 1


def test_it_explains_itself_in_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    from streaming_portal.management.commands.ratelimit_status import Command  # noqa: PLC0415

    Command().print_help("manage.py", "ratelimit_status")

    text = " ".join(capsys.readouterr().out.split())
    assert "List the hottest rate-limit buckets" in text
    assert "Exits 0 once the table is printed, 1 if Redis does not answer" in text
