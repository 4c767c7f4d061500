"""The heartbeat's short way through Django keeps every check the skipped middleware made:
the host, HTTPS, the session, CSRF (Referer included over HTTPS), and the security headers."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from catalog.models import Movie
from playback import views
from tests.cast import Household, sign_in
from tests.factories import MovieFactory

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def movie(db: None) -> Movie:
    created: Movie = MovieFactory.create(title="Quiet Harbour")
    return created


@pytest.fixture
def session_id(viewer: Client, movie: Movie) -> str:
    return str(viewer.post(reverse("playback:start", args=[movie.pk])).json()["session_id"])


def body() -> str:
    return json.dumps({"position_seconds": 12, "at": int(time.time() * 1000)})


def beat(client: Client, session_id: str, **extra: Any) -> Any:
    return client.post(
        reverse("playback:heartbeat", args=[session_id]),
        body(),
        content_type="application/json",
        **extra,
    )


def test_it_takes_the_short_way_for_a_heartbeat_and_only_for_it(
    viewer: Client, session_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[str] = []
    original = views.heartbeat

    def spy(request: Any, session: Any) -> Any:
        taken.append(request.path)
        return original(request, session)

    monkeypatch.setattr(views, "heartbeat", spy)

    assert beat(viewer, session_id).status_code == 200
    assert viewer.get(reverse("playback:heartbeat", args=[session_id])).status_code == 405

    assert taken == [reverse("playback:heartbeat", args=[session_id])]


def test_it_adds_the_security_headers_the_skipped_middleware_would(
    viewer: Client, session_id: str
) -> None:
    response = beat(viewer, session_id)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Cookie" in response["Vary"]
    assert int(response["Content-Length"]) == len(response.content)


def test_it_redirects_plain_http_where_https_is_required(
    viewer: Client, session_id: str, settings: Settings
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    fresh = Client()  # its middleware is built with the setting, as a server's is at start
    fresh.cookies = viewer.cookies

    response = beat(fresh, session_id)

    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_it_refuses_a_host_outside_allowed_hosts(viewer: Client, session_id: str) -> None:
    response = beat(viewer, session_id, HTTP_HOST="attacker.example")

    assert response.status_code == 400


def test_it_checks_the_referer_over_https_as_django_does(
    household: Household, session_id: str
) -> None:
    browser = sign_in(Client(enforce_csrf_checks=True), household, household.adult)
    browser.cookies["csrftoken"] = "a" * 32

    response = browser.post(
        reverse("playback:heartbeat", args=[session_id]),
        body(),
        content_type="application/json",
        secure=True,
        HTTP_X_CSRFTOKEN="a" * 32,
        HTTP_REFERER="https://attacker.example/",
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
