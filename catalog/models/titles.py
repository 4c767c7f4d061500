"""What viewers browse and play: genres, the playable Video, movies, series, seasons, episodes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from catalog import last_chance
from catalog.fields import validate_fetchable_url
from catalog.models.choices import AvailabilityState, MaturityRating, Visibility
from catalog.querysets import TitleQuerySet, VideoQuerySet
from catalog.search import SEARCH_CONFIG
from streaming_portal.infra.constraint_errors import ConstraintErrorsOnFields
from streaming_portal.infra.text import multi_line, single_line

HTTPS_PREFIX = "https://"


class Genre(models.Model):
    name = models.CharField(
        max_length=60,
        validators=[single_line("Name")],
        help_text="Shown as a row on the home page.",
    )
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="catalog_genre_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Video(ConstraintErrorsOnFields):
    """The playable unit (a movie or an episode). Owns streams, captions and progress."""

    class Kind(models.TextChoices):
        MOVIE = "MOVIE", "Movie"
        EPISODE = "EPISODE", "Episode"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=7, choices=Kind.choices, editable=False)
    duration_minutes = models.PositiveIntegerField(
        help_text="Running time in whole minutes; must match the stream's own length."
    )
    duration_seconds = models.GeneratedField(
        expression=F("duration_minutes") * 60,
        output_field=models.PositiveIntegerField(),
        db_persist=True,
    )
    release_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1888), MaxValueValidator(2100)],
        help_text="The year the movie or episode was first released.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[VideoQuerySet] = VideoQuerySet.as_manager()  # type: ignore[assignment]

    constraint_fields: ClassVar[dict[str, str]] = {
        "duration_positive": "duration_minutes",
        "release_year_range": "release_year",
    }

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0),
                name="catalog_video_duration_positive",
                violation_error_message="The duration must be at least one minute.",
            ),
            models.CheckConstraint(
                condition=Q(release_year__gte=1888, release_year__lte=2100),
                name="catalog_video_release_year_range",
                violation_error_message="The release year must be between 1888 and 2100.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["MOVIE", "EPISODE"]), name="catalog_video_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class Title(ConstraintErrorsOnFields):
    """What a viewer browses: the fields movies and series share (abstract)."""

    title = models.CharField(
        max_length=255,
        validators=[single_line("Title")],
        help_text="Unique across the catalog, ignoring upper and lower case.",
    )
    slug = models.SlugField(
        max_length=255,
        unique=True,
        editable=False,
        help_text="Made from the title when the title is created; never changes afterwards.",
    )
    synopsis = models.TextField(
        validators=[multi_line("Synopsis")],
        help_text="One or two sentences; the first line is the teaser.",
    )
    genres = models.ManyToManyField(
        Genre, related_name="%(class)s_set", help_text="At least one genre."
    )
    poster_url = models.URLField(
        max_length=500,
        blank=True,
        validators=[single_line("Poster URL"), validate_fetchable_url],
        help_text="An HTTPS image URL (2:3 portrait).",
    )
    maturity_rating = models.PositiveSmallIntegerField(
        choices=MaturityRating.choices,
        default=MaturityRating.AGE_13,
        help_text="Kids profiles see titles rated at or below the kids ceiling only.",
    )
    availability_start = models.DateTimeField(
        help_text="When viewers can start watching. A new title's window starts in the future."
    )
    availability_end = models.DateTimeField(
        help_text="When the title leaves the catalog; must be after the start."
    )
    visibility = models.CharField(
        max_length=7,
        choices=Visibility.choices,
        default=Visibility.HIDDEN,
        help_text="Use the Publish and Hide actions: publishing checks streams and captions.",
    )
    # Full-text search document, folded by portal_unaccent (catalog/search.py).
    search_document = models.GeneratedField(
        expression=SearchVector(
            Func(F("title"), function="portal_unaccent", output_field=models.TextField()),
            config=SEARCH_CONFIG,
            weight="A",
        )
        + SearchVector(
            Func(F("synopsis"), function="portal_unaccent", output_field=models.TextField()),
            config=SEARCH_CONFIG,
            weight="B",
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        editable=False,
    )

    objects: ClassVar[TitleQuerySet[Any]] = TitleQuerySet.as_manager()  # type: ignore[assignment]

    # Set by the importer's explicit flag to admit an already-running window.
    allow_past_availability = False

    constraint_fields: ClassVar[dict[str, str]] = {
        "title_ci_unique": "title",
        "window_ends_after_start": "availability_end",
        "poster_https": "poster_url",
        "title_present": "title",
        "synopsis_present": "synopsis",
    }

    class Meta:
        abstract = True
        indexes = [
            # available(): visibility plus the window, the filter every viewer page starts with.
            models.Index(
                fields=["visibility", "availability_end", "availability_start"],
                name="%(app_label)s_%(class)s_window_idx",
            ),
            GinIndex(fields=["search_document"], name="%(app_label)s_%(class)s_search_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("title"),
                name="%(app_label)s_%(class)s_title_ci_unique",
                violation_error_message="Another title already uses this name (ignoring case).",
            ),
            models.CheckConstraint(
                condition=Q(availability_end__gt=F("availability_start")),
                name="%(app_label)s_%(class)s_window_ends_after_start",
                violation_error_message="The availability window must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(poster_url="") | Q(poster_url__startswith=HTTPS_PREFIX),
                name="%(app_label)s_%(class)s_poster_https",
                violation_error_message="The poster URL must start with https://.",
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=["VISIBLE", "HIDDEN"]),
                name="%(app_label)s_%(class)s_visibility_valid",
            ),
            models.CheckConstraint(
                condition=Q(maturity_rating__in=[0, 7, 13, 16, 18]),
                name="%(app_label)s_%(class)s_maturity_valid",
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="%(app_label)s_%(class)s_title_present"
            ),
            models.CheckConstraint(
                condition=~Q(synopsis=""), name="%(app_label)s_%(class)s_synopsis_present"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # The window's order, the poster's scheme and the unique title are database
        # constraints (reported on their fields by ConstraintErrorsOnFields); this rule depends
        # on the clock and on the row being new, so it lives here.
        start = self.availability_start
        if (
            self._state.adding
            and start
            and start <= timezone.now()
            and not self.allow_past_availability
        ):
            message = "A new title's availability window must start in the future."
            raise ValidationError({"availability_start": message})

    def availability_state(self, at: datetime | None = None) -> AvailabilityState:
        at = at or timezone.now()
        if at < self.availability_start:
            return AvailabilityState.UPCOMING
        if at >= self.availability_end:
            return AvailabilityState.EXPIRED
        if last_chance.is_last_chance(self.availability_end, at):
            return AvailabilityState.LAST_CHANCE
        return AvailabilityState.LIVE


class Movie(Title, Video):
    """A movie: a browsable title that is itself playable (its pk is its video's UUID)."""

    objects: ClassVar[TitleQuerySet[Movie]] = TitleQuerySet.as_manager()  # type: ignore[assignment]

    constraint_fields: ClassVar[dict[str, str]] = {
        **Title.constraint_fields,
        **Video.constraint_fields,
    }

    class Meta(Title.Meta):
        ordering = ["title"]

    def get_absolute_url(self) -> str:
        return reverse("catalog:movie", kwargs={"slug": self.slug})

    @property
    def video(self) -> Video:
        """The playable row (the movie's parent row; no query when the movie is loaded)."""
        return self.video_ptr  # type: ignore[attr-defined, no-any-return]


class Series(Title):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[TitleQuerySet[Series]] = TitleQuerySet.as_manager()  # type: ignore[assignment]

    class Meta(Title.Meta):
        ordering = ["title"]
        verbose_name_plural = "series"

    def get_absolute_url(self) -> str:
        return reverse("catalog:series", kwargs={"slug": self.slug})


class Season(ConstraintErrorsOnFields):
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="seasons")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(
        max_length=255,
        blank=True,
        validators=[single_line("Title")],
        help_text="Optional, e.g. 'Book One'.",
    )

    constraint_fields: ClassVar[dict[str, str]] = {"number_unique_per_series": "number"}

    class Meta:
        ordering = ["series", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "number"], name="catalog_season_number_unique_per_series"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="catalog_season_number_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.series.title}: season {self.number}"


class Episode(Video):
    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="episodes")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(max_length=255, validators=[single_line("Title")])
    synopsis = models.TextField(validators=[multi_line("Synopsis")])

    objects: ClassVar[VideoQuerySet] = VideoQuerySet.as_manager()  # type: ignore[assignment]

    constraint_fields: ClassVar[dict[str, str]] = {
        **Video.constraint_fields,
        "number_unique_per_season": "number",
    }

    class Meta:
        ordering = ["season__number", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["season", "number"], name="catalog_episode_number_unique_per_season"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="catalog_episode_number_gte_1"),
        ]

    def __str__(self) -> str:
        return f"S{self.season.number}E{self.number} {self.title}"

    @property
    def video(self) -> Video:
        return self.video_ptr  # type: ignore[attr-defined, no-any-return]
