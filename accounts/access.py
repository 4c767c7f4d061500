"""The one way viewer code finds out who is watching.

Every viewer page is wrapped in :func:`profile_required`, which loads the profile chosen on
"Who's watching?" through :meth:`ProfileQuerySet.for_user`, so a profile id from another
household, a stale session or a tampered cookie never yields a profile.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from accounts import identity_cache
from accounts.models import Profile

PROFILE_SESSION_KEY = "profile_id"


def current_profile(request: HttpRequest) -> Profile | None:
    """The chosen profile of the signed-in household, with its account, or None (one cache
    read; one query when the identity cache does not hold it)."""
    profile_id = request.session.get(PROFILE_SESSION_KEY)
    if profile_id is None:
        return None
    return identity_cache.profile_of_user(request.user, profile_id)


def choose_profile(request: HttpRequest, profile: Profile) -> None:
    request.session[PROFILE_SESSION_KEY] = profile.pk


def own_profile_or_404(request: HttpRequest, profile_id: int) -> Profile:
    """A profile of the signed-in household by id; any other id is a 404, never a 403."""
    profile: Profile = get_object_or_404(
        Profile.objects.for_user(request.user).select_related("account"), pk=profile_id
    )
    return profile


def profile_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in, then a chosen profile of this household; sets ``request.profile``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        profile = current_profile(request)
        if profile is None:
            return redirect("accounts:profiles")
        request.profile = profile  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
