"""Hiding from the viewing activity: a title, an episode, a whole series; what stops a
buffered or claimed position from bringing a hidden title back; and what any other id,
method or profile gets (a page, never a 500, and nothing of anyone's changed).

Positions reach the buffer through the HEARTBEAT script itself (``report`` below opens a
session in Redis and records a heartbeat, as the player's API does), and the flush is the
real one, against the real PostgreSQL and Redis.
"""

from __future__ import annotations

import html
import json
import re
import time
from datetime import timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from accounts.models import Profile
from catalog.models import Episode, MaturityRating, Movie, Series, Video
from playback import flush, heartbeats, live, sessions
from playback.heartbeats import Heartbeat
from playback.models import WatchProgress
from tests.cast import Household, sign_in, warm_identity
from tests.factories import (
    EpisodeFactory,
    MovieFactory,
    SeasonFactory,
    SeriesFactory,
    WatchProgressFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

ACTIVITY = reverse("playback:activity")
HOME = reverse("catalog:home")
NOT_IN_ACTIVITY = "This title is not in your viewing activity."


# --- The cast, the player and the pages -----------------------------------------------------


def watched(
    profile: Profile, playable: Movie | Episode, *, seconds: int = 1200, minutes_ago: int = 10
) -> WatchProgress:
    progress: WatchProgress = WatchProgressFactory.create(
        profile=profile,
        video=playable.video,
        progress_seconds=seconds,
        last_watched_timestamp=timezone.now() - timedelta(minutes=minutes_ago),
    )
    return progress


def now_ms() -> int:
    return int(time.time() * 1000)


def playing(profile: Profile, playable: Movie | Episode) -> UUID:
    """A session of ``profile`` on ``playable``, open in Redis as the start endpoint opens it
    (without taking one of the plan's screens, so a test may open several)."""
    session_id = uuid4()
    live.session_open(
        session_id=session_id,
        profile_id=profile.pk,
        account_id=profile.account_id,
        video_id=playable.pk,
        stream_id=uuid4(),
        duration=playable.video.duration_seconds,
        resume=0,
        now_ms=now_ms(),
    )
    return session_id


def report(
    profile: Profile, session_id: UUID, position: float, *, at_ms: int, final: bool = True
) -> str:
    """One heartbeat through the HEARTBEAT script; its status word."""
    return heartbeats.heartbeat_record(
        session_id=session_id,
        profile_id=profile.pk,
        heartbeat=Heartbeat(position, "pause" if final else "tick", at_ms),
    )


def hide_url(video_id: UUID | str) -> str:
    return reverse("playback:activity_hide", args=[video_id])


def series_url(series_id: UUID | str) -> str:
    return reverse("playback:activity_hide_series", args=[series_id])


def page(client: Client, url: str = ACTIVITY) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def listed(body: str) -> list[str]:
    """The activity page's rows: "Title" or "Series S1:E2 · Episode"."""
    return [
        html.unescape(" ".join(part for part in match if part))
        for match in re.findall(
            r'<div class="activity-name">\s*<a [^>]*>([^<]*)</a>\s*'
            r'(?:<span class="activity-episode">([^<]*)</span>)?',
            body,
        )
    ]


def continue_watching(client: Client) -> list[str]:
    section = re.search(
        r'aria-labelledby="row-continue">(.*?)</section>', page(client, HOME), re.DOTALL
    )
    if section is None:
        return []
    return [html.unescape(t) for t in re.findall(r'<div class="card-title">([^<]*)', section[1])]


def banner(body: str) -> str:
    found = re.search(r'<div class="activity-banner" role="status">(.*?)</div>', body, re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(found[1])).split()) if found else ""


def everything_stored() -> dict[str, Any]:
    """Every progress row and every position in Redis, to show a refusal changed nothing."""
    client = live.redis()
    return {
        "rows": sorted(
            WatchProgress.objects.values_list(
                "profile_id", "video_id", "progress_seconds", "last_watched_timestamp"
            )
        ),
        "buffer": client.hgetall(live.BUFFER),
        "recent": {
            key: client.hgetall(key) for key in sorted(client.keys(f"{live.RECENT_PREFIX}*"))
        },
    }


@pytest.fixture
def series(db: None) -> Series:
    created: Series = SeriesFactory.create(title="Harbour Lights")
    first, second = (
        SeasonFactory.create(series=created, number=1),
        SeasonFactory.create(series=created, number=2),
    )
    EpisodeFactory.create(season=first, number=1, title="Arrival")
    EpisodeFactory.create(season=first, number=2, title="The Pier")
    EpisodeFactory.create(season=second, number=1, title="Storm")
    return created


def episode(series: Series, season: int, number: int) -> Episode:
    found: Episode = Episode.objects.get(
        season__series=series, season__number=season, number=number
    )
    return found


# --- Hiding a title -------------------------------------------------------------------------


def test_it_hides_a_movie_from_the_activity_and_from_continue_watching(
    viewer: Client, household: Household
) -> None:
    keep, hide = MovieFactory.create(title="Keep Me"), MovieFactory.create(title="Hide Me")
    watched(household.adult, keep, minutes_ago=20)
    watched(household.adult, hide, minutes_ago=10)
    assert continue_watching(viewer) == ["Hide Me", "Keep Me"]

    response = viewer.post(hide_url(hide.pk))

    assert response.status_code == 303
    assert response["Location"] == ACTIVITY
    body = page(viewer)
    assert listed(body) == ["Keep Me"]
    assert banner(body) == "Hidden: Hide Me."
    assert continue_watching(viewer) == ["Keep Me"]
    assert not WatchProgress.objects.filter(video_id=hide.pk).exists()
    # Played again, it starts from the beginning.
    assert sessions.resume_position(profile=household.adult, video=hide.video) == 0


def test_it_shows_the_confirmation_once(viewer: Client, household: Household) -> None:
    movie = MovieFactory.create(title="Once")
    watched(household.adult, movie)
    viewer.post(hide_url(movie.pk))

    assert banner(page(viewer)) == "Hidden: Once."
    assert banner(page(viewer)) == ""


def test_it_returns_to_the_page_the_hide_was_sent_from(
    viewer: Client, household: Household
) -> None:
    movie = MovieFactory.create()
    watched(household.adult, movie)

    response = viewer.post(hide_url(movie.pk), {"page": "2"})

    assert response["Location"] == f"{ACTIVITY}?page=2"


def test_it_offers_to_hide_the_whole_series_after_hiding_an_episode(
    viewer: Client, household: Household, series: Series
) -> None:
    for number, (season, ep) in enumerate([(1, 1), (1, 2), (2, 1)]):
        watched(household.adult, episode(series, season, ep), minutes_ago=30 - number)
    watched(household.adult, MovieFactory.create(title="A Film"), minutes_ago=40)

    viewer.post(hide_url(episode(series, 1, 2).pk))

    body = page(viewer)
    assert listed(body) == [
        "Harbour Lights S2:E1 · Storm",
        "Harbour Lights S1:E1 · Arrival",
        "A Film",
    ]
    assert banner(body).startswith("Hidden. Hide all of Harbour Lights?")
    assert f'action="{series_url(series.pk)}"' in body

    response = viewer.post(series_url(series.pk))

    assert response.status_code == 303
    body = page(viewer)
    assert listed(body) == ["A Film"]
    assert banner(body) == "Hidden all of Harbour Lights."
    assert list(WatchProgress.objects.values_list("video__movie__title", flat=True)) == ["A Film"]


def test_it_offers_nothing_more_after_hiding_a_movie(viewer: Client, household: Household) -> None:
    movie = MovieFactory.create(title="Standalone")
    watched(household.adult, movie)

    viewer.post(hide_url(movie.pk))

    assert "Hide all of" not in page(viewer)


def test_it_hides_a_series_in_one_request_with_a_fixed_number_of_queries(
    viewer: Client,
    household: Household,
    series: Series,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    for season, number in [(1, 1), (1, 2), (2, 1)]:
        watched(household.adult, episode(series, season, number))
    warm_identity(household)

    # 1. the series, if the profile may see it, 2. the ids of its episodes it may play,
    # 3-5. the DELETE of the profile's rows in its transaction (a savepoint here), 6-8. the
    # session's save with the confirmation (cached_db writes through to PostgreSQL).
    with django_assert_num_queries(8):
        viewer.post(series_url(series.pk))

    assert not WatchProgress.objects.exists()


# --- What the buffer and the flush could bring back ------------------------------------------


def test_it_drops_a_buffered_position_so_the_flush_cannot_bring_the_title_back(
    viewer: Client, household: Household
) -> None:
    movie = MovieFactory.create(title="Buffered")
    watched(household.adult, movie, seconds=300, minutes_ago=60)
    assert report(household.adult, playing(household.adult, movie), 900, at_ms=now_ms()) == "ok"
    assert continue_watching(viewer) == ["Buffered"]

    viewer.post(hide_url(movie.pk))
    written = flush.progress_flush(everything=True)

    assert written.written == 0
    assert not WatchProgress.objects.exists()
    assert listed(page(viewer)) == []
    assert continue_watching(viewer) == []
    assert live.buffered_for_profile(household.adult.pk) == {}


def test_it_hides_a_series_whose_episodes_are_only_in_the_buffer(
    viewer: Client, household: Household, series: Series
) -> None:
    # One episode flushed (so it is listed), two more only buffered, not written yet.
    watched(household.adult, episode(series, 1, 1))
    for season, number in [(1, 2), (2, 1)]:
        playable = episode(series, season, number)
        report(household.adult, playing(household.adult, playable), 600, at_ms=now_ms())
    assert continue_watching(viewer) == ["Harbour Lights", "Harbour Lights", "Harbour Lights"]

    viewer.post(series_url(series.pk))
    flush.progress_flush(everything=True)

    assert not WatchProgress.objects.exists()
    assert continue_watching(viewer) == []


def test_it_keeps_a_title_hidden_when_a_flush_read_its_position_just_before_the_hide(
    viewer: Client, household: Household, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race: a flush claims the batch and reads it; the viewer hides the title; the
    # flush then writes the position it read. Without a row dated at the hide, that write
    # would bring the title back with the old position.
    movie = MovieFactory.create(title="Raced")
    watched(household.adult, movie, seconds=300, minutes_ago=60)
    report(household.adult, playing(household.adult, movie), 1500, at_ms=now_ms() - 5000)
    read = live.batch_text
    hides = []

    def read_then_hide(batch_key: str) -> tuple[str, str]:
        text = read(batch_key)
        if text[0]:  # the batch with the position: the viewer hides the title now
            hides.append(viewer.post(hide_url(movie.pk)).status_code)
        return text

    monkeypatch.setattr(live, "batch_text", read_then_hide)
    written = flush.progress_flush(everything=True)
    monkeypatch.undo()

    assert hides == [303]
    assert written.claimed == 1
    assert written.written == 0  # the upsert found a newer row, and left it
    kept = WatchProgress.objects.get(profile=household.adult, video_id=movie.pk)
    assert (kept.progress_seconds, kept.is_finished) == (0, False)
    assert listed(page(viewer)) == []
    assert continue_watching(viewer) == []
    assert sessions.resume_position(profile=household.adult, video=movie.video) == 0


def test_it_takes_a_hidden_position_out_of_a_batch_a_flush_claimed_but_has_not_read(
    viewer: Client, household: Household
) -> None:
    movie = MovieFactory.create(title="Claimed")
    report(household.adult, playing(household.adult, movie), 1500, at_ms=now_ms() - 5000)
    watched(household.adult, movie, seconds=300, minutes_ago=60)
    batch, claimed = live.claim_due(now_ms=now_ms(), lag_ms=0)
    assert claimed == 1

    viewer.post(hide_url(movie.pk))
    written = flush.batch_write(batch, now_ms=now_ms())

    assert written == 0
    assert listed(page(viewer)) == []
    assert continue_watching(viewer) == []
    assert live.claimed_batches() == []


def test_it_refuses_a_report_dated_before_the_hide_that_arrives_after_it(
    viewer: Client, household: Household
) -> None:
    movie = MovieFactory.create(title="In Flight")
    session = playing(household.adult, movie)
    report(household.adult, session, 600, at_ms=now_ms() - 10_000)
    flush.progress_flush(everything=True)
    sent_before_the_hide = now_ms()

    viewer.post(hide_url(movie.pk))

    assert report(household.adult, session, 630, at_ms=sent_before_the_hide) == "stale"
    flush.progress_flush(everything=True)
    assert not WatchProgress.objects.exists()
    assert continue_watching(viewer) == []


def test_it_lists_a_hidden_title_again_once_the_viewer_watches_it_again(
    viewer: Client, household: Household
) -> None:
    movie = MovieFactory.create(title="Back Again")
    session = playing(household.adult, movie)
    report(household.adult, session, 600, at_ms=now_ms() - 10_000)
    flush.progress_flush(everything=True)
    viewer.post(hide_url(movie.pk))
    time.sleep(0.002)  # a report dated in a later millisecond than the hide

    assert report(household.adult, session, 660, at_ms=now_ms()) == "ok"

    assert continue_watching(viewer) == ["Back Again"]
    flush.progress_flush(everything=True)
    assert listed(page(viewer)) == ["Back Again"]


def test_it_changes_nothing_and_says_so_when_redis_is_away(
    viewer: Client, household: Household, monkeypatch: pytest.MonkeyPatch
) -> None:
    movie = MovieFactory.create(title="Kept While Away")
    watched(household.adult, movie)
    before = everything_stored()
    closed = Redis(port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 1))
    monkeypatch.setattr(live, "redis", lambda: closed)
    live._Scripts.forget()

    response = viewer.post(hide_url(movie.pk))

    monkeypatch.undo()
    live._Scripts.forget()
    assert response.status_code == 503
    assert "Nothing was changed" in response.content.decode()
    assert everything_stored() == before


# --- Anyone else's, any other id, any other method -------------------------------------------


def assert_refused(response: Any, status: int = 404) -> None:
    assert response.status_code == status
    body = response.content.decode()
    assert '<link rel="stylesheet"' in body  # the portal's own page
    if status == 404:
        assert NOT_IN_ACTIVITY in body or "We couldn&#x27;t find that page" in body


def test_it_refuses_another_households_title(
    viewer: Client, household: Household, other_household: Household
) -> None:
    theirs = MovieFactory.create(title="Their Film")
    watched(other_household.adult, theirs)
    before = everything_stored()

    assert_refused(viewer.post(hide_url(theirs.pk)))
    assert NOT_IN_ACTIVITY in viewer.post(hide_url(theirs.pk)).content.decode()
    assert everything_stored() == before


def test_it_refuses_a_title_only_another_profile_of_the_household_watched(
    client: Client, household: Household
) -> None:
    cartoon = MovieFactory.create(title="Cartoon", maturity_rating=MaturityRating.AGE_7)
    watched(household.kids, cartoon)
    report(household.kids, playing(household.kids, cartoon), 900, at_ms=now_ms())
    before = everything_stored()

    assert_refused(sign_in(client, household, household.adult).post(hide_url(cartoon.pk)))
    assert everything_stored() == before


def test_it_lets_a_kids_profile_hide_its_own_titles_and_nothing_above_its_ceiling(
    client: Client, household: Household
) -> None:
    cartoon = MovieFactory.create(title="Cartoon", maturity_rating=MaturityRating.AGE_7)
    thriller = MovieFactory.create(title="Thriller", maturity_rating=MaturityRating.AGE_18)
    watched(household.kids, cartoon)
    watched(household.kids, thriller)  # watched before the rating was set, say
    watched(household.adult, thriller)
    kids = sign_in(client, household, household.kids)
    assert listed(page(kids)) == ["Cartoon"]

    assert_refused(kids.post(hide_url(thriller.pk)))
    assert kids.post(hide_url(cartoon.pk)).status_code == 303

    assert listed(page(kids)) == []
    assert sorted(WatchProgress.objects.values_list("profile__name", "video__movie__title")) == [
        ("Alex", "Thriller"),
        ("Kids", "Thriller"),
    ]


def test_it_refuses_a_series_the_profile_may_not_see(
    client: Client, household: Household, series: Series
) -> None:
    Series.objects.filter(pk=series.pk).update(maturity_rating=MaturityRating.AGE_16)
    watched(household.adult, episode(series, 1, 1))
    watched(household.kids, episode(series, 1, 1))
    before = everything_stored()

    assert_refused(sign_in(client, household, household.kids).post(series_url(series.pk)))
    assert everything_stored() == before


def test_it_hides_only_the_profiles_own_episodes_of_a_series(
    client: Client, household: Household, other_household: Household, series: Series
) -> None:
    for profile in (household.adult, household.kids, other_household.adult):
        watched(profile, episode(series, 1, 1))
    Series.objects.filter(pk=series.pk).update(maturity_rating=MaturityRating.AGE_7)

    response = sign_in(client, household, household.kids).post(series_url(series.pk))

    assert response.status_code == 303
    assert sorted(WatchProgress.objects.values_list("profile__name", flat=True)) == [
        "Alex",
        "Bruno",
    ]


def test_it_refuses_an_id_that_is_no_video(viewer: Client, household: Household) -> None:
    watched(household.adult, MovieFactory.create())
    before = everything_stored()

    assert_refused(viewer.post(hide_url(uuid4())))
    assert_refused(viewer.post(series_url(uuid4())))
    assert everything_stored() == before


def test_it_refuses_a_repeated_hide_and_changes_nothing_more(
    viewer: Client, household: Household
) -> None:
    hidden, other = MovieFactory.create(title="Twice"), MovieFactory.create(title="Other")
    watched(household.adult, hidden)
    watched(household.adult, other)
    assert viewer.post(hide_url(hidden.pk)).status_code == 303
    before = everything_stored()

    assert_refused(viewer.post(hide_url(hidden.pk)))
    assert everything_stored() == before


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_it_refuses_any_method_but_post_with_a_page(
    viewer: Client, household: Household, method: str
) -> None:
    movie = MovieFactory.create()
    watched(household.adult, movie)
    before = everything_stored()

    response = getattr(viewer, method)(hide_url(movie.pk))

    assert_refused(response, 405)
    assert response["Allow"] == "POST"
    assert "Hide button" in response.content.decode()
    assert everything_stored() == before


def test_it_refuses_a_hide_without_the_forms_csrf_token(household: Household) -> None:
    movie = MovieFactory.create()
    watched(household.adult, movie)
    client = sign_in(Client(enforce_csrf_checks=True), household, household.adult)

    response = client.post(hide_url(movie.pk))

    assert response.status_code == 403
    assert WatchProgress.objects.filter(video_id=movie.pk).exists()


def test_it_puts_the_csrf_token_in_every_hide_form(viewer: Client, household: Household) -> None:
    watched(household.adult, MovieFactory.create())
    watched(household.adult, EpisodeFactory.create())
    viewer.post(hide_url(Video.objects.filter(kind=Video.Kind.EPISODE).get().pk))
    watched(household.adult, MovieFactory.create())

    body = page(viewer)

    forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', body, re.DOTALL)
    assert len(forms) >= 3  # two Hide buttons, the series offer (and the header's sign-out)
    assert all('name="csrfmiddlewaretoken"' in form for form in forms)


@pytest.mark.fuzz
@given(segment=st.text(min_size=1, max_size=80), to_series=st.booleans())
def test_it_answers_any_malformed_id_with_a_page_never_a_500(
    viewer: Client, household: Household, segment: str, to_series: bool
) -> None:
    watched(household.adult, MovieFactory.create()) if not WatchProgress.objects.exists() else None
    before = everything_stored()
    route = "activity/series" if to_series else "activity"

    response = viewer.post(f"/{route}/{quote(segment, safe='')}/hide/")

    assert response.status_code == 404
    assert everything_stored() == before


@pytest.mark.fuzz
@given(data=st.data())
def test_it_refuses_any_id_but_the_profiles_own_rows(
    client: Client, household: Household, other_household: Household, data: st.DataObject
) -> None:
    if not WatchProgress.objects.exists():
        for profile, title in [
            (household.adult, "Mine"),
            (household.kids, "Kids Own"),
            (other_household.adult, "Theirs"),
            (other_household.kids, "Theirs Too"),
        ]:
            watched(profile, MovieFactory.create(title=title, maturity_rating=MaturityRating.ALL))
    foreign = list(WatchProgress.objects.exclude(profile=household.adult).values_list("video_id"))
    video_id = data.draw(st.one_of(st.uuids(), st.sampled_from([v for (v,) in foreign])))
    before = everything_stored()

    response = sign_in(client, household, household.adult).post(hide_url(video_id))

    assert response.status_code == 404
    assert everything_stored() == before


@pytest.mark.fuzz
@given(
    fields=st.dictionaries(
        st.sampled_from(["page", "video_id", "profile", "profile_id", "series", "next"]),
        st.text(max_size=40),
    )
)
def test_it_hides_exactly_the_row_named_in_the_address_whatever_the_form_says(
    viewer: Client, household: Household, other_household: Household, fields: dict[str, str]
) -> None:
    mine, theirs = MovieFactory.create(), MovieFactory.create()
    watched(household.adult, mine)
    watched(household.kids, theirs)
    watched(other_household.adult, theirs)
    before = set(WatchProgress.objects.values_list("profile_id", "video_id"))

    response = viewer.post(hide_url(mine.pk), fields)

    assert response.status_code == 303
    assert response["Location"].startswith(f"{ACTIVITY}")
    assert set(WatchProgress.objects.values_list("profile_id", "video_id")) == before - {
        (household.adult.pk, mine.pk)
    }
    json.dumps(viewer.session.get("activity_hidden"))  # the session's copy stays JSON
