"""The editors' admin: fixed query counts, the add form's rules, actions and list filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from catalog.models import (
    CaptionTrack,
    Genre,
    Movie,
    Series,
    StreamSource,
    ValidationStatus,
    Visibility,
)
from tests.admin_forms import change_form, inline_rows, split_datetime
from tests.cast import cold_identity
from tests.factories import (
    CaptionTrackFactory,
    EpisodeFactory,
    GenreFactory,
    MovieFactory,
    SeasonFactory,
    SeriesFactory,
    StreamSourceFactory,
)

pytestmark = pytest.mark.django_db

MOVIE_CHANGELIST = reverse("admin:catalog_movie_changelist")
SERIES_CHANGELIST = reverse("admin:catalog_series_changelist")
EPISODE_CHANGELIST = reverse("admin:catalog_episode_changelist")
MOVIE_ADD = reverse("admin:catalog_movie_add")


def page_queries(client: Client, url: str) -> list[str]:
    forget_content_types()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in context.captured_queries]


def forget_content_types() -> None:
    # The admin's history link looks its content type up once per process; forgetting it
    # makes each measured request pay that query, whatever ran before it.
    ContentType.objects.clear_cache()
    cold_identity()


def listed_titles(client: Client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {str(title) for title in response.context["cl"].result_list}


def series_with_an_episode(**fields: Any) -> Series:
    series = SeriesFactory.create(**fields)
    EpisodeFactory.create(season=SeasonFactory.create(series=series, number=1), number=1)
    return series  # type: ignore[no-any-return]


# --- Query counts --------------------------------------------------------------------------


def test_it_lists_movies_in_the_same_queries_for_3_and_30_movies(
    editor_client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    MovieFactory.create_batch(3)
    few = page_queries(editor_client, MOVIE_CHANGELIST)
    genres = [GenreFactory.create(name="Horror"), GenreFactory.create(name="Comedy")]
    MovieFactory.create_batch(27, genres=genres)

    forget_content_types()
    with django_assert_num_queries(len(few)):
        response = editor_client.get(MOVIE_CHANGELIST)

    assert len(response.context["cl"].result_list) == 30
    # The editor and its household (two queries: the identity cache is emptied); the genres for the
    # genre filter; the filtered and the full count; the movies with their media verdicts annotated;
    # their genres (prefetch); the date hierarchy's min/max and its days.
    assert len(few) == 9


def test_it_lists_series_in_the_same_queries_for_3_and_30_series(
    editor_client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for _ in range(3):
        series_with_an_episode()
    few = page_queries(editor_client, SERIES_CHANGELIST)
    for _ in range(27):
        series_with_an_episode()

    forget_content_types()
    with django_assert_num_queries(len(few)):
        response = editor_client.get(SERIES_CHANGELIST)

    assert len(response.context["cl"].result_list) == 30
    # The editor and its household (two queries: the identity cache is emptied); the genres for the
    # genre filter; the filtered and the full count; the series with media verdicts and season
    # totals annotated; their genres (prefetch); the date hierarchy's min/max and its days.
    assert len(few) == 9


def test_it_lists_episodes_in_the_same_queries_for_3_and_30_episodes(
    editor_client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    EpisodeFactory.create_batch(3)
    few = page_queries(editor_client, EPISODE_CHANGELIST)
    EpisodeFactory.create_batch(27)

    forget_content_types()
    with django_assert_num_queries(len(few)):
        response = editor_client.get(EPISODE_CHANGELIST)

    assert len(response.context["cl"].result_list) == 30
    # The editor and its household (two queries: the identity cache is emptied); the series for the
    # series filter; the filtered and the full count; the episodes with season and series joined and
    # media verdicts annotated.
    assert len(few) == 6


def test_it_shows_a_movie_change_page_in_the_same_queries_for_3_and_30_movies(
    editor_client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    movie, *_ = MovieFactory.create_batch(3)
    url = reverse("admin:catalog_movie_change", args=[movie.pk])
    few = page_queries(editor_client, url)
    MovieFactory.create_batch(27)

    forget_content_types()
    with django_assert_num_queries(len(few)):
        editor_client.get(url)

    # The editor and its household (two queries: the identity cache is emptied); the movie; its
    # genres (prefetch); streams and captions for the two inline formsets; the content type (for the
    # history link); the selected genres for the autocomplete widget; streams and captions for the
    # preview player; streams and captions for the publishing checklist; the editorial history,
    # one query per kind of row: the movie's, its video's, its streams', its captions', its genres'.
    # Issue #16 adds two: the markers' inline rows, and the markers' editorial history; and
    # one more: the trickplay track's inline row.
    assert len(few) == 20


def test_it_shows_a_movie_change_page_in_the_same_queries_for_1_and_6_media_rows(
    editor_client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    movie = MovieFactory.create()
    url = reverse("admin:catalog_movie_change", args=[movie.pk])
    few = page_queries(editor_client, url)
    for code in ["de", "fr", "es", "it", "nl"]:
        StreamSourceFactory.create(video=movie.video, is_primary=False, quality_tag=f"{code}-720p")
        CaptionTrackFactory.create(
            video=movie.video,
            is_default=False,
            language_code=code,
            validation_status=ValidationStatus.INVALID,
        )
    # The queries listed in the 3-and-30-movies test: inline rows, the preview's tracks and
    # the checklist all read the streams and captions they were given, one query each.

    forget_content_types()
    with django_assert_num_queries(len(few)):
        editor_client.get(url)


def test_it_shows_a_series_change_page_in_the_same_queries_for_2_and_10_seasons(
    editor_client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    series = SeriesFactory.create()
    for number in (1, 2):
        EpisodeFactory.create(season=SeasonFactory.create(series=series, number=number), number=1)
    url = reverse("admin:catalog_series_change", args=[series.pk])
    few = page_queries(editor_client, url)
    for number in range(3, 11):
        EpisodeFactory.create(season=SeasonFactory.create(series=series, number=number), number=1)
    # Each season row shows its label and episode count: neither may cost a query per row.

    forget_content_types()
    with django_assert_num_queries(len(few)):
        editor_client.get(url)


# --- Adding a movie ------------------------------------------------------------------------


def stream_row(**fields: str) -> dict[str, str]:
    return {
        "stream_url": "https://cdn.example.com/v/arrival/master.m3u8",
        "quality_tag": "1080p",
        "is_primary": "on",
        **fields,
    }


def caption_row(**fields: str) -> dict[str, str]:
    return {
        "language_code": "en",
        "caption_url": "https://cdn.example.com/c/arrival/en.vtt",
        "format": CaptionTrack.Format.WEBVTT,
        "is_default": "on",
        **fields,
    }


def movie_form(
    genre: Genre,
    *,
    streams: list[dict[str, str]] | None = None,
    captions: list[dict[str, str]] | None = None,
    markers: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    start = timezone.now() + timedelta(days=2)
    return {
        "title": "Arrival",
        "synopsis": "A linguist meets visitors.",
        "genres": [genre.pk],
        "poster_url": "https://img.example.com/arrival.jpg",
        "duration_minutes": "116",
        "release_year": "2016",
        "maturity_rating": "13",
        **split_datetime("availability_start", start),
        **split_datetime("availability_end", start + timedelta(days=90)),
        **inline_rows("stream_sources", [stream_row()] if streams is None else streams),
        **inline_rows("caption_tracks", [caption_row()] if captions is None else captions),
        **inline_rows("markers", [] if markers is None else markers),
        **inline_rows("trickplay", []),
    }


def inline_formset(response: Any, prefix: str) -> Any:
    return next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == prefix
    )


def assert_nothing_written() -> None:
    assert not Movie.objects.filter(title__iexact="arrival").exists()
    assert not StreamSource.objects.exists()
    assert not CaptionTrack.objects.exists()


def test_it_adds_a_movie_hidden_with_its_creator_and_slug(
    editor_client: Client, editor: Any
) -> None:
    genre = GenreFactory.create(name="Science fiction")

    response = editor_client.post(MOVIE_ADD, movie_form(genre))

    assert response.status_code == 302
    movie = Movie.objects.get(title="Arrival")
    assert (movie.visibility, movie.created_by, movie.updated_by, movie.slug) == (
        Visibility.HIDDEN,
        editor,
        editor,
        "arrival",
    )
    assert list(movie.genres.all()) == [genre]
    assert StreamSource.objects.get(video=movie.video).stream_url == (
        "https://cdn.example.com/v/arrival/master.m3u8"
    )
    assert CaptionTrack.objects.get(video=movie.video).is_default is True


def test_it_shows_a_title_taken_in_another_case_on_the_title_field(editor_client: Client) -> None:
    MovieFactory.create(title="ARRIVAL", media=False)

    response = editor_client.post(MOVIE_ADD, movie_form(GenreFactory.create()))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["title"] == [
        "Another title already uses this name (ignoring case)."
    ]
    assert Movie.objects.count() == 1
    assert not StreamSource.objects.exists()
    assert not CaptionTrack.objects.exists()


def test_it_shows_a_window_that_ends_before_it_starts_on_availability_end(
    editor_client: Client,
) -> None:
    start = timezone.now() + timedelta(days=10)
    form = movie_form(GenreFactory.create())
    form.update(split_datetime("availability_start", start))
    form.update(split_datetime("availability_end", start - timedelta(days=1)))

    response = editor_client.post(MOVIE_ADD, form)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["availability_end"] == [
        "The availability window must end after it starts."
    ]
    assert_nothing_written()


def test_it_refuses_two_default_captions_in_one_submission(editor_client: Client) -> None:
    captions = [
        caption_row(),
        caption_row(language_code="fr", caption_url="https://cdn.example.com/c/arrival/fr.vtt"),
    ]

    response = editor_client.post(MOVIE_ADD, movie_form(GenreFactory.create(), captions=captions))

    assert response.status_code == 200
    assert inline_formset(response, "caption_tracks").non_form_errors() == [
        "Only one default caption track is allowed; 2 are marked."
    ]
    assert_nothing_written()


def test_it_refuses_a_stream_url_that_is_not_an_m3u8_playlist(editor_client: Client) -> None:
    streams = [stream_row(stream_url="https://cdn.example.com/v/arrival/movie.mp4")]

    response = editor_client.post(MOVIE_ADD, movie_form(GenreFactory.create(), streams=streams))

    assert response.status_code == 200
    assert inline_formset(response, "stream_sources").errors[0]["stream_url"] == [
        "The stream URL must point to an HLS playlist ending in .m3u8."
    ]
    assert_nothing_written()


# --- Actions -------------------------------------------------------------------------------


def run_action(client: Client, action: str, *titles: Movie) -> Any:
    return client.post(
        MOVIE_CHANGELIST,
        {"action": action, "_selected_action": [title.pk for title in titles], "index": "0"},
        follow=True,
    )


def shown_messages(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_it_publishes_the_valid_movie_and_says_why_the_other_failed(
    editor_client: Client, editor: Any
) -> None:
    ready = MovieFactory.create(title="Ready", visibility=Visibility.HIDDEN)
    streamless = MovieFactory.create(title="Streamless", visibility=Visibility.HIDDEN, media=False)
    CaptionTrackFactory.create(video=streamless.video)

    response = run_action(editor_client, "publish", ready, streamless)

    assert shown_messages(response) == [
        "“Streamless” was not published: The movie: no primary stream.",
        "Published 1: Ready.",
    ]
    assert dict(Movie.objects.values_list("title", "visibility")) == {
        "Ready": Visibility.VISIBLE,
        "Streamless": Visibility.HIDDEN,
    }
    assert Movie.objects.get(pk=ready.pk).updated_by == editor


def test_it_hides_the_selected_movies(editor_client: Client, editor: Any) -> None:
    shown, other = MovieFactory.create(title="Shown"), MovieFactory.create(title="Other")

    response = run_action(editor_client, "hide", shown)

    assert shown_messages(response) == ["Hidden 1: Shown."]
    assert Movie.objects.values_list("visibility", "updated_by").get(pk=shown.pk) == (
        Visibility.HIDDEN,
        editor.pk,
    )
    assert Movie.objects.get(pk=other.pk).visibility == Visibility.VISIBLE


def test_it_extends_a_running_window_by_30_days_from_its_end(editor_client: Client) -> None:
    movie = MovieFactory.create()

    run_action(editor_client, "extend_30_days", movie)

    assert Movie.objects.get(pk=movie.pk).availability_end == (
        movie.availability_end + timedelta(days=30)
    )


def test_it_extends_an_ended_window_by_30_days_from_now(editor_client: Client) -> None:
    now = timezone.now()
    movie = MovieFactory.create(
        availability_start=now - timedelta(days=60), availability_end=now - timedelta(days=5)
    )

    before = timezone.now()
    run_action(editor_client, "extend_30_days", movie)
    after = timezone.now()

    end = Movie.objects.get(pk=movie.pk).availability_end
    assert before + timedelta(days=30) <= end <= after + timedelta(days=30)


# --- Editing a movie -----------------------------------------------------------------------


def without_primary_stream(form: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in form.items() if name != "stream_sources-0-is_primary"}


def test_it_refuses_to_untick_the_only_primary_stream_of_a_visible_movie(
    editor_client: Client,
) -> None:
    movie = MovieFactory.create(visibility=Visibility.VISIBLE, media=False)
    stream = StreamSourceFactory.create(video=movie.video)
    caption = CaptionTrackFactory.create(video=movie.video)
    url = reverse("admin:catalog_movie_change", args=[movie.pk])

    response = editor_client.post(url, without_primary_stream(change_form(movie, stream, caption)))

    assert response.status_code == 200
    message = (
        "Viewers can see this title, so it needs a primary stream. Hide the title first to "
        "remove it."
    )
    assert inline_formset(response, "stream_sources").non_form_errors() == [message]
    assert message in response.content.decode()
    assert StreamSource.objects.get(pk=stream.pk).is_primary is True


def test_it_lets_an_editor_untick_the_primary_stream_of_a_hidden_movie(
    editor_client: Client,
) -> None:
    movie = MovieFactory.create(visibility=Visibility.HIDDEN, media=False)
    stream = StreamSourceFactory.create(video=movie.video)
    caption = CaptionTrackFactory.create(video=movie.video)
    url = reverse("admin:catalog_movie_change", args=[movie.pk])

    response = editor_client.post(url, without_primary_stream(change_form(movie, stream, caption)))

    assert response.status_code == 302
    assert StreamSource.objects.get(pk=stream.pk).is_primary is False


# --- List filters --------------------------------------------------------------------------


@pytest.fixture
def movies_in_every_window_state() -> None:
    now = timezone.now()
    MovieFactory.create(
        title="Upcoming",
        availability_start=now + timedelta(days=5),
        availability_end=now + timedelta(days=50),
    )
    MovieFactory.create(
        title="Live",
        availability_start=now - timedelta(days=10),
        availability_end=now + timedelta(days=60),
    )
    MovieFactory.create(
        title="Last chance",
        availability_start=now - timedelta(days=10),
        availability_end=now + timedelta(days=3),
    )
    MovieFactory.create(
        title="Expired",
        availability_start=now - timedelta(days=30),
        availability_end=now - timedelta(days=1),
    )


@pytest.mark.usefixtures("movies_in_every_window_state")
@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("upcoming", {"Upcoming"}),
        ("last_chance", {"Last chance"}),
        ("expired", {"Expired"}),
    ],
)
def test_it_filters_movies_by_availability(
    editor_client: Client, state: str, expected: set[str]
) -> None:
    assert listed_titles(editor_client, f"{MOVIE_CHANGELIST}?availability={state}") == expected


def test_it_filters_live_movies_inside_their_window(editor_client: Client) -> None:
    now = timezone.now()
    MovieFactory.create(title="Live")
    MovieFactory.create(
        title="Upcoming",
        availability_start=now + timedelta(days=5),
        availability_end=now + timedelta(days=50),
    )
    MovieFactory.create(
        title="Expired",
        availability_start=now - timedelta(days=30),
        availability_end=now - timedelta(days=1),
    )

    assert listed_titles(editor_client, f"{MOVIE_CHANGELIST}?availability=live") == {"Live"}


@pytest.fixture
def movies_with_every_media_verdict() -> None:
    MovieFactory.create(title="Fine")
    broken = MovieFactory.create(title="Broken", media=False)
    StreamSourceFactory.create(video=broken.video, validation_status=ValidationStatus.INVALID)
    CaptionTrackFactory.create(video=broken.video)
    unchecked = MovieFactory.create(title="Unchecked", media=False)
    StreamSourceFactory.create(video=unchecked.video)
    CaptionTrackFactory.create(video=unchecked.video, validation_status=ValidationStatus.UNKNOWN)
    mixed = MovieFactory.create(title="Mixed", media=False)
    StreamSourceFactory.create(video=mixed.video, validation_status=ValidationStatus.UNKNOWN)
    CaptionTrackFactory.create(video=mixed.video, validation_status=ValidationStatus.INVALID)


@pytest.mark.usefixtures("movies_with_every_media_verdict")
@pytest.mark.parametrize(
    ("verdict", "expected"),
    [
        ("invalid", {"Broken", "Mixed"}),
        ("unknown", {"Unchecked"}),
        ("valid", {"Fine"}),
    ],
)
def test_it_filters_movies_by_media_verdict(
    editor_client: Client, verdict: str, expected: set[str]
) -> None:
    assert listed_titles(editor_client, f"{MOVIE_CHANGELIST}?media={verdict}") == expected


def test_it_filters_series_by_their_episodes_media_verdict(editor_client: Client) -> None:
    series_with_an_episode(title="Fine")
    broken = series_with_an_episode(title="Broken")
    StreamSource.objects.filter(video__episode__season__series=broken).update(
        validation_status=ValidationStatus.INVALID
    )

    assert listed_titles(editor_client, f"{SERIES_CHANGELIST}?media=invalid") == {"Broken"}


# --- The change page -----------------------------------------------------------------------


def test_it_shows_the_slug_read_only_on_the_change_page(editor_client: Client) -> None:
    movie = MovieFactory.create(slug="the-slug-on-show")

    content = editor_client.get(reverse("admin:catalog_movie_change", args=[movie.pk])).content

    assert b'<div class="readonly">the-slug-on-show</div>' in content
    assert b'name="slug"' not in content


def test_it_shows_what_stops_a_movie_from_being_published(editor_client: Client) -> None:
    movie = MovieFactory.create(media=False)
    CaptionTrackFactory.create(video=movie.video, is_default=False)

    content = editor_client.get(reverse("admin:catalog_movie_change", args=[movie.pk])).content

    assert "<li>The movie: no primary stream</li>" in content.decode()
    assert "<li>The movie: no default caption track</li>" in content.decode()


def test_it_shows_that_a_complete_movie_is_ready_to_publish(editor_client: Client) -> None:
    movie = MovieFactory.create()

    content = editor_client.get(reverse("admin:catalog_movie_change", args=[movie.pk])).content

    assert b"Ready: every stream and caption rule holds" in content
