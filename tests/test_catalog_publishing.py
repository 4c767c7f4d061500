"""The catalog's shared workflows: one set of publishing rules across media rows
(catalog/publishing.py) and one way to say a stream's or caption's URL changed
(catalog.media.media_urls_changed), used alike by the admin and the importer."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from catalog import publishing
from catalog.importer import ImportFailed, import_catalog
from catalog.media import media_urls_changed
from catalog.models import CaptionTrack, Movie, StreamSource, ValidationStatus
from streaming_portal.celery import app as celery_app
from tests.factories import CaptionTrackFactory, GenreFactory, MovieFactory, StreamSourceFactory
from tests.test_catalog_admin import (
    MOVIE_ADD,
    caption_row,
    inline_formset,
    movie_form,
    stream_row,
)
from tests.test_catalog_commands import catalog_document

HARBOUR = "movies[0] “Harbour Lights”"
ENGLISH_AGAIN = "https://cdn.example.com/c/arrival/en-sdh.vtt"


def admin_refusal(client: Client, prefix: str, **rows: list[dict[str, str]]) -> list[str]:
    """The errors the movie add page shows above the ``prefix`` inline for these rows."""
    response = client.post(MOVIE_ADD, movie_form(GenreFactory.create(), **rows))
    assert response.status_code == 200
    assert not Movie.objects.exists()
    return list(inline_formset(response, prefix).non_form_errors())


def import_refusal(document: dict[str, Any]) -> list[str]:
    with pytest.raises(ImportFailed) as refused:
        import_catalog(document, by=None)
    assert not Movie.objects.exists()
    return refused.value.errors


# --- The rules, on plain values ------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "stays_visible", "expected"),
    [
        ([True, False], True, []),
        ([True, True, True], False, ["Only one primary stream is allowed; 3 are marked."]),
        ([False], False, []),
        (
            [False],
            True,
            [
                "Viewers can see this title, so it needs a primary stream. Hide the title "
                "first to remove it."
            ],
        ),
    ],
)
def test_it_applies_the_stream_rules_to_the_rows_flags(
    flags: list[bool], stays_visible: bool, expected: list[str]
) -> None:
    problems = publishing.stream_rows_problems(
        primary_flags=flags, title_stays_visible=stays_visible
    )

    assert problems == expected


def test_it_lists_every_broken_caption_rule_at_once() -> None:
    problems = publishing.caption_rows_problems(
        default_flags=[True, True, False, False],
        language_codes=["fr", "en", "fr", "en"],
        title_stays_visible=True,
    )

    assert problems == [
        "Only one default caption track is allowed; 2 are marked.",
        "One caption track per language: en, fr appears more than once.",
    ]


# --- The admin and the importer say the same ------------------------------------------------


@pytest.mark.django_db
def test_it_refuses_two_primary_streams_in_the_same_words_in_the_admin_and_the_importer(
    editor_client: Client,
) -> None:
    streams = [stream_row(), stream_row(quality_tag="720p")]
    document = catalog_document()
    document["movies"][0]["streams"].append(
        {
            "url": "https://cdn.example.com/harbour/720p.m3u8",
            "quality_tag": "720p",
            "is_primary": True,
        }
    )

    in_the_admin = admin_refusal(editor_client, "stream_sources", streams=streams)
    in_the_importer = import_refusal(document)

    message = "Only one primary stream is allowed; 2 are marked."
    assert in_the_admin == [message]
    assert in_the_importer == [f"{HARBOUR}: streams: {message}"]


@pytest.mark.django_db
def test_it_refuses_two_default_captions_in_the_same_words_in_the_admin_and_the_importer(
    editor_client: Client,
) -> None:
    captions = [caption_row(), caption_row(language_code="fr")]
    document = catalog_document()
    document["movies"][0]["captions"][1]["is_default"] = True

    in_the_admin = admin_refusal(editor_client, "caption_tracks", captions=captions)
    in_the_importer = import_refusal(document)

    message = "Only one default caption track is allowed; 2 are marked."
    assert in_the_admin == [message]
    assert in_the_importer == [f"{HARBOUR}: captions: {message}"]


@pytest.mark.django_db
def test_it_refuses_a_language_twice_in_the_same_words_in_the_admin_and_the_importer(
    editor_client: Client,
) -> None:
    captions = [caption_row(), caption_row(is_default="", caption_url=ENGLISH_AGAIN)]
    document = catalog_document()
    document["movies"][0]["captions"][1].update(language_code="en")

    in_the_admin = admin_refusal(editor_client, "caption_tracks", captions=captions)
    in_the_importer = import_refusal(document)

    message = "One caption track per language: en appears more than once."
    assert in_the_admin == [message]
    assert in_the_importer == [f"{HARBOUR}: captions: {message}"]


@pytest.mark.django_db
def test_it_refuses_a_language_twice_in_an_episode_before_writing_anything() -> None:
    document = catalog_document()
    episode = document["series"][0]["seasons"][0]["episodes"][1]
    episode["captions"][1]["language_code"] = "en"

    errors = import_refusal(document)

    assert errors == [
        "series[0] “Night Shift” seasons[0] episodes[1] “Triage”: captions: One caption track "
        "per language: en appears more than once."
    ]


# --- media_urls_changed ---------------------------------------------------------------------


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    """The real broker, its default queue emptied: what a test enqueues stays there."""
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    client.delete(celery_app.conf.task_default_queue)
    yield client
    client.delete(celery_app.conf.task_default_queue)


def queued_checks(broker: redis.Redis) -> list[tuple[str, str]]:
    """(task name, row id) for each message waiting in the broker, sorted."""
    checks = []
    for raw in broker.lrange(celery_app.conf.task_default_queue, 0, -1):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        checks.append((message["headers"]["task"], args[0]))
    return sorted(checks)


@pytest.fixture
def checked_media(db: None) -> tuple[StreamSource, CaptionTrack]:
    """A movie's stream and caption, both with a verdict about their current URL."""
    movie = MovieFactory.create(media=False)
    verdict = {
        "validation_status": ValidationStatus.INVALID,
        "validation_message": "The playlist is 404.",
        "last_validated_at": timezone.now(),
    }
    stream = StreamSourceFactory.create(video=movie.video, **verdict)
    caption = CaptionTrackFactory.create(video=movie.video, **verdict)
    return stream, caption


def test_it_forgets_the_verdicts_of_changed_media_in_one_update_per_model(
    checked_media: tuple[StreamSource, CaptionTrack],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    stream, caption = checked_media

    # UPDATE the streams; UPDATE the captions.
    with django_assert_num_queries(2):
        media_urls_changed(stream_ids=[stream.pk], caption_ids=[caption.pk])

    for row in (StreamSource.objects.get(pk=stream.pk), CaptionTrack.objects.get(pk=caption.pk)):
        assert (row.validation_status, row.validation_message, row.last_validated_at) == (
            ValidationStatus.UNKNOWN,
            "",
            None,
        )


def test_it_queues_one_check_per_changed_row_once_the_transaction_commits(
    checked_media: tuple[StreamSource, CaptionTrack],
    broker: redis.Redis,
    django_capture_on_commit_callbacks: Any,
) -> None:
    stream, caption = checked_media

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = media_urls_changed(stream_ids=[stream.pk], caption_ids=[caption.pk])
        assert queued_checks(broker) == []  # nothing is sent before the commit

    assert (queued, len(callbacks)) == (2, 1)
    assert queued_checks(broker) == [
        ("catalog.tasks.validate_caption_track", str(caption.pk)),
        ("catalog.tasks.validate_stream_source", str(stream.pk)),
    ]


@pytest.mark.django_db
def test_it_neither_writes_nor_queues_anything_when_no_url_changed(
    django_assert_num_queries: DjangoAssertNumQueries, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(0):
        queued = media_urls_changed(stream_ids=[], caption_ids=[])

    assert (queued, callbacks) == (0, [])
