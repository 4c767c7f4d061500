"""Who is signed in and who is watching, from one cache read instead of two queries.

Every viewer page loads the signed-in user (AuthenticationMiddleware) and the chosen profile
with its account (accounts/access.py): two queries that were a third of a cached home page.
Both change rarely, so a household is cached whole under its owner's id: the user, with the
profiles of the account the user owns (each with that account) in ``household_profiles``.
One read gives both, and it is dropped the moment any of them changes:

- a save or delete of the user, the account or any of its profiles deletes the cached copy
  (the signal handlers below: cache invalidation only, no rule lives here);
- the copy is only a faster way to load the rows: Django still checks the session's password
  hash against the user, and a profile is found only among the user's own household's;
- a change that bypasses ``save()`` (a queryset ``update()``) is seen within ``TTL_SECONDS``.
  No code path of the portal changes these rows that way; the time to live bounds the damage
  if one ever does.

A cache that cannot be read is a miss, and the rows come from PostgreSQL as before.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from accounts.models import Account, Profile

TTL_SECONDS = 300
# The attribute of a cached user that holds its household's profiles, by id.
PROFILES = "household_profiles"


def household_key(user_id: int | str) -> str:
    return f"identity:household:{user_id}"


def user_by_id(user_id: int | str) -> User | None:
    """The user with this primary key, carrying its household's profiles: the cached copy,
    or two queries (then cached)."""
    key = household_key(user_id)
    user: User | None = cache.get(key)
    if user is None:
        user = User._default_manager.filter(pk=user_id).first()
        if user is None:
            return None
        profiles = Profile.objects.for_user(user).select_related("account")
        setattr(user, PROFILES, {profile.pk: profile for profile in profiles})
        cache.set(key, user, TTL_SECONDS)
    return user


def profile_of_user(user: Any, profile_id: object) -> Profile | None:
    """The profile with this id, with its account, if it belongs to ``user``'s household
    (none for another household's id, a deleted profile or a visitor)."""
    if not user.is_authenticated:
        return None
    profiles: dict[int, Profile] | None = getattr(user, PROFILES, None)
    if profiles is None:  # a user that did not come through user_by_id (tests, shells)
        if not isinstance(profile_id, int):
            return None
        return (
            Profile.objects.for_user(user).select_related("account").filter(pk=profile_id).first()
        )
    profile = profiles.get(profile_id) if isinstance(profile_id, int) else None
    return profile if profile is not None and profile.account.owner_id == user.pk else None


def _user_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    cache.delete(household_key(instance.pk))


def _account_changed(sender: Any, instance: Account, **kwargs: Any) -> None:
    cache.delete(household_key(instance.owner_id))


def _profile_changed(sender: Any, instance: Profile, **kwargs: Any) -> None:
    # One query when the account is not loaded: profile changes are rare, reads are not.
    owner_id = (
        Account.objects.filter(pk=instance.account_id).values_list("owner_id", flat=True).first()
    )
    if owner_id is not None:
        cache.delete(household_key(owner_id))


def connect() -> None:
    for signal, name in ((post_save, "save"), (post_delete, "delete")):
        signal.connect(_user_changed, sender=User, dispatch_uid=f"identity-user-{name}")
        signal.connect(_account_changed, sender=Account, dispatch_uid=f"identity-account-{name}")
        signal.connect(_profile_changed, sender=Profile, dispatch_uid=f"identity-profile-{name}")
