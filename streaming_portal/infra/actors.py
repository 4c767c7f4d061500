"""Who wrote a change: the actor recorded beside every history event (django-pghistory).

pghistory's triggers copy the metadata of the innermost :func:`acting` block into each event
row they write (``pgh_context``): ``actor``, the name to show, and ``user``, the user's id
when a person did it. A write outside any block is recorded without an actor, which the
history pages show as "system" (a Celery task, a shell).

- :class:`EditorActorMiddleware` names the signed-in editor for the admin's writes. It
  does nothing for GET and HEAD, and nothing outside the admin: a viewer's POSTs (the
  player's heartbeats) change nothing editorial and pay nothing for it.
- Management commands that write the catalog wrap their work in
  ``acting("manage.py import_catalog")``; the actor is then the command, not a user.

pghistory passes the metadata to PostgreSQL with ``set_config(..., true)`` prepended to each
write statement of the block (no extra round trip), local to its transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import cache
from typing import Any

import pghistory
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SYSTEM = "system"


def acting(actor: str, *, user_id: int | None = None) -> AbstractContextManager[Any]:
    """Every history event written inside this block names ``actor`` (and the user)."""
    metadata: dict[str, Any] = {"actor": actor}
    if user_id is not None:
        metadata["user"] = user_id
    return pghistory.context(**metadata)


def actor_name(context: dict[str, Any] | None) -> str:
    """The name an event's ``pgh_context`` gives, or "system" when it has none."""
    return str((context or {}).get("actor") or SYSTEM)


class EditorActorMiddleware:
    """Names the editor of an admin request that may write. Must follow Django's
    AuthenticationMiddleware (reads ``request.user``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SAFE_METHODS or not request.path.startswith(_admin_prefix()):
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:  # the admin's login form
            return self.get_response(request)
        with acting(user.get_username(), user_id=user.pk):
            return self.get_response(request)


@cache  # once per process: heartbeats are POSTs too, and pay for this check
def _admin_prefix() -> str:
    try:
        return reverse("admin:index")
    except NoReverseMatch:  # a URLconf without the admin (a benchmark's)
        return "\0"
