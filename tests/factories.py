"""factory-boy factories, in one place. Titles are built published-ready by default."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import (
    CaptionTrack,
    Episode,
    Genre,
    MaturityRating,
    Movie,
    Season,
    Series,
    StreamSource,
    TrickplayStatus,
    TrickplayTrack,
    ValidationStatus,
    Video,
    VideoMarker,
    Visibility,
)
from playback.models import WatchProgress


def attach_media(playable: Movie | Episode, *, create: bool, extracted: Any) -> None:
    """A primary stream and a default English caption, unless built with media=False."""
    if create and extracted is not False:
        StreamSourceFactory(video=playable.video)
        CaptionTrackFactory(video=playable.video)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("a-long-test-password")


class EditorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"editor{n}")
    is_staff = True
    is_superuser = True


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Genre {n}")
    slug = factory.LazyAttribute(lambda genre: genre.name.lower().replace(" ", "-"))


class TitleFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True
        skip_postgeneration_save = True

    synopsis = factory.Faker("paragraph", nb_sentences=2)
    poster_url = factory.LazyAttribute(lambda title: f"https://img.example.com/{title.slug}.jpg")
    maturity_rating = MaturityRating.AGE_13
    availability_start = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    availability_end = factory.LazyFunction(lambda: timezone.now() + timedelta(days=60))
    visibility = Visibility.VISIBLE

    @factory.post_generation
    def genres(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        self.genres.set(extracted if extracted is not None else [GenreFactory(name="Drama")])


class MovieFactory(TitleFactory):
    class Meta:
        model = Movie
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Movie {n}")
    slug = factory.Sequence(lambda n: f"movie-{n}")
    kind = Video.Kind.MOVIE
    duration_minutes = 95
    release_year = 2024

    media = factory.PostGeneration(
        lambda movie, create, extracted: attach_media(movie, create=create, extracted=extracted)
    )


class SeriesFactory(TitleFactory):
    class Meta:
        model = Series
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Series {n}")
    slug = factory.Sequence(lambda n: f"series-{n}")


class SeasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Season

    series = factory.SubFactory(SeriesFactory)
    number = factory.Sequence(lambda n: n + 1)


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode
        skip_postgeneration_save = True

    season = factory.SubFactory(SeasonFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Episode {n}")
    synopsis = "Something happens."
    kind = Video.Kind.EPISODE
    duration_minutes = 42
    release_year = 2024

    media = factory.PostGeneration(
        lambda episode, create, extracted: attach_media(episode, create=create, extracted=extracted)
    )


class StreamSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StreamSource

    stream_url = factory.Sequence(lambda n: f"https://cdn.example.com/v/{n}/master.m3u8")
    quality_tag = "1080p"
    is_primary = True
    validation_status = ValidationStatus.VALID


class CaptionTrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaptionTrack

    language_code = "en"
    caption_url = factory.Sequence(lambda n: f"https://cdn.example.com/c/{n}/en.vtt")
    format = CaptionTrack.Format.WEBVTT
    is_default = True
    validation_status = ValidationStatus.VALID


class TrickplayTrackFactory(factory.django.DjangoModelFactory):
    """A ready track of the editor's own: pass ``video``."""

    class Meta:
        model = TrickplayTrack

    trickplay_url = factory.Sequence(lambda n: f"https://cdn.example.com/t/{n}/thumbs.vtt")
    status = TrickplayStatus.READY


class VideoMarkerFactory(factory.django.DjangoModelFactory):
    """An intro from 0:30 to 1:35: pass ``video`` (a movie's or an episode's)."""

    class Meta:
        model = VideoMarker

    kind = VideoMarker.Kind.INTRO
    start_seconds = 30
    end_seconds = 95


class WatchProgressFactory(factory.django.DjangoModelFactory):
    """A flushed position: pass ``profile`` and ``video`` (a movie's or an episode's)."""

    class Meta:
        model = WatchProgress

    progress_seconds = 600
    is_finished = False
    last_watched_timestamp = factory.LazyFunction(timezone.now)
