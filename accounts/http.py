from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest

from accounts.models import Account, Profile


class AuthenticatedRequest(HttpRequest):
    """A request behind ``login_required``."""

    user: User


class ViewerRequest(HttpRequest):
    """A request that passed ``profile_required``: signed in, with a chosen profile."""

    user: User
    profile: Profile


class HouseholdRequest(HttpRequest):
    """A request that passed ``management_required``: the owner's household, consented."""

    user: User
    account: Account
