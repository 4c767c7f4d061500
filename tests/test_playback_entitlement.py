"""Entitlement for the whole viewing, revocation at the end, and resume safety.

- Every token renewal asks again: the window, visibility, the profile's ceiling, the
  account's status. A refusal revokes the session: the edge refuses its token from the next
  request, heartbeats and renewals say why.
- Ending a session revokes its token at once, not at its expiry.
- A start that never reached its resume point never overwrites it; a heartbeat dated in the
  future cannot freeze later ones; another household's session is a 404, open or ended.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from accounts.models import AccountStatus
from catalog.models import MaturityRating, Movie, Visibility
from playback import flush, live
from playback.models import SignedStreamToken, WatchProgress
from tests.cast import Household, sign_in
from tests.factories import MovieFactory, StreamSourceFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.usefixtures("fast_passwords")

PLAYLIST = b"#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:4.0,\nseg0.ts\n#EXT-X-ENDLIST\n"


@pytest.fixture
def movie(settings: Settings, tmp_path: Path) -> Movie:
    root = tmp_path / "origin"
    (root / "harbour").mkdir(parents=True)
    (root / "harbour" / "master.m3u8").write_bytes(PLAYLIST)
    settings.LOCAL_ORIGIN_ROOT = root
    created: Movie = MovieFactory.create(
        title="Quiet Harbour", media=False, maturity_rating=MaturityRating.AGE_13
    )
    StreamSourceFactory.create(
        video=created.video, stream_url=f"{settings.LOCAL_ORIGIN_URL}harbour/master.m3u8"
    )
    return created


def start(client: Client, movie: Movie) -> str:
    response = client.post(reverse("playback:start", args=[movie.pk]))
    assert response.status_code == 201, response.content
    return str(response.json()["session_id"])


def renew(client: Client, session: str) -> Response:
    return client.post(reverse("playback:token", args=[session]))


def beat(client: Client, session: str, **body: Any) -> Response:
    response = client.post(
        reverse("playback:heartbeat", args=[session]),
        json.dumps(body),
        content_type="application/json",
    )
    # A report without "at" is dated by the server's clock in ms; a heartbeat now takes less
    # than that, and two reports in one millisecond tie (the second is "stale"). A player's
    # reports are seconds apart.
    time.sleep(0.002)
    return response


def playlist(client: Client, session: str) -> Response:
    return client.get(f"/edge/{session}/master.m3u8")


def error(response: Response) -> tuple[int, str]:
    return response.status_code, json.loads(response.content)["error"]["code"]


def hide(movie: Movie, household: Household) -> None:
    Movie.objects.filter(pk=movie.pk).update(visibility=Visibility.HIDDEN)


def expire(movie: Movie, household: Household) -> None:
    Movie.objects.filter(pk=movie.pk).update(availability_end=timezone.now() - timedelta(1))


def make_kids(movie: Movie, household: Household) -> None:
    household.adult.is_kids = True
    household.adult.save(update_fields=["is_kids"])


def suspend(movie: Movie, household: Household) -> None:
    household.account.status = AccountStatus.PAST_DUE
    household.account.save(update_fields=["status"])


CHANGES: dict[str, tuple[Callable[[Movie, Household], None], str]] = {
    "hidden": (hide, "title_unavailable"),
    "window-closed": (expire, "title_unavailable"),
    "above-the-ceiling": (make_kids, "title_unavailable"),
    "account-on-hold": (suspend, "account_inactive"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_it_refuses_a_renewal_once_the_viewer_is_no_longer_entitled(
    viewer: Client, household: Household, movie: Movie, change: str
) -> None:
    session = start(viewer, movie)
    assert playlist(viewer, session).status_code == 200
    make_change, code = CHANGES[change]

    make_change(movie, household)
    refused = renew(viewer, session)

    assert error(refused) == (403, code)
    assert "edge_token" not in refused.cookies
    # Revoked at once: the token still in the viewer's cookie no longer opens anything.
    assert error(playlist(viewer, session)) == (403, "token_revoked")
    # Heartbeats and further renewals give the same reason, so the player can say it.
    assert error(beat(viewer, session, position_seconds=12)) == (403, code)
    assert error(renew(viewer, session)) == (403, code)


def test_it_frees_the_screen_of_a_revoked_session(
    viewer: Client, household: Household, movie: Movie
) -> None:
    session = start(viewer, movie)
    hide(movie, household)

    renew(viewer, session)

    assert live.redis().zscore(live.streams_key(household.account.pk), session) is None


def test_it_renews_an_entitled_session_in_a_fixed_number_of_queries(
    viewer: Client, movie: Movie
) -> None:
    session = start(viewer, movie)

    with CaptureQueriesContext(connection) as queries:
        response = renew(viewer, session)

    assert response.status_code == 200
    # Entitlement: the profile with its account, the video through for_profile(). The token
    # is the same one in its first half-life, so there is no audit insert.
    assert len(queries) == 2, [query["sql"] for query in queries]


def test_it_revokes_the_token_the_moment_the_session_ends(viewer: Client, movie: Movie) -> None:
    session = start(viewer, movie)
    assert playlist(viewer, session).status_code == 200

    ended = viewer.post(reverse("playback:end", args=[session]))

    assert ended.status_code == 200
    # The cookie is minutes from its expiry, and it is refused from the next request.
    assert error(playlist(viewer, session)) == (403, "token_revoked")


def test_it_records_the_https_url_each_token_opens(viewer: Client, movie: Movie) -> None:
    session = start(viewer, movie)

    audit = UUID(session)
    row = SignedStreamToken.objects.get(session_id=audit)

    assert row.signed_url == f"https://testserver/edge/{session}/"


# --- Another household's session: a 404, open or ended ----------------------------------------


@pytest.mark.parametrize("state", ["open", "ended"])
@pytest.mark.parametrize("who", ["other-household", "sibling-profile"])
def test_it_answers_404_for_a_session_of_someone_else(  # noqa: PLR0917 - fixtures
    viewer: Client,
    household: Household,
    other_household: Household,
    movie: Movie,
    state: str,
    who: str,
) -> None:
    session = start(viewer, movie)
    if state == "ended":
        viewer.post(reverse("playback:end", args=[session]))
    intruder = (
        sign_in(Client(), other_household, other_household.adult)
        if who == "other-household"
        else sign_in(Client(), household, household.kids)
    )

    answers = [
        beat(intruder, session, position_seconds=5),
        renew(intruder, session),
        intruder.post(reverse("playback:end", args=[session])),
    ]

    assert [error(answer) for answer in answers] == [(404, "unknown_session")] * 3


# --- Resume safety -------------------------------------------------------------------------


@pytest.fixture
def saved_at_20_minutes(household: Household, movie: Movie) -> WatchProgress:
    saved: WatchProgress = WatchProgress.objects.create(
        profile=household.adult,
        video=movie.video,
        progress_seconds=1200,
        last_watched_timestamp=timezone.now() - timedelta(days=1),
    )
    return saved


def test_it_never_overwrites_a_resume_point_with_a_start_that_did_not_reach_it(
    viewer: Client, household: Household, movie: Movie, saved_at_20_minutes: WatchProgress
) -> None:
    session = start(viewer, movie)

    # The stream failed before the player could seek to 20:00: it reports 0, pauses, leaves.
    assert beat(viewer, session, position_seconds=0, event="play").json() == {"status": "held"}
    assert beat(viewer, session, position_seconds=0.4, event="pause").json() == {"status": "held"}
    viewer.post(
        reverse("playback:end", args=[session]),
        {"position_seconds": "0.4", "reason": "closed"},
    )
    flush.progress_flush(everything=True)

    saved_at_20_minutes.refresh_from_db()
    assert saved_at_20_minutes.progress_seconds == 1200
    again = viewer.post(reverse("playback:start", args=[movie.pk])).json()
    assert again["resume_seconds"] == 1200


def test_it_saves_an_earlier_position_once_the_player_reached_the_resume_point(
    viewer: Client, household: Household, movie: Movie, saved_at_20_minutes: WatchProgress
) -> None:
    session = start(viewer, movie)

    assert beat(viewer, session, position_seconds=1200.5, event="seek").json()["status"] == "ok"
    assert beat(viewer, session, position_seconds=600, event="seek").json()["status"] == "ok"
    flush.progress_flush(everything=True)

    saved_at_20_minutes.refresh_from_db()
    assert saved_at_20_minutes.progress_seconds == 600


def test_it_saves_from_zero_when_the_viewer_chose_to_start_over(
    viewer: Client, household: Household, movie: Movie, saved_at_20_minutes: WatchProgress
) -> None:
    response = viewer.post(reverse("playback:start", args=[movie.pk]) + "?from=start")
    session = response.json()["session_id"]

    assert beat(viewer, session, position_seconds=30, event="pause").json()["status"] == "ok"
    flush.progress_flush(everything=True)

    saved_at_20_minutes.refresh_from_db()
    assert saved_at_20_minutes.progress_seconds == 30


def test_it_clamps_a_heartbeat_dated_ahead_of_the_servers_clock(
    viewer: Client, household: Household, movie: Movie
) -> None:
    session = start(viewer, movie)
    now = int(time.time() * 1000)

    ahead = beat(viewer, session, position_seconds=10, at=now + 290_000)
    time.sleep(0.01)  # the server's clock moves on: two reports in one millisecond would tie
    later = beat(viewer, session, position_seconds=20, at=now + 1_000)

    assert ahead.json()["status"] == "ok"
    # Had the first kept its date, this one would be "stale" for the next five minutes.
    assert later.json()["status"] == "ok"
    field = live.entry_field(household.adult.pk, movie.pk)
    entry = live.BufferedPosition.parse(field, live.redis().hget(live.BUFFER, field))
    assert entry.position == 20
    assert entry.at_ms <= int(time.time() * 1000)
