"""The one place that says what viewers may see.

Every viewer page, feed and endpoint asks ``Movie.objects.available()`` /
``Series.objects.available()`` (titles) or ``Video.objects.available()`` (playables) and
nothing else, then narrows with ``for_maturity()`` for kids profiles.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:
    from accounts.models import Profile

_T = TypeVar("_T", bound=models.Model)


def _window(prefix: str, at: datetime) -> Q:
    return Q(
        **{
            f"{prefix}visibility": "VISIBLE",
            f"{prefix}availability_start__lte": at,
            f"{prefix}availability_end__gt": at,
        }
    )


class TitleQuerySet(models.QuerySet[_T], Generic[_T]):
    def available(self, at: datetime | None = None) -> TitleQuerySet[_T]:
        """Visible, and inside the availability window at ``at`` (default: now)."""
        return self.filter(_window("", at or timezone.now()))

    def for_maturity(self, ceiling: int | None) -> TitleQuerySet[_T]:
        """At or below ``ceiling`` (a MaturityRating value); None means no ceiling."""
        return self if ceiling is None else self.filter(maturity_rating__lte=ceiling)

    def for_profile(self, profile: Profile, at: datetime | None = None) -> TitleQuerySet[_T]:
        """What ``profile`` may browse now: available, and under a kids profile's ceiling."""
        return self.available(at).for_maturity(profile.maturity_ceiling)


def playable_by(profile: Profile, *, prefix: str = "", at: datetime | None = None) -> Q:
    """A filter on a video (reached through ``prefix``) that ``profile`` may play at ``at``.

    The same rule as ``Video.objects.for_profile()``, as a Q on joins instead of a subquery,
    for queries that already join the movie or the episode's series (Continue watching).
    """
    at = at or timezone.now()
    ceiling = profile.maturity_ceiling
    movie, series = f"{prefix}movie__", f"{prefix}episode__season__series__"
    movie_ok, series_ok = _window(movie, at), _window(series, at)
    if ceiling is not None:
        movie_ok &= Q(**{f"{movie}maturity_rating__lte": ceiling})
        series_ok &= Q(**{f"{series}maturity_rating__lte": ceiling})
    return movie_ok | series_ok


class VideoQuerySet(models.QuerySet[Any]):
    def available(self, at: datetime | None = None) -> VideoQuerySet:
        """Playable now: a movie that is available, or an episode of an available series."""
        at = at or timezone.now()
        return self.filter(_window("movie__", at) | _window("episode__season__series__", at))

    def for_profile(self, profile: Profile, at: datetime | None = None) -> VideoQuerySet:
        """What ``profile`` may play now."""
        return self.filter(playable_by(profile, at=at))

    def for_maturity(self, ceiling: int | None) -> VideoQuerySet:
        if ceiling is None:
            return self
        return self.filter(
            Q(movie__maturity_rating__lte=ceiling)
            | Q(episode__season__series__maturity_rating__lte=ceiling)
        )
