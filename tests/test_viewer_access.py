"""Who may see and touch what: the kids walk over every viewer URL, and the access matrix.

The kids walk builds titles at every rating and visits every page a kids profile can reach;
no title above the kids ceiling may appear anywhere, and its own URL must be a 404. The
matrix runs each household action as the profile itself, a sibling in the same household,
another household and an anonymous visitor: another household's objects are always a 404,
never a 403 (which would confirm they exist) and never a 200.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest
from django.http import HttpResponseBase
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.access import PROFILE_SESSION_KEY
from accounts.maturity import KIDS_CEILING
from accounts.models import Profile
from accounts.services import profile_create
from bench.catalog_data import load_movies
from catalog.models import (
    Episode,
    Genre,
    MaturityRating,
    Movie,
    MyListEntry,
    Series,
    Thumb,
    TitleRating,
)
from playback.models import WatchProgress
from tests.cast import Household, sign_in
from tests.factories import EpisodeFactory, GenreFactory, MovieFactory, SeasonFactory, SeriesFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

HOME = reverse("catalog:home")
SEARCH = reverse("catalog:search")
LOGIN = reverse("accounts:login")
PROFILES = reverse("accounts:profiles")
MANAGE = reverse("accounts:manage_profiles")
MY_LIST = reverse("catalog:my_list")
# The viewer's own pages (no title in their URL), walked as they are.
OWN_PAGES = ["accounts:preferences", "playback:activity"]
SUGGEST = reverse("catalog:search_suggest")


# --- Watch progress and cards ---------------------------------------------------------------


def progress_for(profile: Profile, video_id: UUID, seconds: int = 1200) -> WatchProgress:
    return WatchProgress.objects.create(
        profile=profile,
        video_id=video_id,
        progress_seconds=seconds,
        last_watched_timestamp=timezone.now(),
    )


def card_titles(body: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<div class="card-title">(.*?)</div>', body)]


# --- The kids walk --------------------------------------------------------------------------

NAMED_MOVIES = {
    MaturityRating.ALL: "Lantern Bay",
    MaturityRating.AGE_7: "Copper Kite",
    MaturityRating.AGE_13: "Velvet Storm",
    MaturityRating.AGE_16: "Obsidian Pact",
    MaturityRating.AGE_18: "Crimson Vow",
}
NAMED_SERIES = {
    MaturityRating.ALL: "Moss Meadow",
    MaturityRating.AGE_7: "Pebble Parade",
    MaturityRating.AGE_13: "Harrow Lane",
    MaturityRating.AGE_16: "Iron Verdict",
    MaturityRating.AGE_18: "Midnight Ledger",
}

NAMES = {*NAMED_MOVIES.values(), *NAMED_SERIES.values()}


@dataclass(frozen=True)
class KidsCatalog:
    allowed: list[Movie | Series]
    above: list[Movie | Series]
    above_episodes: list[Episode]

    def forbidden_text(self) -> list[str]:
        """Every string that would give away a title above the ceiling."""
        return [
            *(title.title for title in self.above),
            *(title_url(title) for title in self.above),
            *(episode.title for episode in self.above_episodes),
        ]


def title_url(title: Movie | Series) -> str:
    kind = "catalog:movie" if isinstance(title, Movie) else "catalog:series"
    return reverse(kind, args=[title.slug])


def restricted_catalog(household: Household, profile: Profile, ceiling: int) -> KidsCatalog:
    """Titles at every rating, and everything of them that could reach ``profile``'s pages:
    its own progress, list and thumbs from before its ceiling, and what the rest of the
    household watched (which "Because you watched" draws on)."""
    family, thriller = GenreFactory.create(name="Family"), GenreFactory.create(name="Thriller")
    for rating, name in NAMED_MOVIES.items():
        MovieFactory.create(title=name, maturity_rating=rating, genres=[family, thriller])
    for rating, name in NAMED_SERIES.items():
        series = SeriesFactory.create(title=name, maturity_rating=rating, genres=[thriller])
        word = name.split()[1]
        for season_number in (1, 2):
            season = SeasonFactory.create(series=series, number=season_number)
            for number in (1, 2):
                EpisodeFactory.create(
                    season=season, number=number, title=f"{word} chapter {season_number}.{number}"
                )
    # 80 more movies in one genre, ratings cycling 0, 7, 13, 16, 18: 32 are for kids, so the
    # kids' genre page and search results run to a second page.
    load_movies(80, genres=1, prefix="Filler")
    titles: list[Movie | Series] = [*Movie.objects.all(), *Series.objects.all()]
    above = [title for title in titles if title.maturity_rating > ceiling]
    above_episodes = list(Episode.objects.filter(season__series__maturity_rating__gt=ceiling))
    # Progress, a list and thumbs left over from before the profile had its ceiling.
    for title in above:
        if isinstance(title, Movie):
            progress_for(profile, title.pk)
            progress_for(household.adult, title.pk)
        field: dict[str, Movie | Series] = (
            {"movie": title} if isinstance(title, Movie) else {"series": title}
        )
        MyListEntry.objects.create(profile=profile, **field)
        TitleRating.objects.create(profile=profile, rating=Thumb.LOVE, **field)
    for episode in above_episodes:
        progress_for(profile, episode.pk)
        progress_for(household.adult, episode.pk)
    progress_for(profile, Movie.objects.get(title="Lantern Bay").pk)
    return KidsCatalog(
        allowed=[title for title in titles if title.maturity_rating <= ceiling],
        above=above,
        above_episodes=above_episodes,
    )


@pytest.fixture
def kids_catalog(household: Household) -> KidsCatalog:
    return restricted_catalog(household, household.kids, KIDS_CEILING)


def leaks(body: str, forbidden: list[str], *, echoed: str = "") -> list[str]:
    text = html.unescape(body)
    if echoed:
        # The search page repeats the query back; what it found still shows as cards and
        # links, which the title URLs among ``forbidden`` catch.
        text = text.replace(echoed, "")
    return [
        item
        for item in forbidden
        if re.search(r"(?<![\w-])" + re.escape(item) + r"(?![\w-])", text, re.IGNORECASE)
    ]


def every_page(client: Client, url: str, **params: str) -> list[str]:
    """The bodies of page 1, 2, … of a paginated list, as the kids profile sees them."""
    first = client.get(url, params)
    assert first.status_code == 200, url
    bodies = [first.content.decode()]
    pages = first.context["page"].paginator.num_pages if first.context["page"] else 1
    for number in range(2, pages + 1):
        response = client.get(url, {**params, "page": str(number)})
        assert response.status_code == 200, (url, number)
        bodies.append(response.content.decode())
    return bodies


def first_word(title: Movie | Series) -> str:
    return title.title.split()[0]


def walk(client: Client, catalog: KidsCatalog) -> dict[str, str]:
    """Every page the profile signed in on ``client`` can reach, by URL: home, every genre
    and search page, My List, the viewer's own pages, and every title it may see."""
    forbidden = catalog.forbidden_text()
    visited: dict[str, str] = {}

    visited[HOME] = client.get(HOME).content.decode()
    for genre in Genre.objects.all():
        url = reverse("catalog:genre", args=[genre.slug])
        for number, body in enumerate(every_page(client, url), start=1):
            visited[f"{url}?page={number}"] = body
    named = [t for t in [*catalog.allowed, *catalog.above] if t.title in NAMES]
    for text in {first_word(title) for title in named} | {title.title for title in named}:
        for number, body in enumerate(every_page(client, SEARCH, q=text), start=1):
            assert not leaks(body, forbidden, echoed=text), (text, number)
        suggested = client.get(SUGGEST, {"q": text})
        assert suggested.status_code == 200, text
        titles = [item["title"] for item in suggested.json()["suggestions"]]
        assert not leaks(" | ".join(titles), forbidden), (text, titles)
    for number, body in enumerate(every_page(client, SEARCH, q="filler"), start=1):
        visited[f"{SEARCH}?q=filler&page={number}"] = body
    for number, body in enumerate(every_page(client, MY_LIST), start=1):
        visited[f"{MY_LIST}?page={number}"] = body
    for name in OWN_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        visited[reverse(name)] = response.content.decode()
    for title in catalog.allowed:
        seasons = [""] if isinstance(title, Movie) else ["1", "2"]
        for season in seasons:
            response = client.get(title_url(title), {"season": season} if season else {})
            assert response.status_code == 200, title
            visited[f"{title_url(title)}?season={season}"] = response.content.decode()
    # The posters' list state names ids, not titles: none of them may be above the ceiling.
    state = client.get(reverse("catalog:my_list_state")).json()["ids"]
    assert not {str(title.pk) for title in catalog.above} & set(state)
    return visited


def assert_walk_is_clean(visited: dict[str, str], catalog: KidsCatalog) -> None:
    forbidden = catalog.forbidden_text()
    assert {
        url: leaks(body, forbidden) for url, body in visited.items() if leaks(body, forbidden)
    } == {}
    # The walk saw what the profile may see, so an empty page everywhere could not pass it.
    seen = "".join(visited.values())
    assert all(title.title in seen for title in catalog.allowed)


def test_it_shows_a_kids_profile_nothing_above_the_ceiling_on_any_page(
    client: Client, household: Household, kids_catalog: KidsCatalog
) -> None:
    sign_in(client, household, household.kids)

    assert_walk_is_clean(walk(client, kids_catalog), kids_catalog)


def test_it_shows_a_teen_profile_nothing_above_13_on_any_page(
    client: Client, household: Household
) -> None:
    teen = profile_create(
        account=household.account, name="Teen", is_kids=False, max_maturity=MaturityRating.AGE_13
    )
    catalog = restricted_catalog(household, teen, MaturityRating.AGE_13)
    sign_in(client, household, teen)

    visited = walk(client, catalog)

    assert_walk_is_clean(visited, catalog)
    assert len(catalog.above) == 4 + 32  # the 16+ and 18+ named titles and filler movies


def test_it_answers_404_to_a_kids_profile_for_every_title_above_the_ceiling(
    client: Client, household: Household, kids_catalog: KidsCatalog
) -> None:
    sign_in(client, household, household.kids)

    statuses = {
        (title.title, season): client.get(title_url(title), {"season": season}).status_code
        for title in kids_catalog.above
        for season in ("1", "2")
    }

    assert set(statuses.values()) == {404}
    assert len(kids_catalog.above) == 6 + 48  # the named titles and the filler movies


def test_it_shows_an_adult_the_titles_the_kids_walk_hides(
    client: Client, household: Household, kids_catalog: KidsCatalog
) -> None:
    # The walk's searches and URLs do reach these titles: only the ceiling keeps them away.
    sign_in(client, household, household.adult)

    found = {
        title.title: title.title
        in card_titles(client.get(SEARCH, {"q": first_word(title)}).content.decode())
        for title in kids_catalog.above
        if title.title in NAMES
    }
    statuses = {client.get(title_url(title)).status_code for title in kids_catalog.above}

    assert found == dict.fromkeys(found, True)
    assert len(found) == 6
    assert statuses == {200}


def test_it_leaves_titles_above_the_ceiling_out_of_a_kids_continue_watching(
    client: Client, household: Household, kids_catalog: KidsCatalog
) -> None:
    sign_in(client, household, household.kids)

    body = client.get(HOME).content.decode()

    assert "Continue watching for Kids" in body
    assert not leaks(body, kids_catalog.forbidden_text())


# --- The access matrix: household actions ---------------------------------------------------

# Whose profile the request names, and who sends it: the profile's own household (the profile
# itself, or its sibling while another is chosen), another household, or nobody signed in.
OWN, SIBLING, OUTSIDER, ANONYMOUS = "own", "sibling", "outsider", "anonymous"


def target_of(
    actor: str, client: Client, household: Household, other_household: Household
) -> Profile:
    """Sign ``client`` in as ``actor`` would be, and return the profile the request names."""
    if actor != ANONYMOUS:
        sign_in(client, household, household.adult)
    return {
        OWN: household.adult,
        SIBLING: household.kids,
        OUTSIDER: other_household.adult,
        ANONYMOUS: household.adult,
    }[actor]


def redirected_to(response: HttpResponseBase, path: str) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path == path


@pytest.mark.parametrize(
    ("actor", "chosen"),
    [
        (OWN, "adult"),
        (SIBLING, "kids"),
        (OUTSIDER, "unchanged"),
        (ANONYMOUS, "none"),
    ],
)
def test_it_lets_only_the_household_choose_its_profiles(
    client: Client,
    household: Household,
    other_household: Household,
    actor: str,
    chosen: str,
) -> None:
    target = target_of(actor, client, household, other_household)

    response = client.post(PROFILES, {"profile": target.pk})

    session_profile = client.session.get(PROFILE_SESSION_KEY)
    if chosen in ("adult", "kids"):
        assert redirected_to(response, HOME)
        assert session_profile == getattr(household, chosen).pk
    elif chosen == "unchanged":
        assert response.status_code == 404
        assert session_profile == household.adult.pk
    else:
        assert redirected_to(response, LOGIN)
        assert session_profile is None


@pytest.mark.parametrize(
    ("actor", "expected"),
    [(OWN, 200), (SIBLING, 200), (OUTSIDER, 404), (ANONYMOUS, "login")],
)
def test_it_opens_the_edit_form_only_for_the_households_profiles(
    client: Client,
    household: Household,
    other_household: Household,
    actor: str,
    expected: int | str,
) -> None:
    target = target_of(actor, client, household, other_household)

    response = client.get(reverse("accounts:edit_profile", args=[target.pk]))

    if expected == "login":
        assert redirected_to(response, LOGIN)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(
    ("actor", "renamed"),
    [(OWN, True), (SIBLING, True), (OUTSIDER, False), (ANONYMOUS, False)],
)
def test_it_saves_edits_only_to_the_households_profiles(
    client: Client,
    household: Household,
    other_household: Household,
    actor: str,
    renamed: bool,
) -> None:
    target = target_of(actor, client, household, other_household)
    name_before = target.name

    response = client.post(
        reverse("accounts:edit_profile", args=[target.pk]),
        {"name": "Renamed", "avatar_colour": "teal"},
    )

    target.refresh_from_db()
    if renamed:
        assert redirected_to(response, MANAGE)
        assert target.name == "Renamed"
    else:
        assert response.status_code == 404 if actor == OUTSIDER else redirected_to(response, LOGIN)
        assert target.name == name_before


@pytest.mark.parametrize(
    ("actor", "deleted"),
    [(OWN, True), (SIBLING, True), (OUTSIDER, False), (ANONYMOUS, False)],
)
def test_it_deletes_only_the_households_profiles(
    client: Client,
    household: Household,
    other_household: Household,
    actor: str,
    deleted: bool,
) -> None:
    target = target_of(actor, client, household, other_household)

    response = client.post(reverse("accounts:delete_profile", args=[target.pk]))

    if deleted:
        assert redirected_to(response, MANAGE)
    elif actor == OUTSIDER:
        assert response.status_code == 404
    else:
        assert redirected_to(response, LOGIN)
    assert Profile.objects.filter(pk=target.pk).exists() is not deleted


def test_it_refuses_delete_on_get(client: Client, household: Household) -> None:
    sign_in(client, household, household.adult)

    response = client.get(reverse("accounts:delete_profile", args=[household.kids.pk]))

    assert response.status_code == 405
    assert Profile.objects.filter(pk=household.kids.pk).exists()


def test_it_lists_only_the_households_profiles_under_manage(
    client: Client, household: Household, other_household: Household
) -> None:
    sign_in(client, household, household.adult)

    body = client.get(MANAGE).content.decode()

    for profile in (household.adult, household.kids):
        assert reverse("accounts:edit_profile", args=[profile.pk]) in body
    for profile in (other_household.adult, other_household.kids):
        assert reverse("accounts:edit_profile", args=[profile.pk]) not in body


# --- The access matrix: forgetting progress -------------------------------------------------

# Who sends the forget request: (whose session, which profile is chosen in it).
FORGETTERS = {
    "adult": ("household", "adult"),
    "sibling": ("household", "kids"),
    "other-household": ("other", "adult"),
    "anonymous": (None, None),
    "no-profile-chosen": ("household", None),
    "other-households-profile-in-session": ("household", "other.adult"),
}


@pytest.mark.parametrize(
    ("forgetter", "expected"),
    [
        ("adult", (HOME, "Alex")),
        ("sibling", (HOME, "Kids")),
        ("other-household", (HOME, "Bruno")),
        ("anonymous", (LOGIN, None)),
        ("no-profile-chosen", (PROFILES, None)),
        ("other-households-profile-in-session", (PROFILES, None)),
    ],
)
def test_it_forgets_only_the_chosen_profiles_own_progress(
    client: Client,
    household: Household,
    other_household: Household,
    forgetter: str,
    expected: tuple[str, str | None],
) -> None:
    outcome, gone = expected  # where the request lands, whose progress row goes
    movie = MovieFactory.create()
    for profile in (household.adult, household.kids, other_household.adult):
        progress_for(profile, movie.pk)
    whose, chosen = FORGETTERS[forgetter]
    if whose is not None:
        profiles = {
            "adult": household.adult if whose == "household" else other_household.adult,
            "kids": household.kids,
            "other.adult": other_household.adult,
        }
        sign_in(
            client,
            household if whose == "household" else other_household,
            profiles[chosen] if chosen else None,
        )

    response = client.post(reverse("playback:forget", args=[movie.pk]))

    assert redirected_to(response, outcome)
    remaining = set(
        WatchProgress.objects.filter(video_id=movie.pk).values_list("profile__name", flat=True)
    )
    assert remaining == {"Alex", "Kids", "Bruno"} - {gone}


def test_it_refuses_to_forget_on_get(client: Client, household: Household) -> None:
    movie = MovieFactory.create()
    progress_for(household.adult, movie.pk)
    sign_in(client, household, household.adult)

    response = client.get(reverse("playback:forget", args=[movie.pk]))

    assert response.status_code == 405
    assert WatchProgress.objects.filter(video_id=movie.pk).exists()


def test_it_shows_only_the_chosen_profiles_progress_on_home(
    client: Client, household: Household, other_household: Household
) -> None:
    mine, sibling, stranger = (
        MovieFactory.create(title="Mine To Finish"),
        MovieFactory.create(title="Sibling Started"),
        MovieFactory.create(title="Stranger Started"),
    )
    progress_for(household.adult, mine.pk)
    progress_for(household.kids, sibling.pk)
    progress_for(other_household.adult, stranger.pk)
    sign_in(client, household, household.adult)

    body = client.get(HOME).content.decode()
    section = re.search(r'aria-labelledby="row-continue">(.*?)</section>', body, re.DOTALL)

    assert section is not None
    assert card_titles(section[1]) == ["Mine To Finish"]


# --- The access matrix: viewer pages --------------------------------------------------------


@pytest.fixture
def viewer_urls() -> dict[str, str]:
    movie = MovieFactory.create(title="Quiet Storm", genres=[GenreFactory.create(name="Drama")])
    series = SeriesFactory.create(title="Long Night")
    EpisodeFactory.create(season__series=series)
    return {
        "home": HOME,
        "search": f"{SEARCH}?q=quiet",
        "genre": reverse("catalog:genre", args=["drama"]),
        "movie": reverse("catalog:movie", args=[movie.slug]),
        "series": reverse("catalog:series", args=[series.slug]),
        "my_list": MY_LIST,
        "preferences": reverse("accounts:preferences"),
        "activity": reverse("playback:activity"),
    }


PAGES = ["home", "search", "genre", "movie", "series", "my_list", "preferences", "activity"]


@pytest.mark.parametrize("page", [p for p in PAGES if p != "home"])
def test_it_sends_anonymous_visitors_to_sign_in(
    client: Client, viewer_urls: dict[str, str], page: str
) -> None:
    response = client.get(viewer_urls[page])

    assert redirected_to(response, LOGIN)
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == [viewer_urls[page]]


def test_it_shows_anonymous_visitors_the_landing_page_without_titles(
    client: Client, viewer_urls: dict[str, str]
) -> None:
    response = client.get(HOME)

    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("accounts:sign_up") in body
    assert "Quiet Storm" not in body
    assert card_titles(body) == []


@pytest.mark.parametrize("page", PAGES)
def test_it_asks_who_is_watching_before_any_viewer_page(
    client: Client, household: Household, viewer_urls: dict[str, str], page: str
) -> None:
    sign_in(client, household, None)

    response = client.get(viewer_urls[page])

    assert redirected_to(response, PROFILES)


@pytest.mark.parametrize("page", PAGES)
def test_it_ignores_another_households_profile_in_the_session(
    client: Client,
    household: Household,
    other_household: Household,
    viewer_urls: dict[str, str],
    page: str,
) -> None:
    sign_in(client, household, other_household.adult)

    response = client.get(viewer_urls[page])

    assert redirected_to(response, PROFILES)


@pytest.mark.parametrize("page", PAGES)
def test_it_shows_viewer_pages_to_a_chosen_profile(
    client: Client, household: Household, viewer_urls: dict[str, str], page: str
) -> None:
    sign_in(client, household, household.adult)

    response = client.get(viewer_urls[page])

    assert response.status_code == 200
    assert response.context["profile"] == household.adult
