"""Intro, recap and credits markers (issue #16): the rules, the admin inline, the start API."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.admin.markers import clock_seconds
from catalog.history import EMPTY, history_page
from catalog.models import CaptionTrack, Episode, Movie, StreamSource, VideoMarker, Visibility
from catalog.services import marker_save
from tests.admin_forms import change_form, inline_rows
from tests.cast import Household, warm_identity
from tests.factories import (
    MovieFactory,
    SeasonFactory,
    SeriesFactory,
    VideoMarkerFactory,
)

pytestmark = pytest.mark.django_db

INTRO, RECAP, CREDITS = VideoMarker.Kind.INTRO, VideoMarker.Kind.RECAP, VideoMarker.Kind.CREDITS


@pytest.fixture
def movie() -> Movie:
    created: Movie = MovieFactory.create(duration_minutes=95)  # 1:35:00
    return created


def marker(movie: Movie, **fields: Any) -> VideoMarker:
    return VideoMarker(video=movie.video, **{"kind": INTRO, **fields})


# --- The rules --------------------------------------------------------------------------------


def test_it_saves_a_marker_inside_the_video(movie: Movie) -> None:
    saved = marker_save(marker=marker(movie, start_seconds=30, end_seconds=95))

    assert VideoMarker.objects.get(pk=saved.pk).end_seconds == 95


def test_it_lets_the_credits_end_exactly_at_the_end_of_the_video(movie: Movie) -> None:
    marker_save(marker=marker(movie, kind=CREDITS, start_seconds=5400, end_seconds=95 * 60))

    assert VideoMarker.objects.filter(kind=CREDITS).exists()


def test_the_database_refuses_an_end_before_the_start(movie: Movie) -> None:
    with pytest.raises(IntegrityError, match="catalog_marker_end_after_start"):
        marker(movie, start_seconds=95, end_seconds=30).save()


def test_the_database_refuses_an_empty_marker(movie: Movie) -> None:
    with pytest.raises(IntegrityError, match="catalog_marker_end_after_start"):
        marker(movie, start_seconds=30, end_seconds=30).save()


def test_the_database_refuses_a_second_marker_of_one_kind(movie: Movie) -> None:
    VideoMarkerFactory.create(video=movie.video, kind=INTRO)

    with pytest.raises(IntegrityError, match="catalog_marker_one_per_kind"), transaction.atomic():
        VideoMarkerFactory.create(video=movie.video, kind=INTRO, start_seconds=200, end_seconds=260)
    VideoMarkerFactory.create(video=movie.video, kind=RECAP, start_seconds=0, end_seconds=20)


def test_the_service_says_the_end_is_after_the_end_of_the_video(movie: Movie) -> None:
    with pytest.raises(ValidationError) as refused:
        marker_save(marker=marker(movie, kind=CREDITS, start_seconds=5400, end_seconds=5701))

    assert refused.value.message_dict == {
        "end_seconds": ["The end (1:35:01) is after the end of the video (1:35:00)."]
    }
    assert not VideoMarker.objects.exists()


def test_the_service_names_the_field_of_a_broken_constraint(movie: Movie) -> None:
    VideoMarkerFactory.create(video=movie.video, kind=INTRO)

    with pytest.raises(ValidationError) as refused:
        marker_save(marker=marker(movie, start_seconds=90, end_seconds=80))

    assert refused.value.message_dict == {
        "end_seconds": ["The end must come after the start."],
        "kind": ["This video already has a marker of this kind."],
    }


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("95", 95), ("1:35", 95), ("0:05", 5), (" 12:00 ", 720), ("1:02:05", 3725), ("75:00", 4500)],
)
def test_it_reads_clock_text_as_seconds(text: str, seconds: int) -> None:
    assert clock_seconds(text) == seconds


@pytest.mark.parametrize("text", ["1:75", "1:60:00", "1:2:3:4", "-5", "1.5", "abc", "1:", ":30"])
def test_it_refuses_clock_text_that_is_not_a_time(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(text.strip())):
        clock_seconds(text)


# --- The admin inline -------------------------------------------------------------------------


def movie_page(movie: Movie) -> str:
    return reverse("admin:catalog_movie_change", args=[movie.pk])


def with_markers(movie: Movie, rows: list[dict[str, str]]) -> dict[str, Any]:
    stream = StreamSource.objects.get(video=movie.video)
    caption = CaptionTrack.objects.get(video=movie.video)
    return change_form(movie, stream, caption) | inline_rows("markers", rows)


def marker_errors(response: Any) -> list[dict[str, list[str]]]:
    assert response.status_code == 200, "the form was accepted"
    formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "markers"
    )
    return [
        {field: [str(message) for message in messages] for field, messages in errors.items()}
        for errors in formset.errors
    ] + ([{"__all__": list(formset.non_form_errors())}] if formset.non_form_errors() else [])


def test_the_admin_saves_markers_typed_as_clock_text(editor_client: Client, movie: Movie) -> None:
    rows = [
        {"kind": INTRO, "start_seconds": "0:30", "end_seconds": "1:35"},
        {"kind": CREDITS, "start_seconds": "1:30:00", "end_seconds": "1:35:00"},
    ]

    response = editor_client.post(movie_page(movie), with_markers(movie, rows))

    assert response.status_code == 302
    assert list(
        VideoMarker.objects.filter(video=movie.video).values_list(
            "kind", "start_seconds", "end_seconds"
        )
    ) == [(INTRO, 30, 95), (CREDITS, 5400, 5700)]


def test_the_admin_shows_stored_markers_as_clock_text(editor_client: Client, movie: Movie) -> None:
    VideoMarkerFactory.create(video=movie.video, start_seconds=30, end_seconds=3725)

    page = editor_client.get(movie_page(movie)).content.decode()

    assert 'name="markers-0-start_seconds" value="0:30"' in page
    assert 'name="markers-0-end_seconds" value="1:02:05"' in page


@pytest.mark.parametrize(
    ("row", "errors"),
    [
        (
            {"start_seconds": "1:35", "end_seconds": "0:30"},
            {"end_seconds": ["The end must come after the start."]},
        ),
        (
            {"start_seconds": "1:30:00", "end_seconds": "1:35:01"},
            {"end_seconds": ["The end (1:35:01) is after the end of the video (1:35:00)."]},
        ),
        (
            {"start_seconds": "1:75", "end_seconds": "two"},
            {
                "start_seconds": [
                    'Enter a time as "m:ss" or "h:mm:ss", for example 1:35 or 1:02:05.'
                ],
                "end_seconds": [
                    'Enter a time as "m:ss" or "h:mm:ss", for example 1:35 or 1:02:05.'
                ],
            },
        ),
        (
            {"start_seconds": "", "end_seconds": "1:00"},
            {"start_seconds": ["This field is required."]},
        ),
    ],
    ids=["end-before-start", "beyond-duration", "not-a-time", "missing"],
)
def test_the_admin_shows_a_bad_marker_on_its_field(
    editor_client: Client, movie: Movie, row: dict[str, str], errors: dict[str, list[str]]
) -> None:
    response = editor_client.post(movie_page(movie), with_markers(movie, [{"kind": INTRO, **row}]))

    assert marker_errors(response) == [errors]
    assert not VideoMarker.objects.exists()


def test_the_admin_refuses_two_markers_of_one_kind(editor_client: Client, movie: Movie) -> None:
    rows = [
        {"kind": INTRO, "start_seconds": "0:30", "end_seconds": "1:35"},
        {"kind": INTRO, "start_seconds": "2:00", "end_seconds": "2:30"},
    ]

    response = editor_client.post(movie_page(movie), with_markers(movie, rows))

    assert response.status_code == 200
    assert "Please correct the duplicate" in str(marker_errors(response))
    assert not VideoMarker.objects.exists()


def test_the_admin_checks_markers_against_the_running_time_submitted_with_them(
    editor_client: Client, movie: Movie
) -> None:
    VideoMarkerFactory.create(video=movie.video, kind=CREDITS, start_seconds=5000, end_seconds=5600)
    form = with_markers(
        movie,
        [
            {
                "id": str(VideoMarker.objects.get().pk),
                "video": str(movie.pk),
                "kind": CREDITS,
                "start_seconds": "1:23:20",
                "end_seconds": "1:33:20",
            }
        ],
    ) | {"duration_minutes": "90", "markers-INITIAL_FORMS": "1"}

    response = editor_client.post(movie_page(movie), form)

    assert marker_errors(response) == [
        {"end_seconds": ["The end (1:33:20) is after the end of the video (1:30:00)."]}
    ]
    assert Movie.objects.get(pk=movie.pk).duration_minutes == 95


def test_the_admin_adds_an_episode_with_its_markers(editor_client: Client) -> None:
    # A hidden series: a visible one's episode needs a primary stream, which is not the point.
    season = SeasonFactory.create(series=SeriesFactory.create(visibility=Visibility.HIDDEN))

    response = editor_client.post(
        reverse("admin:catalog_episode_add"),
        {
            "season": season.pk,
            "number": "2",
            "title": "The second",
            "synopsis": "It goes on.",
            "duration_minutes": "42",
            "release_year": "2024",
            **inline_rows("stream_sources", []),
            **inline_rows("caption_tracks", []),
            **inline_rows("trickplay", []),
            **inline_rows(
                "markers",
                [
                    {"kind": RECAP, "start_seconds": "0:00", "end_seconds": "0:45"},
                    {"kind": CREDITS, "start_seconds": "40:30", "end_seconds": "42:00"},
                ],
            ),
        },
    )

    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [inline.formset.non_form_errors() for inline in response.context["inline_admin_formsets"]],
    )
    episode = Episode.objects.get(number=2)
    assert sorted(episode.markers.values_list("kind", flat=True)) == [CREDITS, RECAP]


# --- The start API ----------------------------------------------------------------------------


def started_markers(client: Client, movie: Movie) -> Any:
    response = client.post(reverse("playback:start", args=[movie.pk]))
    assert response.status_code == 201, response.content
    return response.json()["markers"]


def test_the_start_answer_lists_the_markers_in_playing_order(
    viewer: Client, household: Household, movie: Movie
) -> None:
    VideoMarkerFactory.create(video=movie.video, kind=CREDITS, start_seconds=5400, end_seconds=5700)
    VideoMarkerFactory.create(video=movie.video, kind=RECAP, start_seconds=0, end_seconds=25)
    VideoMarkerFactory.create(video=movie.video, kind=INTRO, start_seconds=30, end_seconds=95)
    warm_identity(household)

    with CaptureQueriesContext(connection) as queries:
        markers = started_markers(viewer, movie)

    # One query for the markers, whatever their number (the start's whole count is asserted
    # in tests/test_playback_preferences.py).
    assert sum('"catalog_videomarker"' in query["sql"] for query in queries) == 1
    assert markers == [
        {"kind": "recap", "start": 0, "end": 25},
        {"kind": "intro", "start": 30, "end": 95},
        {"kind": "credits", "start": 5400, "end": 5700},
    ]


def test_the_start_answer_has_no_markers_for_a_video_without_any(
    viewer: Client, movie: Movie
) -> None:
    assert started_markers(viewer, movie) == []


# --- The demo catalog -------------------------------------------------------------------------


def test_the_demo_gives_every_movie_and_episode_an_intro_and_credits(
    tmp_path: Path, settings: Any
) -> None:
    settings.LOCAL_ORIGIN_ROOT = tmp_path / "origin"
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    movie = Movie.objects.get(slug="orbit-of-small-things")

    assert list(movie.video.markers.values_list("kind", "start_seconds", "end_seconds")) == [
        (INTRO, 20, 80),
        (CREDITS, movie.duration_minutes * 60 - 90, movie.duration_minutes * 60),
    ]
    videos = Movie.objects.count() + Episode.objects.count()
    assert VideoMarker.objects.count() == 2 * videos
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert VideoMarker.objects.count() == 2 * videos  # again: the same rows, matched by kind


# --- The editorial history --------------------------------------------------------------------


def test_the_editorial_history_records_a_marker_added_moved_and_removed(movie: Movie) -> None:
    intro = marker_save(marker=marker(movie, start_seconds=30, end_seconds=95))
    intro.end_seconds = 100
    marker_save(marker=intro)
    intro.delete()

    shown = [
        (change.what, change.before, change.after)
        for change in history_page(movie, limit=10).changes
        if change.subject == "Intro marker"
    ]
    assert shown == [
        ("Intro marker: Removed", "Intro · 30 · 100", EMPTY),
        ("Intro marker: End seconds", "95", "100"),
        ("Intro marker: Created", EMPTY, "Intro · 30 · 95"),
    ]
