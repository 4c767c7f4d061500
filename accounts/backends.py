from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from accounts import identity_cache


class EmailOrUsernameBackend(ModelBackend):
    """Sign in by username or e-mail, in any capitals (sign-up stores the e-mail lowercased)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user_model = get_user_model()
        users = user_model._default_manager
        user = (
            users.filter(username=username).first()
            or users.filter(username__iexact=username).first()
            or _only(users.filter(email__iexact=username)[:2])
        )
        if user is None:
            # Run the hasher anyway, so a missing account takes as long as a wrong password.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        """The signed-in user of a request: from the identity cache (accounts/identity_cache.py),
        so a page does not pay a query for it. Django still checks the session's password hash."""
        user = identity_cache.user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def _only(candidates: Any) -> User | None:
    """The one user with this e-mail; none if two share it (then the username is needed)."""
    found = list(candidates)
    return found[0] if len(found) == 1 else None
