"""Alternative renditions (issue #16): audio languages, audio description and subtitles named
by a master playlist's #EXT-X-MEDIA tags, checked like the variants and listed in the admin.

The media is real: the demo writes a one-minute title with a second (French) audio rendition,
served by the local HTTPS media server; hand-written masters around its files make the
broken cases. The edge test plays the same files through the portal's own edge.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.text import slugify
from pytest_django import Settings

from catalog import demo, demo_media
from catalog.hls import check_playlist
from catalog.media import media_urls_changed, stream_source_validate
from catalog.media_checks import check_stream, renditions_summary
from catalog.models import StreamSource, ValidationStatus
from tests.edges import DjangoEdge
from tests.factories import MovieFactory, StreamSourceFactory
from tests.media_server import MediaServer, media_server_fixture  # noqa: F401

M3U8 = "application/vnd.apple.mpegurl"
SLUG = "audio-renditions-feature"  # a one-minute demo title with French audio
VARIANT = (
    '#EXT-X-STREAM-INF:BANDWIDTH=420000,RESOLUTION=426x240,CODECS="avc1.4d401e,mp4a.40.2"'
    ',AUDIO="aud"{subtitles}\n240p.m3u8\n'
)
ENGLISH = '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="en",NAME="English",DEFAULT=YES\n'
FRENCH = (
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="fr",NAME="Français",AUTOSELECT=YES,'
    'URI="{uri}"\n'
)
DESCRIBED = (
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="en",NAME="English (AD)",AUTOSELECT=YES,'
    'CHARACTERISTICS="public.accessibility.describes-video",URI="audio-fr/index.m3u8"\n'
)
SUBTITLES = (
    '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",DEFAULT=YES,'
    'URI="{uri}"\n'
)


@pytest.fixture(scope="session")
def title_root() -> Path:
    root = Path(django_settings.LOCAL_ORIGIN_ROOT)
    demo_media.encode_loops(root)  # a few seconds the first time, then cached across runs
    demo_media.write_title_media(root, SLUG, 1, ("en",), ("fr", "Français"))
    return root / SLUG


@pytest.fixture
def server(media_server: MediaServer, title_root: Path) -> MediaServer:
    media_server.mount("/title/", title_root)
    return media_server


def master(server: MediaServer, *renditions: str, subtitles: bool = False, name: str = "m") -> str:
    """A master around the demo title's files: one variant, the given #EXT-X-MEDIA lines."""
    variant = VARIANT.format(subtitles=',SUBTITLES="subs"' if subtitles else "")
    text = "#EXTM3U\n#EXT-X-VERSION:3\n" + "".join(renditions) + variant
    return server.add(f"/title/{name}.m3u8", text, content_type=M3U8)


def subtitle_playlist(server: MediaServer, seconds: int) -> str:
    text = (
        f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{seconds}\n"
        f"#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:{seconds}.0,\nen.vtt\n#EXT-X-ENDLIST\n"
    )
    return server.add(f"/title/subs-{seconds}.m3u8", text, content_type=M3U8)


# --- The parser -------------------------------------------------------------------------------


def test_the_parser_keeps_every_attribute_an_editor_reads() -> None:
    text = "#EXTM3U\n" + ENGLISH + DESCRIBED + VARIANT.format(subtitles="")

    english, described = check_playlist(text).renditions

    assert (english.language, english.default, english.autoselect) == ("en", True, True)
    assert english.uri is None
    assert (described.name, described.default, described.autoselect) == (
        "English (AD)",
        False,
        True,
    )
    assert described.characteristics == ("public.accessibility.describes-video",)
    assert described.uri == "audio-fr/index.m3u8"


# --- The demo title ---------------------------------------------------------------------------


def test_the_demo_master_names_a_french_audio_group_that_the_variants_use(
    title_root: Path,
) -> None:
    text = (title_root / "master.m3u8").read_text()

    assert (
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="fr",NAME="Français",DEFAULT=NO,'
        'AUTOSELECT=YES,URI="audio-fr/index.m3u8"'
    ) in text
    assert text.count('AUDIO="aud"') == len(demo_media.QUALITIES)
    audio = (title_root / "audio-fr" / "index.m3u8").read_text()
    assert audio.endswith("#EXT-X-ENDLIST\n")
    assert "seg000.ts" in audio
    assert (title_root / "audio-fr" / "seg000.ts").stat().st_size > 0


def test_the_demo_build_gives_one_movie_a_french_audio_rendition() -> None:
    root = Path(django_settings.LOCAL_ORIGIN_ROOT)

    document = demo.build_demo(root)

    masters = {
        movie["title"]: (root / slugify(movie["title"]) / "master.m3u8").read_text()
        for movie in document["movies"]
    }
    dubbed = [title for title, text in masters.items() if 'NAME="Français"' in text]
    assert dubbed == ["Nine Hours in Lisbon"]
    assert 'AUDIO="aud"' not in masters["Pancake Parade"]
    lisbon = root / "nine-hours-in-lisbon" / "audio-fr" / "index.m3u8"
    minutes = next(movie.minutes for movie in demo.MOVIES if movie.title == "Nine Hours in Lisbon")
    discontinuities = lisbon.read_text().count("#EXT-X-DISCONTINUITY")
    assert discontinuities == minutes - 1  # one per one-minute loop after the first


def test_the_demo_title_with_two_languages_is_valid_and_lists_them(
    server: MediaServer, title_root: Path
) -> None:
    verdict = check_stream(server.url("/title/master.m3u8"), 60)

    assert verdict.status == ValidationStatus.VALID, verdict.message
    assert verdict.message == (
        "2 variants (426x240, 854x480), each 1:00 long as expected. "
        "Audio: English (default), Français."
    )
    assert "problems" not in verdict.facts
    assert "warnings" not in verdict.facts
    english, french = verdict.facts["renditions"]
    assert english == {
        "type": "AUDIO",
        "group": "aud",
        "name": "English",
        "language": "en",
        "default": True,
        "autoselect": True,
        "characteristics": [],
        "uri": None,
    }
    assert french == {
        "type": "AUDIO",
        "group": "aud",
        "name": "Français",
        "language": "fr",
        "default": False,
        "autoselect": True,
        "characteristics": [],
        "uri": server.url("/title/audio-fr/index.m3u8"),
        "seconds": pytest.approx(60, abs=0.1),
        "segments": (title_root / "audio-fr" / "index.m3u8").read_text().count("#EXTINF"),
    }


# --- The validator ----------------------------------------------------------------------------


def test_it_follows_audio_and_subtitle_renditions(server: MediaServer) -> None:
    url = master(
        server,
        ENGLISH,
        FRENCH.format(uri="audio-fr/index.m3u8"),
        SUBTITLES.format(uri=subtitle_playlist(server, 60)),
        subtitles=True,
    )

    verdict = check_stream(url, 60)

    assert verdict.status == ValidationStatus.VALID, verdict.message
    assert verdict.message.endswith(
        "Audio: English (default), Français; Subtitles: English (default)."
    )
    assert "/title/subs-60.m3u8" in server.requests
    assert "/title/audio-fr/index.m3u8" in server.requests


def test_it_names_an_audio_rendition_whose_playlist_is_not_found(server: MediaServer) -> None:
    url = master(server, ENGLISH, FRENCH.format(uri="audio-de/index.m3u8"))

    verdict = check_stream(url, 60)

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message.startswith("The audio rendition Français: ")
    assert "404" in verdict.message
    assert [r["name"] for r in verdict.facts["renditions"]] == ["English", "Français"]


def test_it_names_a_subtitle_rendition_whose_playlist_is_not_found(server: MediaServer) -> None:
    url = master(server, ENGLISH, SUBTITLES.format(uri="missing.m3u8"), subtitles=True)

    verdict = check_stream(url, 60)

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message.startswith("The subtitles rendition English: ")


def three_minutes(server: MediaServer, *renditions: str) -> str:
    """A master whose one variant plays the 240p loop three times (past the 60 s tolerance
    of a one-minute rendition), with the given #EXT-X-MEDIA lines."""
    lines = Path(django_settings.LOCAL_ORIGIN_ROOT, SLUG, "240p.m3u8").read_text().splitlines()
    body = [line for line in lines if line.startswith(("#EXTINF", "240p/"))]
    head = [line for line in lines if line.startswith("#EXT") and line not in body]
    head = [line for line in head if line != "#EXT-X-ENDLIST"]
    loops = [*body, "#EXT-X-DISCONTINUITY", *body, "#EXT-X-DISCONTINUITY", *body]
    variant = "\n".join([*head, *loops, "#EXT-X-ENDLIST"]) + "\n"
    server.add("/title/three-minutes.m3u8", variant, content_type=M3U8)
    text = (
        "#EXTM3U\n#EXT-X-VERSION:3\n"
        + "".join(renditions)
        + '#EXT-X-STREAM-INF:BANDWIDTH=420000,RESOLUTION=426x240,AUDIO="aud",SUBTITLES="subs"\n'
        "three-minutes.m3u8\n"
    )
    return server.add("/title/three-minutes-master.m3u8", text, content_type=M3U8)


def test_it_refuses_an_audio_rendition_shorter_than_the_title(server: MediaServer) -> None:
    url = three_minutes(
        server,
        ENGLISH,
        FRENCH.format(uri="audio-fr/index.m3u8"),
        SUBTITLES.format(uri=subtitle_playlist(server, 180)),
    )

    verdict = check_stream(url, 180)

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message.startswith("The audio rendition Français is 1:00 long, but the title ")
    assert [r["name"] for r in verdict.facts["renditions"]] == ["English", "Français"]
    assert verdict.facts["variants"][0]["seconds"] == pytest.approx(180, abs=0.3)


def test_it_refuses_a_subtitle_rendition_shorter_than_the_title(server: MediaServer) -> None:
    url = three_minutes(server, ENGLISH, SUBTITLES.format(uri=subtitle_playlist(server, 60)))

    verdict = check_stream(url, 180)

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message.startswith("The subtitles rendition English is 1:00 long")


def test_it_shows_an_audio_description_rendition_as_such(server: MediaServer) -> None:
    url = master(server, ENGLISH, FRENCH.format(uri="audio-fr/index.m3u8"), DESCRIBED)

    verdict = check_stream(url, 60)

    assert verdict.status == ValidationStatus.VALID, verdict.message
    assert verdict.facts["renditions"][2]["characteristics"] == [
        "public.accessibility.describes-video"
    ]
    assert verdict.message.endswith(
        "Audio: English (default), Français, English (AD) — audio description."
    )


@pytest.mark.parametrize(
    "rendition",
    [
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Français",LANGUAGE=fr,URI="audio-fr/index.m3u8"\n',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="X",CHARACTERISTICS=,URI="a.m3u8"\n',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="X",DEFAULT=MAYBE,URI="a.m3u8"\n',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="\x00\xff",URI="\x7f"\n',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="X",URI="http://[::1/a.m3u8"\n',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="X",CHARACTERISTICS=",,,",URI=""\n',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="X" "Y",URI="a.m3u8"\n',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="X",URI="a.m3u8",URI="b.m3u8"\n',
    ],
)
def test_junk_attributes_give_a_verdict_never_an_exception(
    server: MediaServer, rendition: str
) -> None:
    verdict = check_stream(master(server, ENGLISH, rendition), 60)

    assert verdict.status in {ValidationStatus.INVALID, ValidationStatus.VALID}
    assert verdict.message
    renditions_summary(verdict.facts.get("renditions", []))  # reads whatever was found


def test_the_summary_reads_facts_from_an_older_check() -> None:
    old: list[dict[str, Any]] = [{"type": "AUDIO"}, {"name": "Deutsch"}, {}]

    assert renditions_summary(old) == "Audio: unnamed; : Deutsch, unnamed"


def test_probe_media_prints_each_rendition(server: MediaServer) -> None:
    output = io.StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "probe_media",
            server.url("/title/master.m3u8"),
            "--duration-minutes",
            "1",
            stdout=output,
        )

    assert exit_info.value.code == 0
    lines = output.getvalue().splitlines()
    assert "  audio     English              en    (in the variants)" in lines
    assert any(
        line.startswith("  audio     Français             fr    60.")
        and line.endswith("/title/audio-fr/index.m3u8")
        for line in lines
    ), lines


# --- Recording and the admin ------------------------------------------------------------------


@pytest.mark.django_db
def test_it_records_the_renditions_on_the_stream(server: MediaServer) -> None:
    movie = MovieFactory.create(duration_minutes=1, media=False)
    stream = StreamSourceFactory.create(
        video=movie.video, stream_url=server.url("/title/master.m3u8")
    )

    stream_source_validate(stream_id=stream.pk)

    stream.refresh_from_db()
    assert stream.validation_status == ValidationStatus.VALID
    assert [(r["name"], r["language"]) for r in stream.validation_renditions] == [
        ("English", "en"),
        ("Français", "fr"),
    ]


@pytest.mark.django_db
def test_the_admin_lists_the_renditions_beside_the_streams_verdict(editor_client: Client) -> None:
    movie = MovieFactory.create(media=False)
    StreamSourceFactory.create(
        video=movie.video,
        is_primary=True,
        validation_status=ValidationStatus.VALID,
        validation_renditions=[
            {"type": "AUDIO", "name": "English", "language": "en", "default": True},
            {"type": "AUDIO", "name": "Français", "language": "fr"},
            {
                "type": "AUDIO",
                "name": "English",
                "language": "en",
                "characteristics": ["public.accessibility.describes-video"],
            },
            {"type": "SUBTITLES", "name": "<b>Español</b>", "language": "es"},
        ],
    )

    response = editor_client.get(reverse("admin:catalog_movie_change", args=[movie.pk]))

    assert response.status_code == 200
    assert (
        '<small class="portal-renditions">Audio: English (default), Français, '
        "English — audio description; Subtitles: &lt;b&gt;Español&lt;/b&gt;</small>"
    ) in response.content.decode()


@pytest.mark.django_db
def test_a_changed_stream_url_forgets_the_renditions() -> None:
    movie = MovieFactory.create(media=False)
    stream = StreamSourceFactory.create(
        video=movie.video, validation_renditions=[{"type": "AUDIO", "name": "X"}]
    )

    media_urls_changed(stream_ids=[stream.pk])

    assert StreamSource.objects.get(pk=stream.pk).validation_renditions == []


# --- The edge ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("fast_passwords")
def test_the_edge_serves_the_french_audio_playlist_and_segments(
    viewer: Client, title_root: Path, settings: Settings
) -> None:
    settings.STREAM_SIGNING_KEYS = ["t1:tests-only-stream-signing-secret"]
    movie = MovieFactory.create(duration_minutes=1, media=False)
    StreamSourceFactory.create(
        video=movie.video,
        is_primary=True,
        stream_url=f"{settings.LOCAL_ORIGIN_URL}{SLUG}/master.m3u8",
    )
    response = viewer.post(
        reverse("playback:start", args=[movie.pk]), "{}", content_type="application/json"
    )
    assert response.status_code == 201, response.content
    session_id = str(response.json()["session_id"])
    edge = DjangoEdge()

    playlist = edge.get(viewer, session_id, "audio-fr/index.m3u8")
    segment = edge.get(viewer, session_id, "audio-fr/seg000.ts")

    assert (playlist.status, playlist.content_type) == (200, M3U8)
    assert playlist.body == (title_root / "audio-fr" / "index.m3u8").read_bytes()
    assert (segment.status, segment.content_type) == (200, "video/mp2t")
    assert segment.body == (title_root / "audio-fr" / "seg000.ts").read_bytes()
