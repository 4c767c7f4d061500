"""Search that forgives (catalog/search.py): a typo or two in a title's words still finds it,
exact matches stay above corrections, nonsense finds nothing, a correction never reaches past
the profile's maturity ceiling, and the page costs 2 queries whatever the catalog size.

Assertions read the rendered results page, as a viewer gets it.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries

from accounts.services import profile_create
from bench.catalog_data import load_movies
from catalog import browse
from catalog.models import MaturityRating, Movie, Series, Visibility
from catalog.search import corrected, edit_distance, typo_allowance
from tests.cast import Household, cold_pages, sign_in, warm_identity
from tests.factories import MovieFactory, SeriesFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def movie(**fields: Any) -> Movie:
    """A movie whose synopsis holds no word searched for here (the factory's is random)."""
    created: Movie = MovieFactory.create(**{"synopsis": "Someone goes somewhere.", **fields})
    return created


def series(**fields: Any) -> Series:
    created: Series = SeriesFactory.create(**{"synopsis": "Someone goes somewhere.", **fields})
    return created


SEARCH = reverse("catalog:search")
CATALOG = {
    "Amélie": MaturityRating.AGE_13,
    "Dune": MaturityRating.AGE_13,
    "Harbour Lights": MaturityRating.ALL,
    "Paper Kites": MaturityRating.AGE_7,
    "Midnight Heist": MaturityRating.AGE_16,
    "The Quiet Lantern": MaturityRating.AGE_13,
}


@pytest.fixture
def catalog(db: None) -> None:
    for title, rating in CATALOG.items():
        movie(title=title, maturity_rating=rating)
    series(
        title="Stranger Things", maturity_rating=MaturityRating.AGE_16, synopsis="Lights flicker."
    )


def body_of(client: Client, text: str) -> str:
    response = client.get(SEARCH, {"q": text})
    assert response.status_code == 200
    return response.content.decode()


def card_titles(body: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<div class="card-title">(.*?)</div>', body)]


def heading(body: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", body, re.DOTALL)
    assert found is not None
    return html.unescape(found[1])


def search_titles(client: Client, text: str) -> list[str]:
    return card_titles(body_of(client, text))


# --- Typos ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize(
    ("typed", "title"),
    [
        pytest.param("amelei", "Amélie", id="two-letters-swapped"),
        pytest.param("amlie", "Amélie", id="a-letter-missing"),
        pytest.param("AMÉLLIE", "Amélie", id="a-letter-doubled-accent-and-case"),
        pytest.param("strnger thigns", "Stranger Things", id="two-words-two-typos"),
        pytest.param("stranger thigns", "Stranger Things", id="a-right-word-beside-a-typo"),
        pytest.param("dume", "Dune", id="one-wrong-letter-in-four"),
        pytest.param("lune", "Dune", id="a-wrong-first-letter"),
        pytest.param("harbuor ligths", "Harbour Lights", id="swaps-in-both-words"),
        pytest.param("quiet lanterm", "The Quiet Lantern", id="a-typo-in-the-last-word"),
        pytest.param("midnihgt heis", "Midnight Heist", id="a-word-still-being-typed"),
        pytest.param("the quite lantern", "The Quiet Lantern", id="a-short-word-kept-exact"),
    ],
)
def test_it_finds_a_title_despite_a_typo(viewer: Client, typed: str, title: str) -> None:
    assert search_titles(viewer, typed) == [title]


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize(
    "typed",
    [
        "xylophone",
        "zzzz qqqq",
        "dxxe",  # two letters off in a four-letter word
        "duck",  # a real word, two letters from "dune"
        "amzzie",  # two typos in a six-letter word
        "strnger bananas",  # one word corrects, the other matches nothing
        "hte",  # too short to correct
        "kitse paper dune",  # every word must match
    ],
)
def test_it_finds_nothing_for_nonsense(viewer: Client, typed: str) -> None:
    body = body_of(viewer, typed)

    assert card_titles(body) == []
    assert heading(body) == f"No results for “{typed}”"


@pytest.mark.usefixtures("catalog")
def test_it_says_what_it_searched_for_instead(viewer: Client) -> None:
    body = body_of(viewer, "strnger thigns")

    assert heading(body) == "Showing results for “stranger things”"
    assert "No titles match “strnger thigns” exactly." in html.unescape(body)
    assert "Did you mean" not in body


@pytest.mark.usefixtures("catalog")
def test_it_spells_the_correction_as_the_title_does(viewer: Client) -> None:
    assert heading(body_of(viewer, "amelei")) == "Showing results for “amélie”"


def test_it_ranks_exact_matches_above_corrections(viewer: Client) -> None:
    # Sand Planet's synopsis has both words, far apart: an exact match, ranked low. "Dune
    # Worm" is one typo from each word: a correction, whose own rank (a short title) is
    # higher. By rank or by title, the correction would come first; exact matches lead.
    far_apart = "The dunes" + " and then" * 40 + " came the worms."
    movie(title="Sand Planet", synopsis=far_apart)
    movie(title="Dune Worm", synopsis="A desert world.")

    body = body_of(viewer, "dunes worms")

    assert card_titles(body) == ["Sand Planet", "Dune Worm"]
    assert heading(body) == "Results for “dunes worms”"
    assert re.search(r'Did you mean <a href="/movies/[^"]+/">Dune Worm</a>\?', body)


def test_it_leaves_corrections_out_when_exact_matches_are_enough(viewer: Client) -> None:
    for title in ("Dunes of Mars", "Dunes of Venus", "Dunes at Dawn"):
        movie(title=title)
    movie(title="Dune")  # one typo from "dunes", and not wanted here

    assert sorted(search_titles(viewer, "dunes")) == [
        "Dunes at Dawn",
        "Dunes of Mars",
        "Dunes of Venus",
    ]


def test_it_does_not_correct_a_word_a_title_already_has(viewer: Client) -> None:
    movie(title="Harbour Lights")
    movie(title="Harbor Nights")  # one typo from each word of the other

    assert search_titles(viewer, "harbour lights") == ["Harbour Lights"]


def test_it_corrects_toward_words_of_new_and_renamed_titles(viewer: Client) -> None:
    renamed = movie(title="Quixotic Zephyr")
    assert search_titles(viewer, "quixotik") == ["Quixotic Zephyr"]

    renamed.title = "Vermilion Harbour"
    renamed.save(update_fields=["title"])
    cold_pages()

    assert search_titles(viewer, "vermillion") == ["Vermilion Harbour"]
    assert search_titles(viewer, "quixotik") == []


@pytest.mark.parametrize("state", ["hidden", "upcoming", "expired"])
def test_it_never_corrects_toward_a_title_out_of_reach(viewer: Client, state: str) -> None:
    now = timezone.now()
    fields: dict[str, dict[str, Any]] = {
        "hidden": {"visibility": Visibility.HIDDEN},
        "upcoming": {
            "availability_start": now + timedelta(days=1),
            "availability_end": now + timedelta(days=30),
        },
        "expired": {
            "availability_start": now - timedelta(days=30),
            "availability_end": now - timedelta(minutes=1),
        },
    }
    movie(title="Gossamer Orchard", **fields[state])

    assert search_titles(viewer, "gossamer orchrad") == []


# --- The maturity ceiling -----------------------------------------------------------------------


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize(
    ("typed", "kids", "teen", "adult"),
    [
        pytest.param("papr kites", ["Paper Kites"], ["Paper Kites"], ["Paper Kites"], id="7+"),
        pytest.param("amelei", [], ["Amélie"], ["Amélie"], id="13+"),
        pytest.param("midnigt heist", [], [], ["Midnight Heist"], id="16+"),
        pytest.param("strnger thigns", [], [], ["Stranger Things"], id="16+series"),
    ],
)
def test_a_correction_stays_under_the_profiles_ceiling(  # noqa: PLR0917
    client: Client,
    household: Household,
    typed: str,
    kids: list[str],
    teen: list[str],
    adult: list[str],
) -> None:
    teenager = profile_create(
        account=household.account, name="Teen", is_kids=False, max_maturity=MaturityRating.AGE_13
    )
    assert (household.kids.maturity_ceiling, teenager.maturity_ceiling) == (7, 13)

    found = {}
    for name, profile in (("kids", household.kids), ("teen", teenager), ("adult", household.adult)):
        found[name] = search_titles(sign_in(client, household, profile), typed)

    assert found == {"kids": kids, "teen": teen, "adult": adult}


@pytest.mark.usefixtures("catalog")
def test_a_kids_page_never_names_an_adult_title_it_corrected_toward(
    client: Client, household: Household
) -> None:
    body = body_of(sign_in(client, household, household.kids), "midnigt heist")

    assert "Midnight" not in body
    assert "Heist" not in body
    assert heading(body) == "No results for “midnigt heist”"


# --- Costs ----------------------------------------------------------------------------------------

# load_movies() builds a temporary table dropped on COMMIT: a second call in one test needs a
# real commit in between, so the tests that grow the catalog run outside a test transaction.
grows_the_catalog = pytest.mark.django_db(transaction=True)


@grows_the_catalog
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("strnger thigns", "Stranger Things", id="corrections-only"),
        pytest.param("lanterns", "Quiet Waters", id="an-exact-match-and-corrections"),
    ],
)
def test_it_builds_corrected_results_in_2_queries_whatever_the_catalog_size(
    viewer: Client,
    household: Household,
    django_assert_num_queries: DjangoAssertNumQueries,
    typed: str,
    expected: str,
) -> None:
    # The household from the identity cache; 1. COUNT(*) of the exact matches (fewer than
    # FUZZY_BELOW), 2. one page of exact matches and corrections together (LIMIT 24), the
    # corrections' tsquery computed once in it from the lexicon (an InitPlan).
    series(title="Stranger Things")
    movie(title="Quiet Waters", synopsis="Lanterns on the water.")
    # Every synthetic title has two of 20 words; from 1,000 titles on, "Lantern" among them.
    load_movies(10)
    warm_identity(household)
    with django_assert_num_queries(2):
        first = viewer.get(SEARCH, {"q": typed})

    load_movies(990, prefix="More")
    cold_pages()
    with django_assert_num_queries(2):
        again = viewer.get(SEARCH, {"q": typed})

    assert expected in card_titles(first.content.decode())
    assert expected in card_titles(again.content.decode())


def test_it_computes_the_corrections_once_per_statement(household: Household) -> None:
    # Called per row, portal_fuzzy_query would cost a lexicon lookup per title: it runs as an
    # InitPlan in each branch of the UNION (movies, series), executed once at most (never
    # where the branch finds no row to test it on: there are no series here).
    load_movies(200)
    fuzzy = browse.search("silnet harbuor", household.adult, fuzzy=True)
    assert fuzzy is not None
    sql, params = fuzzy.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())

    init_plans = re.findall(r"InitPlan \d+.*\n\s*->  Result \((.*)\)", plan)
    assert init_plans == ["actual rows=1 loops=1", "never executed"], plan
    titles = Movie.objects.values_list("title", flat=True)
    both = [title for title in titles if {"Silent", "Harbour"} <= set(title.split())]
    assert both
    assert sorted(row["title"] for row in fuzzy) == sorted(both)


# --- Python and SQL agree ---------------------------------------------------------------------


def sql_edit_distance(typed: str, word: str, *, prefix: bool, bound: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT portal_edit_distance(%s, %s, %s, %s)", [typed, word, prefix, bound])
        return int(cursor.fetchone()[0])


@pytest.mark.parametrize(
    ("typed", "word", "prefix", "distance"),
    [
        ("thigns", "things", False, 1),
        ("amlie", "amelie", False, 1),
        ("kitten", "sitting", False, 3),
        ("strn", "stranger", True, 1),
        ("stra", "stranger", True, 0),
        ("ca", "abc", False, 3),  # optimal string alignment: no edit of a swapped pair
    ],
)
def test_the_edit_distance_is_the_same_in_python_and_sql(
    typed: str, word: str, prefix: bool, distance: int
) -> None:
    assert edit_distance(typed, word, prefix=prefix, bound=9) == distance
    assert sql_edit_distance(typed, word, prefix=prefix, bound=9) == distance


WORDS = st.text(alphabet="abcdeno", max_size=9)


@pytest.mark.fuzz
@given(typed=WORDS, word=WORDS, prefix=st.booleans(), bound=st.integers(0, 3))
def test_fuzz_the_edit_distance_is_the_same_in_python_and_sql(
    typed: str, word: str, prefix: bool, bound: int
) -> None:
    assert edit_distance(typed, word, prefix=prefix, bound=bound) == sql_edit_distance(
        typed, word, prefix=prefix, bound=bound
    )


@pytest.mark.parametrize(("length", "allowance"), [(3, 0), (4, 1), (7, 1), (8, 2), (20, 2)])
def test_the_typo_allowance_is_the_same_in_python_and_sql(length: int, allowance: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT portal_typo_allowance(%s)", [length])
        assert cursor.fetchone()[0] == typo_allowance(length) == allowance


@pytest.mark.parametrize(
    ("typed", "title", "shown"),
    [
        ("strnger thigns", "Stranger Things", "stranger things"),
        ("amelei", "Le Café d'Amélie", "amélie"),
        ("the strn", "Stranger Things", "the stranger"),
        ("xylophone", "Stranger Things", "xylophone"),
    ],
)
def test_it_spells_a_correction_with_the_titles_words(typed: str, title: str, shown: str) -> None:
    assert corrected(typed, title) == shown
