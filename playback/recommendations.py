"""The home page's "Because you watched X" rows, from what the household watched.

For each of the profile's SEEDS most recently watched titles X that it may still play, up to
ROW_SIZE other titles that share a genre with X, ranked by how many genres they share, then
by how long the household (every profile of the account) watched them; titles this profile
has watched already, and titles it rated "not for me", are left out.

Every candidate comes from ``for_profile(profile)`` and every seed passes ``playable_by``, so
a title only a parent watched never reaches a kids or teen profile's row when it is rated
above that profile's ceiling, and such a title is never the X of a row either.

Cost: at most 1 + SEEDS + 1 queries (the seeds, each seed's ranked candidates, the cards),
whatever the size of the history, and the rows are cached per profile.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, IntegerField, Max, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from accounts.models import Profile
from catalog.browse import Card, cards_for
from catalog.library import library_version_key
from catalog.models import Movie, Series, Thumb, TitleRating, Video
from catalog.querysets import playable_by
from catalog.versions import CATALOG_VERSION_KEY
from playback import rules
from playback.models import WatchProgress
from playback.progress_versions import progress_version_key

SEEDS = 2
ROW_SIZE = 20


class BecauseRow(NamedTuple):
    """One row: the title it is because of, and its cards, best first."""

    seed_title: str
    cards: list[Card]


class _Seed(NamedTuple):
    title_id: UUID
    title: str
    is_movie: bool


def because_you_watched(profile: Profile) -> list[BecauseRow]:
    """The profile's "Because you watched" rows (none when it has watched nothing yet).

    Cached per profile. The key carries the catalog version, the profile's progress version
    (a flush or a hide that changed its own rows: new seeds, new exclusions), its library
    version (a "not for me") and its ceiling, so none of those is ever shown stale. What the
    other profiles of the household watch only reorders a row: that part may be up to
    BROWSE_CACHE_SECONDS old, the time to live, which also ends before a card's title leaves
    the catalog.
    """
    version_keys = [
        CATALOG_VERSION_KEY,
        progress_version_key(profile.pk),
        library_version_key(profile.pk),
    ]
    versions = cache.get_many(version_keys)
    key = f"because:{profile.pk}:{profile.maturity_ceiling}:" + ":".join(
        str(versions.get(version_key, 0)) for version_key in version_keys
    )
    cached: list[BecauseRow] | None = cache.get(key)
    if cached is not None:
        return cached
    rows = because_rows(profile)
    now = time.time()
    soonest = min(
        (card.availability_end.timestamp() for row in rows for card in row.cards),
        default=now + settings.BROWSE_CACHE_SECONDS,
    )
    timeout = int(min(settings.BROWSE_CACHE_SECONDS, soonest - now))
    if timeout > 0:
        cache.set(key, rows, timeout)
    return rows


def because_rows(profile: Profile) -> list[BecauseRow]:
    """The rows, from PostgreSQL (uncached): at most 1 + SEEDS + 1 queries."""
    ranked = [(seed, _ranked_ids(profile, seed)) for seed in _seeds(profile)]
    wanted = {title_id for _, ids in ranked for title_id in ids}
    cards = cards_for(wanted, profile) if wanted else {}
    rows = [
        BecauseRow(seed.title, [cards[title_id] for title_id in ids if title_id in cards])
        for seed, ids in ranked
    ]
    return [row for row in rows if row.cards]


def _seeds(profile: Profile) -> list[_Seed]:
    """The profile's most recently watched titles that it may still play: one query (an
    episode counts for its series)."""
    rows = (
        WatchProgress.objects.filter(rules.watched_filter(), profile=profile)
        .filter(playable_by(profile, prefix="video__"))
        .values(
            title_id=Coalesce(F("video__movie__pk"), F("video__episode__season__series_id")),
            title=Coalesce(F("video__movie__title"), F("video__episode__season__series__title")),
            kind=F("video__kind"),
        )
        .annotate(last=Max("last_watched_timestamp"))
        .order_by("-last", "title")[:SEEDS]
    )
    return [_Seed(row["title_id"], row["title"], row["kind"] == Video.Kind.MOVIE) for row in rows]


def _ranked_ids(profile: Profile, seed: _Seed) -> list[UUID]:
    """The ids of the best ROW_SIZE titles for one seed, movies and series together: one
    query (a UNION ALL of the two, each grouped by title)."""
    genres: QuerySet[Any] = (
        Movie.genres.through.objects.filter(movie_id=seed.title_id).values("genre_id")
        if seed.is_movie
        else Series.genres.through.objects.filter(series_id=seed.title_id).values("genre_id")
    )
    watched = WatchProgress.objects.filter(rules.watched_filter(), profile=profile)
    not_for_me = TitleRating.objects.filter(profile=profile, rating=Thumb.NOT_FOR_ME)
    household = WatchProgress.objects.filter(
        rules.watched_filter(), profile__account_id=profile.account_id
    )
    movies = _candidates(
        Movie.objects.for_profile(profile),
        genres=genres,
        # A movie's id is its video's id.
        watched=watched.values("video_id"),
        not_for_me=not_for_me.filter(movie__isnull=False).values("movie_id"),
        household=household.filter(video_id=OuterRef("pk")).values("video_id"),
    )
    series = _candidates(
        Series.objects.for_profile(profile),
        genres=genres,
        # Not NULL (an inner join): a NULL in a NOT IN list would leave out every series.
        watched=watched.filter(video__episode__season__series__isnull=False).values(
            "video__episode__season__series_id"
        ),
        not_for_me=not_for_me.filter(series__isnull=False).values("series_id"),
        household=household.filter(video__episode__season__series_id=OuterRef("pk")).values(
            "video__episode__season__series_id"
        ),
    )
    best = movies.union(series, all=True).order_by("-shared", "-household", "title")[:ROW_SIZE]
    return [row["pk"] for row in best]


def _candidates(
    titles: QuerySet[Any],
    *,
    genres: QuerySet[Any],
    watched: QuerySet[Any],
    not_for_me: QuerySet[Any],
    household: QuerySet[Any],
) -> QuerySet[Any]:
    """Titles sharing a genre with the seed, with how many they share (the genre join is
    filtered first, so Count counts the shared ones only) and the household's seconds.
    ``household`` is the household's watched rows of one title, grouped to that title."""
    seconds = household.annotate(total=Sum("progress_seconds")).values("total")
    candidates: QuerySet[Any] = (
        titles.filter(genres__in=genres)
        .exclude(pk__in=watched)
        .exclude(pk__in=not_for_me)
        .order_by()
        .values("pk", "title")
        .annotate(
            shared=Count("genres"),
            household=Coalesce(Subquery(seconds, output_field=IntegerField()), 0),
        )
    )
    return candidates
