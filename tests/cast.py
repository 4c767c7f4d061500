"""The shared cast, as plain helpers: households with an adult and a kids profile, and a
client signed in as one of them. conftest.py makes fixtures of the common cases."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.test import Client

from accounts.access import PROFILE_SESSION_KEY
from accounts.models import Account, Profile, SubscriptionPlan
from accounts.services import account_sign_up, demo_household, profile_create
from tests.factories import UserFactory

PASSWORD = "a-long-test-password"  # UserFactory's too


@dataclass(frozen=True)
class Household:
    account: Account
    adult: Profile
    kids: Profile

    @property
    def owner(self) -> User:
        return self.account.owner


def household_create(email: str, *, adult: str = "Alex", kids: str = "Kids") -> Household:
    """A household signed up the way a visitor does, then given a kids profile."""
    account = account_sign_up(email=email, password=PASSWORD, profile_name=adult)
    first = account.profiles.get()
    return Household(account, first, profile_create(account=account, name=kids, is_kids=True))


def demo_household_create(plan: str = SubscriptionPlan.STANDARD) -> Household:
    """The demo household (Alex and Kids) of a new factory user, on ``plan``."""
    account = demo_household(user=UserFactory.create())
    if plan != account.subscription_plan:
        account.subscription_plan = plan
        account.save(update_fields=["subscription_plan"])
    return Household(account, account.profiles.get(name="Alex"), account.profiles.get(name="Kids"))


def sign_in(client: Client, household: Household, profile: Profile | None = None) -> Client:
    """``client`` signed in as the household's owner, watching as ``profile`` if given."""
    client.force_login(household.owner)
    if profile is not None:
        session = client.session
        session[PROFILE_SESSION_KEY] = profile.pk
        session.save()
    return client
