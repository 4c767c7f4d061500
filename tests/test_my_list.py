"""My List and thumbs: a profile's own library, always read back through what it may see."""

from __future__ import annotations

from uuid import UUID

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries

from accounts.maturity import MaturityRating
from accounts.models import Profile
from catalog import library
from catalog.library_views import ACTIONS, PAGE_SIZE, THUMBS
from catalog.models import Movie, MyListEntry, Series, Thumb, TitleRating
from tests.cast import Household, sign_in, warm_identity
from tests.factories import MovieFactory, SeriesFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

JSON = {"Accept": "application/json"}


def list_url(title: Movie | Series) -> str:
    return reverse("catalog:my_list_change", args=[title.pk])


def rating_url(title: Movie | Series) -> str:
    return reverse("catalog:rating_change", args=[title.pk])


def saved(profile_pk: int) -> list[UUID]:
    return library.my_list_ids(Profile.objects.get(pk=profile_pk))


def test_a_viewer_adds_and_removes_a_movie_from_its_page(
    viewer: Client, household: Household
) -> None:
    movie: Movie = MovieFactory.create(title="Harbour Lights")
    page = viewer.get(movie.get_absolute_url()).content.decode()
    assert 'aria-pressed="false"' in page
    assert "My List" in page

    added = viewer.post(list_url(movie), {"action": "add", "next": movie.get_absolute_url()})
    again = viewer.post(list_url(movie), {"action": "add"})  # a double click: still one row
    shown = viewer.get(movie.get_absolute_url()).content.decode()

    assert added.status_code == 303
    assert added["Location"] == movie.get_absolute_url()
    assert again.status_code == 303
    assert saved(household.adult.pk) == [movie.pk]
    assert 'name="action" value="remove"' in shown

    viewer.post(list_url(movie), {"action": "remove"})
    assert saved(household.adult.pk) == []


def test_the_my_list_page_and_the_state_show_newest_first(
    viewer: Client, household: Household
) -> None:
    first: Movie = MovieFactory.create(title="First Light")
    second: Series = SeriesFactory.create(title="Second Wind")
    viewer.post(list_url(first), {"action": "add"})
    viewer.post(list_url(second), {"action": "add"})

    page = viewer.get(reverse("catalog:my_list")).content.decode()
    state = viewer.get(reverse("catalog:my_list_state")).json()

    assert page.index("Second Wind") < page.index("First Light")
    assert state == {"ids": [str(second.pk), str(first.pk)]}


def test_json_callers_get_the_new_state(viewer: Client, household: Household) -> None:
    movie: Movie = MovieFactory.create()

    added = viewer.post(list_url(movie), {"action": "add"}, headers=JSON)
    loved = viewer.post(rating_url(movie), {"thumb": "love"}, headers=JSON)
    cleared = viewer.post(rating_url(movie), {"thumb": "none"}, headers=JSON)

    assert added.json() == {"on_list": True, "thumb": None}
    assert loved.json() == {"on_list": True, "thumb": Thumb.LOVE}
    assert cleared.json() == {"on_list": True, "thumb": None}


def test_thumbs_replace_each_other(viewer: Client, household: Household) -> None:
    series: Series = SeriesFactory.create()

    for choice in ("like", "not_for_me", "love"):
        viewer.post(rating_url(series), {"thumb": choice})

    assert list(TitleRating.objects.values_list("series_id", "rating")) == [(series.pk, Thumb.LOVE)]
    page = viewer.get(series.get_absolute_url()).content.decode()
    assert 'aria-pressed="true" data-thumb="love"' in page
    assert 'aria-pressed="false" data-thumb="like"' in page


def test_each_profile_has_its_own_list(client: Client, household: Household) -> None:
    movie: Movie = MovieFactory.create(maturity_rating=MaturityRating.ALL)
    sign_in(client, household, household.adult)
    client.post(list_url(movie), {"action": "add"})

    sign_in(client, household, household.kids)
    kids_state = client.get(reverse("catalog:my_list_state")).json()
    client.post(list_url(movie), {"action": "remove"})  # the kids' own (absent) row only

    assert kids_state == {"ids": []}
    assert saved(household.adult.pk) == [movie.pk]


def test_a_kids_profile_cannot_save_or_rate_an_adult_title(
    client: Client, household: Household
) -> None:
    adult_only: Movie = MovieFactory.create(maturity_rating=MaturityRating.AGE_18)
    sign_in(client, household, household.kids)

    assert client.post(list_url(adult_only), {"action": "add"}).status_code == 404
    assert client.post(rating_url(adult_only), {"thumb": "like"}).status_code == 404
    assert not MyListEntry.objects.exists()
    assert not TitleRating.objects.exists()


def test_a_title_above_a_lowered_ceiling_leaves_the_list_it_was_saved_to(
    viewer: Client, household: Household
) -> None:
    movie: Movie = MovieFactory.create(
        title="Grown-up Things", maturity_rating=MaturityRating.AGE_16
    )
    viewer.post(list_url(movie), {"action": "add"})
    household.adult.max_maturity = MaturityRating.AGE_13
    household.adult.save(update_fields=["max_maturity"])

    page = viewer.get(reverse("catalog:my_list")).content.decode()

    assert "Grown-up Things" not in page
    assert "Nothing saved yet" in page


def test_a_hidden_or_expired_title_is_not_found(viewer: Client, household: Household) -> None:
    hidden: Movie = MovieFactory.create(visibility="HIDDEN")

    assert viewer.post(list_url(hidden), {"action": "add"}).status_code == 404


@given(
    field=st.sampled_from(["action", "thumb"]),
    values=st.lists(
        st.one_of(
            st.sampled_from(["add", "remove", "like", "love", "none", "not_for_me", ""]),
            st.text(max_size=30),
        ),
        max_size=3,
    ),
)
def test_junk_and_repeated_fields_get_a_clear_400(
    household: Household, field: str, values: list[str]
) -> None:
    movie = Movie.objects.first() or MovieFactory.create()
    client = sign_in(Client(), household, household.adult)
    url = list_url(movie) if field == "action" else rating_url(movie)
    allowed = ACTIONS if field == "action" else tuple(THUMBS)

    response = client.post(url, {field: values}, headers=JSON)

    if len(values) == 1 and values[0] in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert "once" in response.json()["error"]["message"]


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_the_buttons_take_only_post(viewer: Client, method: str) -> None:
    movie: Movie = MovieFactory.create()

    assert getattr(viewer, method)(list_url(movie)).status_code == 405


def test_ids_that_are_not_titles_are_404(viewer: Client) -> None:
    for url in (
        "/titles/00000000-0000-0000-0000-000000000000/my-list/",
        "/titles/not-a-uuid/my-list/",
        "/titles/%2e%2e%2fadmin/my-list/",
    ):
        assert viewer.post(url, {"action": "add"}).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    movie: Movie = MovieFactory.create()

    response = client.post(list_url(movie), {"action": "add"})

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_next_field_never_leaves_the_site(viewer: Client) -> None:
    movie: Movie = MovieFactory.create()

    response = viewer.post(list_url(movie), {"action": "add", "next": "https://evil.example/"})

    assert response["Location"] == movie.get_absolute_url()


def test_the_my_list_page_runs_3_queries_whatever_the_list_size(
    viewer: Client, household: Household, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # The household from the identity cache; 1. the profile's ids, newest first (the
    # paginator counts the list in memory), 2. one page of cards (movies UNION ALL series,
    # re-checked against what the profile may see).
    for movie in MovieFactory.create_batch(3):
        library.my_list_add(profile=household.adult, title=movie)
    warm_identity(household)
    with django_assert_num_queries(2):
        viewer.get(reverse("catalog:my_list"))

    for movie in MovieFactory.create_batch(60):
        library.my_list_add(profile=household.adult, title=movie)
    with django_assert_num_queries(2):
        response = viewer.get(reverse("catalog:my_list"), {"page": "2"})

    assert response.status_code == 200
    assert response.content.decode().count('class="card"') == 63 - PAGE_SIZE
