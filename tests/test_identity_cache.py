"""The identity cache (accounts/identity_cache.py): a household read once, then from Redis,
and dropped the moment the user, the account or a profile changes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts import identity_cache
from accounts.models import AccountStatus, Profile
from accounts.services import profile_create
from tests.cast import PASSWORD, Household, sign_in

pytestmark = pytest.mark.usefixtures("fast_passwords")

HOME = reverse("catalog:home")


def test_it_reads_a_household_in_2_queries_then_from_the_cache(
    household: Household, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # 1. the user, 2. its household's profiles, each with the account.
    with django_assert_num_queries(2):
        user = identity_cache.user_by_id(household.owner.pk)

    with django_assert_num_queries(0):
        again = identity_cache.user_by_id(household.owner.pk)

    assert user is not None
    assert again is not None
    assert again.pk == household.owner.pk
    profile = identity_cache.profile_of_user(again, household.kids.pk)
    assert profile is not None
    assert profile.name == "Kids"
    assert profile.is_kids


def test_it_finds_no_profile_of_another_household_in_a_cached_one(
    household: Household, other_household: Household
) -> None:
    user = identity_cache.user_by_id(household.owner.pk)

    assert identity_cache.profile_of_user(user, other_household.adult.pk) is None
    assert identity_cache.profile_of_user(user, str(household.adult.pk)) is None  # not an id
    assert identity_cache.profile_of_user(user, None) is None


def test_it_finds_no_user_for_an_id_that_does_not_exist(db: None) -> None:
    assert identity_cache.user_by_id(987654) is None


def test_it_shows_a_profile_made_a_kids_profile_on_the_next_page(
    client: Client, household: Household
) -> None:
    viewer = sign_in(client, household, household.adult)
    viewer.get(HOME)  # the household is cached now

    household.adult.is_kids = True
    household.adult.save(update_fields=["is_kids"])

    user = identity_cache.user_by_id(household.owner.pk)
    profile = identity_cache.profile_of_user(user, household.adult.pk)
    assert profile is not None
    assert profile.is_kids


def test_it_shows_a_renamed_profile_in_the_header_at_once(
    client: Client, household: Household
) -> None:
    viewer = sign_in(client, household, household.adult)
    assert b"Alex" in viewer.get(HOME).content

    household.adult.name = "Alexandra"
    household.adult.save(update_fields=["name"])

    assert b"Alexandra" in viewer.get(HOME).content


def test_it_forgets_a_deleted_profile_at_once(client: Client, household: Household) -> None:
    viewer = sign_in(client, household, household.kids)
    assert viewer.get(HOME).status_code == 200

    Profile.objects.filter(pk=household.kids.pk).delete()  # a queryset delete sends signals too

    response = viewer.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profiles")


def test_it_knows_a_new_profile_at_once(client: Client, household: Household) -> None:
    viewer = sign_in(client, household, household.adult)
    viewer.get(HOME)

    newcomer = profile_create(account=household.account, name="Newcomer", is_kids=False)
    session = viewer.session
    session["profile_id"] = newcomer.pk
    session.save()

    assert b"Newcomer" in viewer.get(HOME).content


def test_it_sees_an_account_put_on_hold_at_once(household: Household) -> None:
    identity_cache.user_by_id(household.owner.pk)

    household.account.status = AccountStatus.PAST_DUE
    household.account.save(update_fields=["status"])

    user = identity_cache.user_by_id(household.owner.pk)
    profile = identity_cache.profile_of_user(user, household.adult.pk)
    assert profile is not None
    assert profile.account.status == AccountStatus.PAST_DUE


def test_it_signs_out_other_devices_when_the_password_changes(
    client: Client, household: Household
) -> None:
    other_device = sign_in(Client(), household, household.adult)
    assert other_device.get(HOME).status_code == 200  # its household is cached now

    household.owner.set_password("a-new-password-for-ana")
    household.owner.save()

    response = other_device.get(HOME)
    assert b"Sign in" in response.content  # the landing page: Django's session hash check
    assert client.login(username=household.owner.username, password=PASSWORD) is False


def test_it_refuses_a_deactivated_user_at_once(client: Client, household: Household) -> None:
    viewer = sign_in(client, household, household.adult)
    viewer.get(HOME)

    household.owner.is_active = False
    household.owner.save(update_fields=["is_active"])

    assert b"Sign in" in viewer.get(HOME).content
