"""A profile's own library: the titles on its list, and how it rated titles.

Each row points at a movie or a series (exactly one, a database constraint), so deleting a
title or a profile takes its rows with it. Neither says anything about what the profile may
see: every read goes back through ``for_profile`` (catalog/library.py), so a title that left
the catalog, or is rated above the profile's ceiling, is never shown from here.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q

from accounts.models import Profile
from catalog.models.titles import Movie, Series
from streaming_portal.infra.constraint_errors import ConstraintErrorsOnFields


class ProfileTitle(ConstraintErrorsOnFields):
    """A profile's row about one title (abstract)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    movie = models.ForeignKey(
        Movie, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(movie__isnull=True, series__isnull=False)
                | Q(movie__isnull=False, series__isnull=True),
                name="%(app_label)s_%(class)s_one_title",
            ),
            # NULLs are distinct in a unique index, so these two cover both kinds, and an
            # INSERT ... ON CONFLICT can name either.
            models.UniqueConstraint(
                fields=["profile", "movie"], name="%(app_label)s_%(class)s_movie_once"
            ),
            models.UniqueConstraint(
                fields=["profile", "series"], name="%(app_label)s_%(class)s_series_once"
            ),
        ]

    @property
    def title_id(self) -> object:
        return self.movie_id if self.movie_id is not None else self.series_id


class MyListEntry(ProfileTitle):
    """A title on a profile's My List."""

    added_at = models.DateTimeField(auto_now_add=True)

    class Meta(ProfileTitle.Meta):
        verbose_name = "My List entry"
        verbose_name_plural = "My List entries"
        indexes = [models.Index(fields=["profile", "-added_at"], name="catalog_mylist_recent_idx")]


class Thumb(models.IntegerChoices):
    NOT_FOR_ME = -1, "Not for me"
    LIKE = 1, "I like this"
    LOVE = 2, "Love this!"


class TitleRating(ProfileTitle):
    """A profile's thumbs on a title: not for me, like, or love."""

    rating = models.SmallIntegerField(choices=Thumb.choices)
    rated_at = models.DateTimeField(auto_now=True)

    constraint_fields: ClassVar[dict[str, str]] = {"rating_valid": "rating"}

    class Meta(ProfileTitle.Meta):
        constraints = [
            *ProfileTitle.Meta.constraints,
            models.CheckConstraint(
                condition=Q(rating__in=Thumb.values), name="catalog_titlerating_rating_valid"
            ),
        ]
