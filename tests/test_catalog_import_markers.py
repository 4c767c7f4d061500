"""Markers and trickplay tracks in the catalog import and export.

An export imports back unchanged; the import refuses, by record and row, what the admin
refuses (a marker past the running time, a reversed one, a second of a kind, a thumbnails
URL that is not an https:// .vtt file a worker may fetch), never with a traceback and never
half-written; a generated trickplay track (the worker's URL and status) is neither exported
nor touched.
"""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import event, given
from hypothesis import strategies as st

from catalog.exporter import export_catalog
from catalog.importer import FileRefused, ImportFailed, import_catalog, parse_document
from catalog.models import Genre, Movie, Series, TrickplayStatus, TrickplayTrack, VideoMarker
from tests.factories import TrickplayTrackFactory
from tests.test_catalog_commands import catalog_document, future, run_import
from tests.test_catalog_import_validation import HOSTILE_VALUES, RAW, catalog_state
from tests.test_media_validation import broker, queued_checks  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

HARBOUR = "movies[0] “Harbour Lights”"  # 90 minutes: 5400 seconds
INTAKE = "series[0] “Night Shift” seasons[0] episodes[0] “Intake”"  # 44 minutes: 2640 seconds
HARBOUR_THUMBS = "https://cdn.example.com/harbour/thumbs.vtt"
INTAKE_THUMBS = "https://cdn.example.com/ns-s1e1/thumbs.vtt"
BUILD = "catalog.tasks.build_trickplay"


def document_with_markers() -> dict[str, Any]:
    """test_catalog_commands' catalog, with markers and an editor's own thumbnails track on
    Harbour Lights and on the first episode of Night Shift."""
    document = catalog_document()
    harbour = document["movies"][0]
    harbour["markers"] = [
        {"kind": "INTRO", "start_seconds": 20, "end_seconds": 80},
        {"kind": "CREDITS", "start_seconds": 5310, "end_seconds": 5400},  # to the very end
    ]
    harbour["trickplay_url"] = HARBOUR_THUMBS
    intake = intake_of(document)
    intake["markers"] = [
        {"kind": "RECAP", "start_seconds": 0, "end_seconds": 45},
        {"kind": "INTRO", "start_seconds": 45, "end_seconds": 75},
    ]
    intake["trickplay_url"] = INTAKE_THUMBS
    return document


def intake_of(document: dict[str, Any]) -> dict[str, Any]:
    episode: dict[str, Any] = document["series"][0]["seasons"][0]["episodes"][0]
    return episode


def marker_rows() -> list[tuple[str, str, int, int]]:
    return sorted(
        (str(video_id), kind, start, end)
        for video_id, kind, start, end in VideoMarker.objects.values_list(
            "video_id", "kind", "start_seconds", "end_seconds"
        )
    )


def trickplay_rows() -> list[tuple[str, str, str, str]]:
    return sorted(
        (str(video_id), url, status, message)
        for video_id, url, status, message in TrickplayTrack.objects.values_list(
            "video_id", "trickplay_url", "status", "status_message"
        )
    )


def everything() -> dict[str, Any]:
    """Every row an import writes, markers and trickplay tracks included."""
    return {**catalog_state(), "markers": marker_rows(), "trickplay": trickplay_rows()}


def marker_events() -> int:
    return int(apps.get_model("catalog", "VideoMarkerEvent").objects.count())


def harbour() -> Movie:
    return Movie.objects.get(title="Harbour Lights")


def generated_url(slug: str) -> str:
    """Where catalog/trickplay.py writes a generated track, in the local origin."""
    return f"{django_settings.LOCAL_ORIGIN_URL.rstrip('/')}/{slug}/thumbs/thumbs.vtt"


def without_markers(document: dict[str, Any]) -> dict[str, Any]:
    """The same catalog as a file written before markers and trickplay existed (the demo's)."""
    older = copy.deepcopy(document)
    for video in [older["movies"][0], intake_of(older)]:
        del video["markers"], video["trickplay_url"]
    return older


@pytest.fixture
def document() -> dict[str, Any]:
    """One document per test: its windows are "from now", so a second call may differ."""
    return document_with_markers()


@pytest.fixture
def imported(tmp_path: Path, editor: Any, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` imported, its tracks then checked by the worker (READY)."""
    run_import(tmp_path, document)
    TrickplayTrack.objects.update(status=TrickplayStatus.READY, status_message="Checked.")
    return everything()


# --- Importing --------------------------------------------------------------------------


def test_it_imports_markers_and_an_editors_trickplay_track(tmp_path: Path, editor: Any) -> None:
    output = run_import(tmp_path, document_with_markers())

    assert "created 2 genres, 2 movies, 1 series" in output
    movie = harbour()
    assert [
        (m.kind, m.start_seconds, m.end_seconds) for m in VideoMarker.objects.filter(video=movie)
    ] == [("INTRO", 20, 80), ("CREDITS", 5310, 5400)]
    track = TrickplayTrack.objects.get(video=movie)
    # Its check is queued: not the verdict of anything yet.
    assert (track.trickplay_url, track.status) == (HARBOUR_THUMBS, TrickplayStatus.PENDING)
    assert VideoMarker.objects.count() == 4
    assert TrickplayTrack.objects.count() == 2


def test_it_changes_nothing_when_the_same_file_is_imported_twice(
    tmp_path: Path, document: dict[str, Any], imported: dict[str, Any]
) -> None:
    ids = sorted(VideoMarker.objects.values_list("id", flat=True))
    events = marker_events()

    output = run_import(tmp_path, document)

    assert "created nothing; updated nothing; unchanged 2 genres, 2 movies, 1 series" in output
    assert everything() == imported  # the tracks keep their READY verdict
    assert sorted(VideoMarker.objects.values_list("id", flat=True)) == ids
    assert marker_events() == events  # nothing in the editorial history


def test_it_queues_a_trickplay_check_only_for_a_new_or_changed_url(
    tmp_path: Path,
    document: dict[str, Any],
    imported: dict[str, Any],
    broker: redis.Redis,  # noqa: F811 - the fixture
    django_capture_on_commit_callbacks: Any,
) -> None:
    document["movies"][0]["trickplay_url"] = "https://cdn.example.com/harbour/v2/thumbs.vtt"

    with django_capture_on_commit_callbacks(execute=True):
        output = run_import(tmp_path, document)

    movie = harbour()
    assert queued_checks(broker) == [(BUILD, str(movie.pk))]
    track = TrickplayTrack.objects.get(video=movie)
    assert (track.status, track.status_message) == (TrickplayStatus.PENDING, "")
    assert "updated 1 movies; unchanged 2 genres, 1 movies, 1 series" in output


def test_it_upserts_markers_by_kind_and_removes_those_left_unlisted(
    tmp_path: Path, document: dict[str, Any], imported: dict[str, Any]
) -> None:
    intro = VideoMarker.objects.get(video=harbour(), kind="INTRO")
    document["movies"][0]["markers"] = [
        {"kind": "INTRO", "start_seconds": 25, "end_seconds": 85},
        {"kind": "RECAP", "start_seconds": 0, "end_seconds": 20},
    ]

    output = run_import(tmp_path, document)

    assert "updated 1 movies" in output
    assert sorted(
        VideoMarker.objects.filter(video=harbour()).values_list(
            "kind", "start_seconds", "end_seconds"
        )
    ) == [("INTRO", 25, 85), ("RECAP", 0, 20)]
    assert VideoMarker.objects.get(video=harbour(), kind="INTRO").pk == intro.pk


def test_an_empty_list_removes_every_marker(
    tmp_path: Path, document: dict[str, Any], imported: dict[str, Any]
) -> None:
    document["movies"][0]["markers"] = []

    output = run_import(tmp_path, document)

    assert "updated 1 movies" in output
    assert not VideoMarker.objects.filter(video=harbour()).exists()
    assert VideoMarker.objects.count() == 2  # the episode's


def test_a_file_without_markers_or_trickplay_leaves_them_as_they_are(
    tmp_path: Path, document: dict[str, Any], imported: dict[str, Any]
) -> None:
    output = run_import(tmp_path, without_markers(document))

    assert "created nothing; updated nothing" in output
    assert everything() == imported


def test_null_removes_an_editors_own_trickplay_track(
    tmp_path: Path, document: dict[str, Any], imported: dict[str, Any]
) -> None:
    document["movies"][0]["trickplay_url"] = None

    output = run_import(tmp_path, document)

    assert "updated 1 movies" in output
    assert not TrickplayTrack.objects.filter(video=harbour()).exists()
    assert TrickplayTrack.objects.count() == 1


def test_a_dry_run_writes_and_queues_nothing(
    tmp_path: Path,
    editor: Any,
    broker: redis.Redis,  # noqa: F811 - the fixture
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        output = run_import(tmp_path, document_with_markers(), "--dry-run")

    assert "Would import: created 2 genres, 2 movies, 1 series" in output
    assert callbacks == []
    assert queued_checks(broker) == []
    assert VideoMarker.objects.count() == TrickplayTrack.objects.count() == 0


# --- A generated track is the worker's ----------------------------------------------------


@pytest.fixture
def generated(tmp_path: Path, editor: Any, document: dict[str, Any]) -> TrickplayTrack:
    """Harbour Lights imported with no track of the editor's own, then one generated."""
    older = copy.deepcopy(document)
    del older["movies"][0]["trickplay_url"]
    run_import(tmp_path, older)
    track: TrickplayTrack = TrickplayTrackFactory.create(
        video=harbour().video,
        trickplay_url=generated_url("harbour"),
        status=TrickplayStatus.READY,
        status_message="Generated 540 thumbnails.",
    )
    return track


def test_the_export_carries_no_generated_track_and_its_import_leaves_it_alone(
    tmp_path: Path, generated: TrickplayTrack
) -> None:
    before = everything()

    exported = export_catalog()
    output = run_import(tmp_path, exported)

    harbour_out = next(m for m in exported["movies"] if m["title"] == "Harbour Lights")
    assert harbour_out["trickplay_url"] is None
    assert generated.trickplay_url not in json.dumps(exported)
    assert "created nothing; updated nothing" in output
    assert everything() == before


def test_an_editors_url_replaces_a_generated_track(
    tmp_path: Path, document: dict[str, Any], generated: TrickplayTrack
) -> None:
    output = run_import(tmp_path, document)

    generated.refresh_from_db()
    assert (generated.trickplay_url, generated.status) == (HARBOUR_THUMBS, "PENDING")
    assert generated.status_message == ""
    assert "updated 1 movies" in output


# --- Export, then import ----------------------------------------------------------------


def test_it_round_trips_markers_and_trickplay_through_the_export(
    tmp_path: Path, document: dict[str, Any], imported: dict[str, Any]
) -> None:
    first = export_catalog()
    harbour_out = next(m for m in first["movies"] if m["title"] == "Harbour Lights")
    assert harbour_out["markers"] == [
        {"kind": "INTRO", "start_seconds": 20, "end_seconds": 80},
        {"kind": "CREDITS", "start_seconds": 5310, "end_seconds": 5400},
    ]
    assert harbour_out["trickplay_url"] == HARBOUR_THUMBS
    cold_orbit = next(m for m in first["movies"] if m["title"] == "Cold Orbit")
    assert (cold_orbit["markers"], cold_orbit["trickplay_url"]) == ([], None)

    # Into the same catalog: nothing changes, nothing is reported.
    assert "created nothing; updated nothing" in run_import(tmp_path, first)
    assert everything() == imported

    # Into an empty catalog: the same document comes back out.
    Movie.objects.all().delete()
    Series.objects.all().delete()
    Genre.objects.all().delete()
    run_import(tmp_path, first)
    assert export_catalog() == first
    assert len(marker_rows()) == len(imported["markers"]) == 4


# --- Refusals -----------------------------------------------------------------------------


def harbour_set(**fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda document: document["movies"][0].update(fields)


def harbour_marker(index: int, **fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda document: document["movies"][0]["markers"][index].update(fields)


def refusal(tmp_path: Path, document: Any, before: dict[str, Any]) -> str:
    """Import a bad document through the command; its listed errors. Asserts the one-line
    summary, no traceback, and that nothing changed."""
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    errors = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_catalog", str(path), "--by", "editor", stdout=io.StringIO(), stderr=errors
        )
    assert str(raised.value).startswith("Nothing was imported")
    assert "Traceback" not in errors.getvalue()
    assert everything() == before
    return errors.getvalue()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            harbour_marker(1, end_seconds=5401),
            f"{HARBOUR} markers[1]: end_seconds: The end (1:30:01) is after the end of the "
            "video (1:30:00).",
        ),
        (
            harbour_marker(0, start_seconds=90, end_seconds=30),
            f"{HARBOUR} markers[0]: end_seconds: The end must come after the start.",
        ),
        (
            harbour_marker(0, start_seconds=30, end_seconds=30),
            f"{HARBOUR} markers[0]: end_seconds: The end must come after the start.",
        ),
        (
            # The running time shrinks under markers the same record lists unchanged.
            harbour_set(duration_minutes=60),
            f"{HARBOUR} markers[1]: end_seconds: The end (1:30:00) is after the end of the "
            "video (1:00:00).",
        ),
        (
            lambda d: intake_of(d)["markers"][1].update(end_seconds=2641),
            f"{INTAKE} markers[1]: end_seconds: The end (44:01) is after the end of the video "
            "(44:00).",
        ),
        (
            harbour_marker(1, kind="INTRO"),
            f"{HARBOUR} markers[1]: kind: 'INTRO' repeats {HARBOUR} markers[0] (keys ignore case).",
        ),
        (
            harbour_marker(0, kind="OUTRO"),
            f"{HARBOUR} markers[0]: kind: must be one of INTRO, RECAP, CREDITS; got 'OUTRO'.",
        ),
        (
            harbour_marker(0, kind="intro"),
            f"{HARBOUR} markers[0]: kind: must be one of INTRO, RECAP, CREDITS; got 'intro'.",
        ),
        (
            harbour_marker(0, start_seconds=-1),
            f"{HARBOUR} markers[0]: start_seconds: must be between 0 and 2147483647, got -1.",
        ),
        (
            harbour_marker(0, end_seconds=2**31),
            f"{HARBOUR} markers[0]: end_seconds: must be between 0 and 2147483647, got 2147483648.",
        ),
        (
            harbour_marker(0, start_seconds="0:20"),
            f"{HARBOUR} markers[0]: start_seconds: expected an integer, got the string '0:20'.",
        ),
        (
            harbour_marker(0, end_seconds=80.5),
            f"{HARBOUR} markers[0]: end_seconds: expected an integer, got 80.5.",
        ),
        (
            harbour_marker(0, end_seconds=True),
            f"{HARBOUR} markers[0]: end_seconds: expected an integer, got true.",
        ),
        (
            harbour_marker(0, at=20),
            f"{HARBOUR} markers[0]: unknown field(s): 'at'.",
        ),
        (
            lambda d: d["movies"][0]["markers"][0].pop("end_seconds"),
            f"{HARBOUR} markers[0]: end_seconds: is required.",
        ),
        (
            harbour_set(
                markers=[{"kind": k, "start_seconds": 1, "end_seconds": 2} for k in "ABCD"]
            ),
            f"{HARBOUR}: markers: has 4 items; at most 3 are allowed.",
        ),
        (
            harbour_set(markers={"kind": "INTRO", "start_seconds": 1, "end_seconds": 2}),
            f"{HARBOUR}: markers: expected a list, got an object.",
        ),
        (
            harbour_set(markers=None),
            f"{HARBOUR}: markers: expected a list, got null.",
        ),
        (
            harbour_set(trickplay_url="http://cdn.example.com/harbour/thumbs.vtt"),
            f"{HARBOUR}: trickplay_url: The trickplay URL must be an https:// .vtt file.",
        ),
        (
            harbour_set(trickplay_url="https://cdn.example.com/harbour/sprite-0.jpg"),
            f"{HARBOUR}: trickplay_url: The trickplay URL must be an https:// .vtt file.",
        ),
        (
            harbour_set(trickplay_url="javascript:alert(1)//.vtt"),
            f"{HARBOUR}: trickplay_url: Enter a valid URL.",
        ),
        (
            harbour_set(trickplay_url="ftp://cdn.example.com/thumbs.vtt"),
            f"{HARBOUR}: trickplay_url: The trickplay URL must be an https:// .vtt file.",
        ),
        (
            harbour_set(trickplay_url="https://10.0.0.7/thumbs.vtt"),
            f"{HARBOUR}: trickplay_url: The host 10.0.0.7 resolves to a private or reserved "
            "address (10.0.0.7); the portal does not fetch from inside its own network.",
        ),
        (
            harbour_set(trickplay_url="https://localhost/thumbs.vtt"),
            f"{HARBOUR}: trickplay_url: The host localhost resolves to a private or reserved "
            "address (every localhost name is loopback)",
        ),
        (
            harbour_set(trickplay_url="https://user:secret@cdn.example.com/thumbs.vtt"),
            f"{HARBOUR}: trickplay_url: The address holds a user name or password "
            "(user:pass@…); the portal never sends credentials in a URL.",
        ),
        (
            harbour_set(trickplay_url="https://cdn.example.com:99999/thumbs.vtt"),
            f"{HARBOUR}: trickplay_url: https://cdn.example.com:99999/thumbs.vtt is not a valid "
            "address (check the host and the port).",
        ),
        (
            harbour_set(trickplay_url="https://cdn.example.com/a\nb.vtt"),
            f"{HARBOUR}: trickplay_url: contains the control character U+000A at character 26.",
        ),
        (
            harbour_set(trickplay_url="https://cdn.example.com/" + "t" * 480 + ".vtt"),
            f"{HARBOUR}: trickplay_url: is 508 characters long; at most 500 are allowed.",
        ),
        (
            harbour_set(trickplay_url=""),
            f"{HARBOUR}: trickplay_url: must not be blank.",
        ),
        (
            harbour_set(trickplay_url=["https://cdn.example.com/harbour/thumbs.vtt"]),
            f"{HARBOUR}: trickplay_url: expected a string or null, got a list.",
        ),
        (
            harbour_set(trickplay={"url": HARBOUR_THUMBS}),
            f"{HARBOUR}: unknown field(s): 'trickplay'.",
        ),
    ],
)
def test_it_refuses_what_the_admin_refuses_by_record_and_row(
    tmp_path: Path, document: dict[str, Any], imported: dict[str, Any], change: Any, expected: str
) -> None:
    document["movies"][1]["synopsis"] = "Rewritten, and never saved."  # a half-write would show
    change(document)

    errors = refusal(tmp_path, document, imported)

    assert expected in errors


def test_it_refuses_a_shorter_running_time_under_markers_the_file_leaves_out(
    tmp_path: Path, document: dict[str, Any], imported: dict[str, Any]
) -> None:
    older = without_markers(document)  # the stored markers stay, and must still fit
    older["movies"][0]["duration_minutes"] = 60

    errors = refusal(tmp_path, older, imported)

    assert (
        f"{HARBOUR} markers (stored CREDITS): end_seconds: The end (1:30:00) is after the end "
        "of the video (1:00:00)." in errors
    )


def test_it_lists_every_bad_marker_of_a_file(
    tmp_path: Path, document: dict[str, Any], imported: dict[str, Any]
) -> None:
    document["movies"][0]["markers"][0].update(start_seconds=100, end_seconds=10)
    intake_of(document)["markers"][0].update(end_seconds=9999)

    errors = refusal(tmp_path, document, imported)

    assert f"{HARBOUR} markers[0]: end_seconds: The end must come after the start." in errors
    assert f"{INTAKE} markers[0]: end_seconds: The end (2:46:39) is after the end" in errors


# --- Cost -----------------------------------------------------------------------------------


def movies_with_markers(count: int) -> dict[str, Any]:
    return {
        "version": 1,
        "genres": [{"name": "Drama"}],
        "movies": [
            {
                "title": f"Movie {number}",
                "synopsis": "A movie.",
                "genres": ["Drama"],
                "duration_minutes": 90,
                "release_year": 2024,
                "availability_start": future(1),
                "availability_end": future(30),
                "markers": [
                    {"kind": "RECAP", "start_seconds": 0, "end_seconds": 20},
                    {"kind": "INTRO", "start_seconds": 20, "end_seconds": 80},
                    {"kind": "CREDITS", "start_seconds": 5300, "end_seconds": 5400},
                ],
            }
            for number in range(count)
        ],
    }


def marker_table_queries(document: dict[str, Any], editor: Any) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        import_catalog(document, by=editor)
    return [q["sql"] for q in context.captured_queries if "catalog_videomarker" in q["sql"]]


@pytest.mark.parametrize("count", [1, 6])
def test_importing_markers_costs_a_read_per_video_and_writes_only_changes(
    editor: Any, count: int
) -> None:
    document = movies_with_markers(count)

    first = marker_table_queries(document, editor)
    again = marker_table_queries(document, editor)

    # First import, per movie: 1 SELECT of its markers; per marker, 1 SELECT for the
    # one-per-kind constraint (full_clean) and 1 INSERT. (Each CHECK constraint is also asked
    # once per marker, in a SELECT that reads no table.) Nothing to delete: no DELETE.
    assert len(first) == count * (1 + 3 * 2)
    assert sum(sql.startswith("INSERT") for sql in first) == count * 3
    # The same file again, per movie: the 1 SELECT, and no write at all.
    assert len(again) == count
    assert all(sql.startswith("SELECT") for sql in again)


# --- Junk never breaks the import --------------------------------------------------------

SECONDS = st.one_of(
    st.sampled_from([-1, 0, 1, 2639, 2640, 2641, 5399, 5400, 5401, 2**31 - 1, 2**31, 2**63]),
    st.integers(min_value=-(10**6), max_value=10**7),
    HOSTILE_VALUES,
)
KINDS = st.one_of(
    st.sampled_from(["INTRO", "RECAP", "CREDITS", "intro", "Intro", "OUTRO", "", " INTRO"]),
    HOSTILE_VALUES,
)
URL_PARTS = st.tuples(
    st.sampled_from(
        ["https://", "http://", "ftp://", "javascript:", "data:text/vtt,", "file:///", "//", ""]
    ),
    st.sampled_from(
        [
            "cdn.example.com",
            "10.0.0.1",
            "127.0.0.1",
            "[::1]",
            "[::1",
            "169.254.169.254",
            "localhost",
            "media.local",
            "user:pass@cdn.example.com",
            "xn--bcher-kva.example",
            "bücher.example",
            "cdn.example.com:99999",
            "",
        ]
    ),
    st.sampled_from(["/t/thumbs.vtt", "/t/thumbs.VTT?sig=1", "/t/thumbs.vtt#x", "/sprite.jpg"]),
    st.text(max_size=6),
)
URLS = st.one_of(
    URL_PARTS.map("".join),
    st.integers(min_value=400, max_value=2_000).map(lambda n: f"https://c.example/{'t' * n}.vtt"),
    st.sampled_from([None, "", " ", generated_url("harbour"), HARBOUR_THUMBS]),
    HOSTILE_VALUES,
)
MARKERS = st.one_of(
    st.lists(
        st.one_of(
            st.fixed_dictionaries(
                {"kind": KINDS, "start_seconds": SECONDS, "end_seconds": SECONDS},
                optional={"extra": HOSTILE_VALUES},
            ),
            HOSTILE_VALUES,
        ),
        max_size=5,
    ),
    HOSTILE_VALUES,
)


@st.composite
def junk_media_files(draw: st.DrawFn) -> bytes:
    """document_with_markers() with junk in a movie's or an episode's markers and trickplay
    URL (and, now and then, a running time that shrinks under them), as a file's bytes."""
    document = copy.deepcopy(document_with_markers())
    video = draw(st.sampled_from([document["movies"][0], intake_of(document)]))
    for name, values in (("markers", MARKERS), ("trickplay_url", URLS)):
        action = draw(st.sampled_from(["keep", "replace", "replace", "drop"]))
        if action == "replace":
            video[name] = draw(values)
        elif action == "drop":
            del video[name]
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        video["duration_minutes"] = draw(st.sampled_from([1, 30, 44, 89, 90]))
    text = json.dumps(document, ensure_ascii=draw(st.booleans()))
    for raw in set(re.findall(r'"@@raw-([^@]*)@@"', text)):
        text = text.replace(f'"{RAW.format(raw)}"', raw)
    return text.encode("utf-8", errors="surrogatepass")


@pytest.fixture
def imported_once(tmp_path: Path, editor: Any) -> None:
    """Imported once for the whole run of examples: junk then meets rows that exist."""
    run_import(tmp_path, document_with_markers())


@pytest.mark.fuzz
@given(raw=junk_media_files())
def test_junk_markers_and_trickplay_urls_import_or_fail_with_messages(
    editor: Any, imported_once: None, raw: bytes
) -> None:
    before = everything()
    try:
        import_catalog(parse_document(raw), by=editor)
    except ImportFailed as error:
        failure = error
    else:
        event("imported")
        # What went in is what the admin would accept: every marker within its running
        # time, every editor's track an https:// .vtt URL a worker may fetch.
        for marker in VideoMarker.objects.select_related("video"):
            marker.full_clean()
        for track in TrickplayTrack.objects.exclude(trickplay_url=""):
            track.full_clean()
        return
    event("file refused" if isinstance(failure, FileRefused) else "records refused")
    assert failure.errors
    assert all(isinstance(m, str) and m and "\n" not in m for m in failure.errors)
    assert everything() == before
