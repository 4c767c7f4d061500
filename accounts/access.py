"""The one way viewer code finds out who is watching.

Every viewer page is wrapped in :func:`profile_required`, which loads the profile chosen on
"Who's watching?" through :meth:`ProfileQuerySet.for_user`, so a profile id from another
household, a stale session or a tampered cookie never yields a profile.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from accounts import consent, identity_cache
from accounts.models import Account, Profile

PROFILE_SESSION_KEY = "profile_id"


def current_profile(request: HttpRequest) -> Profile | None:
    """The chosen profile of the signed-in household, with its account, or None (one cache
    read; one query when the identity cache does not hold it)."""
    profile_id = request.session.get(PROFILE_SESSION_KEY)
    if profile_id is None:
        return None
    return identity_cache.profile_of_user(request.user, profile_id)


def session_cache_key(request: HttpRequest) -> str | None:
    """The Redis key of the request's session copy, for a Lua script that reads who is
    watching (the fields ``SESSION_FIELDS`` name) in the same round trip as its own work.

    None when the request has no session cookie, or when sessions are not kept in the Redis
    database the scripts use (then the caller reads the session as Django does).
    """
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key or not sessions_in_scripts_redis():
        return None
    return str(caches[settings.SESSION_CACHE_ALIAS].make_key(cached_db.KEY_PREFIX + session_key))


# The session's fields a script reads: the signed-in user, then the chosen profile.
SESSION_FIELDS = (SESSION_KEY, PROFILE_SESSION_KEY)


@cache
def sessions_in_scripts_redis() -> bool:
    """Whether the session copies are JSON in the same Redis as the default cache."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.cached_db":
        return False
    caches_config: dict[str, dict[str, Any]] = settings.CACHES
    sessions = caches_config.get(settings.SESSION_CACHE_ALIAS, {})
    options: dict[str, Any] = sessions.get("OPTIONS", {})
    return bool(
        sessions.get("LOCATION") == caches_config["default"].get("LOCATION")
        and str(options.get("SERIALIZER", "")).endswith(".JSONSerializer")
    )


def choose_profile(request: HttpRequest, profile: Profile) -> None:
    """Make ``profile`` the one in use; the owner's consent given for another ends."""
    if request.session.get(PROFILE_SESSION_KEY) != profile.pk:
        consent.consent_end(request.session)
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


def household_account(request: HttpRequest) -> Account | None:
    """The account the signed-in user owns (from the chosen profile when there is one)."""
    profile = current_profile(request)
    if profile is not None:
        return profile.account
    return Account.objects.filter(owner_id=request.user.pk).first()


def management_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in, a household, and the owner's consent where the household asks for it
    (accounts/consent.py): from kids mode, a profile with a ceiling, or behind a management
    PIN, the view is reached only after the PIN or password. Sets ``request.account``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        account = household_account(request)
        if account is None:
            messages.error(request, "Only a household account can have profiles.")
            return redirect("accounts:profiles")
        if consent.management_needs_consent(
            request.session, current=current_profile(request), account=account
        ):
            unlock = reverse("accounts:manage_unlock")
            target = request.get_full_path() if request.method == "GET" else ""
            return redirect(f"{unlock}?{urlencode({'next': target})}" if target else unlock)
        request.account = account  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
