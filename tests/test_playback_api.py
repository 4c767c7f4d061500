"""The player's JSON API as the browser uses it: start, heartbeat, token, end, and the pages.

Every refusal comes in one shape, ``{"error": {"code", "message"[, "field"]}}``; the tests
read the code (what the player branches on) and the field (what a developer fixes). The
heartbeat endpoint is the hot path: it must run no SQL at all and never move a viewer's
position backwards, whatever order the heartbeats arrive in.
"""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import Account, AccountStatus, Profile, SubscriptionPlan
from catalog.models import CaptionTrack, MaturityRating, Movie, StreamSource, Visibility
from playback import flush, live, sessions
from playback.errors import PlaybackRefused
from playback.models import ViewingSession, WatchProgress
from tests.cast import Household, demo_household_create, sign_in
from tests.factories import CaptionTrackFactory, MovieFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.usefixtures("fast_passwords")

HOME = reverse("catalog:home")
DURATION = 95 * 60  # MovieFactory's running time, in seconds


# --- The cast -------------------------------------------------------------------------------


@pytest.fixture
def household(db: None) -> Household:
    """Here the demo household of a factory user, rather than conftest's signed-up one."""
    return demo_household_create()


@pytest.fixture
def movie(db: None) -> Movie:
    created: Movie = MovieFactory.create(title="Quiet Harbour")
    return created


# --- Talking to the API ---------------------------------------------------------------------


def start_url(video_id: UUID, **params: str) -> str:
    url = reverse("playback:start", args=[video_id])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in params.items())}" if params else url


def heartbeat_url(session_id: str | UUID) -> str:
    return reverse("playback:heartbeat", args=[session_id])


def end_url(session_id: str | UUID) -> str:
    return reverse("playback:end", args=[session_id])


def post_json(client: Client, url: str, body: Any, **extra: Any) -> Response:
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def start(client: Client, video_id: UUID, **params: str) -> dict[str, Any]:
    response = client.post(start_url(video_id, **params))
    assert response.status_code == 201, response.content
    started: dict[str, Any] = response.json()
    return started


def beat(client: Client, session_id: str, **body: Any) -> Response:
    response = post_json(client, heartbeat_url(session_id), body)
    # A report without "at" is dated by the server's clock in ms, and a heartbeat now takes
    # less than that: two reports in one millisecond would tie (a player's are seconds apart).
    time.sleep(0.002)
    return response


def now_ms() -> int:
    return int(time.time() * 1000)


def error_of(response: Response, status: int) -> dict[str, str]:
    """The one error shape: {"error": {"code", "message"[, "field"]}}, nothing else."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert list(body) == ["error"]
    error: dict[str, str] = body["error"]
    assert set(error) in ({"code", "message"}, {"code", "message", "field"})
    assert error["message"]
    return error


def buffered(profile: Profile, video_id: UUID) -> live.BufferedPosition | None:
    """What the heartbeat buffer holds for (profile, video), as the flush would read it."""
    value = live.redis().hget(live.BUFFER, live.entry_field(profile.pk, video_id))
    if value is None:
        return None
    return live.BufferedPosition.parse(live.entry_field(profile.pk, video_id), value)


def continue_row(client: Client) -> list[str]:
    """The card titles of the home page's Continue watching row (empty if none)."""
    response = client.get(HOME)
    assert response.status_code == 200
    section = re.search(
        r'aria-labelledby="row-continue">(.*?)</section>', response.content.decode(), re.DOTALL
    )
    if section is None:
        return []
    return re.findall(r'<div class="card-title">(.*?)</div>', section[1])


# --- Starting a session ---------------------------------------------------------------------


def test_it_starts_a_session_with_a_playlist_under_the_sessions_edge_path(
    viewer: Client, household: Household, movie: Movie
) -> None:
    response = viewer.post(start_url(movie.pk))

    assert response.status_code == 201
    started = response.json()
    session = ViewingSession.objects.get(pk=started["session_id"])
    assert (session.profile, session.video_id) == (household.adult, movie.pk)
    assert started["playlist_url"] == f"/edge/{session.pk}/master.m3u8"
    assert started["duration_seconds"] == DURATION
    assert started["resume_seconds"] == 0


def test_it_lists_every_caption_track_as_webvtt_with_the_default_flagged(
    viewer: Client, movie: Movie
) -> None:
    # The factory gave the movie a default English WebVTT track.
    CaptionTrackFactory.create(
        video=movie.video,
        language_code="fr",
        caption_url="https://cdn.example.com/c/fr.vtt",
        is_default=False,
    )
    CaptionTrackFactory.create(
        video=movie.video,
        language_code="de",
        caption_url="https://cdn.example.com/c/de.ttml",
        format=CaptionTrack.Format.TTML,
        is_default=False,
    )

    started = start(viewer, movie.pk)

    by_language = {caption["language_code"]: caption for caption in started["captions"]}
    # TTML too: the edge converts it (tests/test_ttml_captions.py).
    assert set(by_language) == {"en", "fr", "de"}
    assert by_language["de"]["url"].endswith(".vtt")
    assert by_language["en"]["default"] is True
    assert by_language["fr"]["default"] is False
    english = CaptionTrack.objects.get(video=movie.video, language_code="en")
    assert by_language["en"]["url"] == f"/edge/{started['session_id']}/captions/{english.pk}.vtt"


def test_it_resumes_from_the_stored_progress(
    viewer: Client, household: Household, movie: Movie
) -> None:
    WatchProgress.objects.create(
        profile=household.adult,
        video=movie.video,
        progress_seconds=1234,
        last_watched_timestamp=timezone.now() - timedelta(days=1),
    )

    assert start(viewer, movie.pk)["resume_seconds"] == 1234


def test_it_resumes_from_the_unflushed_buffer_when_it_is_newer_than_the_stored_row(
    viewer: Client, household: Household, movie: Movie
) -> None:
    WatchProgress.objects.create(
        profile=household.adult,
        video=movie.video,
        progress_seconds=1234,
        last_watched_timestamp=timezone.now() - timedelta(days=1),
    )
    first = start(viewer, movie.pk)
    assert beat(viewer, first["session_id"], position_seconds=2000.4).status_code == 200
    assert post_json(viewer, end_url(first["session_id"]), {}).status_code == 200

    assert start(viewer, movie.pk)["resume_seconds"] == 2000


def test_it_resumes_from_the_stored_row_when_it_is_newer_than_the_buffer(
    viewer: Client, household: Household, movie: Movie
) -> None:
    first = start(viewer, movie.pk)
    a_minute_ago = now_ms() - 60_000
    response = beat(viewer, first["session_id"], position_seconds=2000, at=a_minute_ago)
    assert response.status_code == 200
    # Watched further on another device since, and already flushed there.
    WatchProgress.objects.create(
        profile=household.adult,
        video=movie.video,
        progress_seconds=3100,
        last_watched_timestamp=timezone.now(),
    )
    assert post_json(viewer, end_url(first["session_id"]), {}).status_code == 200

    assert start(viewer, movie.pk)["resume_seconds"] == 3100


def test_it_starts_from_zero_when_asked_to_start_from_the_beginning(
    viewer: Client, household: Household, movie: Movie
) -> None:
    WatchProgress.objects.create(
        profile=household.adult,
        video=movie.video,
        progress_seconds=1234,
        last_watched_timestamp=timezone.now(),
    )

    assert start(viewer, movie.pk, **{"from": "start"})["resume_seconds"] == 0


def make_hidden(movie: Movie) -> None:
    Movie.objects.filter(pk=movie.pk).update(visibility=Visibility.HIDDEN)


def make_expired(movie: Movie) -> None:
    Movie.objects.filter(pk=movie.pk).update(availability_end=timezone.now() - timedelta(days=1))


def make_adult_only(movie: Movie) -> None:
    Movie.objects.filter(pk=movie.pk).update(maturity_rating=MaturityRating.AGE_16)


@pytest.mark.parametrize(
    ("change", "who"),
    [(make_hidden, "adult"), (make_expired, "adult"), (make_adult_only, "kids")],
    ids=["hidden", "expired", "above-the-kids-ceiling"],
)
def test_it_refuses_a_title_the_profile_may_not_play(
    client: Client, household: Household, movie: Movie, change: Any, who: str
) -> None:
    change(movie)
    sign_in(client, household, getattr(household, who))

    error = error_of(client.post(start_url(movie.pk)), 404)

    assert error["code"] == "title_unavailable"
    assert not ViewingSession.objects.exists()


def test_it_lets_a_kids_profile_play_a_title_under_the_ceiling(
    client: Client, household: Household
) -> None:
    # The counterpart of the kids refusal above: the ceiling, not the kids flag, refuses.
    cartoon = MovieFactory.create(maturity_rating=MaturityRating.AGE_7)
    sign_in(client, household, household.kids)

    assert client.post(start_url(cartoon.pk)).status_code == 201


@pytest.mark.parametrize("status", [AccountStatus.PAST_DUE, AccountStatus.CANCELLED])
def test_it_refuses_an_account_that_is_not_active(
    viewer: Client, household: Household, movie: Movie, status: str
) -> None:
    Account.objects.filter(pk=household.account.pk).update(status=status)

    error = error_of(viewer.post(start_url(movie.pk)), 403)

    assert error["code"] == "account_inactive"
    assert not ViewingSession.objects.exists()


def test_it_refuses_a_second_stream_beyond_the_basic_plans_one(
    client: Client, movie: Movie
) -> None:
    basic = demo_household_create(SubscriptionPlan.BASIC)
    sign_in(client, basic, basic.adult)
    start(client, movie.pk)
    other_device = sign_in(Client(), basic, basic.kids)
    cartoon = MovieFactory.create(maturity_rating=MaturityRating.ALL)

    error = error_of(other_device.post(start_url(cartoon.pk)), 409)

    assert error["code"] == "too_many_streams"
    assert ViewingSession.objects.count() == 1


def test_it_starts_a_new_stream_once_the_playing_one_ends(client: Client, movie: Movie) -> None:
    basic = demo_household_create(SubscriptionPlan.BASIC)
    sign_in(client, basic, basic.adult)
    first = start(client, movie.pk)
    assert client.post(start_url(movie.pk)).status_code == 409

    assert post_json(client, end_url(first["session_id"]), {}).status_code == 200

    assert client.post(start_url(movie.pk)).status_code == 201


def test_it_counts_streams_per_household_not_across_households(
    client: Client, movie: Movie
) -> None:
    basic, neighbour = demo_household_create(SubscriptionPlan.BASIC), demo_household_create()
    start(sign_in(client, basic, basic.adult), movie.pk)

    assert (
        sign_in(Client(), neighbour, neighbour.adult).post(start_url(movie.pk)).status_code == 201
    )


@pytest.mark.django_db(transaction=True)
def test_it_refuses_simultaneous_starts_beyond_the_stream_limit() -> None:
    # Eight devices of a BASIC household press play at the same moment: one may play. Three
    # rounds, each from no open stream, so a lucky interleaving does not hide a race.
    basic = demo_household_create(SubscriptionPlan.BASIC)
    movie = MovieFactory.create()
    profile = Profile.objects.select_related("account").get(pk=basic.adult.pk)
    devices = 8

    def press_play(barrier: threading.Barrier, outcomes: list[str]) -> None:
        try:
            barrier.wait()
            sessions.session_start(profile=profile, video=movie.video, device_type="DESKTOP")
            outcomes.append("started")
        except PlaybackRefused as refusal:
            outcomes.append(refusal.code)
        finally:
            connections.close_all()

    rounds = []
    for _ in range(3):
        live.redis().delete(live.streams_key(basic.account.pk))  # the last round's stream ended
        barrier, outcomes = threading.Barrier(devices), list[str]()
        threads = [
            threading.Thread(target=press_play, args=(barrier, outcomes)) for _ in range(devices)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rounds.append(outcomes.count("started"))

    assert rounds == [1, 1, 1]
    assert ViewingSession.objects.count() == 3


def test_it_refuses_a_title_without_a_primary_stream(viewer: Client, movie: Movie) -> None:
    StreamSource.objects.filter(video=movie.video).update(is_primary=False)

    error = error_of(viewer.post(start_url(movie.pk)), 409)

    assert error["code"] == "no_stream"
    assert not ViewingSession.objects.exists()


def test_it_refuses_anonymous_visitors(client: Client, movie: Movie) -> None:
    error = error_of(client.post(start_url(movie.pk)), 403)

    assert error["code"] == "not_signed_in"
    assert not ViewingSession.objects.exists()


def test_it_refuses_a_signed_in_visitor_who_has_not_chosen_a_profile(
    client: Client, household: Household, movie: Movie
) -> None:
    client.force_login(household.account.owner)

    assert error_of(client.post(start_url(movie.pk)), 403)["code"] == "no_profile"


@pytest.mark.parametrize("body", ["[]", "null", '"DESKTOP"'])
def test_it_answers_a_start_body_that_is_not_an_object_with_malformed_body(
    viewer: Client, movie: Movie, body: str
) -> None:
    response = viewer.post(start_url(movie.pk), body, content_type="application/json")

    assert error_of(response, 400)["code"] == "malformed_body"


# --- Heartbeats -----------------------------------------------------------------------------


@pytest.fixture
def playing(viewer: Client, movie: Movie) -> str:
    """The id of a session the adult profile has open on ``movie``."""
    return str(start(viewer, movie.pk)["session_id"])


def test_it_records_a_heartbeat_without_any_sql(
    viewer: Client,
    household: Household,
    movie: Movie,
    playing: str,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    with django_assert_num_queries(0):
        response = beat(viewer, playing, position_seconds=61.5, event="tick")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    entry = buffered(household.adult, movie.pk)
    assert entry is not None
    assert (entry.position, entry.final, entry.session_id) == (61.5, False, playing)


def test_it_marks_a_pause_as_final_in_the_buffer(
    viewer: Client, household: Household, movie: Movie, playing: str
) -> None:
    assert beat(viewer, playing, position_seconds=70, event="pause").status_code == 200

    entry = buffered(household.adult, movie.pk)
    assert entry is not None
    assert entry.final


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"position_seconds": -1}, "position_out_of_range", "position_seconds"),
        ({"position_seconds": -0.1}, "position_out_of_range", "position_seconds"),
        ({"position_seconds": DURATION + 5.1}, "position_out_of_range", "position_seconds"),
        ({"position_seconds": 1e12}, "position_out_of_range", "position_seconds"),
        ({"position_seconds": "12"}, "invalid_position", "position_seconds"),
        ({"position_seconds": True}, "invalid_position", "position_seconds"),
        ({"position_seconds": None}, "invalid_position", "position_seconds"),
        ({"position_seconds": [12]}, "invalid_position", "position_seconds"),
        ({}, "invalid_position", "position_seconds"),
        ({"position_seconds": 10, "event": "rewind"}, "invalid_event", "event"),
        ({"position_seconds": 10, "at": "yesterday"}, "invalid_time", "at"),
        ({"position_seconds": 10, "at": 1.5}, "invalid_time", "at"),
        ({"position_seconds": 10, "at": "TEN_MINUTES_AGO"}, "invalid_time", "at"),
        ({"position_seconds": 10, "at": "TEN_MINUTES_AHEAD"}, "invalid_time", "at"),
        ({"position_seconds": 10, "errors": "media_error"}, "invalid_errors", "errors"),
        ({"position_seconds": 10, "errors": [42]}, "invalid_errors", "errors"),
        ({"position_seconds": 10, "errors": ["Not A Code!"]}, "invalid_errors", "errors"),
        ({"position_seconds": 10, "errors": ["x" * 41]}, "invalid_errors", "errors"),
        ({"position_seconds": 10, "errors": ["e"] * 11}, "invalid_errors", "errors"),
    ],
    ids=lambda value: json.dumps(value)[:40] if isinstance(value, dict) else None,
)
def test_it_rejects_a_bad_heartbeat_naming_the_field(
    viewer: Client, playing: str, body: dict[str, Any], code: str, field: str
) -> None:
    if body.get("at") == "TEN_MINUTES_AGO":
        body = {**body, "at": now_ms() - 600_000}
    elif body.get("at") == "TEN_MINUTES_AHEAD":
        body = {**body, "at": now_ms() + 600_000}

    error = error_of(beat(viewer, playing, **body), 400)

    assert (error["code"], error.get("field")) == (code, field)
    assert live.redis().hlen(live.BUFFER) == 0


def test_it_accepts_a_position_up_to_five_seconds_past_the_end(
    viewer: Client, playing: str
) -> None:
    assert beat(viewer, playing, position_seconds=DURATION + 5).status_code == 200


@pytest.mark.parametrize("body", ["{", "not json", "\xff".encode("latin-1")])
def test_it_rejects_a_malformed_json_heartbeat(viewer: Client, playing: str, body: Any) -> None:
    response = viewer.post(heartbeat_url(playing), body, content_type="application/json")

    assert error_of(response, 400)["code"] == "malformed_body"


@pytest.mark.parametrize("body", ["[1, 2]", '"a string"', "12"])
def test_it_rejects_a_json_heartbeat_that_is_not_an_object(
    viewer: Client, playing: str, body: str
) -> None:
    response = viewer.post(heartbeat_url(playing), body, content_type="application/json")

    assert error_of(response, 400)["code"] == "malformed_body"


def test_it_answers_404_for_an_unknown_session(viewer: Client, household: Household) -> None:
    error = error_of(beat(viewer, str(uuid4()), position_seconds=10), 404)

    assert error["code"] == "unknown_session"


@pytest.mark.parametrize("intruder", ["sibling-profile", "other-household"])
def test_it_hides_another_profiles_session(
    household: Household, movie: Movie, viewer: Client, playing: str, intruder: str
) -> None:
    assert beat(viewer, playing, position_seconds=300).status_code == 200
    neighbours = demo_household_create()
    other = (
        sign_in(Client(), household, household.kids)
        if intruder == "sibling-profile"
        else sign_in(Client(), neighbours, neighbours.adult)
    )

    error = error_of(beat(other, playing, position_seconds=10), 404)

    assert error["code"] == "unknown_session"
    entry = buffered(household.adult, movie.pk)
    assert entry is not None
    assert entry.position == 300
    for profile in (household.kids, neighbours.adult):
        assert buffered(profile, movie.pk) is None


def test_it_refuses_heartbeats_after_the_session_ends(
    viewer: Client, household: Household, movie: Movie, playing: str
) -> None:
    assert beat(viewer, playing, position_seconds=100).status_code == 200
    response = post_json(viewer, end_url(playing), {"reason": "ended"})
    assert response.status_code == 200
    assert response.json() == {"status": "ended"}

    error = error_of(beat(viewer, playing, position_seconds=200), 409)

    assert error["code"] == "session_ended"
    entry = buffered(household.adult, movie.pk)
    assert entry is not None
    assert entry.position == 100


def test_it_answers_heartbeats_of_an_anonymous_visitor_with_403(playing: str) -> None:
    assert error_of(beat(Client(), playing, position_seconds=10), 403)["code"] == "not_signed_in"


@pytest.fixture
def csrf_viewer(household: Household) -> Client:
    """A browser-like client: CSRF is checked, and the watch page gave it its token."""
    return sign_in(Client(enforce_csrf_checks=True), household, household.adult)


def csrf_token_of(client: Client, movie: Movie) -> str:
    page = client.get(reverse("playback:watch", args=[movie.pk]))
    assert page.status_code == 200
    found = re.search(r'data-csrf="([^"]+)"', page.content.decode())
    assert found is not None
    return found[1]


def player_start(client: Client, movie: Movie, csrf: str) -> str:
    """Start as static/js/player.js does: a JSON body and the X-CSRFToken header."""
    response = post_json(client, start_url(movie.pk), {}, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201, response.content
    return str(response.json()["session_id"])


def test_it_refuses_a_json_heartbeat_without_the_csrf_header(
    csrf_viewer: Client, household: Household, movie: Movie
) -> None:
    session_id = player_start(csrf_viewer, movie, csrf_token_of(csrf_viewer, movie))

    response = beat(csrf_viewer, session_id, position_seconds=42)

    # In the API's own shape, not Django's HTML page.
    assert error_of(response, 403)["code"] == "csrf_failed"
    assert buffered(household.adult, movie.pk) is None


def test_it_accepts_a_json_heartbeat_with_the_csrf_header(
    csrf_viewer: Client, household: Household, movie: Movie
) -> None:
    csrf = csrf_token_of(csrf_viewer, movie)
    session_id = player_start(csrf_viewer, movie, csrf)

    response = post_json(
        csrf_viewer, heartbeat_url(session_id), {"position_seconds": 42}, HTTP_X_CSRFTOKEN=csrf
    )

    assert response.status_code == 200
    entry = buffered(household.adult, movie.pk)
    assert entry is not None
    assert entry.position == 42


def test_it_accepts_a_form_encoded_beacon_with_its_csrf_field(
    csrf_viewer: Client, household: Household, movie: Movie
) -> None:
    csrf = csrf_token_of(csrf_viewer, movie)
    session_id = player_start(csrf_viewer, movie, csrf)
    at = now_ms()

    response = csrf_viewer.post(
        heartbeat_url(session_id),
        {
            "csrfmiddlewaretoken": csrf,
            "position_seconds": "73.5",
            "event": "hidden",
            "at": str(at),
            "errors": "net_timeout,decode_error",
        },
    )

    assert response.status_code == 200, response.content
    entry = buffered(household.adult, movie.pk)
    assert entry is not None
    assert (entry.position, entry.final, entry.at_ms) == (73.5, True, at)
    errors = live.redis().lrange(f"{live.session_key(session_id)}:errors", 0, -1)
    assert errors == [b"net_timeout", b"decode_error"]


def test_it_refuses_a_form_encoded_beacon_without_its_csrf_field(
    csrf_viewer: Client, household: Household, movie: Movie
) -> None:
    csrf = csrf_token_of(csrf_viewer, movie)
    session_id = player_start(csrf_viewer, movie, csrf)

    response = csrf_viewer.post(heartbeat_url(session_id), {"position_seconds": "73.5"})

    assert error_of(response, 403)["code"] == "csrf_failed"
    assert buffered(household.adult, movie.pk) is None


def test_it_ends_a_session_from_a_multipart_beacon(
    csrf_viewer: Client, household: Household, movie: Movie
) -> None:
    # navigator.sendBeacon(url, new FormData(...)) posts multipart/form-data; the CSRF
    # middleware reads that body as a form before the view runs.
    csrf = csrf_token_of(csrf_viewer, movie)
    session_id = player_start(csrf_viewer, movie, csrf)

    response = csrf_viewer.post(end_url(session_id), {"csrfmiddlewaretoken": csrf})

    assert response.status_code == 200
    assert live.redis().hget(live.session_key(session_id), "ended") == b"1"


def test_it_names_the_field_of_a_form_encoded_beacon_that_is_not_a_number(
    viewer: Client, playing: str
) -> None:
    response = viewer.post(heartbeat_url(playing), {"position_seconds": "soon"})

    error = error_of(response, 400)
    assert (error["code"], error["field"]) == ("invalid_position", "position_seconds")


def test_it_never_moves_the_buffered_position_back_for_an_older_heartbeat(
    viewer: Client, household: Household, movie: Movie, playing: str
) -> None:
    sent = now_ms()
    assert beat(viewer, playing, position_seconds=500, at=sent).json() == {"status": "ok"}

    late = beat(viewer, playing, position_seconds=490, at=sent - 10_000)

    assert late.json() == {"status": "stale"}
    entry = buffered(household.adult, movie.pk)
    assert entry is not None
    assert (entry.position, entry.at_ms) == (500, sent)


def test_it_ignores_a_duplicate_heartbeat(
    viewer: Client, household: Household, movie: Movie, playing: str
) -> None:
    sent = now_ms()
    assert beat(viewer, playing, position_seconds=500, at=sent).json() == {"status": "ok"}

    # A retry of the same report, with a position the player has rounded differently.
    again = beat(viewer, playing, position_seconds=499, at=sent)

    assert again.json() == {"status": "stale"}
    entry = buffered(household.adult, movie.pk)
    assert entry is not None
    assert entry.position == 500


def test_it_never_moves_the_stored_row_back_for_a_late_heartbeat(
    viewer: Client, household: Household, movie: Movie, playing: str
) -> None:
    sent = now_ms()
    assert beat(viewer, playing, position_seconds=900, at=sent).status_code == 200
    flush.progress_flush(everything=True)

    assert beat(viewer, playing, position_seconds=100, at=sent - 30_000).status_code == 200
    flush.progress_flush(everything=True)

    row = WatchProgress.objects.get(profile=household.adult, video=movie.video)
    assert row.progress_seconds == 900
    assert row.last_watched_timestamp == datetime.fromtimestamp(sent / 1000, tz=UTC)


def test_it_moves_forward_with_each_newer_heartbeat(
    viewer: Client, household: Household, movie: Movie, playing: str
) -> None:
    # The counterpart of the two tests above: a newer report does replace the position. Sent
    # in the past, so the server's clamp to its own clock never reorders three quick reports.
    sent = now_ms() - 10_000
    for step in range(3):
        beat(viewer, playing, position_seconds=100 + step, at=sent + step)

    entry = buffered(household.adult, movie.pk)
    assert entry is not None
    assert (entry.position, entry.at_ms) == (102, sent + 2)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_writes_player_errors_to_the_session_row_when_the_session_ends(
    celery_worker_process: object,
) -> None:
    household = demo_household_create()
    movie = MovieFactory.create()
    viewer = sign_in(Client(), household, household.adult)
    session_id = start(viewer, movie.pk)["session_id"]
    beat(viewer, session_id, position_seconds=600, errors=["net_timeout"])
    beat(viewer, session_id, position_seconds=1140, errors=["decode_error", "net_timeout"])

    assert post_json(viewer, end_url(session_id), {}).status_code == 200

    # The worker writes the row from the session's Redis state.
    deadline = time.monotonic() + 30
    session = ViewingSession.objects.get(pk=session_id)
    while session.ended_at is None and time.monotonic() < deadline:
        time.sleep(0.1)
        session.refresh_from_db()
    assert session.ended_at is not None, "the worker did not finish the session within 30 s"
    assert session.player_errors == ["net_timeout", "decode_error", "net_timeout"]
    assert (session.end_reason, session.completion_percent) == ("CLOSED", 20)
    # Ending flushes the session's progress too.
    row = WatchProgress.objects.get(profile=household.adult, video=movie.video)
    assert row.progress_seconds == 1140


def test_it_answers_404_to_ending_another_profiles_session(
    household: Household, playing: str
) -> None:
    sibling = sign_in(Client(), household, household.kids)

    assert error_of(post_json(sibling, end_url(playing), {}), 404)["code"] == "unknown_session"
    assert live.redis().hget(live.session_key(playing), "ended") == b"0"


@pytest.mark.parametrize("endpoint", ["heartbeat", "token", "end"])
def test_it_refuses_get_on_the_session_endpoints(
    viewer: Client, playing: str, endpoint: str
) -> None:
    response = viewer.get(reverse(f"playback:{endpoint}", args=[playing]))

    assert response.status_code == 405


def test_it_refuses_get_on_the_start_endpoint(viewer: Client, movie: Movie) -> None:
    assert viewer.get(start_url(movie.pk)).status_code == 405
    assert not ViewingSession.objects.exists()


# --- Continue watching and forgetting -------------------------------------------------------


def test_it_shows_a_title_in_continue_watching_right_after_a_heartbeat(
    viewer: Client, movie: Movie, playing: str
) -> None:
    assert continue_row(viewer) == []

    assert beat(viewer, playing, position_seconds=600).status_code == 200

    assert continue_row(viewer) == ["Quiet Harbour"]
    assert not WatchProgress.objects.exists()  # shown from the buffer, before any flush


def test_it_shows_the_buffered_position_over_an_older_stored_one(
    viewer: Client, household: Household, movie: Movie, playing: str
) -> None:
    WatchProgress.objects.create(
        profile=household.adult,
        video=movie.video,
        progress_seconds=60,
        last_watched_timestamp=timezone.now() - timedelta(days=2),
    )

    beat(viewer, playing, position_seconds=DURATION - 60 * 10)

    assert "10 min left" in viewer.get(HOME).content.decode()


def test_it_forgets_a_title_from_both_the_database_and_the_buffer(
    viewer: Client, household: Household, movie: Movie, playing: str
) -> None:
    WatchProgress.objects.create(
        profile=household.adult,
        video=movie.video,
        progress_seconds=300,
        last_watched_timestamp=timezone.now() - timedelta(days=1),
    )
    beat(viewer, playing, position_seconds=600)
    assert continue_row(viewer) == ["Quiet Harbour"]

    response = viewer.post(reverse("playback:forget", args=[movie.pk]))

    assert response.status_code == 302
    assert not WatchProgress.objects.filter(profile=household.adult).exists()
    assert buffered(household.adult, movie.pk) is None
    assert live.buffered_for_profile(household.adult.pk) == {}
    assert continue_row(viewer) == []
    # Nothing left to flush back either.
    flush.progress_flush(everything=True)
    assert not WatchProgress.objects.filter(profile=household.adult).exists()


# --- The watch page -------------------------------------------------------------------------


def test_it_renders_the_watch_page_for_an_available_title(
    viewer: Client, movie: Movie, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # 1. the signed-in user (auth middleware), 2. the chosen profile with its account,
    # 3. the video with its movie or episode, season and series.
    with django_assert_num_queries(3):
        response = viewer.get(reverse("playback:watch", args=[movie.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Quiet Harbour" in body
    assert reverse("playback:start", args=[movie.pk]) in body


def test_it_passes_from_start_to_the_player(viewer: Client, movie: Movie) -> None:
    response = viewer.get(reverse("playback:watch", args=[movie.pk]), {"from": "start"})

    assert f"{reverse('playback:start', args=[movie.pk])}?from=start" in response.content.decode()


@pytest.mark.parametrize(
    ("change", "who"),
    [(make_hidden, "adult"), (make_expired, "adult"), (make_adult_only, "kids")],
    ids=["hidden", "expired", "above-the-kids-ceiling"],
)
def test_it_answers_404_on_the_watch_page_for_a_title_the_profile_may_not_play(
    client: Client, household: Household, movie: Movie, change: Any, who: str
) -> None:
    change(movie)
    sign_in(client, household, getattr(household, who))

    response = client.get(reverse("playback:watch", args=[movie.pk]))

    assert response.status_code == 404
    assert "Quiet Harbour" not in response.content.decode()
