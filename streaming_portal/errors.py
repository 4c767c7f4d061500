"""The error pages: the portal's themed HTML for people, the API's JSON for the player.

Wired in streaming_portal/urls.py (handler400/403/404/500) and as CSRF_FAILURE_VIEW. Django
calls these for errors no view answered itself: a URL that matches nothing, a refused CSRF
token, a request too big to parse, a failure in a middleware.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure

from streaming_portal.infra.api import api_error, is_api_path, server_error
from streaming_portal.infra.logs import current_request_id


def bad_request(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if is_api_path(request.path):
        return api_error("bad_request", "The request could not be read.", status=400)
    return defaults.bad_request(request, exception, **kwargs)


def permission_denied(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if is_api_path(request.path):
        return api_error("forbidden", "This request is not allowed.", status=403)
    return defaults.permission_denied(request, exception, **kwargs)


def page_not_found(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if is_api_path(request.path):
        return api_error("not_found", "There is nothing at this address.", status=404)
    return defaults.page_not_found(request, exception, **kwargs)


def server_error_page(request: HttpRequest, **kwargs: Any) -> HttpResponse | JsonResponse:
    if is_api_path(request.path):
        return server_error(current_request_id())
    return defaults.server_error(request, **kwargs)


def csrf_failure(request: HttpRequest, reason: str = "", **kwargs: Any) -> HttpResponse:
    if is_api_path(request.path):
        return api_error(
            "csrf_failed",
            "The page's security token is missing or stale; reload the page.",
            status=403,
        )
    return django_csrf_failure(request, reason=reason, **kwargs)
