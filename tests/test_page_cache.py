"""Cached page parts (catalog/page_cache.py): a genre page's grid and a search's results are
rendered once per audience and catalog version, never shown across ceilings, never stale."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from catalog import services
from catalog.models import Genre, MaturityRating, Movie
from tests.cast import Household, sign_in
from tests.factories import GenreFactory, MovieFactory

pytestmark = pytest.mark.usefixtures("fast_passwords")


def card_titles(page: bytes) -> list[str]:
    return re.findall(r'<div class="card-title">(.*?)</div>', page.decode())


@pytest.fixture
def thrillers(db: None) -> Genre:
    genre: Genre = GenreFactory.create(name="Thriller", slug="thriller")
    MovieFactory.create(title="Harbour Lights", genres=[genre], maturity_rating=MaturityRating.ALL)
    MovieFactory.create(
        title="Harbour Blood", genres=[genre], maturity_rating=MaturityRating.AGE_18
    )
    return genre


def test_it_serves_a_genre_page_again_from_its_cached_part(
    viewer: Client, thrillers: Genre, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    url = reverse("catalog:genre", args=["thriller"])
    first = viewer.get(url)

    # 1. the genre by slug: the household, the grid and the page's shell are cached.
    with django_assert_num_queries(1):
        again = viewer.get(url)

    assert card_titles(again.content) == card_titles(first.content)


def test_it_serves_search_results_again_from_their_cached_part(
    viewer: Client, thrillers: Genre, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    viewer.get(reverse("catalog:search"), {"q": "harbour"})

    with django_assert_num_queries(0):  # the household, the results and the shell: cached
        again = viewer.get(reverse("catalog:search"), {"q": "harbour"})

    assert sorted(card_titles(again.content)) == ["Harbour Blood", "Harbour Lights"]


@pytest.mark.parametrize("path", ["genre", "search"])
def test_it_never_shows_a_kids_profile_the_adults_cached_part(
    viewer: Client, household: Household, thrillers: Genre, path: str
) -> None:
    url = (
        reverse("catalog:genre", args=["thriller"])
        if path == "genre"
        else (reverse("catalog:search") + "?q=harbour")
    )
    assert "Harbour Blood" in card_titles(viewer.get(url).content)  # cached for adults

    kid = sign_in(Client(), household, household.kids)

    assert card_titles(kid.get(url).content) == ["Harbour Lights"]


def test_it_drops_a_cached_part_when_the_catalog_changes(viewer: Client, thrillers: Genre) -> None:
    url = reverse("catalog:genre", args=["thriller"])
    assert "Harbour Lights" in card_titles(viewer.get(url).content)

    services.title_hide(title=Movie.objects.get(title="Harbour Lights"), by=None)

    assert card_titles(viewer.get(url).content) == ["Harbour Blood"]


@pytest.mark.parametrize("page", ["0", "-1", "abc", "\u0663", "99999999999999999999", "2"])
def test_it_keys_junk_page_numbers_as_a_page_it_can_serve(
    viewer: Client, thrillers: Genre, page: str
) -> None:
    response = viewer.get(reverse("catalog:genre", args=["thriller"]), {"page": page})

    assert response.status_code == 200
