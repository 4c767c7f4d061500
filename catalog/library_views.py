"""My List and thumbs: the page of one's list, and the two buttons on titles and cards.

The buttons are plain forms (POST, then back where the viewer was); with JavaScript they
send the same POST with ``Accept: application/json`` and get the new state back instead
(static/js/library.js), so a card flips without a page load.
"""

from __future__ import annotations

from uuid import UUID

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.access import profile_required
from accounts.http import ViewerRequest
from catalog import library
from catalog.browse import cards_for
from catalog.models import Thumb
from catalog.page_cache import page_number

PAGE_SIZE = 48
THUMBS: dict[str, Thumb | None] = {
    "not_for_me": Thumb.NOT_FOR_ME,
    "like": Thumb.LIKE,
    "love": Thumb.LOVE,
    "none": None,
}
ACTIONS = ("add", "remove")


def _one(request: HttpRequest, name: str, allowed: tuple[str, ...]) -> str | None:
    """The single value of a form field, if it is one of ``allowed`` (a repeated field, a
    missing one or any other value is None)."""
    values = request.POST.getlist(name)
    return values[0] if len(values) == 1 and values[0] in allowed else None


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": {"message": message}}, status=status)
    return render(request, f"{status}.html", {"message": message}, status=status)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    after = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        after, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        after = fallback
    return HttpResponseRedirect(after, status=303)


def _state(request: ViewerRequest, title_id: UUID, fallback: str) -> HttpResponse:
    if _wants_json(request):
        state = library.title_state(request.profile, title_id)
        return JsonResponse({"on_list": state.on_list, "thumb": state.thumb})
    return _back(request, fallback)


@require_POST
@profile_required
def my_list_change(request: ViewerRequest, title_id: UUID) -> HttpResponse:
    action = _one(request, "action", ACTIONS)
    if action is None:
        return _refused(request, 'Send action "add" or "remove", once.', 400)
    title = library.visible_title(request.profile, title_id)
    if title is None:
        return _refused(request, "There is no such title.", 404)
    if action == "add":
        library.my_list_add(profile=request.profile, title=title)
    else:
        library.my_list_remove(profile=request.profile, title_id=title.pk)
    return _state(request, title.pk, title.get_absolute_url())


@require_POST
@profile_required
def rating_change(request: ViewerRequest, title_id: UUID) -> HttpResponse:
    choice = _one(request, "thumb", tuple(THUMBS))
    if choice is None:
        return _refused(request, 'Send thumb "not_for_me", "like", "love" or "none", once.', 400)
    title = library.visible_title(request.profile, title_id)
    if title is None:
        return _refused(request, "There is no such title.", 404)
    library.rate(profile=request.profile, title=title, thumb=THUMBS[choice])
    return _state(request, title.pk, title.get_absolute_url())


@require_GET
@profile_required
def my_list(request: ViewerRequest) -> HttpResponse:
    """Everything on the profile's list that it may still see, newest first."""
    ids = library.my_list_ids(request.profile, limit=None)
    page = Paginator(ids, PAGE_SIZE).get_page(page_number(request.GET.get("page")))
    cards = cards_for(set(page.object_list), request.profile) if page.object_list else {}
    return render(
        request,
        "catalog/my_list.html",
        {"page": page, "cards": [cards[i] for i in page.object_list if i in cards]},
    )


# The posters' "+" buttons ask which titles are saved (static/js/library.js): the newest
# MY_LIST_STATE of them, which covers any list a person keeps.
MY_LIST_STATE = 1000


@require_GET
@profile_required
def my_list_state(request: ViewerRequest) -> HttpResponse:
    ids = library.my_list_ids(request.profile, limit=MY_LIST_STATE)
    response = JsonResponse({"ids": [str(title_id) for title_id in ids]})
    response["Cache-Control"] = "private, no-store"
    return response
