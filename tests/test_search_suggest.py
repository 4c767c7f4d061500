"""Suggestions while typing (GET /search/suggest/?q=): a few titles as JSON, under the
profile's maturity ceiling, cached per audience, in a fixed number of queries, with clean
refusals for junk, and within the viewer's rate limit at any human typing speed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries
from pytest_django import Settings as SettingsWrapper

from accounts.services import profile_create
from bench.catalog_data import load_movies
from catalog.models import MaturityRating, Movie, Series
from catalog.search import SEARCH_MAX_LENGTH
from streaming_portal.infra import ratelimit
from streaming_portal.infra.ratelimit import Scope, limiter, rule_for
from tests.cast import Household, cold_pages, sign_in, warm_identity
from tests.factories import EpisodeFactory, MovieFactory, SeasonFactory, SeriesFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def movie(**fields: Any) -> Movie:
    """A movie whose synopsis holds no word searched for here (the factory's is random)."""
    created: Movie = MovieFactory.create(**{"synopsis": "Someone goes somewhere.", **fields})
    return created


def series(**fields: Any) -> Series:
    created: Series = SeriesFactory.create(**{"synopsis": "Someone goes somewhere.", **fields})
    return created


SUGGEST = reverse("catalog:search_suggest")
KIDS_TITLES = {"Paper Kites", "Paper Boats", "Ocean Explorers"}
ADULT_TITLES = {"Paper Cuts", "Papers of the Dead", "Midnight Heist", "Ocean of Knives"}


@pytest.fixture
def catalog(db: None) -> None:
    for title in sorted(KIDS_TITLES - {"Ocean Explorers"}):
        movie(title=title, maturity_rating=MaturityRating.AGE_7, release_year=2019)
    for title in sorted(ADULT_TITLES):
        movie(title=title, maturity_rating=MaturityRating.AGE_18)
    ocean = series(
        title="Ocean Explorers", slug="ocean-explorers", maturity_rating=MaturityRating.ALL
    )
    EpisodeFactory.create(season=SeasonFactory.create(series=ocean), release_year=2021)


@pytest.fixture
def no_rate_limits(settings: SettingsWrapper) -> None:
    # These tests send many requests on purpose; the limit has its own test below.
    settings.RATELIMIT_VIEWER_READ = "100000/60"


def suggest(client: Client, text: str) -> list[dict[str, Any]]:
    response = client.get(SUGGEST, {"q": text})
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert list(body) == ["query", "suggestions"]
    suggestions: list[dict[str, Any]] = body["suggestions"]
    return suggestions


def titles(client: Client, text: str) -> list[str]:
    return [suggestion["title"] for suggestion in suggest(client, text)]


def raw_get(client: Client, query_string: bytes) -> Response:
    """The query string exactly as bytes on the wire (WSGI hands them over as Latin-1)."""
    return client.get(SUGGEST, QUERY_STRING=query_string.decode("latin-1"))


def error_of(response: Response) -> dict[str, Any]:
    """The API's one error shape."""
    assert response["Content-Type"] == "application/json", response.content[:200]
    body = json.loads(response.content)
    assert list(body) == ["error"]
    error: dict[str, Any] = body["error"]
    assert {"code", "message"} <= set(error) <= {"code", "message", "field"}
    return error


# --- What it answers ---------------------------------------------------------------------------


@pytest.mark.usefixtures("catalog")
def test_it_suggests_titles_by_prefix_with_kind_url_and_year(viewer: Client) -> None:
    assert suggest(viewer, "ocean ex") == [
        {
            "title": "Ocean Explorers",
            "kind": "SERIES",
            "url": reverse("catalog:series", args=["ocean-explorers"]),
            "year": 2021,
        }
    ]
    (kites,) = suggest(viewer, "paper ki")
    assert (kites["title"], kites["kind"], kites["year"]) == ("Paper Kites", "MOVIE", 2019)
    assert kites["url"].startswith("/movies/")


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("midnigth", "Midnight Heist"),
        ("ocaen expl", "Ocean Explorers"),
        ("papr kit", "Paper Kites"),
    ],
)
def test_it_suggests_despite_a_typo(viewer: Client, typed: str, title: str) -> None:
    assert titles(viewer, typed)[:1] == [title]


def test_it_suggests_at_most_eight_titles_exact_ones_first(viewer: Client) -> None:
    for number in range(12):
        movie(title=f"Lantern {number:02d}")
    movie(title="Lanterm Street")  # a typo's neighbour: never above the twelve

    found = titles(viewer, "lantern")

    assert found == [f"Lantern {number:02d}" for number in range(8)]


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("text", ["", "   ", "?!", "\x00\x00", "«»"])
def test_it_answers_an_empty_list_for_text_without_a_word_to_suggest_from(
    viewer: Client, django_assert_num_queries: DjangoAssertNumQueries, text: str
) -> None:
    viewer.get(reverse("catalog:home"))  # the household in the identity cache

    with django_assert_num_queries(0):
        assert suggest(viewer, text) == []


@pytest.mark.usefixtures("catalog")
def test_it_tells_browsers_and_proxies_never_to_keep_an_answer(viewer: Client) -> None:
    response = viewer.get(SUGGEST, {"q": "paper"})

    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.usefixtures("catalog")
def test_it_sends_a_visitor_without_a_profile_elsewhere(
    client: Client, household: Household
) -> None:
    signed_out = client.get(SUGGEST, {"q": "paper"})
    no_profile = sign_in(client, household).get(SUGGEST, {"q": "paper"})

    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith(reverse("accounts:login"))
    assert no_profile.status_code == 302
    assert no_profile["Location"] == reverse("accounts:profiles")


# --- The maturity ceiling -----------------------------------------------------------------------


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("typed", ["paper", "papr", "ocean", "ocaen", "midnight", "pap"])
def test_a_kids_profile_is_never_suggested_a_title_above_its_ceiling(
    client: Client, household: Household, typed: str
) -> None:
    adult = set(titles(sign_in(client, household, household.adult), typed))
    kids = set(titles(sign_in(client, household, household.kids), typed))

    assert kids <= KIDS_TITLES
    assert adult & ADULT_TITLES  # the adult's answer for the same text has some: it could leak


@pytest.mark.usefixtures("catalog")
def test_a_13_plus_profile_sees_up_to_13(client: Client, household: Household) -> None:
    movie(title="Paper Towns", maturity_rating=MaturityRating.AGE_13)
    teen = profile_create(
        account=household.account, name="Teen", is_kids=False, max_maturity=MaturityRating.AGE_13
    )

    found = set(titles(sign_in(client, household, teen), "paper"))

    assert found == {"Paper Kites", "Paper Boats", "Paper Towns"}


@pytest.mark.fuzz
@pytest.mark.usefixtures("catalog", "no_rate_limits")
@given(typed=st.text(alphabet="abcdehiklnoprstx ", max_size=12))
def test_fuzz_a_kids_profile_is_never_suggested_a_title_above_its_ceiling(
    client: Client, household: Household, typed: str
) -> None:
    assert set(titles(sign_in(client, household, household.kids), typed)) <= KIDS_TITLES


# --- Cached per audience, and its cost ---------------------------------------------------------


@pytest.mark.usefixtures("catalog")
def test_it_answers_a_second_profile_of_the_same_audience_from_the_cache(
    client: Client,
    household: Household,
    other_household: Household,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    suggest(sign_in(client, household, household.kids), "paper")
    other = sign_in(Client(), other_household, other_household.kids)
    other.get(reverse("catalog:home"))  # its household in the identity cache

    with django_assert_num_queries(0):
        cached = titles(other, "paper")
    sign_in(other, other_household, other_household.adult).get(reverse("catalog:home"))
    with django_assert_num_queries(1):  # an adult audience: its own part, built once
        titles(other, "paper")

    assert set(cached) == {"Paper Kites", "Paper Boats"}


# load_movies() builds a temporary table dropped on COMMIT: a second call in one test needs a
# real commit in between, so the tests that grow the catalog run outside a test transaction.
grows_the_catalog = pytest.mark.django_db(transaction=True)


@grows_the_catalog
@pytest.mark.parametrize(
    ("typed", "queries"),
    [
        pytest.param("silent", 1, id="exact-matches"),
        pytest.param("silnet", 2, id="a-typo"),
    ],
)
def test_it_suggests_in_a_fixed_number_of_queries_whatever_the_catalog_size(
    viewer: Client,
    household: Household,
    django_assert_num_queries: DjangoAssertNumQueries,
    typed: str,
    queries: int,
) -> None:
    # The household from the identity cache; 1. up to 8 exact matches (movies UNION ALL
    # series, LIMIT 8); with fewer than FUZZY_BELOW of them, 2. up to 8 of exact matches and
    # corrections together, the corrections' tsquery computed once in it (an InitPlan).
    load_movies(40)  # "Silent" is in 21 of 40 synthetic titles, and in 100 of 1,000
    warm_identity(household)
    with django_assert_num_queries(queries):
        few = titles(viewer, typed)

    load_movies(960, prefix="More")
    cold_pages()
    with django_assert_num_queries(queries):
        many = titles(viewer, typed)

    assert len(few) == len(many) == 8
    assert all("Silent" in title for title in few + many)


# --- Junk -----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize(
    ("query_string", "code", "field"),
    [
        (b"q=" + b"x" * 10_000, "query_too_long", "q"),
        (b"q=" + quote("é" * (SEARCH_MAX_LENGTH + 1)).encode(), "query_too_long", "q"),
        (b"q=paper&q=ocean", "duplicate_field", "q"),
        (b"q=paper&q=", "duplicate_field", "q"),
        (b"q[]=paper&q[]=ocean", "unknown_field", "q[]"),
        (b"q=paper&page=2", "unknown_field", "page"),
        (b"q=paper&%00=1", "unknown_field", "<U+0000>"),
        (b"", "missing_field", "q"),
        (b"&".join([b"q=a"] * 5000), "too_many_fields", None),
        (b"q=%FF%FEpaper", "malformed_query", None),
        (b"q=pap\xe9r", "malformed_query", None),  # a raw Latin-1 byte, not UTF-8
    ],
)
def test_it_refuses_junk_with_a_400_naming_it(
    viewer: Client, query_string: bytes, code: str, field: str | None
) -> None:
    response = raw_get(viewer, query_string)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == code
    assert error.get("field") == field


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize(
    ("query_string", "query"),
    [
        (b"q=pap%00er", "pap er"),
        (b"q=%E2%80%AEpaper%E2%80%AC", "paper"),
        (b"q=paper%09%0A++kites", "paper kites"),
        (b"q=p%C3%A1per", "páper"),
        (b"q=pa\xc3\xa1per", "paáper"),  # raw UTF-8 bytes, as curl sends them
    ],
)
def test_it_cleans_what_it_cannot_search_for(
    viewer: Client, query_string: bytes, query: str
) -> None:
    response = raw_get(viewer, query_string)

    assert response.status_code == 200
    assert json.loads(response.content)["query"] == query


QUERY_STRINGS = st.one_of(
    st.binary(max_size=300),
    st.lists(
        st.tuples(
            st.sampled_from(["q", "q[]", "Q", "", "page", "q\x00"]),
            st.text(max_size=120),
        ),
        max_size=4,
    ).map(lambda pairs: "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs).encode()),
    st.text(max_size=200).map(lambda text: b"q=" + quote(text, safe="").encode()),
)


@pytest.mark.fuzz
@pytest.mark.usefixtures("catalog", "no_rate_limits")
@given(query_string=QUERY_STRINGS)
def test_fuzz_it_never_fails_on_any_query_string(viewer: Client, query_string: bytes) -> None:
    response = raw_get(viewer, query_string)

    assert response.status_code in {200, 400}, response.content[:300]
    if response.status_code == 400:
        error_of(response)
    else:
        body = json.loads(response.content)
        assert len(body["query"]) <= SEARCH_MAX_LENGTH
        assert len(body["suggestions"]) <= 8
        assert {item["title"] for item in body["suggestions"]} <= KIDS_TITLES | ADULT_TITLES


# --- The rate limit ------------------------------------------------------------------------------


def test_the_limiter_counts_suggestions_as_viewer_reads(rf: Any) -> None:
    request = rf.get(SUGGEST, {"q": "paper"})

    assert ratelimit.scope_for(request, static_prefix="/static/") is Scope.VIEWER_READ


@pytest.mark.usefixtures("catalog")
def test_a_busy_viewer_typing_with_the_pages_debounce_is_never_refused(
    viewer: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # static/js/search.js asks once per pause in typing (DEBOUNCE_MS) from the second
    # character on, so at most once per keystroke. A very busy viewer: a search every five
    # seconds for a whole minute (all in one window of the limiter), each typed key by key
    # and then opened as a results page: 12 x (15 + 1) requests, against the default limit.
    monkeypatch.setattr(limiter, "clock", lambda: 1_800_000_000.0)
    rule = rule_for(Scope.VIEWER_READ)
    texts = ["paper kites and", "ocean explorers", "midnight heist!"] * 4
    statuses = []
    for text in texts:
        for end in range(2, len(text) + 1):
            statuses.append(viewer.get(SUGGEST, {"q": text[:end]}).status_code)
        statuses.append(viewer.get(reverse("catalog:search"), {"q": text}).status_code)

    assert (rule.limit, rule.window) == (300, 60)
    assert len(statuses) == 12 * 15 < rule.limit
    assert set(statuses) == {200}
