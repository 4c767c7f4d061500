"""Trickplay: thumbnails generated from a real stream, editors' own tracks checked, the
outcome recorded and shown in the admin.

The stream is the demo's real one-minute encode (cached under .local/origin-test/_media), in
a title folder of the tests' origin; ffmpeg is the one the demo encodes with.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from catalog import demo_media, tasks, trickplay
from catalog.models import Movie, TrickplayStatus, TrickplayTrack
from catalog.trickplay_checks import check_trickplay, image_size
from tests.admin_forms import change_form, inline_rows
from tests.factories import MovieFactory, StreamSourceFactory, TrickplayTrackFactory
from tests.media_server import MediaServer, media_server_fixture  # noqa: F401

SLUG = "trickplay-feature"  # one minute of the demo loop
XYWH = re.compile(r"^(sprite-\d+\.jpg)#xywh=(\d+),(\d+),(\d+),(\d+)$")


@pytest.fixture(scope="session")
def origin_root() -> Path:
    root = Path(django_settings.LOCAL_ORIGIN_ROOT)
    demo_media.encode_loops(root)
    demo_media.write_title_media(root, SLUG, 1, ())
    shutil.rmtree(root / SLUG / "thumbs", ignore_errors=True)
    return root


def movie_on_origin(slug: str, minutes: int = 1) -> Movie:
    movie: Movie = MovieFactory.create(media=False, duration_minutes=minutes)
    StreamSourceFactory(video=movie.video, stream_url=demo_media.origin_url(f"{slug}/master.m3u8"))
    return movie


def cues(vtt: str) -> list[tuple[str, str]]:
    lines = vtt.splitlines()
    return [(line, lines[i + 1]) for i, line in enumerate(lines) if "-->" in line]


# --- Generation ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_generates_a_cue_per_ten_seconds_inside_the_sprite(origin_root: Path) -> None:
    movie = movie_on_origin(SLUG)

    outcome = trickplay.trickplay_generate(video_id=movie.pk)

    assert outcome == trickplay.Outcome(TrickplayStatus.READY, "Generated 6 thumbnails.")
    folder = origin_root / SLUG / "thumbs"
    found = cues((folder / "thumbs.vtt").read_text())
    assert [timing for timing, _ in found] == [
        "00:00:00.000 --> 00:00:10.000",
        "00:00:10.000 --> 00:00:20.000",
        "00:00:20.000 --> 00:00:30.000",
        "00:00:30.000 --> 00:00:40.000",
        "00:00:40.000 --> 00:00:50.000",
        "00:00:50.000 --> 00:01:00.000",
    ]
    width, height = image_size((folder / "sprite-0.jpg").read_bytes()) or (0, 0)
    assert (width, height) == (1600, 900)  # 10 x 10 tiles of 160 x 90 (a 16:9 stream)
    for _, payload in found:
        match = XYWH.match(payload)
        assert match is not None, payload
        x, y, w, h = (int(match[n]) for n in range(2, 6))
        assert (match[1], w, h) == ("sprite-0.jpg", 160, 90)
        assert x + w <= width
        assert y + h <= height
    track = TrickplayTrack.objects.get(video=movie.video)
    assert track.status == TrickplayStatus.READY
    assert track.trickplay_url == demo_media.origin_url(f"{SLUG}/thumbs/thumbs.vtt")


@pytest.mark.django_db
def test_it_records_failed_with_ffmpegs_reason_for_a_broken_stream(origin_root: Path) -> None:
    folder = origin_root / "trickplay-broken"
    folder.mkdir(exist_ok=True)
    (folder / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nlow.m3u8\n")
    (folder / "low.m3u8").write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.0,\nbad.ts\n#EXT-X-ENDLIST\n"
    )
    (folder / "bad.ts").write_bytes(b"not a transport stream" * 100)
    movie = movie_on_origin("trickplay-broken")

    outcome = trickplay.trickplay_generate(video_id=movie.pk)

    assert outcome is not None
    assert outcome.status == TrickplayStatus.FAILED
    assert outcome.message.startswith(("ffmpeg: ", "ffmpeg wrote no thumbnails"))
    track = TrickplayTrack.objects.get(video=movie.video)
    assert (track.status, track.status_message, track.trickplay_url) == (
        TrickplayStatus.FAILED,
        outcome.message,
        "",
    )


@pytest.mark.django_db
def test_it_refuses_to_generate_for_a_stream_outside_the_local_origin() -> None:
    movie = MovieFactory.create()  # its stream is on cdn.example.com

    outcome = trickplay.trickplay_generate(video_id=movie.pk)

    assert outcome == trickplay.Outcome(
        TrickplayStatus.FAILED,
        "Thumbnails can only be generated for a stream in the local origin; give the URL of a "
        "thumbnails track instead.",
    )


@pytest.mark.django_db
def test_the_task_generates_when_the_track_has_no_url(origin_root: Path) -> None:
    movie = movie_on_origin(SLUG)
    trickplay.trickplay_request(video_ids=[movie.pk])
    assert TrickplayTrack.objects.get(video=movie.video).status == TrickplayStatus.PENDING

    assert tasks.build_trickplay.apply(args=(str(movie.pk),)).get() == TrickplayStatus.READY


# --- An editor's own track ----------------------------------------------------------------------


@pytest.fixture
def sprite_jpeg(origin_root: Path, tmp_path: Path) -> bytes:
    """A real 1600x900 sprite sheet from the demo loop."""
    target = tmp_path / "thumbs"
    trickplay.generate_sprites(playlist=origin_root / SLUG / "240p.m3u8", target=target)
    return (target / "sprite-0.jpg").read_bytes()


def served_track(server: MediaServer, vtt: str, sprite: bytes) -> str:
    server.add("/t/sprite.jpg", sprite, content_type="image/jpeg")
    return server.add("/t/thumbs.vtt", vtt, content_type="text/vtt")


GOOD_VTT = (
    "WEBVTT\n\n00:00:00.000 --> 00:00:10.000\nsprite.jpg#xywh=0,0,160,90\n\n"
    "00:00:10.000 --> 00:00:20.000\nsprite.jpg#xywh=160,0,160,90\n"
)


@pytest.mark.django_db
def test_it_accepts_a_track_whose_regions_are_inside_the_sprite(
    media_server: MediaServer, sprite_jpeg: bytes
) -> None:
    verdict = check_trickplay(served_track(media_server, GOOD_VTT, sprite_jpeg), 60)

    assert (verdict.status, verdict.message) == (
        "VALID",
        "Thumbnails track with 2 cues in 1 sprites, all within the title.",
    )


@pytest.mark.parametrize(
    ("vtt", "message"),
    [
        ("<tt/>", "The first line must be exactly WEBVTT (optionally followed by text)."),
        ("WEBVTT\n", "The file has the WEBVTT header but no cues."),
        (
            "WEBVTT\n\n00:00:00.000 --> 00:00:10.000\nsprite.jpg\n",
            "The cue on line 3 must name an image region such as sprite.jpg#xywh=0,0,160,90, "
            "not 'sprite.jpg'.",
        ),
        (
            "WEBVTT\n\n00:00:00.000 --> 00:05:00.000\nsprite.jpg#xywh=0,0,160,90\n",
            "The cue on line 3 ends at 5:00, after the title's end (1:00).",
        ),
        (
            "WEBVTT\n\n00:00:00.000 --> 00:00:10.000\nsprite.jpg#xywh=1500,0,160,90\n",
            "The cue at 0:00 names 1500,0,160,90, outside its sprite 'sprite.jpg' (1600x900).",
        ),
        (
            "WEBVTT\n\n0:0 --> 00:00:10.000\nsprite.jpg#xywh=0,0,160,90\n",
            "Line 3 is not a well-formed cue timing: '0:0 --> 00:00:10.000'.",
        ),
    ],
)
@pytest.mark.django_db
def test_it_refuses_a_broken_track_with_a_message(
    media_server: MediaServer, sprite_jpeg: bytes, vtt: str, message: str
) -> None:
    verdict = check_trickplay(served_track(media_server, vtt, sprite_jpeg), 60)

    assert (verdict.status, verdict.message) == ("INVALID", message)


@pytest.mark.django_db
def test_it_refuses_a_sprite_that_is_not_an_image(media_server: MediaServer) -> None:
    verdict = check_trickplay(served_track(media_server, GOOD_VTT, b"<html>"), 60)

    assert verdict.message == "The sprite 'sprite.jpg' is not a JPEG or PNG image."


@pytest.mark.django_db
def test_the_task_checks_an_editors_track_and_records_failed(media_server: MediaServer) -> None:
    movie = MovieFactory.create(duration_minutes=1)
    url = served_track(media_server, "WEBVTT\n", b"")
    TrickplayTrackFactory(video=movie.video, trickplay_url=url)

    assert tasks.build_trickplay.apply(args=(str(movie.pk),)).get() == TrickplayStatus.FAILED
    track = TrickplayTrack.objects.get(video=movie.video)
    assert track.status_message == "The file has the WEBVTT header but no cues."


# --- Admin ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_shows_a_failed_generation_with_its_reason(editor_client: Client) -> None:
    movie = MovieFactory.create()
    TrickplayTrackFactory(
        video=movie.video, status=TrickplayStatus.FAILED, status_message="ffmpeg: no frames"
    )

    page = editor_client.get(reverse("admin:catalog_movie_change", args=[movie.pk]))
    listing = editor_client.get(reverse("admin:catalog_trickplaytrack_changelist"))

    assert page.status_code == listing.status_code == 200
    for body in (page.content.decode(), listing.content.decode()):
        assert 'title="ffmpeg: no frames"' in body
        assert ">Failed</span>" in body


@pytest.mark.django_db
def test_the_admin_refuses_a_trickplay_url_that_is_not_https_vtt() -> None:
    from django.core.exceptions import ValidationError  # noqa: PLC0415

    track = TrickplayTrack(
        video=MovieFactory.create().video, trickplay_url="https://cdn.example.com/t.jpg"
    )

    with pytest.raises(ValidationError) as error:
        track.full_clean()

    assert error.value.message_dict == {
        "trickplay_url": ["The trickplay URL must be an https:// .vtt file."]
    }


# --- The command ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_builds_one_video_and_says_so(origin_root: Path) -> None:
    movie = movie_on_origin(SLUG)
    out, err = io.StringIO(), io.StringIO()

    call_command("trickplay_generate", str(movie.pk), stdout=out, stderr=err)

    assert out.getvalue().strip() == "Built thumbnails for 1 video(s)."
    assert "Thumbnails" in err.getvalue()  # the progress bar
    assert TrickplayTrack.objects.get(video=movie.video).status == TrickplayStatus.READY


@pytest.mark.django_db
def test_the_command_exits_1_naming_the_failure(origin_root: Path) -> None:
    movie = movie_on_origin("no-such-folder")  # in the local origin, but nothing is there

    with pytest.raises(CommandError) as error:
        call_command("trickplay_generate", "--all", stdout=io.StringIO(), stderr=io.StringIO())

    assert error.value.returncode == 1
    assert str(error.value) == "1 of 1 thumbnail build(s) failed."
    assert TrickplayTrack.objects.get(video=movie.video).status == TrickplayStatus.FAILED


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_video() -> None:
    with pytest.raises(CommandError, match="No movie or episode has the id"):
        call_command("trickplay_generate", "00000000-0000-0000-0000-000000000000")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_what_the_admin_action_asks_for(
    origin_root: Path, celery_worker_process: subprocess.Popen[str], editor_client: Client
) -> None:
    movie = movie_on_origin(SLUG)

    response = editor_client.post(
        reverse("admin:catalog_movie_changelist"),
        {"action": "generate_thumbnails", "_selected_action": [str(movie.pk)]},
        follow=True,
    )

    assert f"“{movie.title}”: 1 thumbnail build queued." in response.content.decode()
    deadline = time.monotonic() + 60
    track = TrickplayTrack.objects.get(video=movie.video)
    while track.status == TrickplayStatus.PENDING and time.monotonic() < deadline:
        time.sleep(0.2)
        track.refresh_from_db()
    assert (track.status, track.status_message) == (
        TrickplayStatus.READY,
        "Generated 6 thumbnails.",
    )
    page = editor_client.get(reverse("admin:catalog_movie_change", args=[movie.pk]))
    assert ">Ready</span>" in page.content.decode()


@pytest.mark.django_db
def test_an_editors_own_url_saved_in_the_inline_is_queued_for_a_check(
    editor_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    movie = MovieFactory.create()
    stream, caption = movie.video.stream_sources.get(), movie.video.caption_tracks.get()
    url = "https://cdn.example.com/kelp/thumbs.vtt"
    form = change_form(movie, stream, caption) | inline_rows(
        "trickplay", [{"video": str(movie.pk), "trickplay_url": url}]
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = editor_client.post(reverse("admin:catalog_movie_change", args=[movie.pk]), form)

    assert response.status_code == 302, response.context and response.context["errors"]
    track = TrickplayTrack.objects.get(video=movie.video)
    assert (track.trickplay_url, track.status) == (url, TrickplayStatus.PENDING)
    assert len(callbacks) >= 1  # the build is sent once the save commits


@pytest.mark.django_db
def test_the_inline_refuses_a_url_that_is_not_a_vtt(editor_client: Client) -> None:
    movie = MovieFactory.create()
    stream, caption = movie.video.stream_sources.get(), movie.video.caption_tracks.get()
    form = change_form(movie, stream, caption) | inline_rows(
        "trickplay",
        [{"video": str(movie.pk), "trickplay_url": "https://cdn.example.com/thumbs.jpg"}],
    )

    response = editor_client.post(reverse("admin:catalog_movie_change", args=[movie.pk]), form)

    assert response.status_code == 200
    assert "The trickplay URL must be an https:// .vtt file." in response.content.decode()
    assert not TrickplayTrack.objects.filter(video=movie.video).exists()


# --- The demo -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_queues_thumbnails_for_every_demo_video_once(
    origin_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    output = io.StringIO()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("seed_demo", stdout=output)

    videos = 12 + 7  # the movies and the series' episodes
    assert TrickplayTrack.objects.filter(status=TrickplayStatus.PENDING).count() == videos
    assert f"seek-bar thumbnails queued for {videos} video(s)" in output.getvalue()
    sends = [callback.__qualname__ for callback in callbacks]
    assert sends.count("trickplay_request.<locals>.send") == 1  # once the import commits

    # Run again: built or queued thumbnails are not queued twice; a failed build is.
    TrickplayTrack.objects.filter(pk=TrickplayTrack.objects.first().pk).update(  # type: ignore[union-attr]
        status=TrickplayStatus.FAILED
    )
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "seek-bar thumbnails queued for 1 video(s)" in again.getvalue()
    call_command("seed_demo", "--no-thumbnails", stdout=(quiet := io.StringIO()))
    assert "seek-bar thumbnails queued for 0 video(s)" in quiet.getvalue()
