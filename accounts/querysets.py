from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class ProfileQuerySet(models.QuerySet[Any]):
    def for_user(self, user: AbstractBaseUser | AnonymousUser) -> ProfileQuerySet:
        """The profiles of ``user``'s own household; none for anyone else or anonymous."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(account__owner=user)
