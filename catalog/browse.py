"""What the viewer pages show, in a fixed number of queries whatever the catalog size.

Every function starts from ``for_profile(profile)``, the single statement of what a profile
may see. Cards for movies and series are read as one ``UNION ALL`` of plain rows, so a genre
page or a search result pages through both kinds at once, and a card never needs a query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.postgres.search import SearchRank
from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Length, RowNumber
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Profile
from catalog import last_chance
from catalog.models import Episode, Genre, MaturityRating, Movie, Season, Series
from catalog.page_cache import cached_part, text_key
from catalog.search import FUZZY_BELOW, FuzzyQuery, corrected, search_query, search_words
from streaming_portal.infra.origin import browser_url

ROW_SIZE = 20
MOVIE, SERIES = "MOVIE", "SERIES"
CARD_FIELDS = (
    "pk",
    "kind",
    "title",
    "slug",
    "synopsis",
    "poster_url",
    "maturity_rating",
    "availability_start",
    "availability_end",
    "year",
    "minutes",
    "season_count",
)


@dataclass(frozen=True)
class Card:
    """One poster in a row or grid: everything its hover state shows, no lazy loads."""

    pk: UUID
    kind: str
    title: str
    slug: str
    synopsis: str
    poster_url: str
    maturity_rating: int
    availability_start: datetime
    availability_end: datetime
    year: int | None
    minutes: int | None
    season_count: int | None

    @property
    def url(self) -> str:
        name = "catalog:movie" if self.kind == MOVIE else "catalog:series"
        return reverse(name, kwargs={"slug": self.slug})

    @property
    def play_url(self) -> str:
        """A movie plays at once; a series opens on its episodes."""
        if self.kind == MOVIE:
            return reverse("playback:watch", kwargs={"video_id": self.pk})
        return self.url

    @property
    def poster(self) -> str:
        return browser_url(self.poster_url) if self.poster_url else ""

    @property
    def rating_label(self) -> str:
        return MaturityRating(self.maturity_rating).label

    @property
    def duration_label(self) -> str:
        if self.kind == SERIES:
            count = self.season_count or 0
            return f"{count} season{'s' if count != 1 else ''}"
        hours, minutes = divmod(self.minutes or 0, 60)
        return f"{hours} h {minutes} min" if hours else f"{minutes} min"

    @property
    def last_chance(self) -> bool:
        return last_chance.is_last_chance(self.availability_end)

    @property
    def leaves_on(self) -> datetime:
        return self.availability_end


@dataclass
class Row:
    genre: Genre
    cards: list[Card] = field(default_factory=list)


def _movie_cards(movies: QuerySet[Movie], *extra: str) -> QuerySet[Any]:
    # "kind" is the video's own column (MOVIE); series say SERIES in the same column.
    # order_by(): no per-branch sort inside the UNION; the caller orders the whole.
    return (
        movies.order_by()
        .annotate(
            year=F("release_year"),
            minutes=F("duration_minutes"),
            season_count=Value(None, output_field=IntegerField()),
        )
        .values(*CARD_FIELDS, *extra)
    )


def _series_cards(series: QuerySet[Series], *extra: str) -> QuerySet[Any]:
    first_year = (
        Episode.objects.filter(season__series=OuterRef("pk"))
        .values("season__series")
        .annotate(year=Min("release_year"))
        .values("year")
    )
    season_count = (
        Season.objects.filter(series=OuterRef("pk"))
        .values("series")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return (
        series.order_by()
        .annotate(
            kind=Value(SERIES),
            year=Subquery(first_year, output_field=IntegerField()),
            minutes=Value(None, output_field=IntegerField()),
            season_count=Subquery(season_count, output_field=IntegerField()),
        )
        .values(*CARD_FIELDS, *extra)
    )


def card_union(movies: QuerySet[Movie], series: QuerySet[Series]) -> QuerySet[Any]:
    """Movies and series as one queryset of card rows (order it, slice it, count it)."""
    return _movie_cards(movies).union(_series_cards(series), all=True)


def to_cards(rows: Any) -> list[Card]:
    return [Card(**{name: row[name] for name in CARD_FIELDS}) for row in rows]


def cards_for(ids: set[UUID], profile: Profile) -> dict[UUID, Card]:
    """Cards for the given movie and series ids, re-checked against what ``profile`` may see."""
    rows = card_union(
        Movie.objects.for_profile(profile).filter(pk__in=ids),
        Series.objects.for_profile(profile).filter(pk__in=ids),
    )
    return {card.pk: card for card in to_cards(rows)}


def _ranked_ids(model: type[Movie] | type[Series], profile: Profile) -> list[tuple[int, UUID]]:
    """(genre id, title id) for the newest ROW_SIZE titles of each genre, in one query."""
    through = model.genres.through
    owner = "movie" if model is Movie else "series"
    return list(
        through.objects.filter(**{f"{owner}__in": model.objects.for_profile(profile)})
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("genre_id"),
                order_by=[F(f"{owner}__availability_start").desc(), F(f"{owner}__title").asc()],
            )
        )
        .filter(rank__lte=ROW_SIZE)  # type: ignore[misc]  # an annotation, not a field
        .values_list("genre_id", f"{owner}_id")
    )


def genre_rows(profile: Profile) -> list[Row]:
    """A row per genre that has something for this profile: 5 queries."""
    pairs = _ranked_ids(Movie, profile) + _ranked_ids(Series, profile)
    cards = cards_for({title_id for _, title_id in pairs}, profile)
    genres = Genre.objects.in_bulk({genre_id for genre_id, _ in pairs})
    rows: dict[int, Row] = {}
    for genre_id, title_id in pairs:
        card = cards.get(title_id)
        if card is not None:
            rows.setdefault(genre_id, Row(genres[genre_id])).cards.append(card)
    ordered = sorted(rows.values(), key=lambda row: row.genre.name)
    for row in ordered:
        row.cards.sort(key=lambda card: (-card.availability_start.timestamp(), card.title))
        del row.cards[ROW_SIZE:]
    return ordered


@dataclass(frozen=True)
class HomeFragments:
    """The rendered hero and genre rows (UTF-8 HTML, ready to send): the same for every
    profile of one audience."""

    hero: bytes
    rows: bytes


def home_fragments(profile: Profile, *, version: int | None = None) -> HomeFragments:
    """The home page's hero and rows as HTML, cached per audience and catalog version
    (catalog/page_cache.py says why the HTML is what is cached, and for how long)."""

    def build() -> tuple[HomeFragments, list[Card]]:
        rows = genre_rows(profile)
        fragments = HomeFragments(
            hero=render_to_string("catalog/_hero.html", {"hero": featured(rows)}).encode(),
            rows=render_to_string("catalog/_rows.html", {"rows": rows}).encode(),
        )
        return fragments, [card for row in rows for card in row.cards]

    return cached_part(name="home", ceiling=profile.maturity_ceiling, build=build, version=version)


def featured(rows: list[Row]) -> Card | None:
    """The hero: the newest title with a poster among the rows already loaded (no query)."""
    candidates = [card for row in rows for card in row.cards if card.poster]
    return max(candidates, key=lambda card: card.availability_start, default=None)


def genre_titles(genre: Genre, profile: Profile) -> QuerySet[Any]:
    return card_union(
        Movie.objects.for_profile(profile).filter(genres=genre),
        Series.objects.for_profile(profile).filter(genres=genre),
    ).order_by("title")


def search(text: str, profile: Profile, *, fuzzy: bool = False) -> QuerySet[Any] | None:
    """Ranked matches for ``text``; None when the text has no searchable word. With ``fuzzy``,
    the titles within a typo or two of its words too, after every exact match; the ``exact``
    column tells them apart. Among corrections, the shortest title comes first: every typed
    word matched, so it has the fewest letters nobody typed."""
    query = search_query(text)
    if query is None:
        return None
    exact = Q(search_document=query)
    where = exact | Q(search_document=FuzzyQuery(search_words(text))) if fuzzy else exact
    is_exact: Expression = (
        ExpressionWrapper(exact, output_field=BooleanField()) if fuzzy else Value(True)
    )
    rank: Expression = SearchRank(F("search_document"), query)
    if fuzzy:
        rank = Case(
            When(exact, then=rank),
            default=Value(1.0) / (Value(1) + Length("title")),
            output_field=FloatField(),
        )

    def matches(titles: QuerySet[Any]) -> QuerySet[Any]:
        ranked: QuerySet[Any] = titles.filter(where).annotate(exact=is_exact, rank=rank)
        return ranked

    movies = _movie_cards(matches(Movie.objects.for_profile(profile)), "exact", "rank")
    series = _series_cards(matches(Series.objects.for_profile(profile)), "exact", "rank")
    return movies.union(series, all=True).order_by("-exact", "-rank", "title")


@dataclass(frozen=True)
class SearchResults:
    """A page of search results, and how they were found: ``corrected`` is the text as the
    first correction spells it when nothing matched exactly ("Showing results for"), and
    ``did_you_mean`` the first correction when something did."""

    page: Page[Any] | None
    cards: list[Card]
    corrected: str = ""
    did_you_mean: Card | None = None


def search_results(text: str, profile: Profile, *, number: int, per_page: int) -> SearchResults:
    """Page ``number`` of the matches for ``text``, in 2 queries: the count of exact matches,
    then their page, or, with fewer than FUZZY_BELOW of them, one page of exact matches and
    corrections together."""
    exact = search(text, profile)
    if exact is None:
        return SearchResults(page=None, cards=[])
    paginator = Paginator(exact, per_page)
    page = paginator.get_page(number)  # counts; the page's rows are only read below
    if paginator.count >= FUZZY_BELOW:
        return SearchResults(page=page, cards=to_cards(page.object_list))
    rows = list(search(text, profile, fuzzy=True)[:per_page])  # type: ignore[index]
    cards = to_cards(rows)
    corrections = [card for card, row in zip(cards, rows, strict=True) if not row["exact"]]
    page = Paginator(rows, per_page).get_page(1)
    if not corrections:
        return SearchResults(page=page, cards=cards)
    if len(corrections) == len(cards):
        spelled = corrected(text, corrections[0].title)
        if spelled != " ".join(search_words(text)):
            return SearchResults(page=page, cards=cards, corrected=spelled)
    return SearchResults(page=page, cards=cards, did_you_mean=corrections[0])


SUGGESTIONS = 8


def suggestions(text: str, profile: Profile, *, version: int | None = None) -> bytes:
    """Up to SUGGESTIONS titles for what is typed so far, as a JSON array of title, kind, url
    and year, cached per audience and catalog version like every browse part: 1 query, 2
    when the exact matches are fewer than FUZZY_BELOW and corrections join them."""
    words = search_words(text)
    if not words:
        return b"[]"

    def build() -> tuple[bytes, list[Card]]:
        matches = search(text, profile)
        cards = to_cards(matches[:SUGGESTIONS]) if matches is not None else []
        if len(cards) < FUZZY_BELOW:
            fuzzy = search(text, profile, fuzzy=True)
            cards = to_cards(fuzzy[:SUGGESTIONS]) if fuzzy is not None else []
        shown = [
            {"title": card.title, "kind": card.kind, "url": card.url, "year": card.year}
            for card in cards
        ]
        return json.dumps(shown, ensure_ascii=False).encode(), cards

    return cached_part(
        name=f"suggest:{text_key(' '.join(words))}",
        ceiling=profile.maturity_ceiling,
        build=build,
        version=version,
    )
