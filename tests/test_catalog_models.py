"""The catalog's rules, each checked where it lives: in the database and in full_clean().

A rule the database enforces must refuse a bare ORM write (IntegrityError), and the same rule
must reach an editor through ``full_clean()`` as a ValidationError on the field to fix.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone
from pytest_django import Settings

from catalog import services
from catalog.models import (
    CaptionTrack,
    MaturityRating,
    Movie,
    Series,
    StreamSource,
    Video,
    Visibility,
)
from streaming_portal.infra import crypto
from tests.factories import (
    CaptionTrackFactory,
    EditorFactory,
    EpisodeFactory,
    GenreFactory,
    MovieFactory,
    SeasonFactory,
    SeriesFactory,
    StreamSourceFactory,
)

pytestmark = pytest.mark.django_db

SIGNED_STREAM_URL = "https://cdn.example.com/v/42/master.m3u8?sig=x"
BAD_STREAM_URLS = [
    pytest.param("http://cdn.example.com/v/1/master.m3u8", id="http"),
    pytest.param("ftp://cdn.example.com/v/1/master.m3u8", id="ftp"),
    pytest.param("https:///v/1/master.m3u8", id="no-host"),
    pytest.param("https://cdn.example.com/v/1/movie.mp4", id="mp4"),
    pytest.param("https://cdn.example.com/v/1/movie.mp4?f=master.m3u8", id="m3u8-in-query"),
]


def future_window() -> dict[str, datetime]:
    start = timezone.now() + timedelta(days=1)
    return {"availability_start": start, "availability_end": start + timedelta(days=30)}


def new_movie(**fields: Any) -> Movie:
    """An unsaved movie that passes full_clean() unless ``fields`` break a rule."""
    return MovieFactory.build(**{**future_window(), **fields})  # type: ignore[no-any-return]


def new_title(model: type[Movie] | type[Series], title: str) -> Any:
    """An unsaved movie or series (Any, as title_save() is typed for one title class)."""
    if model is Movie:
        return new_movie(title=title, slug="")
    return SeriesFactory.build(title=title, slug="", **future_window())


def field_errors(instance: Any) -> dict[str, list[str]]:
    """full_clean()'s errors by field; fails the test when full_clean() passes."""
    with pytest.raises(ValidationError) as raised:
        instance.full_clean()
    return raised.value.message_dict


# --- Titles: name, window, poster ----------------------------------------------------------


def test_it_refuses_a_movie_title_that_differs_only_in_case_at_the_database() -> None:
    MovieFactory.create(title="Alien")

    with pytest.raises(IntegrityError), transaction.atomic():
        MovieFactory.create(title="ALIEN")


def test_it_reports_a_movie_title_that_differs_only_in_case_on_title() -> None:
    MovieFactory.create(title="Alien")

    errors = field_errors(new_movie(title="ALIEN"))

    assert errors["title"] == ["Another title already uses this name (ignoring case)."]


def test_it_accepts_a_movie_title_that_no_other_movie_uses() -> None:
    MovieFactory.create(title="Alien")

    new_movie(title="Aliens").full_clean()


def test_it_refuses_a_window_that_ends_at_its_start_at_the_database() -> None:
    movie = MovieFactory.create()

    with pytest.raises(IntegrityError), transaction.atomic():
        Movie.objects.filter(pk=movie.pk).update(availability_end=movie.availability_start)


def test_it_reports_a_window_that_ends_before_it_starts_on_availability_end() -> None:
    start = timezone.now() + timedelta(days=5)
    movie = new_movie(availability_start=start, availability_end=start - timedelta(hours=1))

    errors = field_errors(movie)

    assert errors["availability_end"] == ["The availability window must end after it starts."]


def test_it_reports_a_new_movie_whose_window_started_in_the_past_on_availability_start() -> None:
    movie = new_movie(availability_start=timezone.now() - timedelta(minutes=1))

    errors = field_errors(movie)

    assert errors["availability_start"] == [
        "A new title's availability window must start in the future."
    ]


def test_it_admits_a_past_window_when_allow_past_availability_is_set() -> None:
    movie = new_movie(availability_start=timezone.now() - timedelta(days=1))
    movie.allow_past_availability = True

    movie.full_clean()


def test_it_lets_an_existing_movie_be_edited_after_its_window_started() -> None:
    movie = MovieFactory.create(availability_start=timezone.now() - timedelta(days=10))
    movie.synopsis = "A rewritten synopsis."

    movie.full_clean()


def test_it_refuses_a_poster_url_that_is_not_https_at_the_database() -> None:
    movie = MovieFactory.create()

    with pytest.raises(IntegrityError), transaction.atomic():
        Movie.objects.filter(pk=movie.pk).update(poster_url="http://img.example.com/p.jpg")


def test_it_reports_a_poster_url_that_is_not_https_on_poster_url() -> None:
    errors = field_errors(new_movie(poster_url="http://img.example.com/p.jpg"))

    assert errors["poster_url"] == ["The poster URL must start with https://."]


def test_it_accepts_an_empty_poster_url() -> None:
    movie = new_movie(poster_url="")

    movie.full_clean()
    movie.save()

    assert Movie.objects.get(pk=movie.pk).poster_url == ""


# --- Durations -----------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [0, -1])
def test_it_refuses_a_duration_that_is_not_positive_at_the_database(minutes: int) -> None:
    movie = MovieFactory.create()

    with pytest.raises(IntegrityError), transaction.atomic():
        Video.objects.filter(pk=movie.pk).update(duration_minutes=minutes)


def test_it_reports_a_zero_movie_duration_on_duration_minutes() -> None:
    errors = field_errors(new_movie(duration_minutes=0))

    assert errors == {"duration_minutes": ["The duration must be at least one minute."]}


def test_it_reports_a_zero_episode_duration_on_duration_minutes() -> None:
    episode = EpisodeFactory.create()
    episode.duration_minutes = 0

    errors = field_errors(episode)

    assert errors == {"duration_minutes": ["The duration must be at least one minute."]}


def test_it_generates_duration_seconds_from_duration_minutes() -> None:
    movie = MovieFactory.create(duration_minutes=95)
    Video.objects.filter(pk=movie.pk).update(duration_minutes=101)

    movie.refresh_from_db()

    assert movie.duration_seconds == 101 * 60


# --- Stream URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", BAD_STREAM_URLS)
def test_it_reports_a_stream_url_that_is_not_an_https_m3u8_on_stream_url(url: str) -> None:
    movie = MovieFactory.create(media=False)

    errors = field_errors(StreamSource(video=movie.video, stream_url=url, is_primary=True))

    assert list(errors) == ["stream_url"]


@pytest.mark.parametrize("url", BAD_STREAM_URLS)
def test_it_refuses_a_bad_stream_url_on_a_bare_create(url: str) -> None:
    movie = MovieFactory.create(media=False)

    # Like an IntegrityError, the error breaks the enclosing transaction: use a savepoint.
    with pytest.raises(ValidationError), transaction.atomic():
        StreamSource.objects.create(video=movie.video, stream_url=url, is_primary=True)

    assert not StreamSource.objects.exists()


@pytest.mark.parametrize("url", BAD_STREAM_URLS)
def test_it_refuses_a_bad_stream_url_on_a_queryset_update(url: str) -> None:
    stream = StreamSourceFactory.create(video=MovieFactory.create(media=False).video)

    with pytest.raises(ValidationError), transaction.atomic():
        StreamSource.objects.filter(pk=stream.pk).update(stream_url=url)

    assert StreamSource.objects.get(pk=stream.pk).stream_url == stream.stream_url


def test_it_accepts_a_signed_m3u8_url_with_a_query_string() -> None:
    movie = MovieFactory.create(media=False)
    stream = StreamSource(video=movie.video, stream_url=SIGNED_STREAM_URL, is_primary=True)

    stream.full_clean()
    stream.save()

    assert StreamSource.objects.get(pk=stream.pk).stream_url == SIGNED_STREAM_URL


def stored_stream_url(stream: StreamSource) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT stream_url FROM catalog_streamsource WHERE id = %s", [stream.pk])
        (stored,) = cursor.fetchone()
    return str(stored)


def test_it_stores_the_stream_url_encrypted() -> None:
    stream = StreamSourceFactory.create(
        video=MovieFactory.create(media=False).video, stream_url=SIGNED_STREAM_URL
    )

    stored = stored_stream_url(stream)

    assert "cdn.example.com" not in stored
    assert "m3u8" not in stored
    assert crypto.decrypt(stored) == SIGNED_STREAM_URL


def test_it_reads_the_stream_url_back_as_plaintext() -> None:
    stream = StreamSourceFactory.create(
        video=MovieFactory.create(media=False).video, stream_url=SIGNED_STREAM_URL
    )

    assert StreamSource.objects.values_list("stream_url", flat=True).get(pk=stream.pk) == (
        SIGNED_STREAM_URL
    )


# --- Stream URL keys -----------------------------------------------------------------------


def test_it_reads_rows_written_under_the_old_key_after_a_new_key_is_added(
    settings: Settings,
) -> None:
    old_key = Fernet.generate_key().decode()
    settings.STREAM_URL_KEYS = [old_key]
    stream = StreamSourceFactory.create(
        video=MovieFactory.create(media=False).video, stream_url=SIGNED_STREAM_URL
    )

    settings.STREAM_URL_KEYS = [Fernet.generate_key().decode(), old_key]

    assert StreamSource.objects.get(pk=stream.pk).stream_url == SIGNED_STREAM_URL


def test_it_encrypts_new_rows_under_the_newest_key(settings: Settings) -> None:
    new_key, old_key = Fernet.generate_key(), Fernet.generate_key()
    settings.STREAM_URL_KEYS = [new_key.decode(), old_key.decode()]

    stream = StreamSourceFactory.create(
        video=MovieFactory.create(media=False).video, stream_url=SIGNED_STREAM_URL
    )

    assert Fernet(new_key).decrypt(stored_stream_url(stream).encode()).decode() == (
        SIGNED_STREAM_URL
    )


def test_it_reencrypts_a_stream_url_under_the_newest_key_only(settings: Settings) -> None:
    new_key, old_key = Fernet.generate_key(), Fernet.generate_key()
    settings.STREAM_URL_KEYS = [old_key.decode()]
    stream = StreamSourceFactory.create(
        video=MovieFactory.create(media=False).video, stream_url=SIGNED_STREAM_URL
    )
    settings.STREAM_URL_KEYS = [new_key.decode(), old_key.decode()]

    rotated = crypto.reencrypt(stored_stream_url(stream)).encode()

    assert Fernet(new_key).decrypt(rotated).decode() == SIGNED_STREAM_URL
    with pytest.raises(InvalidToken):
        Fernet(old_key).decrypt(rotated)


# --- Captions and primary streams ----------------------------------------------------------


def caption(movie: Movie, **fields: Any) -> CaptionTrack:
    values = {
        "language_code": "en",
        "caption_url": "https://cdn.example.com/c/1/en.vtt",
        "format": CaptionTrack.Format.WEBVTT,
        "is_default": False,
        **fields,
    }
    return CaptionTrack(video=movie.video, **values)


def test_it_accepts_an_iso_639_1_language_code() -> None:
    track = caption(MovieFactory.create(media=False), language_code="en")

    track.full_clean()
    track.save()

    assert CaptionTrack.objects.get(pk=track.pk).language_code == "en"


def test_it_refuses_a_two_letter_code_outside_iso_639_1_at_the_database() -> None:
    movie = MovieFactory.create(media=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        caption(movie, language_code="xx").save()


def test_it_refuses_a_three_letter_language_code_at_the_database() -> None:
    movie = MovieFactory.create(media=False)

    # varchar(2): PostgreSQL refuses the value as too long, a DataError.
    with pytest.raises(DataError), transaction.atomic():
        caption(movie, language_code="eng").save()


@pytest.mark.parametrize("code", ["xx", "eng"])
def test_it_reports_a_language_code_outside_iso_639_1_on_language_code(code: str) -> None:
    errors = field_errors(caption(MovieFactory.create(media=False), language_code=code))

    assert list(errors) == ["language_code"]


def test_it_refuses_a_second_caption_in_the_same_language_at_the_database() -> None:
    movie = MovieFactory.create(media=False)
    CaptionTrackFactory.create(video=movie.video, language_code="en")

    with pytest.raises(IntegrityError), transaction.atomic():
        caption(movie, language_code="en", caption_url="https://cdn.example.com/c/2/en.vtt").save()


def test_it_reports_a_second_caption_in_the_same_language_on_language_code() -> None:
    movie = MovieFactory.create(media=False)
    CaptionTrackFactory.create(video=movie.video, language_code="en")

    errors = field_errors(caption(movie, language_code="en"))

    assert errors["language_code"] == ["This title already has captions in that language."]


def test_it_allows_the_same_language_on_another_video() -> None:
    CaptionTrackFactory.create(video=MovieFactory.create(media=False).video, language_code="en")
    track = caption(MovieFactory.create(media=False), language_code="en", is_default=True)

    track.full_clean()
    track.save()

    assert CaptionTrack.objects.filter(language_code="en").count() == 2


def test_it_refuses_a_second_default_caption_at_the_database() -> None:
    movie = MovieFactory.create(media=False)
    CaptionTrackFactory.create(video=movie.video, language_code="en", is_default=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        caption(movie, language_code="fr", is_default=True).save()


def test_it_reports_a_second_default_caption_on_is_default() -> None:
    movie = MovieFactory.create(media=False)
    CaptionTrackFactory.create(video=movie.video, language_code="en", is_default=True)

    errors = field_errors(caption(movie, language_code="fr", is_default=True))

    assert errors == {"is_default": ["This title already has a default caption track."]}


def test_it_allows_several_captions_that_are_not_default() -> None:
    movie = MovieFactory.create(media=False)
    CaptionTrackFactory.create(video=movie.video, language_code="en", is_default=True)
    CaptionTrackFactory.create(video=movie.video, language_code="de", is_default=False)
    track = caption(movie, language_code="fr", is_default=False)

    track.full_clean()
    track.save()

    assert movie.video.caption_tracks.count() == 3


def test_it_refuses_a_second_primary_stream_at_the_database() -> None:
    movie = MovieFactory.create(media=False)
    StreamSourceFactory.create(video=movie.video, is_primary=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        StreamSourceFactory.create(video=movie.video, is_primary=True, quality_tag="720p")


def test_it_reports_a_second_primary_stream_on_is_primary() -> None:
    movie = MovieFactory.create(media=False)
    StreamSourceFactory.create(video=movie.video, is_primary=True)
    second = StreamSource(video=movie.video, stream_url=SIGNED_STREAM_URL, is_primary=True)

    errors = field_errors(second)

    assert errors == {"is_primary": ["This title already has a primary stream."]}


@pytest.mark.parametrize(
    ("url", "caption_format"),
    [
        ("https://cdn.example.com/c/en.vtt", CaptionTrack.Format.WEBVTT),
        ("https://cdn.example.com/c/en.VTT?sig=x", CaptionTrack.Format.WEBVTT),
        ("https://cdn.example.com/c/en.ttml", CaptionTrack.Format.TTML),
        ("https://cdn.example.com/c/en.dfxp", CaptionTrack.Format.TTML),
        ("https://cdn.example.com/c/en.xml?sig=x&exp=1", CaptionTrack.Format.TTML),
    ],
)
def test_it_accepts_a_caption_format_that_matches_the_url(url: str, caption_format: str) -> None:
    track = caption(MovieFactory.create(media=False), caption_url=url, format=caption_format)

    track.full_clean()
    track.save()

    assert CaptionTrack.objects.filter(pk=track.pk).exists()


MISMATCHED_CAPTIONS = [
    pytest.param("https://cdn.example.com/c/en.vtt", CaptionTrack.Format.TTML, id="vtt-as-ttml"),
    pytest.param("https://cdn.example.com/c/en.ttml", CaptionTrack.Format.WEBVTT, id="ttml-as-vtt"),
    pytest.param("https://cdn.example.com/c/en.srt", CaptionTrack.Format.WEBVTT, id="srt"),
    pytest.param(
        "https://cdn.example.com/c/en.vtt.txt", CaptionTrack.Format.WEBVTT, id="vtt-not-last"
    ),
]


@pytest.mark.parametrize(("url", "caption_format"), MISMATCHED_CAPTIONS)
def test_it_refuses_a_caption_format_that_does_not_match_the_url_at_the_database(
    url: str, caption_format: str
) -> None:
    movie = MovieFactory.create(media=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        caption(movie, caption_url=url, format=caption_format).save()


@pytest.mark.parametrize(("url", "caption_format"), MISMATCHED_CAPTIONS)
def test_it_reports_a_caption_format_that_does_not_match_the_url_on_format(
    url: str, caption_format: str
) -> None:
    errors = field_errors(
        caption(MovieFactory.create(media=False), caption_url=url, format=caption_format)
    )

    assert list(errors) == ["format"]


def test_it_judges_the_caption_format_by_the_path_not_the_query_string() -> None:
    movie = MovieFactory.create(media=False)
    # The file is TTML; only a query parameter happens to end in ".vtt".
    track = caption(
        movie, caption_url="https://cdn.example.com/c/en.ttml?name=en.vtt", format="WEBVTT"
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        track.save()


def test_it_refuses_a_caption_url_that_is_not_https_at_the_database() -> None:
    movie = MovieFactory.create(media=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        caption(movie, caption_url="http://cdn.example.com/c/en.vtt").save()


def test_it_reports_a_caption_url_that_is_not_https_on_caption_url() -> None:
    errors = field_errors(
        caption(MovieFactory.create(media=False), caption_url="http://cdn.example.com/c/en.vtt")
    )

    assert errors == {"caption_url": ["The caption URL must start with https://."]}


# --- Slugs ---------------------------------------------------------------------------------

TITLE_MODELS = [pytest.param(Movie, id="movie"), pytest.param(Series, id="series")]


@pytest.mark.parametrize("model", TITLE_MODELS)
def test_it_makes_the_slug_from_the_title_when_a_title_is_created(
    model: type[Movie] | type[Series],
) -> None:
    title = services.title_save(
        title=new_title(model, "The Thing (1982)"), by=EditorFactory.create()
    )

    assert model.objects.get(pk=title.pk).slug == "the-thing-1982"


@pytest.mark.parametrize("model", TITLE_MODELS)
def test_it_suffixes_the_slug_while_another_title_holds_it(
    model: type[Movie] | type[Series],
) -> None:
    editor = EditorFactory.create()

    slugs = [
        services.title_save(title=new_title(model, name), by=editor).slug
        for name in ["Amélie", "Amelie!", "AMELIE?"]
    ]

    assert slugs == ["amelie", "amelie-2", "amelie-3"]


@pytest.mark.parametrize("model", TITLE_MODELS)
def test_it_keeps_the_slug_when_a_title_is_renamed(model: type[Movie] | type[Series]) -> None:
    editor = EditorFactory.create()
    title = services.title_save(title=new_title(model, "Working Title"), by=editor)

    title.title = "Final Title"
    services.title_save(title=title, by=editor)

    assert model.objects.values_list("title", "slug").get(pk=title.pk) == (
        "Final Title",
        "working-title",
    )


@pytest.mark.parametrize("model", TITLE_MODELS)
def test_it_refuses_a_slug_change_at_the_database(model: type[Movie] | type[Series]) -> None:
    title = services.title_save(title=new_title(model, "Heat"), by=EditorFactory.create())

    with pytest.raises(IntegrityError, match="cannot change"), transaction.atomic():
        model.objects.filter(pk=title.pk).update(slug="x")

    assert model.objects.get(pk=title.pk).slug == "heat"


# --- title_save ----------------------------------------------------------------------------


def test_it_records_the_editor_who_creates_a_title_as_creator_and_updater() -> None:
    editor = EditorFactory.create()

    movie = services.title_save(title=new_movie(), by=editor)

    assert Movie.objects.values_list("created_by", "updated_by").get(pk=movie.pk) == (
        editor.pk,
        editor.pk,
    )


def test_it_records_a_later_editor_as_updater_only() -> None:
    author, reviser = EditorFactory.create(), EditorFactory.create()
    movie = services.title_save(title=new_movie(), by=author)

    movie.synopsis = "Revised."
    services.title_save(title=movie, by=reviser)

    assert Movie.objects.values_list("created_by", "updated_by").get(pk=movie.pk) == (
        author.pk,
        reviser.pk,
    )


def test_it_saves_the_genres_with_the_title() -> None:
    horror, scifi = GenreFactory.create(name="Horror"), GenreFactory.create(name="Science fiction")

    movie = services.title_save(
        title=new_movie(), by=EditorFactory.create(), genres=[horror, scifi]
    )

    assert set(Movie.objects.get(pk=movie.pk).genres.all()) == {horror, scifi}


def test_it_refuses_an_empty_genre_list_on_genres_and_writes_nothing() -> None:
    with pytest.raises(ValidationError) as raised:
        services.title_save(title=new_movie(), by=EditorFactory.create(), genres=[])

    assert list(raised.value.message_dict) == ["genres"]
    assert not Movie.objects.exists()
    assert not Video.objects.exists()


def test_it_refuses_an_invalid_title_in_title_save_and_writes_nothing() -> None:
    MovieFactory.create(title="Alien")

    with pytest.raises(ValidationError) as raised:
        services.title_save(title=new_movie(title="alien"), by=EditorFactory.create())

    assert "title" in raised.value.message_dict
    assert Movie.objects.count() == 1


# --- Publishing ----------------------------------------------------------------------------


def hidden_movie(**fields: Any) -> Movie:
    return MovieFactory.create(visibility=Visibility.HIDDEN, media=False, **fields)  # type: ignore[no-any-return]


def stored_visibility(title: Movie | Series) -> str:
    return type(title).objects.values_list("visibility", flat=True).get(pk=title.pk)


def test_it_refuses_to_publish_a_movie_without_a_primary_stream() -> None:
    movie = hidden_movie()
    StreamSourceFactory.create(video=movie.video, is_primary=False)
    CaptionTrackFactory.create(video=movie.video)

    outcome = services.title_publish(title=movie, by=EditorFactory.create())

    assert (outcome.published, outcome.problems) == (False, ("The movie: no primary stream",))
    assert stored_visibility(movie) == Visibility.HIDDEN


def test_it_refuses_to_publish_a_movie_without_captions() -> None:
    movie = hidden_movie()
    StreamSourceFactory.create(video=movie.video)

    outcome = services.title_publish(title=movie, by=EditorFactory.create())

    assert (outcome.published, outcome.problems) == (False, ("The movie: no caption track",))
    assert stored_visibility(movie) == Visibility.HIDDEN


def test_it_refuses_to_publish_a_movie_without_a_default_caption() -> None:
    movie = hidden_movie()
    StreamSourceFactory.create(video=movie.video)
    CaptionTrackFactory.create(video=movie.video, is_default=False)

    outcome = services.title_publish(title=movie, by=EditorFactory.create())

    assert (outcome.published, outcome.problems) == (
        False,
        ("The movie: no default caption track",),
    )
    assert stored_visibility(movie) == Visibility.HIDDEN


def test_it_publishes_a_movie_with_a_primary_stream_and_a_default_caption() -> None:
    movie = hidden_movie()
    StreamSourceFactory.create(video=movie.video)
    CaptionTrackFactory.create(video=movie.video)
    editor = EditorFactory.create()

    outcome = services.title_publish(title=movie, by=editor)

    assert (outcome.published, outcome.problems) == (True, ())
    assert Movie.objects.values_list("visibility", "updated_by").get(pk=movie.pk) == (
        Visibility.VISIBLE,
        editor.pk,
    )


def test_it_refuses_to_publish_a_series_without_episodes() -> None:
    series = SeriesFactory.create(visibility=Visibility.HIDDEN)
    SeasonFactory.create(series=series, number=1)

    outcome = services.title_publish(title=series, by=EditorFactory.create())

    assert (outcome.published, outcome.problems) == (False, ("The series has no episodes",))
    assert stored_visibility(series) == Visibility.HIDDEN


def test_it_names_the_episode_that_lacks_a_default_caption() -> None:
    series = SeriesFactory.create(visibility=Visibility.HIDDEN)
    season = SeasonFactory.create(series=series, number=1)
    EpisodeFactory.create(season=season, number=1)
    second = EpisodeFactory.create(season=season, number=2, title="The Hunt", media=False)
    StreamSourceFactory.create(video=second.video)
    CaptionTrackFactory.create(video=second.video, is_default=False)

    outcome = services.title_publish(title=series, by=EditorFactory.create())

    assert outcome.published is False
    assert outcome.problems == ("S1E2 “The Hunt”: no default caption track",)
    assert stored_visibility(series) == Visibility.HIDDEN


def test_it_publishes_a_series_whose_episodes_all_have_their_media() -> None:
    series = SeriesFactory.create(visibility=Visibility.HIDDEN)
    season = SeasonFactory.create(series=series, number=1)
    EpisodeFactory.create(season=season, number=1)
    EpisodeFactory.create(season=season, number=2)

    outcome = services.title_publish(title=series, by=EditorFactory.create())

    assert (outcome.published, outcome.problems) == (True, ())
    assert stored_visibility(series) == Visibility.VISIBLE


# --- What viewers may see ------------------------------------------------------------------


def available_titles(**filters: Any) -> set[str]:
    return set(Movie.objects.available(**filters).values_list("title", flat=True))


def test_it_lists_a_visible_movie_inside_its_window_as_available() -> None:
    MovieFactory.create(title="Live")

    assert available_titles() == {"Live"}


def test_it_leaves_a_hidden_movie_out_of_available() -> None:
    MovieFactory.create(title="Live")
    MovieFactory.create(title="Hidden", visibility=Visibility.HIDDEN)

    assert available_titles() == {"Live"}


def test_it_leaves_an_upcoming_movie_out_of_available() -> None:
    MovieFactory.create(title="Live")
    MovieFactory.create(title="Upcoming", **future_window())

    assert available_titles() == {"Live"}


def test_it_leaves_an_expired_movie_out_of_available() -> None:
    now = timezone.now()
    MovieFactory.create(title="Live")
    MovieFactory.create(
        title="Expired",
        availability_start=now - timedelta(days=30),
        availability_end=now - timedelta(days=1),
    )

    assert available_titles() == {"Live"}


def test_it_counts_the_start_of_the_window_in_and_the_end_out() -> None:
    movie = MovieFactory.create(title="Window")
    end, start = movie.availability_end, movie.availability_start

    assert available_titles(at=start) == {"Window"}
    assert available_titles(at=end - timedelta(microseconds=1)) == {"Window"}
    assert available_titles(at=end) == set()


def test_it_leaves_titles_above_the_maturity_ceiling_out() -> None:
    MovieFactory.create(title="Cartoon", maturity_rating=MaturityRating.ALL)
    MovieFactory.create(title="Adventure", maturity_rating=MaturityRating.AGE_7)
    MovieFactory.create(title="Thriller", maturity_rating=MaturityRating.AGE_13)

    titles = set(Movie.objects.available().for_maturity(7).values_list("title", flat=True))

    assert titles == {"Cartoon", "Adventure"}


def test_it_lists_episodes_only_of_available_series_as_available_videos() -> None:
    live = EpisodeFactory.create(season__series=SeriesFactory.create())
    hidden = EpisodeFactory.create(
        season__series=SeriesFactory.create(visibility=Visibility.HIDDEN)
    )
    upcoming = EpisodeFactory.create(season__series=SeriesFactory.create(**future_window()))

    available = set(Video.objects.available().values_list("pk", flat=True))

    assert live.pk in available
    assert {hidden.pk, upcoming.pk}.isdisjoint(available)


def test_it_lists_available_movies_as_available_videos() -> None:
    live = MovieFactory.create()
    hidden = MovieFactory.create(visibility=Visibility.HIDDEN)

    available = set(Video.objects.available().values_list("pk", flat=True))

    assert hidden.pk not in available
    assert available == {live.pk}
