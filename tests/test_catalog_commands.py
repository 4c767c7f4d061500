"""Staff commands: import, export, the demo seed and key rotation, on real PostgreSQL."""

from __future__ import annotations

import copy
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from catalog.models import CaptionTrack, Episode, Genre, Movie, Series, StreamSource, Visibility
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


def future(days: int) -> str:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0).isoformat()


def media(slug: str) -> dict[str, Any]:
    return {
        "streams": [
            {
                "url": f"https://cdn.example.com/{slug}/master.m3u8",
                "quality_tag": None,
                "drm_required": False,
                "is_primary": True,
            },
        ],
        "captions": [
            {
                "language_code": "en",
                "url": f"https://cdn.example.com/{slug}/en.vtt",
                "format": "WEBVTT",
                "is_default": True,
            },
            {
                "language_code": "de",
                "url": f"https://cdn.example.com/{slug}/de.ttml",
                "format": "TTML",
                "is_default": False,
            },
        ],
    }


def catalog_document() -> dict[str, Any]:
    return {
        "version": 1,
        "genres": [{"name": "Drama"}, {"name": "Sci-Fi"}],
        "movies": [
            {
                "title": "Harbour Lights",
                "synopsis": "A ferry captain's last crossing.",
                "genres": ["Drama"],
                "maturity_rating": "7+",
                "duration_minutes": 90,
                "release_year": 2024,
                "poster_url": "https://img.example.com/harbour.jpg",
                "availability_start": future(1),
                "availability_end": future(60),
                "visibility": "VISIBLE",
                **media("harbour"),
            },
            {
                "title": "Cold Orbit",
                "synopsis": "Nobody answers the station's call.",
                "genres": ["Sci-Fi", "Drama"],
                "maturity_rating": "16+",
                "duration_minutes": 101,
                "release_year": 2023,
                "poster_url": "",
                "availability_start": future(2),
                "availability_end": future(30),
                "visibility": "HIDDEN",
                "streams": [],
                "captions": [],
            },
        ],
        "series": [
            {
                "title": "Night Shift",
                "synopsis": "A hospital after dark.",
                "genres": ["Drama"],
                "maturity_rating": "13+",
                "poster_url": "",
                "availability_start": future(1),
                "availability_end": future(90),
                "visibility": "VISIBLE",
                "seasons": [
                    {
                        "number": 1,
                        "title": "",
                        "episodes": [
                            {
                                "number": 1,
                                "title": "Intake",
                                "synopsis": "First night.",
                                "duration_minutes": 44,
                                "release_year": 2024,
                                **media("ns-s1e1"),
                            },
                            {
                                "number": 2,
                                "title": "Triage",
                                "synopsis": "Second night.",
                                "duration_minutes": 42,
                                "release_year": 2024,
                                **media("ns-s1e2"),
                            },
                        ],
                    }
                ],
            }
        ],
    }


def run_import(tmp_path: Path, document: Any, *args: str) -> str:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document))
    output = io.StringIO()
    call_command(
        "import_catalog", str(path), "--by", "editor", *args, stdout=output, stderr=io.StringIO()
    )
    return output.getvalue()


def test_it_imports_a_whole_catalog_with_audit_fields(tmp_path: Path, editor: Any) -> None:
    output = run_import(tmp_path, catalog_document())

    assert "created 2 genres, 2 movies, 1 series" in output
    harbour = Movie.objects.get(title="Harbour Lights")
    assert harbour.visibility == Visibility.VISIBLE
    assert harbour.slug == "harbour-lights"
    assert harbour.created_by == editor
    assert harbour.video.stream_sources.get().stream_url.endswith("harbour/master.m3u8")
    assert sorted(harbour.video.caption_tracks.values_list("language_code", flat=True)) == [
        "de",
        "en",
    ]
    assert Episode.objects.filter(season__series__title="Night Shift").count() == 2
    assert Series.objects.get().visibility == Visibility.VISIBLE


def test_it_changes_nothing_when_the_same_file_is_imported_twice(
    tmp_path: Path, editor: Any
) -> None:
    document = catalog_document()
    run_import(tmp_path, document)
    stream_ids = set(StreamSource.objects.values_list("id", flat=True))

    output = run_import(tmp_path, document)

    assert "created nothing; updated nothing" in output
    assert set(StreamSource.objects.values_list("id", flat=True)) == stream_ids


def test_it_upserts_by_title_ignoring_case(tmp_path: Path, editor: Any) -> None:
    original = catalog_document()
    run_import(tmp_path, original)
    document = copy.deepcopy(original)  # the same windows: only the edited record changes
    document["movies"][0]["title"] = "HARBOUR LIGHTS"
    document["movies"][0]["synopsis"] = "A new synopsis."

    output = run_import(tmp_path, document)

    movie = Movie.objects.get(title__iexact="harbour lights")
    assert Movie.objects.count() == 2
    assert movie.synopsis == "A new synopsis."
    assert movie.slug == "harbour-lights"
    assert "updated 1 movies" in output


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["movies"][0].update(availability_end=future(0)),
            "movies[0] “Harbour Lights”: availability_end: The availability window must end",
        ),
        (
            lambda d: d["movies"][0].update(genres=[]),
            "movies[0] “Harbour Lights”: genres: list at least one genre",
        ),
        (
            lambda d: d["movies"][0].update(duration_minutes=0),
            "movies[0] “Harbour Lights”: duration_minutes:",
        ),
        (
            lambda d: d["movies"][0]["streams"][0].update(url="http://cdn.example.com/a.m3u8"),
            "movies[0] “Harbour Lights” streams[0]: url: The stream URL must be an https://",
        ),
        (
            lambda d: d["movies"][0]["streams"][0].update(url="https://cdn.example.com/a.mp4"),
            "movies[0] “Harbour Lights” streams[0]: url: The stream URL must point to an HLS",
        ),
        (
            lambda d: d["movies"][0]["captions"][1].update(language_code="xx"),
            "movies[0] “Harbour Lights” captions[1]: language_code:",
        ),
        (
            lambda d: d["movies"][0]["captions"][1].update(is_default=True),
            # The admin's words (catalog/publishing.py), found before any database work.
            "movies[0] “Harbour Lights”: captions: Only one default caption track is allowed; "
            "2 are marked.",
        ),
        (
            lambda d: d["movies"][1].update(title="harbour lights"),
            "movies[1]: title: 'harbour lights' repeats movies[0]",
        ),
        (
            lambda d: d["movies"][1].update(visibility="VISIBLE"),
            "movies[1] “Cold Orbit”: visibility: cannot be VISIBLE: The movie: no primary stream",
        ),
        (
            lambda d: d["movies"][0].update(availability_start="2020-01-01T00:00:00+00:00"),
            "movies[0] “Harbour Lights”: availability_start: A new title's availability window",
        ),
        (
            lambda d: d["series"][0]["seasons"][0]["episodes"][1].update(number=1),
            "series[0] “Night Shift” seasons[0] episodes[1]",
        ),
    ],
)
def test_it_rejects_bad_records_by_name_and_field_and_writes_nothing(
    tmp_path: Path, editor: Any, change: Any, expected: str
) -> None:
    document = copy.deepcopy(catalog_document())
    change(document)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    errors = io.StringIO()

    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import_catalog", str(path), "--by", "editor", stderr=errors, stdout=io.StringIO()
        )

    assert expected in errors.getvalue()
    assert Movie.objects.count() == 0
    assert Genre.objects.count() == 0
    assert StreamSource.objects.count() == 0


def test_it_admits_past_windows_only_with_the_explicit_flag(tmp_path: Path, editor: Any) -> None:
    document = catalog_document()
    document["movies"][0]["availability_start"] = "2024-01-01T00:00:00+00:00"

    run_import(tmp_path, document, "--allow-past-availability")

    assert Movie.objects.get(title="Harbour Lights").availability_start.year == 2024


def test_it_rolls_back_a_dry_run(tmp_path: Path, editor: Any) -> None:
    output = run_import(tmp_path, catalog_document(), "--dry-run")

    assert "Would import: created 2 genres, 2 movies, 1 series" in output
    assert Movie.objects.count() == 0


def test_it_names_invalid_json_and_unknown_users(tmp_path: Path, editor: Any) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"movies": [')
    with pytest.raises(CommandError, match="not valid JSON: line 1"):
        call_command("import_catalog", str(path), "--by", "editor")
    path.write_text("{}")
    with pytest.raises(CommandError, match="--by: no user named 'nobody'"):
        call_command("import_catalog", str(path), "--by", "nobody")


def test_it_round_trips_export_then_import(tmp_path: Path, editor: Any) -> None:
    run_import(tmp_path, catalog_document())
    exported = tmp_path / "export.json"
    call_command("export_catalog", "--output", str(exported), stderr=io.StringIO())
    first = json.loads(exported.read_text())
    assert exported.stat().st_mode & 0o077 == 0

    # Into an empty catalog: the same document comes back out.
    Movie.objects.all().delete()
    Series.objects.all().delete()
    Genre.objects.all().delete()
    run_import(tmp_path, first)
    call_command("export_catalog", "--output", str(exported), stderr=io.StringIO())

    assert json.loads(exported.read_text()) == first
    harbour = next(movie for movie in first["movies"] if movie["title"] == "Harbour Lights")
    assert harbour["streams"][0]["url"] == "https://cdn.example.com/harbour/master.m3u8"


def test_it_rotates_stream_keys_and_every_row_reads_back(settings: Any) -> None:
    old_key = settings.STREAM_URL_KEYS[0]
    movies = MovieFactory.create_batch(7)
    urls = {m.pk: m.video.stream_sources.get().stream_url for m in movies}
    new_key = Fernet.generate_key().decode()
    settings.STREAM_URL_KEYS = [new_key, old_key]

    output = io.StringIO()
    call_command("rotate_stream_keys", "--batch-size", "3", stdout=output, stderr=io.StringIO())

    assert "Re-encrypted 7 stream URL(s)" in output.getvalue()
    settings.STREAM_URL_KEYS = [new_key]  # the old key is gone: every row must still read
    for movie_id, url in urls.items():
        assert StreamSource.objects.get(video_id=movie_id).stream_url == url
    with connection.cursor() as cursor:
        cursor.execute("SELECT stream_url FROM catalog_streamsource")
        assert all("cdn.example.com" not in token for (token,) in cursor.fetchall())


def test_it_refuses_to_rotate_when_a_row_cannot_be_decrypted(settings: Any) -> None:
    MovieFactory()
    settings.STREAM_URL_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("rotate_stream_keys", stdout=io.StringIO(), stderr=io.StringIO())


def test_it_seeds_a_playable_demo_catalog(tmp_path: Path, settings: Any, editor: Any) -> None:
    settings.LOCAL_ORIGIN_ROOT = tmp_path / "origin"
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())

    assert Movie.objects.available().count() == 12
    assert Series.objects.available().get().seasons.count() == 2
    assert set(Movie.objects.values_list("maturity_rating", flat=True)) >= {0, 7, 13, 16, 18}
    movie = Movie.objects.get(slug="orbit-of-small-things")
    stream = movie.video.stream_sources.get(is_primary=True)
    assert stream.stream_url == "https://origin.portal.localhost/orbit-of-small-things/master.m3u8"
    folder = settings.LOCAL_ORIGIN_ROOT / "orbit-of-small-things"
    master = (folder / "master.m3u8").read_text()
    assert "RESOLUTION=426x240" in master
    assert "RESOLUTION=854x480" in master
    variant = (folder / "480p.m3u8").read_text()
    durations = [
        float(line[8:].rstrip(",")) for line in variant.splitlines() if line.startswith("#EXTINF:")
    ]
    assert sum(durations) == pytest.approx(movie.duration_minutes * 60, abs=1)
    assert variant.rstrip().endswith("#EXT-X-ENDLIST")
    assert "480p/seg000.ts" in variant  # inside the title's own folder
    segment = folder / "480p" / "seg000.ts"
    assert segment.read_bytes()[0] == 0x47  # an MPEG-TS sync byte: real video
    assert (folder / "es.vtt").read_text().startswith("WEBVTT")
    assert (
        CaptionTrack.objects.filter(video=movie.video, is_default=True).get().language_code == "en"
    )


def test_it_leaves_an_existing_catalog_alone_with_if_empty(settings: Any, tmp_path: Path) -> None:
    settings.LOCAL_ORIGIN_ROOT = tmp_path / "origin"
    MovieFactory(title="Already here")
    output = io.StringIO()

    call_command("seed_demo", "--if-empty", stdout=output)

    assert "was not loaded" in output.getvalue()
    assert Movie.objects.count() == 1
