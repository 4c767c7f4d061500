"""Structured logs: one JSON object per line, each carrying the request or task it belongs to.

- :class:`RequestIdMiddleware` (first in ``MIDDLEWARE``) gives every request an id: the
  incoming ``X-Request-ID`` when it is sane (a proxy's), else a new one. It stores the id in
  ``request.META["HTTP_X_REQUEST_ID"]`` (where the error pages read it), in a context variable
  for the log lines of the request, and echoes it in the response's ``X-Request-ID``.
- The Celery app (``streaming_portal/celery.py``) sets the task's id in a context variable
  around each task run, and carries the request id of the request that queued a task into the
  task's message, so a worker's lines name both.
- :class:`ContextFilter` (on the console handler) copies both ids onto every record;
  :class:`JsonFormatter` writes the record as one JSON object, :class:`PlainFormatter` as a
  readable line for ``make run``. ``LOG_FORMAT`` picks one (``docs/operations.md``).

This module is imported while the settings load (through the Celery app), so it imports
nothing from Django that needs settings or apps.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_META = "HTTP_X_REQUEST_ID"
# A proxy's id is kept if it looks like one (a UUID, nginx's $request_id, a trace id): no
# spaces, quotes or markup, so it can go into a header, a JSON line and a page unchanged.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+/=-]{7,127}$")
# The message header that carries a request's id into the tasks it queues.
TASK_REQUEST_ID_HEADER = "portal_request_id"

_request_id: ContextVar[str | None] = ContextVar("portal_request_id", default=None)
_task: ContextVar[tuple[str, str] | None] = ContextVar("portal_task", default=None)
_task_tokens: dict[str, tuple[Token[tuple[str, str] | None], Token[str | None]]] = {}


def current_request_id() -> str | None:
    """The id of the request (or of the request that queued the task) being served."""
    return _request_id.get()


def request_id_from(incoming: str | None) -> str:
    """The incoming id if it is sane, else a new one (32 hex digits)."""
    if incoming and SANE_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Put a request id on the request, on every log line of the request, and on the response.

    First in MIDDLEWARE so that the lines of every other middleware carry the id too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with request_id_scope(request.META) as request_id:
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


@contextmanager
def request_id_scope(meta: dict[str, Any]) -> Iterator[str]:
    """The request's id (kept from a sane X-Request-ID in ``meta``, the WSGI environ or
    request.META, else new), on every log line written inside the block."""
    request_id = request_id_from(meta.get(REQUEST_ID_META))
    # Replaces a bogus incoming value, so the error pages never show it.
    meta[REQUEST_ID_META] = request_id
    token = _request_id.set(request_id)
    try:
        yield request_id
    finally:
        _request_id.reset(token)


# --- Celery tasks (the receivers are connected in streaming_portal/celery.py) --------------


def task_started(*, task_id: str, task_name: str, request_id: str | None) -> None:
    _task_tokens[task_id] = (_task.set((task_id, task_name)), _request_id.set(request_id))


def task_finished(*, task_id: str) -> None:
    tokens = _task_tokens.pop(task_id, None)
    if tokens is None:
        return
    try:
        _task.reset(tokens[0])
        _request_id.reset(tokens[1])
    except ValueError:  # set in another context (a pool that switched threads): just clear
        _task.set(None)
        _request_id.set(None)


# --- The filter and the formatters --------------------------------------------------------


class ContextFilter(logging.Filter):
    """Copies the request id and the Celery task (id, name) onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = _request_id.get() or _request_id_of(
                getattr(record, "request", None)
            )
        if getattr(record, "task_id", None) is None:
            task = _task.get()
            if task is None:
                # Celery's own lines about a task outside its run ("received", "retry")
                # carry the task in ``data``.
                data = getattr(record, "data", None)
                if isinstance(data, dict) and isinstance(data.get("id"), str):
                    task = (data["id"], str(data.get("name", "")))
            record.task_id, record.task_name = task or (None, None)
        return True


def _request_id_of(request: Any) -> str | None:
    # Django logs a 4xx response ("Not Found: /x") after the middleware has returned; those
    # records carry the request itself.
    meta = getattr(request, "META", None)
    return meta.get(REQUEST_ID_META) if isinstance(meta, dict) else None


# Attributes every LogRecord has, and ours: what is left on a record are the caller's extras.
_BLANK_RECORD = logging.LogRecord("", logging.INFO, "", 0, "", None, None)
_RECORD_ATTRIBUTES = frozenset(vars(_BLANK_RECORD)) | {
    "message",
    "asctime",
    "request_id",
    "task_id",
    "task_name",
    "request",
}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    extras = {
        key: value
        for key, value in vars(record).items()
        if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
    }
    request: Any = getattr(record, "request", None)
    if hasattr(request, "method") and hasattr(request, "path"):
        extras.setdefault("method", request.method)
        extras.setdefault("path", request.path)
    return extras


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, then the rest.

    ``task_id`` and ``task_name`` appear on lines logged in a Celery task, ``exception`` on
    lines with a traceback, and the caller's ``extra`` fields as they are (``str()`` of
    anything JSON cannot hold).
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _request_id.get(),
        }
        task_id = getattr(record, "task_id", None)
        if task_id:
            entry["task_id"] = task_id
            entry["task_name"] = getattr(record, "task_name", None)
        for key, value in _extras(record).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        try:
            return json.dumps(entry, default=str)
        except ValueError:  # a circular structure in an extra field
            return json.dumps({key: str(value) for key, value in entry.items()})


class PlainFormatter(logging.Formatter):
    """A readable line: ``WARNING catalog.media [req 1f2e…] message key=value …``.

    No timestamp: ``make run`` prefixes each line with the time and the process name.
    """

    def format(self, record: logging.LogRecord) -> str:
        ids = []
        request_id = getattr(record, "request_id", None) or _request_id.get()
        if request_id:
            ids.append(f"req {request_id}")
        task_id = getattr(record, "task_id", None)
        if task_id:
            ids.append(f"task {task_id}")
        context = f" [{', '.join(ids)}]" if ids else ""
        fields = "".join(
            f" {key}={value}" for key, value in _extras(record).items() if key != "data"
        )
        line = f"{record.levelname} {record.name}{context} {record.getMessage()}{fields}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


FORMATTERS: dict[str, type[logging.Formatter]] = {"json": JsonFormatter, "plain": PlainFormatter}


def formatter(log_format: str) -> logging.Formatter:
    """The formatter named by ``LOG_FORMAT`` (LOGGING's ``()`` factory)."""
    try:
        return FORMATTERS[log_format]()
    except KeyError:
        raise ImproperlyConfigured(
            f"LOG_FORMAT is {log_format!r}; set it to one of: {', '.join(FORMATTERS)}."
        ) from None
