"""A profile's own preferences page: every profile (kids too) edits its own, and junk is a 400."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries

from accounts.models import Profile
from accounts.preferences import caption_css
from tests.cast import Household, sign_in, warm_identity

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

URL = reverse("accounts:preferences")
VALID = {
    "caption_language": "fr",
    "audio_language": "es",
    "caption_size": "XL",
    "caption_colour": "cyan",
    "caption_background": "black",
    "caption_edge": "outline",
    "autoplay_next": "",
}


def test_a_kids_profile_saves_its_own_preferences(client: Client, household: Household) -> None:
    sign_in(client, household, household.kids)

    response = client.post(URL, VALID)

    assert response["Location"] == URL
    kids = Profile.objects.get(pk=household.kids.pk)
    assert (kids.caption_language, kids.audio_language, kids.autoplay_next) == ("fr", "es", False)
    assert Profile.objects.get(pk=household.adult.pk).caption_language == ""


def test_off_and_the_titles_own_choice_are_choices(viewer: Client, household: Household) -> None:
    viewer.post(URL, {**VALID, "caption_language": "off"})
    assert Profile.objects.get(pk=household.adult.pk).caption_language == "off"

    viewer.post(URL, {**VALID, "caption_language": ""})
    assert Profile.objects.get(pk=household.adult.pk).caption_language == ""


def test_the_page_previews_the_saved_look(viewer: Client, household: Household) -> None:
    viewer.post(URL, VALID)

    page = viewer.get(URL).content.decode()

    assert caption_css(Profile.objects.get(pk=household.adult.pk)) in page
    assert 'id="caption-tables"' in page


def test_the_page_runs_no_query_of_its_own(
    viewer: Client, household: Household, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # The profile comes from the identity cache; the form reads nothing else.
    warm_identity(household)
    with django_assert_num_queries(0):
        viewer.get(URL)


@given(
    field=st.sampled_from(sorted(VALID)),
    value=st.one_of(
        st.text(max_size=40),
        st.sampled_from(["off", "xx", "EN", "en ", "<script>", "\x00", "1" * 5000]),
    ),
)
def test_junk_is_refused_with_the_field_named_and_nothing_saved(
    household: Household, field: str, value: str
) -> None:
    client = sign_in(Client(), household, household.adult)
    before = Profile.objects.get(pk=household.adult.pk)

    response = client.post(URL, {**VALID, field: value})

    after = Profile.objects.get(pk=household.adult.pk)
    assert response.status_code in {302, 400}
    if response.status_code == 400:
        assert field in response.context["form"].errors or field == "autoplay_next"
        assert caption_css(after) == caption_css(before)
        assert after.caption_language == before.caption_language


def test_repeated_fields_take_one_value_never_a_list(viewer: Client, household: Household) -> None:
    response = viewer.post(URL, {**VALID, "caption_colour": ["cyan", "<b>x</b>"]})

    assert response.status_code in {302, 400}
    assert Profile.objects.get(pk=household.adult.pk).caption_colour in {"white", "cyan"}


def test_visitors_are_sent_to_sign_in(client: Client) -> None:
    assert "/login/" in client.get(URL)["Location"]
