from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from accounts.models import Profile  # noqa: F401


class ProfileQuerySet(models.QuerySet["Profile"]):
    def for_user(self, user: AbstractBaseUser | AnonymousUser) -> ProfileQuerySet:
        """The profiles of ``user``'s own household; none for anyone else or anonymous."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(account__owner_id=user.pk)
