"""The heartbeat's short way through Django: the checks it needs and nothing else.

At 10,000 viewers heartbeats are most of the portal's requests, and each is one Redis
script call: the rest of the middleware stack (static files, messages, the auth user, URL
resolving, the rate limiter, which exempts heartbeats anyway) is most of its cost. This
middleware, right after the request id and the API error shape, answers
``POST /api/sessions/<id>/heartbeat`` itself, doing exactly what the skipped middleware would
have done for it:

- the host is checked against ALLOWED_HOSTS (``request.get_host()``);
- a plain-HTTP request where HTTPS is required takes the normal way, which redirects it;
- the session is loaded from the configured engine, as SessionMiddleware would;
- the CSRF check is Django's own (``CsrfViewMiddleware.process_request``/``process_view``);
- the response gets SecurityMiddleware's headers (nosniff, referrer policy, COOP, HSTS),
  SessionMiddleware's ``Vary: Cookie`` and CommonMiddleware's Content-Length. A heartbeat
  never changes the session, so there is nothing to save; nor is its cookie ever deleted.

Anything else, or any doubt (a missing host, an unusual method), goes the normal way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import import_module
from uuid import UUID

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.cache import patch_vary_headers

from playback import views
from streaming_portal.infra.api import answer_for_exception

HEARTBEAT = re.compile(
    r"/api/sessions/(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"/heartbeat",
    re.ASCII,
)


class HeartbeatFastPath:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)
        self.security = SecurityMiddleware(get_response)
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        match = HEARTBEAT.fullmatch(request.path_info)
        if match is None or request.method != "POST" or not self._may_skip(request):
            return self.get_response(request)
        try:
            request.session = self.session_store(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
            self.csrf.process_request(request)
            refused = self.csrf.process_view(request, views.heartbeat, (), {})
            response: HttpResponse = refused or views.heartbeat(request, UUID(match["id"]))
        except Exception as error:  # answered in the API's shape, and logged
            answer = answer_for_exception(error, path=request.path)
            if answer is None:
                raise
            response = answer
        patch_vary_headers(response, ("Cookie",))
        if not response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return self.security.process_response(request, response)

    @staticmethod
    def _may_skip(request: HttpRequest) -> bool:
        try:
            request.get_host()
        except DisallowedHost:
            return False  # the normal way answers it (a 400, logged as Django does)
        return request.is_secure() or not settings.SECURE_SSL_REDIRECT
