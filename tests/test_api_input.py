"""Bad input never breaks the player's API: one bounded parser, typed fields, one JSON error
shape for every /api/ and /edge/ answer, 500 and 503 included, DEBUG or not.

Classes covered here: numbers too large to convert, JSON nested thousands of levels deep, a
list or an object where a string or number is expected, repeated and unknown fields, bodies
too large, text that is not UTF-8, NaN and Infinity, over-long file names at /edge/ and
/origin/, an unexpected failure in a view, and Redis going away mid-request. The fuzzers at
the end throw hypothesis-drawn JSON and bytes at every JSON endpoint.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from pytest_django import Settings
from redis import Redis

from catalog.models import Movie
from playback import finish, heartbeats, live
from tests.factories import MovieFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def movie(db: None) -> Movie:
    created: Movie = MovieFactory.create(title="Quiet Harbour")
    return created


@pytest.fixture
def session_id(viewer: Client, movie: Movie) -> str:
    response = viewer.post(reverse("playback:start", args=[movie.pk]))
    assert response.status_code == 201, response.content
    return str(response.json()["session_id"])


def post_raw(client: Client, url: str, body: bytes | str) -> Response:
    return client.post(url, body, content_type="application/json")


def api_error_of(response: Response) -> dict[str, Any]:
    """The one error shape, whatever went wrong."""
    assert response["Content-Type"] == "application/json", response.content[:200]
    body = json.loads(response.content)
    assert list(body) == ["error"]
    error: dict[str, Any] = body["error"]
    assert {"code", "message"} <= set(error) <= {"code", "message", "field", "request_id"}
    return error


def heartbeat(session: str) -> str:
    return reverse("playback:heartbeat", args=[session])


def buffer_is_empty() -> bool:
    return not live.redis().hlen(live.BUFFER)


BAD_BODIES = {
    "huge integer": ('{"position_seconds": ' + "9" * 500 + "}", "number_too_large"),
    "huge float": ('{"position_seconds": 1.' + "5" * 400 + "}", "number_too_large"),
    "deep nesting": ('{"errors": ' + "[" * 5000 + "]" * 5000 + "}", "malformed_body"),
    "NaN": ('{"position_seconds": NaN}', "malformed_body"),
    "Infinity": ('{"position_seconds": -Infinity}', "malformed_body"),
    "not JSON": ("{position_seconds: 1}", "malformed_body"),
    "not an object": ("[1, 2, 3]", "malformed_body"),
    "repeated field": ('{"position_seconds": 1, "position_seconds": 9999}', "duplicate_field"),
    "unknown field": ('{"position_seconds": 1, "profile_id": 2}', "unknown_field"),
    "list for a number": ('{"position_seconds": [1]}', "invalid_position"),
    "object for a string": ('{"position_seconds": 1, "event": {"tick": 1}}', "invalid_event"),
    "list for a string": ('{"position_seconds": 1, "event": ["tick"]}', "invalid_event"),
    "bool for a number": ('{"position_seconds": true}', "invalid_position"),
    "string for errors": ('{"position_seconds": 1, "errors": "x"}', "invalid_errors"),
    "non-ASCII error code": (
        '{"position_seconds": 1, "errors": ["\u00e9t\u00e9"]}',
        "invalid_errors",
    ),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_it_refuses_a_bad_heartbeat_body_with_a_400_naming_it(
    viewer: Client, session_id: str, case: str
) -> None:
    body, code = BAD_BODIES[case]

    response = post_raw(viewer, heartbeat(session_id), body)

    assert response.status_code == 400
    assert api_error_of(response)["code"] == code
    assert buffer_is_empty()


def test_it_refuses_a_body_that_is_not_utf8(viewer: Client, session_id: str) -> None:
    response = post_raw(viewer, heartbeat(session_id), b'{"position_seconds": "\xff\xfe"}')

    assert response.status_code == 400
    assert api_error_of(response)["code"] == "malformed_body"


def test_it_refuses_a_body_too_large_to_read(
    viewer: Client, session_id: str, settings: Settings
) -> None:
    body = json.dumps({"position_seconds": 1, "errors": ["x" * 40] * 2000})
    assert len(body) > settings.API_MAX_BODY_BYTES

    response = post_raw(viewer, heartbeat(session_id), body)

    assert response.status_code == 413
    assert api_error_of(response)["code"] == "body_too_large"


def test_it_refuses_a_repeated_field_in_a_beacons_form(viewer: Client, session_id: str) -> None:
    response = viewer.post(
        heartbeat(session_id),
        "position_seconds=10&position_seconds=9000",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert api_error_of(response) == {
        "code": "duplicate_field",
        "message": "position_seconds appears more than once.",
        "field": "position_seconds",
    }


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"device_type": ["TV"]}, "invalid_device_type", "device_type"),
        ({"device_type": "TOASTER"}, "invalid_device_type", "device_type"),
        ({"profile": 1}, "unknown_field", "profile"),
    ],
)
def test_it_refuses_a_bad_start_body(
    viewer: Client, movie: Movie, body: dict[str, Any], code: str, field: str
) -> None:
    response = post_raw(viewer, reverse("playback:start", args=[movie.pk]), json.dumps(body))

    assert response.status_code == 400
    assert api_error_of(response) | {"message": ""} == {
        "code": code,
        "message": "",
        "field": field,
    }
    assert not live.redis().keys(f"{live.PREFIX}vs:*")


@pytest.mark.parametrize("reason", [["ended"], {"x": 1}, "finished", 1])
def test_it_refuses_an_end_with_an_unknown_reason_and_keeps_the_session(
    viewer: Client, session_id: str, reason: Any
) -> None:
    response = post_raw(
        viewer, reverse("playback:end", args=[session_id]), json.dumps({"reason": reason})
    )

    assert response.status_code == 400
    assert api_error_of(response)["field"] == "reason"
    assert live.redis().hget(live.session_key(session_id), "ended") == b"0"


# --- Failures nobody expected: still the API's shape --------------------------------------


def broken(**_: Any) -> str:
    raise RuntimeError("a bug")


@pytest.mark.parametrize("debug", [False, True], ids=["production", "DEBUG"])
def test_it_answers_an_unexpected_failure_in_json_with_the_request_id(  # noqa: PLR0917
    viewer: Client,
    session_id: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    debug: bool,
) -> None:
    settings.DEBUG = debug
    # Both ways a heartbeat is recorded: by the session's copy in Redis, and the long way.
    monkeypatch.setattr(heartbeats, "heartbeat_record_by_session", broken)
    monkeypatch.setattr(heartbeats, "heartbeat_record", broken)

    with caplog.at_level(logging.ERROR):
        response = post_raw(viewer, heartbeat(session_id), '{"position_seconds": 3}')

    assert response.status_code == 500
    error = api_error_of(response)
    assert error["code"] == "server_error"
    assert error["request_id"] == response["X-Request-ID"]
    assert "Traceback" not in response.content.decode()
    logged = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(logged) == 1  # logged once, with the exception, for the request id to find


def test_it_answers_503_with_retry_after_when_redis_is_unreachable(
    viewer: Client, session_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr(live, "redis", lambda: closed)
    live._Scripts.forget()
    try:
        response = post_raw(viewer, heartbeat(session_id), '{"position_seconds": 3}')
    finally:
        live._Scripts.forget()

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert api_error_of(response)["code"] == "service_unavailable"


def test_it_answers_an_unknown_api_address_in_json(viewer: Client) -> None:
    response = viewer.get("/api/nothing-here")

    assert response.status_code == 404
    assert api_error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("name", ["a" * 300, "a/" * 200 + "b", "x" * 5000 + ".ts"])
def test_it_answers_404_for_file_names_no_file_system_allows(
    viewer: Client, session_id: str, client: Client, name: str
) -> None:
    at_edge = viewer.get(f"/edge/{session_id}/{name}")
    at_origin = Client().get(f"/origin/{name}")  # signed out

    assert at_edge.status_code == 404
    assert api_error_of(at_edge)["code"] == "not_found"
    assert at_origin.status_code == 404
    assert b"We couldn't find that page" in at_origin.content


# --- The fuzzers ----------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    ["position_seconds", "event", "at", "errors", "reason", "device_type", "x", ""]
)
BODIES = st.one_of(
    st.dictionaries(FIELDS, JSON_VALUES, max_size=5).map(json.dumps),
    JSON_VALUES.map(json.dumps),
    st.binary(max_size=200),
    st.text(max_size=200),
)


def assert_no_server_error(response: Response) -> None:
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        api_error_of(response)


@pytest.mark.fuzz
@given(body=BODIES, endpoint=st.sampled_from(["heartbeat", "end", "token"]))
def test_it_never_fails_on_any_body_sent_to_a_session_endpoint(
    viewer: Client, session_id: str, body: str | bytes, endpoint: str
) -> None:
    before = live.redis().hgetall(live.session_key(session_id))

    response = post_raw(viewer, reverse(f"playback:{endpoint}", args=[session_id]), body)

    assert_no_server_error(response)
    if response.status_code >= 400:
        # Refused: nothing of it was kept (the session state is as it was).
        assert live.redis().hgetall(live.session_key(session_id)) == before
    if endpoint == "end" and response.status_code == 200:
        # An end that went through: start a fresh session for the next example.
        live.redis().hset(live.session_key(session_id), "ended", 0)


@pytest.mark.fuzz
@given(body=BODIES)
def test_it_never_fails_on_any_body_sent_to_start(
    viewer: Client, movie: Movie, body: str | bytes
) -> None:
    response = post_raw(viewer, reverse("playback:start", args=[movie.pk]), body)

    assert_no_server_error(response)
    if response.status_code == 201:
        finish.session_end(
            session_id=UUID(response.json()["session_id"]),
            profile_id=int(viewer.session["profile_id"]),
        )


def test_it_logs_each_failed_request_once_even_with_debug_pages(
    client: Client, settings: Settings
) -> None:
    # Django's default config gives the "django" logger a console handler of its own (shown
    # with DEBUG on) on top of the root's: every django.request line came out twice.
    settings.DEBUG = True
    emitted: list[logging.LogRecord] = []
    counter = logging.Handler()
    counter.emit = emitted.append  # type: ignore[method-assign,assignment]
    root = logging.getLogger()
    handlers = [
        *logging.getLogger("django.request").handlers,
        *logging.getLogger("django").handlers,
    ]
    root.addHandler(counter)
    try:
        client.get("/no-such-page-here/")
    finally:
        root.removeHandler(counter)

    assert handlers == []  # so each record reaches only the root's handlers
    assert [record.getMessage() for record in emitted if record.name == "django.request"] == [
        "Not Found: /no-such-page-here/"
    ]
