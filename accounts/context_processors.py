from __future__ import annotations

from django.http import HttpRequest

from accounts.models import Profile


def viewer(request: HttpRequest) -> dict[str, Profile | None]:
    """The chosen profile, when the view loaded one (never a query of its own)."""
    return {"profile": getattr(request, "profile", None)}
