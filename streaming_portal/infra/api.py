"""The JSON API's two edges: one bounded parser for request bodies, one error shape for answers.

Every ``/api/`` error, from bad input to an unexpected failure, is

    {"error": {"code": "...", "message": "...", "field": "...", "request_id": "..."}}

(``field`` when one field is at fault, ``request_id`` on server-side failures, so a support
person can find the log line). ``ApiErrorMiddleware`` answers this way for exceptions nobody
caught, DEBUG or not.

The parser refuses, before ``json.loads`` builds anything big: bodies over
``API_MAX_BODY_BYTES``, text that is not UTF-8, nesting deeper than ``MAX_DEPTH``, numbers
with more than ``MAX_NUMBER_DIGITS`` digits (Python would otherwise convert a 10,000-digit
integer, or refuse it with a ValueError deep inside), NaN and Infinity, and repeated keys
(``{"position_seconds": 1, "position_seconds": 9999}`` has no single meaning).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from streaming_portal.infra.logs import current_request_id

MAX_DEPTH = 8
MAX_NUMBER_DIGITS = 20


class BadInput(Exception):  # noqa: N818 - reads as a sentence: raise BadInput(...)
    """Input the API refuses: a code, a message that names the field, an HTTP status."""

    def __init__(
        self, code: str, message: str, *, field: str | None = None, status: int = 400
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.status = status


def api_error(
    code: str,
    message: str,
    *,
    status: int,
    field: str | None = None,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """The one error shape of the JSON API."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    if request_id:
        error["request_id"] = request_id
    response = JsonResponse({"error": error}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _depth_exceeded(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` (one linear scan)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _bounded_number(kind: str) -> Any:
    convert = int if kind == "int" else float

    def parse(text: str) -> int | float:
        if sum(char.isdigit() for char in text) > MAX_NUMBER_DIGITS:
            raise BadInput(
                "number_too_large",
                f"Numbers in the body have at most {MAX_NUMBER_DIGITS} digits.",
            )
        return convert(text)

    return parse


def _refuse_constant(name: str) -> None:
    raise BadInput("malformed_body", f"{name} is not a number JSON allows.")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise BadInput(
                "duplicate_field", f"{key} appears more than once in the body.", field=key
            )
        result[key] = value
    return result


def parse_json(raw: bytes) -> Any:
    """The JSON value of a request body, within the bounds above; BadInput otherwise."""
    limit = settings.API_MAX_BODY_BYTES
    if len(raw) > limit:
        raise BadInput("body_too_large", f"The body is larger than {limit} bytes.", status=413)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput("malformed_body", "The body is not UTF-8 text.") from error
    if _depth_exceeded(text, MAX_DEPTH):
        raise BadInput("malformed_body", f"The body nests deeper than {MAX_DEPTH} levels.")
    try:
        return json.loads(
            text,
            parse_int=_bounded_number("int"),
            parse_float=_bounded_number("float"),
            parse_constant=_refuse_constant,
            object_pairs_hook=_unique_keys,
        )
    except ValueError as error:  # JSONDecodeError is one
        raise BadInput("malformed_body", "The body is not valid JSON.") from error


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """``parse_json`` for endpoints whose body is one object; an empty body is no fields."""
    if not raw:
        return {}
    data = parse_json(raw)
    if not isinstance(data, dict):
        raise BadInput("malformed_body", "The body must be a JSON object.")
    return data


def refuse_unknown_fields(data: dict[str, Any], allowed: frozenset[str]) -> None:
    for name in data:
        if name not in allowed:
            expected = ", ".join(sorted(allowed)) or "no fields"
            raise BadInput(
                "unknown_field",
                f"{name[:40]} is not a field of this call (expected: {expected}).",
                field=name[:40],
            )


# --- Answering failures in the API's shape ---------------------------------------------------

API_PREFIXES = ("/api/", "/edge/")
RETRY_AFTER_SECONDS = 2
logger = logging.getLogger("streaming_portal.api")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def unavailable(request_id: str | None) -> JsonResponse:
    """A dependency (Redis) did not answer in time: try again shortly, nothing was lost."""
    return api_error(
        "service_unavailable",
        "The portal is reconnecting; try again in a moment.",
        status=503,
        request_id=request_id,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def server_error(request_id: str | None) -> JsonResponse:
    return api_error(
        "server_error",
        "Something went wrong on our side; it has been logged.",
        status=500,
        request_id=request_id,
    )


def answer_for_exception(exception: Exception, *, path: str) -> JsonResponse | None:
    """The JSON answer for an exception no API view caught (None outside the API)."""
    if not is_api_path(path):
        return None
    request_id = current_request_id()
    if isinstance(exception, BadInput):
        return api_error(
            exception.code, exception.message, status=exception.status, field=exception.field
        )
    if isinstance(exception, RedisError | ConnectionInterrupted):
        logger.warning("Redis unavailable: %s", exception, extra={"path": path})
        response = unavailable(request_id)
    else:
        logger.error("Unhandled exception", exc_info=exception, extra={"path": path})
        response = server_error(request_id)
    # Logged here with the exception: django.request would log the same failure again.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class ApiErrorMiddleware:
    """Every exception an /api/ or /edge/ view raises becomes the API's JSON error (with the
    request id), DEBUG or not: never Django's HTML error page, never a traceback."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> JsonResponse | None:
        return answer_for_exception(exception, path=request.path)
