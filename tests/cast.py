"""The shared cast, as plain helpers: households with an adult and a kids profile, a client
signed in as one of them, and titles of the demo catalog with their real HLS. conftest.py
makes fixtures of the common cases."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from accounts import identity_cache
from accounts.access import PROFILE_SESSION_KEY
from accounts.models import Account, Profile, SubscriptionPlan
from accounts.services import account_sign_up, demo_household, profile_create
from catalog import demo, page_cache
from catalog.importer import import_catalog
from streaming_portal.infra import page_shell
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


def warm_identity(household: Household) -> None:
    """Load the household into the identity cache, as its first page after sign-in does:
    a page's query count then counts the page's own queries."""
    identity_cache.user_by_id(household.owner.pk)


def cold_pages() -> None:
    """Forget every cached page part and shell, here and in this process's memory, so the
    next page is built from PostgreSQL (delete_pattern is django-redis's)."""
    cache.delete_pattern("browse:*")  # type: ignore[attr-defined]
    cache.delete_pattern("page-shell:*")  # type: ignore[attr-defined]
    page_cache.clear_local()
    page_shell.clear_local()


def cold_identity() -> None:
    """Forget every cached household, so the next request reads its signed-in user (and the
    user's household) from PostgreSQL, whatever ran before it."""
    cache.delete_pattern("identity:*")  # type: ignore[attr-defined]


def demo_titles_import(movies: Collection[str] = (), *, series: bool = False) -> None:
    """The demo catalog's ``movies`` (by title), and its series when asked, imported with their
    real HLS, captions and markers in the tests' origin (encoded once, then cached)."""
    document = demo.build_demo(Path(settings.LOCAL_ORIGIN_ROOT))
    document["movies"] = [movie for movie in document["movies"] if movie["title"] in movies]
    if not series:
        document["series"] = []
    import_catalog(document, by=None, allow_past_availability=True)
