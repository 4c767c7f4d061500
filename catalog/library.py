"""A profile's own library: My List and thumbs.

Titles are found through ``for_profile`` before anything is written, so a profile can only
add or rate what it may see (another title's id is a 404, as if it did not exist), and the
row is read back through ``for_profile`` too (``cards_for``), so a title that later leaves
the catalog or sits above a lowered ceiling simply stops showing.

Every change bumps the profile's library version (a Redis integer): the home page's cached
shell keys on it, so the My List row shows a change at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Profile
from catalog.browse import Card, cards_for
from catalog.models import Movie, MyListEntry, Series, Thumb, TitleRating

MY_LIST_ROW = 40


def library_version_key(profile_id: int) -> str:
    return f"library-version:{profile_id}"


def library_changed(profile_id: int) -> None:
    cache.set(library_version_key(profile_id), time.time_ns(), timeout=None)


def visible_title(profile: Profile, title_id: UUID) -> Movie | Series | None:
    """The movie or series with this id if ``profile`` may see it now (one query)."""
    movie = Movie.objects.for_profile(profile).filter(pk=title_id).only("pk", "title", "slug")
    series = Series.objects.for_profile(profile).filter(pk=title_id).only("pk", "title", "slug")
    found: Movie | Series | None = movie.first()
    return found if found is not None else series.first()


def _title_fields(title: Movie | Series) -> dict[str, Any]:
    return {"movie": title} if isinstance(title, Movie) else {"series": title}


def _conflict_on(title: Movie | Series) -> list[str]:
    return ["profile", "movie"] if isinstance(title, Movie) else ["profile", "series"]


def _rows_for(
    model: type[MyListEntry] | type[TitleRating], profile: Profile, title_id: UUID
) -> Any:
    rows: QuerySet[Any] = model.objects.filter(profile=profile)
    return rows.filter(movie_id=title_id) | rows.filter(series_id=title_id)


def my_list_add(*, profile: Profile, title: Movie | Series) -> None:
    """Idempotent: adding twice (a double click, two tabs) leaves one row."""
    MyListEntry.objects.bulk_create(
        [MyListEntry(profile=profile, **_title_fields(title))],
        ignore_conflicts=True,
    )
    library_changed(profile.pk)


def my_list_remove(*, profile: Profile, title_id: UUID) -> None:
    """Only this profile's own row goes; removing what is not there is no error."""
    _rows_for(MyListEntry, profile, title_id).delete()
    library_changed(profile.pk)


def rate(*, profile: Profile, title: Movie | Series, thumb: Thumb | None) -> None:
    """Set this profile's thumbs on a title, or (None) take them back."""
    if thumb is None:
        _rows_for(TitleRating, profile, title.pk).delete()
    else:
        TitleRating.objects.bulk_create(
            [TitleRating(profile=profile, rating=thumb, **_title_fields(title))],
            update_conflicts=True,
            unique_fields=_conflict_on(title),
            update_fields=["rating", "rated_at"],
        )
    library_changed(profile.pk)


@dataclass(frozen=True)
class TitleState:
    """What a title page shows of this profile's library: on the list, and the thumbs."""

    on_list: bool
    thumb: int | None


def with_title_state(titles: QuerySet[Any], profile: Profile) -> QuerySet[Any]:
    """``titles`` (movies or series) annotated with this profile's ``on_list`` and ``thumb``,
    so a title page reads them with the title itself, in the same query."""
    field = "movie" if titles.model is Movie else "series"
    own = {"profile": profile, field: OuterRef("pk")}
    annotated: QuerySet[Any] = titles.annotate(
        on_list=Exists(MyListEntry.objects.filter(**own)),
        thumb=Subquery(TitleRating.objects.filter(**own).values("rating")[:1]),
    )
    return annotated


def title_state_of(title: Any) -> TitleState:
    """The state ``with_title_state`` annotated on a loaded title."""
    return TitleState(on_list=bool(title.on_list), thumb=title.thumb)


def title_state(profile: Profile, title_id: UUID) -> TitleState:
    """The state of one title by id (for an answer to a button): two tiny indexed queries."""
    on_list = _rows_for(MyListEntry, profile, title_id).exists()
    thumb = _rows_for(TitleRating, profile, title_id).values_list("rating", flat=True).first()
    return TitleState(on_list=on_list, thumb=thumb)


def my_list_ids(profile: Profile, *, limit: int | None = MY_LIST_ROW) -> list[UUID]:
    """The titles on the profile's list that it may see now, newest first (one query)."""
    visible = Q(movie__in=Movie.objects.for_profile(profile).values("pk")) | Q(
        series__in=Series.objects.for_profile(profile).values("pk")
    )
    rows = (
        MyListEntry.objects.filter(visible, profile=profile)
        .order_by("-added_at", "-id")
        .values_list(Coalesce("movie_id", "series_id"), flat=True)
    )
    return list(rows[:limit] if limit is not None else rows)


def my_list_cards(profile: Profile, *, limit: int | None = MY_LIST_ROW) -> list[Card]:
    """The cards of the profile's list that it may still see, newest first: two queries."""
    ids = my_list_ids(profile, limit=limit)
    cards = cards_for(set(ids), profile) if ids else {}
    return [cards[title_id] for title_id in ids if title_id in cards]


def not_for_me_ids(profile: Profile) -> set[UUID]:
    """Titles this profile gave a thumbs down (recommendations leave them out)."""
    rows = TitleRating.objects.filter(profile=profile, rating=Thumb.NOT_FOR_ME).values_list(
        Coalesce("movie_id", "series_id"), flat=True
    )
    return set(rows)
