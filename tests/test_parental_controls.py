"""Parental controls: a kids or teen profile stays what the owner made it.

The rules are accounts/consent.py's, the counting of wrong PINs accounts/pins.py's; these
tests go through the pages, as a child with the household's signed-in browser would.
"""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_redis.cache import RedisCache
from hypothesis import given
from hypothesis import strategies as st

from accounts import pins, services
from accounts.access import PROFILE_SESSION_KEY
from accounts.consent import CONSENT_SESSION_KEY
from accounts.maturity import MaturityRating
from accounts.models import Profile
from catalog.models import Movie
from tests.cast import PASSWORD, Household, sign_in
from tests.factories import MovieFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

PROFILES = reverse("accounts:profiles")
MANAGE = reverse("accounts:manage_profiles")
MANAGE_UNLOCK = reverse("accounts:manage_unlock")


def unlock_url(profile: Profile) -> str:
    return reverse("accounts:unlock_profile", args=[profile.pk])


def chosen(client: Client) -> int | None:
    return client.session.get(PROFILE_SESSION_KEY)


def teen_of(household: Household) -> Profile:
    return services.profile_create(
        account=household.account, name="Teen", is_kids=False, max_maturity=MaturityRating.AGE_13
    )


# --- Kids mode ----------------------------------------------------------------------------


def test_a_kids_profile_cannot_switch_to_an_adult_profile_without_the_owner(
    client: Client, household: Household
) -> None:
    sign_in(client, household, household.kids)

    response = client.post(PROFILES, {"profile": household.adult.pk})

    assert response["Location"] == unlock_url(household.adult)
    assert chosen(client) == household.kids.pk
    page = client.get(unlock_url(household.adult))
    assert b"Ask a grown-up" in page.content
    assert b"Account password" in page.content
    assert chosen(client) == household.kids.pk


def test_the_owners_password_opens_the_adult_profile_from_kids_mode(
    client: Client, household: Household
) -> None:
    sign_in(client, household, household.kids)

    wrong = client.post(unlock_url(household.adult), {"secret": "not-the-password"})
    right = client.post(unlock_url(household.adult), {"secret": PASSWORD})

    assert wrong.status_code == 400
    assert b"That is not right" in wrong.content
    assert right["Location"] == reverse("catalog:home")
    assert chosen(client) == household.adult.pk


def test_a_kids_profile_switches_to_another_kids_profile_freely(
    client: Client, household: Household
) -> None:
    other_kids = services.profile_create(account=household.account, name="Mia", is_kids=True)
    sign_in(client, household, household.kids)

    response = client.post(PROFILES, {"profile": other_kids.pk})

    assert response["Location"] == reverse("catalog:home")
    assert chosen(client) == other_kids.pk


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("manage_profiles", "get", None),
        ("add_profile", "get", None),
        ("add_profile", "post", {"name": "Sneaky", "avatar_colour": "red"}),
        ("management_pin", "get", None),
    ],
)
def test_a_kids_profile_cannot_open_profile_management(
    client: Client, household: Household, name: str, method: str, data: dict | None
) -> None:
    sign_in(client, household, household.kids)

    response = getattr(client, method)(reverse(f"accounts:{name}"), data or {})

    assert response.status_code == 302
    assert response["Location"].startswith(MANAGE_UNLOCK)
    assert household.account.profiles.count() == 2


def test_a_kids_profile_cannot_leave_kids_mode_or_lock_or_delete_a_profile(
    client: Client, household: Household
) -> None:
    sign_in(client, household, household.kids)
    kids = household.kids

    edit = client.post(
        reverse("accounts:edit_profile", args=[kids.pk]),
        {"name": "Kids", "avatar_colour": "amber", "max_maturity": "18"},
    )
    pin = client.post(
        reverse("accounts:profile_pin", args=[household.adult.pk]),
        {"pin": "1111", "pin_again": "1111", "password": PASSWORD},
    )
    delete = client.post(reverse("accounts:delete_profile", args=[household.adult.pk]))

    assert {edit.status_code, pin.status_code, delete.status_code} == {302}
    kids.refresh_from_db()
    assert kids.is_kids
    assert kids.maturity_ceiling == MaturityRating.AGE_7
    assert not Profile.objects.get(pk=household.adult.pk).has_pin
    assert Profile.objects.filter(pk=household.adult.pk).exists()


def test_the_kids_header_offers_exit_kids_not_management(
    client: Client, household: Household
) -> None:
    sign_in(client, household, household.kids)

    page = client.get(reverse("accounts:preferences")).content.decode()

    assert "Exit Kids" in page
    assert reverse("accounts:manage_profiles") not in page
    assert reverse("accounts:password_change") not in page


def test_consent_given_in_kids_mode_ends_when_the_profile_changes(
    client: Client, household: Household
) -> None:
    other_kids = services.profile_create(account=household.account, name="Mia", is_kids=True)
    sign_in(client, household, household.kids)
    client.post(MANAGE_UNLOCK, {"secret": PASSWORD})
    assert client.get(MANAGE).status_code == 200

    client.post(PROFILES, {"profile": other_kids.pk})

    assert client.get(MANAGE)["Location"].startswith(MANAGE_UNLOCK)


def test_consent_runs_out(client: Client, household: Household) -> None:
    sign_in(client, household, household.kids)
    client.post(MANAGE_UNLOCK, {"secret": PASSWORD})
    session = client.session
    session[CONSENT_SESSION_KEY] = {"until": time.time() - 1, "profile": household.kids.pk}
    session.save()

    assert client.get(MANAGE)["Location"].startswith(MANAGE_UNLOCK)


def test_the_unlock_page_sends_back_only_to_this_site(client: Client, household: Household) -> None:
    sign_in(client, household, household.kids)

    response = client.post(f"{MANAGE_UNLOCK}?next=https://evil.example.com/", {"secret": PASSWORD})

    assert response["Location"] == MANAGE


# --- A teen ceiling -------------------------------------------------------------------------


def test_a_teen_profile_sees_nothing_above_13_and_cannot_open_the_adult_profile(
    client: Client, household: Household
) -> None:
    teen = teen_of(household)
    mature: Movie = MovieFactory.create(title="Night Shift", maturity_rating=MaturityRating.AGE_16)
    fine: Movie = MovieFactory.create(title="Night Owls", maturity_rating=MaturityRating.AGE_13)
    sign_in(client, household, teen)

    assert client.get(mature.get_absolute_url()).status_code == 404
    assert client.get(fine.get_absolute_url()).status_code == 200
    watch = client.get(reverse("playback:watch", args=[mature.pk]))
    assert watch.status_code == 404
    assert client.post(PROFILES, {"profile": household.adult.pk})["Location"] == unlock_url(
        household.adult
    )
    assert client.post(PROFILES, {"profile": household.kids.pk})["Location"] == reverse(
        "catalog:home"
    )


def test_a_teen_profile_cannot_raise_its_own_ceiling(client: Client, household: Household) -> None:
    teen = teen_of(household)
    sign_in(client, household, teen)

    response = client.post(
        reverse("accounts:edit_profile", args=[teen.pk]),
        {"name": "Teen", "avatar_colour": "blue", "max_maturity": "18"},
    )

    assert response["Location"].startswith(MANAGE_UNLOCK)
    teen.refresh_from_db()
    assert teen.maturity_ceiling == MaturityRating.AGE_13


def test_the_owner_sets_a_teen_ceiling(viewer: Client, household: Household) -> None:
    response = viewer.post(
        reverse("accounts:edit_profile", args=[household.kids.pk]),
        {"name": "Sam", "avatar_colour": "amber", "max_maturity": "13"},
    )

    assert response["Location"] == MANAGE
    profile = Profile.objects.get(pk=household.kids.pk)
    assert (profile.is_kids, profile.maturity_ceiling) == (False, MaturityRating.AGE_13)


def test_kids_mode_caps_any_stored_ceiling(viewer: Client, household: Household) -> None:
    viewer.post(
        reverse("accounts:edit_profile", args=[household.kids.pk]),
        {"name": "Kids", "is_kids": "on", "avatar_colour": "amber", "max_maturity": "18"},
    )

    profile = Profile.objects.get(pk=household.kids.pk)
    assert profile.max_maturity == MaturityRating.AGE_7
    assert profile.maturity_ceiling == MaturityRating.AGE_7


# --- PINs ---------------------------------------------------------------------------------


def set_profile_pin(client: Client, profile: Profile, pin: str) -> None:
    response = client.post(
        reverse("accounts:profile_pin", args=[profile.pk]),
        {"action": "set", "pin": pin, "pin_again": pin, "password": PASSWORD},
    )
    assert response["Location"] == MANAGE, response.content.decode()[:2000]


def test_a_profile_pin_is_stored_hashed_and_asked_every_time(
    client: Client, household: Household
) -> None:
    sign_in(client, household, household.adult)
    set_profile_pin(client, household.adult, "4321")
    stored = Profile.objects.get(pk=household.adult.pk).pin_hash
    assert "4321" not in stored
    assert stored.startswith("md5$")  # the test hasher; production uses PBKDF2

    client.post(PROFILES, {"profile": household.kids.pk})
    to_adult = client.post(PROFILES, {"profile": household.adult.pk})
    wrong = client.post(unlock_url(household.adult), {"secret": "0000"})
    right = client.post(unlock_url(household.adult), {"secret": "4321"})

    assert to_adult["Location"] == unlock_url(household.adult)
    assert wrong.status_code == 400
    assert right["Location"] == reverse("catalog:home")
    assert chosen(client) == household.adult.pk


def test_setting_a_pin_needs_the_account_password_and_two_equal_pins(
    viewer: Client, household: Household
) -> None:
    url = reverse("accounts:profile_pin", args=[household.kids.pk])

    bad_password = viewer.post(url, {"pin": "1234", "pin_again": "1234", "password": "nope"})
    differ = viewer.post(url, {"pin": "1234", "pin_again": "4321", "password": PASSWORD})
    letters = viewer.post(url, {"pin": "12a4", "pin_again": "12a4", "password": PASSWORD})
    arabic = viewer.post(url, {"pin": "١٢٣٤", "pin_again": "١٢٣٤", "password": PASSWORD})

    assert [r.status_code for r in (bad_password, differ, letters, arabic)] == [400] * 4
    assert not Profile.objects.get(pk=household.kids.pk).has_pin


def test_five_wrong_pins_lock_every_pin_of_the_household(
    client: Client, household: Household
) -> None:
    sign_in(client, household, household.adult)
    set_profile_pin(client, household.adult, "4321")
    set_profile_pin(client, household.kids, "1111")
    client.post(PROFILES, {"profile": household.kids.pk})
    client.post(unlock_url(household.kids), {"secret": "1111"})

    statuses = [
        client.post(unlock_url(household.adult), {"secret": f"000{i}"}).status_code
        for i in range(pins.MAX_FAILURES)
    ]
    locked = client.post(unlock_url(household.adult), {"secret": "4321"})
    other_pin = client.post(unlock_url(household.kids), {"secret": "1111"})

    assert statuses == [400] * (pins.MAX_FAILURES - 1) + [429]
    assert locked.status_code == 429
    assert b"Too many wrong PINs" in locked.content
    assert other_pin.status_code == 429
    assert chosen(client) == household.kids.pk
    ttl = cache.ttl(pins.failures_key(household.account.pk))  # type: ignore[attr-defined]
    assert pins.LOCK_SECONDS - 5 <= ttl <= pins.LOCK_SECONDS


def test_the_lock_out_ends_and_a_right_pin_clears_the_count(
    client: Client, household: Household
) -> None:
    sign_in(client, household, household.adult)
    set_profile_pin(client, household.adult, "4321")
    client.post(PROFILES, {"profile": household.kids.pk})
    for i in range(pins.MAX_FAILURES):
        client.post(unlock_url(household.adult), {"secret": f"000{i}"})
    cache.delete(pins.failures_key(household.account.pk))  # the window ran out

    right = client.post(unlock_url(household.adult), {"secret": "4321"})

    assert right.status_code == 302
    assert cache.get(pins.failures_key(household.account.pk)) is None


def test_a_management_pin_guards_management_from_every_profile(
    client: Client, household: Household
) -> None:
    sign_in(client, household, household.adult)
    response = client.post(
        reverse("accounts:management_pin"),
        {"pin": "2468", "pin_again": "2468", "password": PASSWORD},
    )
    assert response["Location"] == MANAGE
    assert client.get(MANAGE).status_code == 200  # the owner just proved who they are

    fresh = sign_in(Client(), household, household.adult)
    asked = fresh.get(MANAGE)
    page = fresh.get(MANAGE_UNLOCK)
    wrong = fresh.post(MANAGE_UNLOCK, {"secret": PASSWORD})
    right = fresh.post(MANAGE_UNLOCK, {"secret": "2468"})

    assert asked["Location"].startswith(MANAGE_UNLOCK)
    assert b"4-digit PIN" in page.content
    assert wrong.status_code == 400
    assert right["Location"] == MANAGE
    assert fresh.get(MANAGE).status_code == 200


def test_with_a_management_pin_kids_mode_asks_for_it_not_the_password(
    client: Client, household: Household
) -> None:
    services.management_pin_set(account=household.account, pin="2468")
    sign_in(client, household, household.kids)

    with_password = client.post(unlock_url(household.adult), {"secret": PASSWORD})
    with_pin = client.post(unlock_url(household.adult), {"secret": "2468"})

    assert with_password.status_code == 400
    assert with_pin["Location"] == reverse("catalog:home")


def test_removing_a_pin_needs_the_password(viewer: Client, household: Household) -> None:
    services.profile_pin_set(profile=household.kids, pin="1111")
    url = reverse("accounts:profile_pin", args=[household.kids.pk])

    refused = viewer.post(url, {"action": "remove", "password": "nope"})
    removed = viewer.post(url, {"action": "remove", "password": PASSWORD})

    assert refused.status_code == 400
    assert removed["Location"] == MANAGE
    assert not Profile.objects.get(pk=household.kids.pk).has_pin


def test_another_households_profile_is_a_404_everywhere(
    client: Client, household: Household, other_household: Household
) -> None:
    sign_in(client, household, household.adult)
    theirs = other_household.adult

    for url in (
        unlock_url(theirs),
        reverse("accounts:profile_pin", args=[theirs.pk]),
        reverse("accounts:edit_profile", args=[theirs.pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(PROFILES, {"profile": theirs.pk}).status_code == 404


@given(secret=st.one_of(st.text(max_size=50), st.binary(max_size=20).map(repr)))
def test_no_typed_secret_opens_a_locked_profile_or_breaks_the_page(
    household: Household, secret: str
) -> None:
    cache.delete(pins.failures_key(household.account.pk))
    if not household.adult.has_pin:
        services.profile_pin_set(profile=household.adult, pin="9876")
    client = sign_in(Client(), household, household.kids)

    response = client.post(unlock_url(household.adult), {"secret": secret})

    assert response.status_code in {400, 429} or secret == "9876"
    assert chosen(client) == household.kids.pk or secret == "9876"


def test_pins_refuse_when_redis_is_away(
    client: Client, household: Household, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.profile_pin_set(profile=household.adult, pin="4321")
    sign_in(client, household, household.kids)
    # The counter's Redis, on a port nobody listens on: a lock that cannot count is shut.
    away = RedisCache(
        "redis://127.0.0.1:1/0",
        {"OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}},
    )
    monkeypatch.setattr(pins, "cache", away)

    response = client.post(unlock_url(household.adult), {"secret": "4321"})

    assert response.status_code == 503
    assert b"cannot be checked right now" in response.content
    assert chosen(client) == household.kids.pk
