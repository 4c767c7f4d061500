"""The heartbeat's short way beside Django's handler (playback/fastpath.py) keeps every check
Django made: the host, HTTPS, CSRF (Referer included over HTTPS), the request id, the security
headers and the API's error shape; and anything it does not answer reaches Django intact.

These tests drive the WSGI application as gunicorn does (Django's test client calls Django's
handler directly, past the wrapper)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory
from django.urls import reverse
from pytest_django import Settings
from redis import Redis

from catalog.models import Movie
from playback import heartbeats, live, views
from playback.fastpath import HeartbeatFastPath
from tests.cast import Household, sign_in
from tests.factories import MovieFactory

pytestmark = pytest.mark.usefixtures("fast_passwords")

CSRF = "a" * 32


@pytest.fixture
def movie(db: None) -> Movie:
    created: Movie = MovieFactory.create(title="Quiet Harbour")
    return created


@pytest.fixture
def session_id(viewer: Client, movie: Movie) -> str:
    return str(viewer.post(reverse("playback:start", args=[movie.pk])).json()["session_id"])


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@pytest.fixture
def app() -> HeartbeatFastPath:
    """The WSGI application as streaming_portal/wsgi.py builds it, built after the test's
    settings, as a server builds it at start."""
    return HeartbeatFastPath(WSGIHandler())


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the heartbeats the one-round-trip answer was asked for: by the wrapper,
    and again by Django's view when the wrapper handed a request on."""
    asked: list[str] = []
    original = views.heartbeat_by_session

    def spy(request: Any, session: Any) -> Any:
        asked.append(request.path)
        return original(request, session)

    monkeypatch.setattr(views, "heartbeat_by_session", spy)
    return asked


def call(app: HeartbeatFastPath, environ: dict[str, Any]) -> Answer:
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        started["status"], started["headers"] = status, headers

    # Django's handler closes the database connections around each request; the test's own
    # connection (its transaction) must stay, as Django's test client keeps it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        answered = app(environ, start_response)
        body = b"".join(answered)
        getattr(answered, "close", lambda: None)()  # as a WSGI server does
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    headers: dict[str, str] = {}
    for name, value in started["headers"]:
        headers[name.lower()] = (
            f"{headers[name.lower()]}, {value}" if name.lower() in headers else value
        )
    return Answer(int(started["status"].split()[0]), headers, body)


def heartbeat_environ(
    client: Client,
    session_id: str,
    *,
    body: bytes | None = None,
    secure: bool = False,
    csrf: str | None = CSRF,
    **extra: str,
) -> dict[str, Any]:
    factory = RequestFactory()
    for name, morsel in client.cookies.items():  # a copy: the client's own jar stays as it was
        factory.cookies[name] = morsel.value
    if csrf is not None:
        factory.cookies["csrftoken"] = CSRF
        extra.setdefault("HTTP_X_CSRFTOKEN", csrf)
    payload = body if body is not None else position_body()
    request = factory.post(
        reverse("playback:heartbeat", args=[session_id]),
        payload,
        content_type="application/json",
        secure=secure,
        headers=None,
        **extra,  # type: ignore[arg-type]  # WSGI environ keys, as RequestFactory takes them
    )
    return request.environ


def position_body(position: float = 12) -> bytes:
    return json.dumps({"position_seconds": position, "at": int(time.time() * 1000) - 500}).encode()


def test_it_answers_a_heartbeat_itself_in_one_round_trip(
    app: HeartbeatFastPath, viewer: Client, session_id: str, taken: list[str]
) -> None:
    answer = call(app, heartbeat_environ(viewer, session_id))

    assert answer.status == 200
    assert answer.json() == {"status": "ok"}
    assert len(taken) == 1  # the wrapper answered: Django's view was never asked


def test_it_leaves_every_other_request_to_django(
    app: HeartbeatFastPath, viewer: Client, session_id: str, taken: list[str]
) -> None:
    environ = heartbeat_environ(viewer, session_id)
    environ["REQUEST_METHOD"] = "GET"
    assert call(app, environ).status == 405

    environ = heartbeat_environ(viewer, session_id)
    environ["PATH_INFO"] = environ["PATH_INFO"] + "/"
    assert call(app, environ).status == 404

    environ = heartbeat_environ(viewer, session_id)
    environ["PATH_INFO"] = environ["PATH_INFO"].replace("/heartbeat", "/token")
    assert call(app, environ).status == 200

    assert taken == []


def test_it_adds_the_headers_django_would(
    app: HeartbeatFastPath, viewer: Client, session_id: str
) -> None:
    answer = call(app, heartbeat_environ(viewer, session_id))

    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert answer.headers["cross-origin-opener-policy"] == "same-origin"
    assert "Cookie" in answer.headers["vary"]
    assert answer.headers["content-type"] == "application/json"
    assert int(answer.headers["content-length"]) == len(answer.body)
    assert len(answer.headers["x-request-id"]) == 32


def test_it_adds_hsts_over_https_when_configured(
    viewer: Client, session_id: str, settings: Settings
) -> None:
    settings.SECURE_HSTS_SECONDS = 3600
    app = HeartbeatFastPath(WSGIHandler())

    answer = call(
        app, heartbeat_environ(viewer, session_id, secure=True, HTTP_REFERER="https://testserver/")
    )

    assert answer.status == 200
    assert answer.headers["strict-transport-security"].startswith("max-age=3600")


def test_it_keeps_a_sane_request_id_and_replaces_a_bogus_one(
    app: HeartbeatFastPath, viewer: Client, session_id: str
) -> None:
    kept = call(app, heartbeat_environ(viewer, session_id, HTTP_X_REQUEST_ID="lb-1234567890abcdef"))
    replaced = call(app, heartbeat_environ(viewer, session_id, HTTP_X_REQUEST_ID="<script>"))

    assert kept.headers["x-request-id"] == "lb-1234567890abcdef"
    assert replaced.headers["x-request-id"] != "<script>"
    assert len(replaced.headers["x-request-id"]) == 32


def test_it_redirects_plain_http_where_https_is_required(
    viewer: Client, session_id: str, settings: Settings, taken: list[str]
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    app = HeartbeatFastPath(WSGIHandler())

    answer = call(app, heartbeat_environ(viewer, session_id))

    assert answer.status == 301
    assert answer.headers["location"].startswith("https://")
    assert taken == []


def test_it_refuses_a_host_outside_allowed_hosts(
    app: HeartbeatFastPath, viewer: Client, session_id: str, taken: list[str]
) -> None:
    answer = call(app, heartbeat_environ(viewer, session_id, HTTP_HOST="attacker.example"))

    assert answer.status == 400
    assert taken == []


@pytest.mark.parametrize("token", [None, "b" * 32, "short"])
def test_it_leaves_a_failed_csrf_check_to_django(
    app: HeartbeatFastPath, viewer: Client, session_id: str, token: str | None
) -> None:
    environ = heartbeat_environ(viewer, session_id, csrf=None)
    if token is not None:
        environ["HTTP_X_CSRFTOKEN"] = token
        environ["HTTP_COOKIE"] += f"; csrftoken={CSRF}"

    answer = call(app, environ)

    assert answer.status == 403
    assert answer.json()["error"]["code"] == "csrf_failed"
    assert live.recent_position(viewer.session["profile_id"], Movie.objects.get().pk) is None


def test_it_checks_the_referer_over_https_as_django_does(
    app: HeartbeatFastPath, household: Household, session_id: str
) -> None:
    browser = sign_in(Client(), household, household.adult)

    answer = call(
        app,
        heartbeat_environ(
            browser, session_id, secure=True, HTTP_REFERER="https://attacker.example/"
        ),
    )

    assert answer.status == 403
    assert answer.json()["error"]["code"] == "csrf_failed"


def test_it_hands_the_body_on_when_redis_lost_the_sessions_copy(
    app: HeartbeatFastPath, viewer: Client, session_id: str, movie: Movie, taken: list[str]
) -> None:
    cookie = viewer.cookies[settings.SESSION_COOKIE_NAME].value
    live.redis().delete(
        *[key for key in live.redis().keys("session-json:*") if cookie.encode() in key]
    )

    answer = call(app, heartbeat_environ(viewer, session_id, body=position_body(321)))

    assert answer.status == 200
    # The wrapper tried and found no copy; Django's view tried again with the body the wrapper
    # had read, then read the session itself.
    assert len(taken) == 2
    recent = live.recent_position(viewer.session["profile_id"], movie.pk)
    assert recent is not None
    assert recent.position == 321


def test_it_refuses_an_oversized_body_as_the_api_does(
    app: HeartbeatFastPath, viewer: Client, session_id: str
) -> None:
    huge = b'{"position_seconds": 1, "pad": "' + b"x" * 40_000 + b'"}'

    answer = call(app, heartbeat_environ(viewer, session_id, body=huge))

    assert answer.status == 413
    assert answer.json()["error"]["code"] == "body_too_large"


def test_it_answers_an_unexpected_failure_in_json_with_the_request_id(
    app: HeartbeatFastPath, viewer: Client, session_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(heartbeats, "heartbeat_record_by_session", broken)

    answer = call(app, heartbeat_environ(viewer, session_id))

    assert answer.status == 500
    assert answer.json()["error"]["code"] == "server_error"
    assert answer.json()["error"]["request_id"] == answer.headers["x-request-id"]
    assert b"Traceback" not in answer.body


def test_it_answers_503_when_redis_is_unreachable(
    app: HeartbeatFastPath, viewer: Client, session_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = heartbeat_environ(viewer, session_id)
    closed = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr(live, "redis", lambda: closed)
    live._Scripts.forget()
    try:
        answer = call(app, environ)
    finally:
        live._Scripts.forget()

    assert answer.status == 503
    assert answer.json()["error"]["code"] == "service_unavailable"
    assert "retry-after" in answer.headers
