"""Households: sign-up, sign-in, Who's watching?, the profile rules and passwords.

Every test goes through the HTTP views a viewer uses, except where the rule belongs to the
service alone (the plan limit under concurrency).
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth import get_user, get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.access import PROFILE_SESSION_KEY
from accounts.models import PLAN_LIMITS, Account, Profile, SubscriptionPlan
from accounts.services import account_sign_up, profile_create
from playback.models import WatchProgress
from tests.cast import PASSWORD, Household, sign_in
from tests.factories import MovieFactory, UserFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

NEW_PASSWORD = "another-long-password-42"
SIGN_UP = reverse("accounts:sign_up")
LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
PROFILES = reverse("accounts:profiles")
MANAGE = reverse("accounts:manage_profiles")
ADD_PROFILE = reverse("accounts:add_profile")
HOME = reverse("catalog:home")


def sign_up(client: Client, email: str, password: str = PASSWORD) -> Response:
    return client.post(SIGN_UP, {"email": email, "password": password, "profile_name": "Ana"})


def profile_form(name: str, *, is_kids: bool = False, avatar_colour: str = "green") -> dict:
    data = {"name": name, "avatar_colour": avatar_colour}
    if is_kids:
        data["is_kids"] = "on"
    return data


def written_rows() -> tuple[int, int, int]:
    return get_user_model().objects.count(), Account.objects.count(), Profile.objects.count()


# --- Sign-up -------------------------------------------------------------------------------


def test_it_signs_up_a_household_with_one_profile_on_the_standard_plan(client: Client) -> None:
    response = sign_up(client, " Ana.Lima@Example.com ")

    assert response.status_code == 302
    user = get_user_model().objects.get()
    assert user.username == "ana.lima@example.com"
    account = Account.objects.get(owner=user)
    assert account.subscription_plan == SubscriptionPlan.STANDARD
    assert [(p.name, p.is_kids) for p in account.profiles.all()] == [("Ana", False)]


def test_it_signs_in_and_chooses_the_new_profile_after_sign_up(client: Client) -> None:
    response = sign_up(client, "ana@example.com")

    assert response["Location"] == HOME
    profile = Profile.objects.get()
    assert get_user(client).pk == profile.account.owner_id
    assert client.session[PROFILE_SESSION_KEY] == profile.pk
    home = client.get(HOME)
    assert home.status_code == 200
    assert home.context["profile"] == profile


def test_it_refuses_an_email_already_used_in_another_case(client: Client) -> None:
    account_sign_up(email="ana@example.com", password=PASSWORD, profile_name="Ana")
    before = written_rows()

    response = sign_up(client, "ANA@Example.COM")

    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [
        "An account with this e-mail address already exists."
    ]
    assert written_rows() == before
    assert not get_user(client).is_authenticated


def test_it_refuses_an_email_too_long_for_a_username_on_the_email_field() -> None:
    # 196 characters, a valid address (64-character local part, 63-character labels), but
    # the username that sign-up makes from it holds 150 at most.
    email = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + ".com"
    client = Client(raise_request_exception=False)

    response = sign_up(client, email)

    assert response.status_code == 400
    assert response.context["form"].errors["email"]
    assert written_rows() == (0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_second_sign_up_sent_at_the_same_time_on_the_email_field() -> None:
    # A double-clicked "Create account": both requests pass the "already exists?" check.
    attempts = 4
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []

    def join() -> None:
        try:
            barrier.wait(timeout=10)
            try:
                account_sign_up(email="ana@example.com", password=PASSWORD, profile_name="Ana")
            except ValidationError as error:
                outcomes.append(f"refused on {','.join(error.message_dict)}")
            except Exception as error:  # which error escapes is the point
                outcomes.append(type(error).__name__)
            else:
                outcomes.append("created")
        finally:
            connection.close()

    threads = [threading.Thread(target=join) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["created"] + ["refused on email"] * (attempts - 1)
    assert written_rows() == (1, 1, 1)


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("short1", id="too-short"),
        pytest.param("1234567890", id="only-digits"),
        pytest.param("password123", id="common"),
    ],
)
def test_it_refuses_a_weak_password_on_the_password_field(client: Client, password: str) -> None:
    response = sign_up(client, "ana@example.com", password)

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["password"]
    assert set(form.errors) == {"password"}
    assert written_rows() == (0, 0, 0)


# --- Signing in and out ---------------------------------------------------------------------


def test_it_signs_in_by_email(client: Client, household: Household) -> None:
    response = client.post(LOGIN, {"username": "ana@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == PROFILES
    assert get_user(client).pk == household.owner.pk


def test_it_signs_in_by_email_typed_as_at_sign_up(client: Client) -> None:
    # The sign-up form accepts capitals (and keeps them on the account); the sign-in form
    # must then accept the address exactly as the viewer typed it when joining.
    account = account_sign_up(email="Ana.Lima@Example.com", password=PASSWORD, profile_name="A")

    response = client.post(LOGIN, {"username": "Ana.Lima@Example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert get_user(client).pk == account.owner_id


def test_it_signs_in_by_username(client: Client) -> None:
    user = UserFactory.create(username="marta")

    response = client.post(LOGIN, {"username": "marta", "password": "a-long-test-password"})

    assert response.status_code == 302
    assert get_user(client).pk == user.pk


def test_it_refuses_a_wrong_password(client: Client, household: Household) -> None:
    response = client.post(LOGIN, {"username": "ana@example.com", "password": "not-it-at-all"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not get_user(client).is_authenticated


def test_it_does_not_sign_out_on_get(client: Client, household: Household) -> None:
    sign_in(client, household, household.adult)

    response = client.get(LOGOUT)

    assert response.status_code == 405
    assert get_user(client).pk == household.owner.pk


def test_it_signs_out_on_post(client: Client, household: Household) -> None:
    sign_in(client, household, household.adult)

    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert not get_user(client).is_authenticated
    assert PROFILE_SESSION_KEY not in client.session


# --- Who's watching? -----------------------------------------------------------------------


def test_it_lists_only_the_households_profiles(
    client: Client, household: Household, other_household: Household
) -> None:
    sign_in(client, household)

    response = client.get(PROFILES)

    assert response.status_code == 200
    assert response.context["profiles"] == [household.adult, household.kids]
    body = response.content.decode()
    assert "Alex" in body
    assert "Bruno" not in body
    assert "Little ones" not in body


def test_it_chooses_a_profile_of_the_household(client: Client, household: Household) -> None:
    sign_in(client, household)

    response = client.post(PROFILES, {"profile": household.kids.pk})

    assert response["Location"] == HOME
    assert client.session[PROFILE_SESSION_KEY] == household.kids.pk


def test_it_answers_404_for_another_households_profile_and_keeps_the_session(
    client: Client, household: Household, other_household: Household
) -> None:
    sign_in(client, household, household.adult)

    response = client.post(PROFILES, {"profile": other_household.adult.pk})

    assert response.status_code == 404
    assert client.session[PROFILE_SESSION_KEY] == household.adult.pk


# --- Adding profiles up to the plan's limit --------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "label"),
    [(SubscriptionPlan.BASIC, "Basic"), (SubscriptionPlan.STANDARD, "Standard")],
)
def test_it_stops_adding_profiles_at_the_plans_limit(
    client: Client, plan: SubscriptionPlan, label: str
) -> None:
    account = account_sign_up(
        email="ana@example.com", password=PASSWORD, profile_name="Ana", plan=plan
    )
    limit = PLAN_LIMITS[plan][0]
    client.force_login(account.owner)
    for index in range(1, limit):
        added = client.post(ADD_PROFILE, profile_form(f"Guest {index}"))
        assert added.status_code == 302

    response = client.post(ADD_PROFILE, profile_form("One too many"))

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        f"The {label} plan allows {limit} profiles, and this household has {limit}. "
        "Remove one first."
    ]
    assert account.profiles.count() == limit


def test_it_hides_add_a_profile_once_the_limit_is_reached(client: Client) -> None:
    account = account_sign_up(
        email="ana@example.com",
        password=PASSWORD,
        profile_name="Ana",
        plan=SubscriptionPlan.BASIC,
    )
    client.force_login(account.owner)
    assert ADD_PROFILE.encode() in client.get(MANAGE).content
    for name in ("Ben", "Cleo"):
        profile_create(account=account, name=name, is_kids=False)

    response = client.get(MANAGE)

    assert ADD_PROFILE.encode() not in response.content
    assert b"Basic plan: up to 3 profiles" in response.content


@pytest.mark.django_db(transaction=True)
def test_it_holds_the_limit_when_profiles_are_added_at_the_same_time() -> None:
    account = account_sign_up(email="ana@example.com", password=PASSWORD, profile_name="Ana")
    attempts = 8
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []

    def add(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            try:
                profile_create(account=account, name=f"Guest {index}", is_kids=False)
            except ValidationError:
                outcomes.append("refused")
            else:
                outcomes.append("added")
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(index,)) for index in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["added"] * 4 + ["refused"] * 4
    assert Profile.objects.filter(account=account).count() == 5


# --- Editing profiles ----------------------------------------------------------------------


def test_it_refuses_a_name_another_profile_of_the_household_has_in_another_case(
    client: Client, household: Household
) -> None:
    sign_in(client, household, household.adult)
    url = reverse("accounts:edit_profile", args=[household.kids.pk])

    response = client.post(url, profile_form("ALEX", is_kids=True))

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        "Another profile in this household has this name."
    ]
    household.kids.refresh_from_db()
    assert household.kids.name == "Kids"


def test_it_allows_a_name_a_profile_of_another_household_has(
    client: Client, household: Household, other_household: Household
) -> None:
    sign_in(client, household, household.adult)
    url = reverse("accounts:edit_profile", args=[household.kids.pk])

    response = client.post(url, profile_form("Bruno", is_kids=True))

    assert response.status_code == 302
    household.kids.refresh_from_db()
    assert household.kids.name == "Bruno"


def test_it_turns_kids_mode_on(client: Client, household: Household) -> None:
    sign_in(client, household, household.adult)
    url = reverse("accounts:edit_profile", args=[household.adult.pk])

    response = client.post(url, profile_form("Alex", is_kids=True))

    assert response.status_code == 302
    household.adult.refresh_from_db()
    assert household.adult.is_kids


def test_it_turns_kids_mode_off(client: Client, household: Household) -> None:
    sign_in(client, household, household.adult)
    url = reverse("accounts:edit_profile", args=[household.kids.pk])

    response = client.post(url, profile_form("Kids", is_kids=False))

    assert response.status_code == 302
    household.kids.refresh_from_db()
    assert not household.kids.is_kids


def test_it_applies_kids_mode_to_the_chosen_profile_at_once(
    client: Client, household: Household
) -> None:
    movie = MovieFactory.create(maturity_rating=16)
    sign_in(client, household, household.adult)
    movie_url = reverse("catalog:movie", args=[movie.slug])
    assert client.get(movie_url).status_code == 200

    client.post(
        reverse("accounts:edit_profile", args=[household.adult.pk]),
        profile_form("Alex", is_kids=True),
    )

    assert client.get(movie_url).status_code == 404


# --- Deleting profiles ---------------------------------------------------------------------


def test_it_refuses_to_delete_the_last_profile(client: Client) -> None:
    account = account_sign_up(email="ana@example.com", password=PASSWORD, profile_name="Ana")
    only = account.profiles.get()
    client.force_login(account.owner)

    response = client.post(reverse("accounts:delete_profile", args=[only.pk]))

    assert response["Location"] == MANAGE
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "A household needs at least one profile."
    ]
    assert Profile.objects.filter(pk=only.pk).exists()


def test_it_deletes_a_profile_with_its_watch_progress(client: Client, household: Household) -> None:
    movie = MovieFactory.create()
    for profile in (household.adult, household.kids):
        WatchProgress.objects.create(
            profile=profile,
            video=movie.video,
            progress_seconds=600,
            last_watched_timestamp=timezone.now(),
        )
    sign_in(client, household, household.adult)

    response = client.post(reverse("accounts:delete_profile", args=[household.kids.pk]))

    assert response["Location"] == MANAGE
    assert not Profile.objects.filter(pk=household.kids.pk).exists()
    assert list(WatchProgress.objects.values_list("profile_id", flat=True)) == [household.adult.pk]


def test_it_asks_who_is_watching_after_the_chosen_profile_was_deleted(
    client: Client, household: Household
) -> None:
    sign_in(client, household, household.adult)
    client.post(reverse("accounts:delete_profile", args=[household.adult.pk]))

    response = client.get(reverse("catalog:search"), {"q": "anything"})

    assert response["Location"] == PROFILES


# --- Passwords -----------------------------------------------------------------------------


def change_password(client: Client) -> Response:
    return client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )


def test_it_changes_the_password(client: Client, household: Household) -> None:
    sign_in(client, household, household.adult)

    response = change_password(client)

    assert response["Location"] == reverse("accounts:password_change_done")
    assert Client().login(username="ana@example.com", password=NEW_PASSWORD)
    assert not Client().login(username="ana@example.com", password=PASSWORD)


def test_it_keeps_the_household_signed_in_after_a_password_change(
    client: Client, household: Household
) -> None:
    sign_in(client, household, household.adult)

    change_password(client)

    assert get_user(client).pk == household.owner.pk
    assert client.get(HOME).status_code == 200


def test_it_refuses_a_password_change_without_the_old_password(
    client: Client, household: Household
) -> None:
    sign_in(client, household, household.adult)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    household.owner.refresh_from_db()
    assert household.owner.check_password(PASSWORD)


def request_reset(client: Client, email: str) -> Response:
    return client.post(reverse("accounts:password_reset"), {"email": email})


def reset_link(message: mail.EmailMessage) -> str:
    match = re.search(r"http://testserver(/account/password/reset/\S+/\S+/)", str(message.body))
    assert match is not None, message.body
    return match.group(1)


def test_it_mails_a_reset_link(
    client: Client, household: Household, mailoutbox: list[mail.EmailMessage]
) -> None:
    response = request_reset(client, "ANA@example.com")

    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ana@example.com"]
    assert mailoutbox[0].subject == "Reset your Streaming portal password"
    assert reset_link(mailoutbox[0])


def test_it_mails_nothing_for_an_unknown_address(
    client: Client, household: Household, mailoutbox: list[mail.EmailMessage]
) -> None:
    response = request_reset(client, "nobody@example.com")

    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mailoutbox == []


def test_it_sets_a_new_password_through_the_reset_link(
    client: Client, household: Household, mailoutbox: list[mail.EmailMessage]
) -> None:
    request_reset(client, "ana@example.com")

    form_page = client.get(reset_link(mailoutbox[0]), follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert Client().login(username="ana@example.com", password=NEW_PASSWORD)


def test_it_refuses_a_reset_link_a_second_time(
    client: Client, household: Household, mailoutbox: list[mail.EmailMessage]
) -> None:
    request_reset(client, "ana@example.com")
    link = reset_link(mailoutbox[0])
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    again = Client().get(link, follow=True)

    assert not again.context["validlink"]
    assert b"This link has expired" in again.content
