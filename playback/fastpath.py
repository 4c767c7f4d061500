"""The heartbeat's short way: answered beside Django's request handler, with the checks it
needs and nothing else.

At 10,000 viewers heartbeats are most of the portal's requests, and each is one Redis script
call: Django's handler around it (its signals, the database connections it closes and reopens,
the middleware stack, which exempts heartbeats from most of its work anyway) cost more than
the heartbeat. This WSGI wrapper (streaming_portal/wsgi.py puts it around Django's
application) answers ``POST /api/sessions/<id>/heartbeat`` itself, doing exactly what Django
would have done for it:

- the host is checked against ALLOWED_HOSTS (``request.get_host()``);
- a plain-HTTP request where HTTPS is required takes the normal way, which redirects it;
- the CSRF check is Django's own (``CsrfViewMiddleware.process_request``/``process_view``);
- the request gets its id (logs.py) on every log line and on the response;
- the answer is the view's own (playback/views.heartbeat_by_session): one script that reads
  who is watching from the session's copy in Redis;
- the response gets SecurityMiddleware's headers (nosniff, referrer policy, COOP, HSTS),
  ``Vary: Cookie`` and a Content-Length; an exception becomes the API's JSON error.

Anything else, or any doubt (a missing host, a refused CSRF check, a session Redis does not
hold, a body too large to read here), goes the normal way, through all of Django, with the
request's body handed on unread or as read.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.cache import patch_vary_headers

from playback import views
from streaming_portal.infra.api import answer_for_exception
from streaming_portal.infra.logs import REQUEST_ID_HEADER, request_id_scope

HEARTBEAT = re.compile(
    r"/api/sessions/(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"/heartbeat",
    re.ASCII,
)

WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _unused(request: HttpRequest) -> HttpResponseBase:  # the middleware's own next step
    raise AssertionError("not called: the short way uses the middleware's hooks only")


class HeartbeatFastPath:
    def __init__(self, application: WSGIApplication) -> None:
        self.application = application
        self.csrf = CsrfViewMiddleware(_unused)
        self.security = SecurityMiddleware(_unused)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        match = HEARTBEAT.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or environ.get("REQUEST_METHOD") != "POST":
            return self.application(environ, start_response)
        request = WSGIRequest(environ)
        response = self._answer(request, UUID(match["id"])) if self._may_skip(request) else None
        if response is None:
            if getattr(request, "_body", None) is not None:  # read here: hand it on
                environ["wsgi.input"] = io.BytesIO(request.body)
            return self.application(environ, start_response)
        headers = [
            *response.items(),
            *(("Set-Cookie", c.output(header="")) for c in response.cookies.values()),
        ]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [response.content]

    def _answer(self, request: WSGIRequest, session_id: UUID) -> HttpResponse | None:
        with request_id_scope(request.META) as request_id:
            try:
                self.csrf.process_request(request)
                if self.csrf.process_view(request, views.heartbeat, (), {}) is not None:
                    return None  # refused: the normal way refuses it, and logs it, as Django does
                response = views.heartbeat_by_session(request, session_id)
            except RequestDataTooBig:
                return None
            except Exception as error:  # answered in the API's shape, and logged
                answer = answer_for_exception(error, path=request.path)
                if answer is None:
                    raise
                response = answer
            if response is None:
                return None
        patch_vary_headers(response, ("Cookie",))
        response["Content-Length"] = str(len(response.content))
        response[REQUEST_ID_HEADER] = request_id
        self.security.process_response(request, response)
        return response

    @staticmethod
    def _may_skip(request: HttpRequest) -> bool:
        try:
            request.get_host()
        except DisallowedHost:
            return False  # the normal way answers it (a 400, logged as Django does)
        return request.is_secure() or not settings.SECURE_SSL_REDIRECT
