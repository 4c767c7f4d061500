"""Structured logs: JSON lines with the request id (web) and the task id (worker) on each.

The lines are read from the configured console handler itself (LOGGING's formatter and
filter), not from pytest's capture, so what is tested is what a deployment writes.
"""

from __future__ import annotations

import io
import json
import logging
import queue
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from catalog import tasks
from catalog.media import caption_track_validate
from catalog.models import Movie, ValidationStatus
from streaming_portal.infra import logs
from tests.cast import Household
from tests.factories import CaptionTrackFactory, MovieFactory, StreamSourceFactory

pytestmark = pytest.mark.usefixtures("fast_passwords")

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def log_lines() -> Iterator[Lines]:
    """Every line the console handler writes during the test, parsed (one JSON object each)."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]


def logged_by(logger: str, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Only one logger's lines: the rate limiter, for one, may add a line of its own.
    return [line for line in lines if line["logger"] == logger]


@pytest.fixture
def movie(db: None) -> Movie:
    created: Movie = MovieFactory.create(title="Quiet Harbour")
    return created


def start_session(client: Client, movie: Movie) -> str:
    response = client.post(reverse("playback:start", args=[movie.pk]))
    assert response.status_code == 201, response.content
    return str(response.json()["session_id"])


def heartbeat(client: Client, session_id: str | UUID, **extra: Any) -> Any:
    body = {"position_seconds": 61.5, "event": "tick", "errors": ["net.timeout", "drm:denied"]}
    return client.post(
        reverse("playback:heartbeat", args=[session_id]),
        json.dumps(body),
        content_type="application/json",
        **extra,
    )


# --- The shape of a line ---------------------------------------------------------------------


def test_it_writes_one_json_object_per_line_with_the_standard_fields(log_lines: Lines) -> None:
    logger = logging.getLogger("portal.test")

    logger.warning("Two\nlines in one message", extra={"video_id": "v-1", "count": 3})
    try:
        raise ValueError("broken")  # a real traceback to format
    except ValueError:
        logger.exception("It failed")

    first, second = log_lines()
    assert list(first)[:5] == ["time", "level", "logger", "message", "request_id"]
    assert first["level"] == "WARNING"
    assert first["logger"] == "portal.test"
    assert first["message"] == "Two\nlines in one message"
    assert first["request_id"] is None  # not in a request
    assert (first["video_id"], first["count"]) == ("v-1", 3)
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", first["time"])
    assert second["level"] == "ERROR"
    assert "ValueError: broken" in second["exception"]


# --- Request ids -----------------------------------------------------------------------------


def test_it_puts_the_request_id_on_every_line_of_a_request(
    viewer: Client, log_lines: Lines
) -> None:
    unknown = uuid4()

    # Two lines: the player's errors (from the view) and Django's "Not Found" for the 404
    # answer, which Django writes after the middleware has returned.
    response = heartbeat(viewer, unknown)

    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert GENERATED_ID.match(request_id)
    lines = log_lines()
    # (Other middleware may add lines, the rate limiter's for one: they carry the id too.)
    assert {"playback.heartbeats", "django.request"} <= {line["logger"] for line in lines}
    assert {line["request_id"] for line in lines} == {request_id}


def test_it_keeps_and_echoes_a_sane_incoming_request_id(client: Client, log_lines: Lines) -> None:
    response = client.get("/no-such-page/", headers={"X-Request-ID": "edge-7f3a9c1e-0042"})

    assert response.status_code == 404
    assert response["X-Request-ID"] == "edge-7f3a9c1e-0042"
    assert "request edge-7f3a9c1e-0042" in response.content.decode()  # the 404 page shows it
    (line,) = logged_by("django.request", log_lines())
    assert line["request_id"] == "edge-7f3a9c1e-0042"
    assert (line["status_code"], line["path"]) == (404, "/no-such-page/")


@pytest.mark.parametrize(
    "bogus",
    ["<script>alert(1)</script>", "short", "x" * 200, "two words here", 'quote"d-request-id'],
)
def test_it_replaces_a_bogus_incoming_request_id(
    client: Client, log_lines: Lines, bogus: str
) -> None:
    response = client.get("/no-such-page/", headers={"X-Request-ID": bogus})

    request_id = response["X-Request-ID"]
    assert GENERATED_ID.match(request_id)
    page = response.content.decode()
    assert f"request {request_id}" in page
    assert "alert(1)" not in page
    (line,) = logged_by("django.request", log_lines())
    assert line["request_id"] == request_id


def test_it_gives_each_request_its_own_id(client: Client) -> None:
    first = client.get(reverse("healthz"))["X-Request-ID"]
    second = client.get(reverse("healthz"))["X-Request-ID"]

    assert GENERATED_ID.match(first)
    assert first != second


def test_it_leaves_no_request_id_behind_after_the_request(client: Client, log_lines: Lines) -> None:
    client.get(reverse("healthz"))

    logging.getLogger("portal.test").warning("After the request")

    (line,) = logged_by("portal.test", log_lines())
    assert line["request_id"] is None


# --- Player errors and validation failures -------------------------------------------------------


def test_it_logs_player_errors_with_their_ids_and_still_runs_no_sql(
    viewer: Client,
    household: Household,
    movie: Movie,
    log_lines: Lines,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    session_id = start_session(viewer, movie)

    with django_assert_num_queries(0):
        response = heartbeat(viewer, session_id, headers={"X-Request-ID": "player-beat-000123"})

    assert response.status_code == 200
    (line,) = logged_by("playback.heartbeats", log_lines())
    assert line["level"] == "WARNING"
    assert line["message"] == "Player reported errors"
    assert line["request_id"] == "player-beat-000123"
    assert line["session_id"] == session_id
    assert line["profile_id"] == household.adult.pk
    assert line["error_codes"] == ["net.timeout", "drm:denied"]
    assert (line["event"], line["position_seconds"], line["heartbeat_status"]) == (
        "tick",
        61.5,
        "ok",
    )


def test_it_logs_nothing_for_a_heartbeat_without_errors(
    viewer: Client, movie: Movie, log_lines: Lines
) -> None:
    session_id = start_session(viewer, movie)

    response = viewer.post(
        reverse("playback:heartbeat", args=[session_id]),
        json.dumps({"position_seconds": 12}),
        content_type="application/json",
    )

    assert response.status_code == 200
    assert logged_by("playback.heartbeats", log_lines()) == []


@pytest.mark.django_db
def test_it_logs_an_invalid_stream_with_its_ids_and_the_task_id(log_lines: Lines) -> None:
    movie = MovieFactory.create(media=False)
    # A private address: refused before any connection is made, so the verdict is INVALID.
    stream = StreamSourceFactory.create(
        video=movie.video, stream_url="https://10.20.30.40/master.m3u8"
    )

    result = tasks.validate_stream_source.apply(args=(str(stream.pk),))

    assert result.result == ValidationStatus.INVALID
    lines = log_lines()
    assert lines, "the task logged nothing"
    assert {line.get("task_id") for line in lines} == {result.id}
    (failure,) = logged_by("catalog.media", lines)
    assert failure["message"] == "Stream source failed validation"
    assert failure["task_name"] == "catalog.tasks.validate_stream_source"
    assert (failure["stream_id"], failure["video_id"]) == (str(stream.pk), str(movie.pk))
    assert failure["validation_status"] == "INVALID"
    assert "private or reserved address" in failure["validation_message"]


@pytest.mark.django_db
def test_it_logs_an_invalid_caption_with_its_ids(log_lines: Lines) -> None:
    movie = MovieFactory.create(media=False)
    caption = CaptionTrackFactory.create(
        video=movie.video, caption_url="https://10.20.30.40/captions/en.vtt"
    )

    caption_track_validate(caption_id=caption.pk)

    (failure,) = logged_by("catalog.media", log_lines())
    assert failure["message"] == "Caption track failed validation"
    assert (failure["caption_id"], failure["video_id"]) == (str(caption.pk), str(movie.pk))
    assert (failure["language_code"], failure["validation_status"]) == ("en", "INVALID")
    assert "task_id" not in failure  # not run as a task


# --- The worker --------------------------------------------------------------------------------


def worker_lines(process: subprocess.Popen[str]) -> queue.Queue[str]:
    """The worker's output, line by line, as it comes (read in a thread: reads block)."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def wait_for_line(
    lines: queue.Queue[str], seen: list[str], matches: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        seen.append(line)
        if line.startswith("{"):
            entry: dict[str, Any] = json.loads(line)
            if matches(entry):
                return entry
    pytest.fail("The worker did not log the expected line within 60 s:\n" + "".join(seen))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)  # the worker reads the session through its own connection
def test_it_writes_worker_lines_as_json_with_the_task_and_the_request_that_queued_it(
    viewer: Client, movie: Movie, celery_worker_process: subprocess.Popen[str]
) -> None:
    lines = worker_lines(celery_worker_process)
    session_id = start_session(viewer, movie)

    response = viewer.post(
        reverse("playback:end", args=[session_id]), headers={"X-Request-ID": "end-of-film-0042"}
    )

    assert response.status_code == 200, response.content
    seen: list[str] = []
    finished = wait_for_line(
        lines,
        seen,
        lambda entry: (
            entry.get("task_name") == "playback.tasks.finish_viewing_session"
            and "succeeded" in entry["message"]
        ),
    )
    assert finished["logger"] == "celery.app.trace"
    assert finished["request_id"] == "end-of-film-0042"
    assert re.match(r"^[0-9a-f-]{36}$", finished["task_id"])
    received = [json.loads(line) for line in seen if "received" in line]
    assert [entry["task_id"] for entry in received] == [finished["task_id"]]
    # Past Celery's start-up banner (printed, not logged), every line is a JSON object.
    logged = seen[next(i for i, line in enumerate(seen) if line.startswith("{")) :]
    assert all(json.loads(line) for line in logged if line.strip())


# --- The formatters ----------------------------------------------------------------------------


def record(message: str, **extra: Any) -> logging.LogRecord:
    entry = logging.LogRecord("catalog.media", logging.WARNING, __file__, 1, message, None, None)
    entry.__dict__.update(extra)
    logs.ContextFilter().filter(entry)
    return entry


def test_it_writes_readable_plain_lines_with_the_ids() -> None:
    line = logs.formatter("plain").format(
        record("Stream source failed validation", request_id="edge-7f3a9c1e", stream_id="s-1")
    )

    assert line == (
        "WARNING catalog.media [req edge-7f3a9c1e] Stream source failed validation stream_id=s-1"
    )


def test_it_refuses_an_unknown_log_format_by_name() -> None:
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT is 'xml'; set it to one of: json"):
        logs.formatter("xml")
