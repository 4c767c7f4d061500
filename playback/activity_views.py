"""Viewing activity: the page, and its Hide buttons (plain forms: POST, then back to the page).

Refusals are pages in the portal's look, never Django's bare answers: an id the profile has
no activity for (another profile's, another household's, none at all, hidden already) is a
404, a GET where a form belongs a 405, and Redis away a 503 with nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.access import profile_required
from accounts.http import ViewerRequest
from catalog.page_cache import page_number
from playback import activity, live

# The confirmation of the last hide, shown once by the next activity page (with, after an
# episode, the offer to hide its whole series).
HIDDEN_SESSION_KEY = "activity_hidden"
NOT_FOUND = "This title is not in your viewing activity."


def _post_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """require_POST, with a page that says so (Django's answer has no body)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            response = render(
                request,
                "playback/activity_refused.html",
                {
                    "heading": "That button sends a form",
                    "message": "Hiding a title is done with the Hide button on your "
                    "viewing activity page.",
                    "status": 405,
                },
                status=405,
            )
            response["Allow"] = "POST"
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "404.html", {"message": NOT_FOUND}, status=404)


def _unavailable(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "playback/activity_refused.html",
        {
            "heading": "We couldn't hide that just now",
            "message": "Nothing was changed. Please try again in a moment.",
            "status": 503,
        },
        status=503,
    )


def _back_to_activity(request: HttpRequest, hidden: activity.Hidden) -> HttpResponse:
    request.session[HIDDEN_SESSION_KEY] = {
        "title": hidden.title,
        "series_id": str(hidden.series_id) if hidden.series_id else "",
        "series_title": hidden.series_title,
        "whole_series": hidden.whole_series,
    }
    url = reverse("playback:activity")
    number = page_number(request.POST.get("page"))
    return HttpResponseRedirect(f"{url}?page={number}" if number > 1 else url, status=303)


@require_GET
@profile_required
def activity_page(request: ViewerRequest) -> HttpResponse:
    """The chosen profile's own viewing activity (a kids profile's too)."""
    listing = activity.activity_page(request.profile, page_number(request.GET.get("page")))
    return render(
        request,
        "playback/activity.html",
        {
            "page": listing.page,
            "days": listing.days,
            "hidden": request.session.pop(HIDDEN_SESSION_KEY, None),
        },
    )


@_post_only
@profile_required
def hide(request: ViewerRequest, video_id: UUID) -> HttpResponse:
    try:
        hidden = activity.activity_hide(profile=request.profile, video_id=video_id)
    except live.UNAVAILABLE:
        return _unavailable(request)
    if hidden is None:
        return _not_found(request)
    return _back_to_activity(request, hidden)


@_post_only
@profile_required
def hide_series(request: ViewerRequest, series_id: UUID) -> HttpResponse:
    try:
        hidden = activity.series_hide(profile=request.profile, series_id=series_id)
    except live.UNAVAILABLE:
        return _unavailable(request)
    if hidden is None:
        return _not_found(request)
    return _back_to_activity(request, hidden)
