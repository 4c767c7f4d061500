"""Media validation: HLS and caption checks, recorded verdicts, tasks, commands, admin, import.

The media is real: the demo's one-minute loop is encoded once by ffmpeg (cached under
.local/origin-test/_media), and playlists and captions are served by a local HTTPS server
(tests/media_server.py) that the fetcher trusts through MEDIA_FETCH_CA_BUNDLE. Hand-written
playlists repeat the loop's real segments, so every URL they name can be played.
"""

from __future__ import annotations

import base64
import html
import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from celery.exceptions import Retry
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog import demo_media, tasks
from catalog.importer import import_catalog
from catalog.media import caption_track_validate, stream_source_validate
from catalog.media_checks import Verdict, check_caption, check_stream
from catalog.models import (
    CaptionTrack,
    Movie,
    StreamSource,
    ValidationStatus,
    Visibility,
)
from streaming_portal.celery import app as celery_app
from tests.admin_forms import change_form, inline_rows, split_datetime
from tests.conftest import BASE_DIR, engine_environment
from tests.factories import (
    CaptionTrackFactory,
    EpisodeFactory,
    GenreFactory,
    MovieFactory,
    SeasonFactory,
    SeriesFactory,
    StreamSourceFactory,
)
from tests.media_server import Answer, MediaServer, media_server_fixture  # noqa: F401

M3U8 = "application/vnd.apple.mpegurl"
VTT = "text/vtt"
TTML_TYPE = "application/ttml+xml"
DEMO_SLUG = "media-validation-feature"  # a one-minute demo title, written once per session
MOVIE_ADD = reverse("admin:catalog_movie_add")
MOVIE_CHANGELIST = reverse("admin:catalog_movie_changelist")
SERIES_CHANGELIST = reverse("admin:catalog_series_changelist")


# --- Real media --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def origin_root() -> Path:
    """The tests' origin folder, with the encoded loop and one demo title in it."""
    root = Path(django_settings.LOCAL_ORIGIN_ROOT)
    demo_media.encode_loops(root)  # a few seconds the first time, then cached across runs
    demo_media.write_title_media(root, DEMO_SLUG, 1, ("en",))
    return root


class Hls:
    """Playlists around the loop's real segments, served by the test server."""

    def __init__(self, server: MediaServer, root: Path) -> None:
        self.server = server
        self.root = root
        server.mount("/_media/", root / "_media")
        server.mount("/feature/", root / DEMO_SLUG)

    @property
    def demo_master(self) -> str:
        """The demo's own master playlist: 240p and 480p variants, one minute each."""
        return self.server.url("/feature/master.m3u8")

    def encoder_playlist(self, tag: str = "240p") -> str:
        """The media playlist ffmpeg wrote for the loop (60 s, ten segments)."""
        return self.server.url(f"/_media/{tag}/index.m3u8")

    def segments(self, tag: str) -> list[tuple[str, str]]:
        lines = (self.root / "_media" / tag / "index.m3u8").read_text().splitlines()
        return [
            (line, f"/_media/{tag}/{lines[index + 1]}")
            for index, line in enumerate(lines)
            if line.startswith("#EXTINF")
        ]

    def media_playlist(
        self, seconds: int, *, tag: str = "240p", kind: str | None = "VOD", endlist: bool = True
    ) -> str:
        """A playlist of ``seconds`` (a multiple of the 6 s segments), looping the loop."""
        loop = self.segments(tag)
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{demo_media.SEGMENT_SECONDS}",
        ]
        if kind:
            lines.append(f"#EXT-X-PLAYLIST-TYPE:{kind}")
        for index in range(seconds // demo_media.SEGMENT_SECONDS):
            if index and index % len(loop) == 0:
                lines.append("#EXT-X-DISCONTINUITY")
            lines += loop[index % len(loop)]
        if endlist:
            lines.append("#EXT-X-ENDLIST")
        return "\n".join(lines) + "\n"

    def serve_media(self, path: str, seconds: int, **options: Any) -> str:
        return self.server.add(path, self.media_playlist(seconds, **options), content_type=M3U8)

    def serve_master(self, path: str, variants: list[tuple[str, str]]) -> str:
        """A master playlist listing ``(tag, uri)`` variants with the demo's attributes."""
        attributes = {
            tag: (width, height, bandwidth)
            for tag, width, height, _, bandwidth in demo_media.QUALITIES
        }
        lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
        for tag, uri in variants:
            width, height, bandwidth = attributes[tag]
            lines += [
                f"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION={width}x{height},"
                'CODECS="avc1.4d401e,mp4a.40.2"',
                uri,
            ]
        return self.server.add(path, "\n".join(lines) + "\n", content_type=M3U8)


@pytest.fixture
def hls(media_server: MediaServer, origin_root: Path) -> Hls:
    return Hls(media_server, origin_root)


def minutes(count: int) -> int:
    return count * 60


# --- HLS: valid streams ------------------------------------------------------------------------


def test_it_accepts_a_master_whose_variants_last_the_running_time(hls: Hls) -> None:
    verdict = check_stream(hls.demo_master, minutes(1))

    assert verdict.status == ValidationStatus.VALID
    assert verdict.message == "2 variants (426x240, 854x480), each 1:00 long as expected."


def test_it_reports_the_facts_of_each_variant(hls: Hls) -> None:
    verdict = check_stream(hls.demo_master, minutes(1))

    assert verdict.facts["variants"] == [
        {
            "uri": hls.server.url("/feature/240p.m3u8"),
            "resolution": "426x240",
            "bandwidth": 420_000,
            "seconds": 60.0,
            "segments": 10,
        },
        {
            "uri": hls.server.url("/feature/480p.m3u8"),
            "resolution": "854x480",
            "bandwidth": 1_050_000,
            "seconds": 60.0,
            "segments": 10,
        },
    ]


def test_it_accepts_a_media_playlist_on_its_own(hls: Hls) -> None:
    verdict = check_stream(hls.encoder_playlist(), minutes(1))

    assert verdict.status == ValidationStatus.VALID
    assert (verdict.facts["seconds"], verdict.facts["segments"]) == (60.0, 10)


def test_it_accepts_a_stream_30_seconds_shorter_than_the_title(hls: Hls) -> None:
    url = hls.serve_media("/short.m3u8", 90)

    verdict = check_stream(url, minutes(2))

    assert verdict.status == ValidationStatus.VALID
    assert verdict.message == "The playlist is 1:30 long as expected."


def test_it_accepts_one_percent_of_a_long_title_beyond_the_fixed_tolerance(hls: Hls) -> None:
    # 66 s short of two hours: more than the 60 s tolerance, less than 1 % (72 s).
    url = hls.serve_media("/long.m3u8", minutes(120) - 66)

    verdict = check_stream(url, minutes(120))

    assert verdict.status == ValidationStatus.VALID


# --- HLS: invalid streams ----------------------------------------------------------------------


def test_it_names_the_variant_and_both_lengths_when_the_stream_is_too_short(hls: Hls) -> None:
    verdict = check_stream(hls.demo_master, minutes(90))

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message == (
        "Variant 426x240 is 1:00 long, but the title says 1:30:00 (a difference of 1:29:00; "
        "up to 1:00 is accepted)."
    )
    assert (verdict.facts["seconds"], verdict.facts["expected_seconds"]) == (60.0, 5400)


def test_it_refuses_a_stream_just_past_the_tolerance(hls: Hls) -> None:
    url = hls.serve_media("/short.m3u8", 54)  # 66 s short of 2 minutes

    verdict = check_stream(url, minutes(2))

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message.startswith("The playlist is 0:54 long, but the title says 2:00")


def test_it_checks_every_variant_not_only_the_first(hls: Hls) -> None:
    url = hls.serve_master(
        "/mixed/master.m3u8",
        [
            ("240p", hls.encoder_playlist("240p")),
            ("480p", hls.serve_media("/mixed/480p.m3u8", 180)),
        ],
    )

    verdict = check_stream(url, minutes(1))

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message.startswith("Variant 854x480 is 3:00 long, but the title says 1:00")


@pytest.mark.parametrize(
    ("kind", "described"),
    [("EVENT", "EVENT"), (None, "no #EXT-X-PLAYLIST-TYPE")],
)
def test_it_refuses_a_live_playlist(hls: Hls, kind: str | None, described: str) -> None:
    url = hls.serve_media("/live.m3u8", 60, kind=kind, endlist=False)

    verdict = check_stream(url, minutes(1))

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message == (
        f"The playlist is a live playlist ({described}, no #EXT-X-ENDLIST); a title needs a "
        "complete video-on-demand playlist."
    )


def test_it_names_the_variant_that_is_live(hls: Hls) -> None:
    url = hls.serve_master(
        "/live/master.m3u8",
        [("240p", hls.serve_media("/live/240p.m3u8", 60, kind="EVENT", endlist=False))],
    )

    verdict = check_stream(url, minutes(1))

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message.startswith("Variant 426x240 is a live playlist (EVENT,")


def test_it_refuses_a_file_that_is_not_a_playlist(media_server: MediaServer) -> None:
    url = media_server.add("/master.m3u8", "<html>Not found</html>", content_type=M3U8)

    verdict = check_stream(url, minutes(1))

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message == (
        "The playlist is not an HLS playlist: it does not start with #EXTM3U."
    )


@pytest.mark.parametrize("duration", ["six", "", "6.0.0", "nan", "inf", "-6.0"])
def test_it_refuses_a_malformed_segment_duration(hls: Hls, duration: str) -> None:
    playlist = hls.media_playlist(60).replace("#EXTINF:6.000000,", f"#EXTINF:{duration},", 1)
    url = hls.server.add("/master.m3u8", playlist, content_type=M3U8)

    verdict = check_stream(url, minutes(1))

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message == (
        f"The playlist is not a valid HLS playlist: line 5: #EXTINF:{duration}, has a segment "
        "duration that is not a decimal number of seconds (RFC 8216 4.3.2.1)."
    )


def test_it_refuses_a_playlist_without_segments(media_server: MediaServer) -> None:
    url = media_server.add(
        "/empty.m3u8",
        "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-ENDLIST\n",
        content_type=M3U8,
    )

    verdict = check_stream(url, minutes(1))

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        "The playlist lists no segments.",
    )


@pytest.mark.parametrize(
    ("master", "why"),
    [
        # The variant tag is the last line.
        (
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=420000,RESOLUTION=426x240\n",
            "it ends the playlist",
        ),
        # The first variant tag has no URI; the next variant's must not be taken for it.
        (
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=420000,RESOLUTION=426x240\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=1050000,RESOLUTION=854x480\n/_media/480p/index.m3u8\n",
            "the next line is #EXT-X-STREAM-INF (line 3)",
        ),
    ],
    ids=["at-the-end", "before-another-variant"],
)
def test_it_refuses_a_variant_without_an_address(hls: Hls, master: str, why: str) -> None:
    url = hls.server.add("/master.m3u8", master, content_type=M3U8)

    verdict = check_stream(url, minutes(1))

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        "The playlist is not a valid HLS playlist: line 2: #EXT-X-STREAM-INF must be followed "
        f"by the URI of its media playlist, but {why} (RFC 8216 4.3.4.2).",
    )


def test_it_names_a_variant_that_is_not_found(hls: Hls) -> None:
    missing = hls.server.url("/gone/480p.m3u8")
    url = hls.serve_master(
        "/gone/master.m3u8", [("240p", hls.encoder_playlist("240p")), ("480p", missing)]
    )

    verdict = check_stream(url, minutes(1))

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        f"Variant 854x480: {missing} answered 404.",
    )


def test_it_refuses_a_master_served_as_a_web_page(hls: Hls) -> None:
    url = hls.server.add("/master.m3u8", hls.media_playlist(60), content_type="text/html")

    verdict = check_stream(url, minutes(1))

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        "The playlist is served as text/html, not as an HLS playlist "
        "(application/vnd.apple.mpegurl).",
    )


def test_it_refuses_a_variant_served_as_a_web_page(hls: Hls) -> None:
    variant = hls.server.add("/html/240p.m3u8", hls.media_playlist(60), content_type="text/html")
    url = hls.serve_master("/html/master.m3u8", [("240p", variant)])

    verdict = check_stream(url, minutes(1))

    assert verdict.status == ValidationStatus.INVALID
    assert "text/html" in verdict.message


def test_it_refuses_a_playlist_over_the_size_cap(hls: Hls, settings: Any) -> None:
    settings.MEDIA_FETCH_MAX_BYTES = 2_000
    url = hls.serve_media("/huge.m3u8", minutes(90))

    verdict = check_stream(url, minutes(90))

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message.startswith(f"The playlist: {url} is ")
    assert verdict.message.endswith("bytes, over the 2,000-byte limit.")


def test_it_refuses_a_variant_on_a_private_address_without_fetching_it(hls: Hls) -> None:
    metadata = "https://169.254.169.254/latest/meta-data/index.m3u8"
    url = hls.serve_master("/ssrf/master.m3u8", [("240p", metadata)])

    verdict = check_stream(url, minutes(1))

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message.startswith(
        "Variant 426x240: The host 169.254.169.254 resolves to a private or reserved address"
    )


# --- HLS: failures that may pass ---------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [Answer(status=503), Answer(status=502), Answer(reset=True), Answer(delay=5)],
    ids=["503", "502", "reset", "timeout"],
)
def test_it_calls_a_master_that_fails_for_now_unknown(
    hls: Hls, settings: Any, failure: Answer
) -> None:
    settings.MEDIA_FETCH_TIMEOUT_SECONDS = 0.3
    url = hls.server.add("/master.m3u8", failure)

    verdict = check_stream(url, minutes(1))

    assert verdict.status == ValidationStatus.UNKNOWN
    assert verdict.message.startswith(f"The playlist: {url} ")
    assert verdict.message.endswith(" Will try again.")


def test_it_calls_a_variant_that_fails_for_now_unknown(hls: Hls) -> None:
    variant = hls.server.add("/flaky/480p.m3u8", Answer(status=503))
    url = hls.serve_master(
        "/flaky/master.m3u8", [("240p", hls.encoder_playlist("240p")), ("480p", variant)]
    )

    verdict = check_stream(url, minutes(1))

    assert (verdict.status, verdict.message) == (
        ValidationStatus.UNKNOWN,
        f"Variant 854x480: {variant} answered 503. Will try again.",
    )


# --- Captions ----------------------------------------------------------------------------------

GOOD_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
The picture holds steady.

00:00:20.000 --> 00:00:24.500 align:start
Colours drift across the frame.
"""

TTML_NAMESPACE = "http://www.w3.org/ns/ttml"
GOOD_TTML = f"""<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="{TTML_NAMESPACE}" xml:lang="en">
  <body><div>
    <p begin="00:00:01.000" end="00:00:04.000">The picture holds steady.</p>
    <p begin="20s" end="24.5s">Colours drift across the frame.</p>
  </div></body>
</tt>
"""


def serve_caption(server: MediaServer, name: str, text: str) -> str:
    content_type = VTT if name.endswith(".vtt") else TTML_TYPE
    return server.add(f"/captions/{name}", text, content_type=content_type)


def caption_verdict(
    server: MediaServer, text: str, *, caption_format: str = "WEBVTT", seconds: int = 60
) -> Verdict:
    name = "en.vtt" if caption_format == "WEBVTT" else "en.ttml"
    return check_caption(serve_caption(server, name, text), caption_format, seconds)


def test_it_accepts_the_demo_webvtt_and_counts_its_cues(hls: Hls) -> None:
    verdict = check_caption(hls.server.url("/feature/en.vtt"), "WEBVTT", minutes(1))

    assert (verdict.status, verdict.message, verdict.facts) == (
        ValidationStatus.VALID,
        "WebVTT with 3 cues, all within the title.",
        {"cues": 3},
    )


def test_it_accepts_webvtt_with_cue_settings_and_a_header_text(
    media_server: MediaServer,
) -> None:
    verdict = caption_verdict(media_server, GOOD_VTT.replace("WEBVTT", "WEBVTT - English", 1))

    assert (verdict.status, verdict.facts) == (ValidationStatus.VALID, {"cues": 2})


@pytest.mark.parametrize("header", ["WEBVTTX", "WEBVTT-English", "webvtt"])
def test_it_refuses_a_webvtt_header_that_is_not_exactly_webvtt(
    media_server: MediaServer, header: str
) -> None:
    verdict = caption_verdict(media_server, GOOD_VTT.replace("WEBVTT", header, 1))

    assert verdict.status == ValidationStatus.INVALID
    assert "WEBVTT" in verdict.message


def test_it_refuses_webvtt_without_a_header(media_server: MediaServer) -> None:
    verdict = caption_verdict(media_server, GOOD_VTT.removeprefix("WEBVTT\n\n"))

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        "The file does not start with the WEBVTT header.",
    )


@pytest.mark.parametrize(
    "timing",
    [
        "00:00:01,000 --> 00:00:04,000",  # SubRip's comma
        "00:00:01.000 --> 00:00:61.000",
        "00:00:01 --> 00:00:04",
        "0:00:01.000 --> 0:00:04.000",  # hours need two digits
        "00:00:01.000 -> 00:00:04.000 -->",
    ],
)
def test_it_refuses_a_malformed_cue_timing(media_server: MediaServer, timing: str) -> None:
    text = GOOD_VTT.replace("00:00:01.000 --> 00:00:04.000", timing)

    verdict = caption_verdict(media_server, text)

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        f"Line 3 is not a well-formed cue timing: {timing!r}.",
    )


def test_it_refuses_a_cue_that_ends_before_it_starts(media_server: MediaServer) -> None:
    text = GOOD_VTT.replace("00:00:01.000 --> 00:00:04.000", "00:00:04.000 --> 00:00:01.000")

    verdict = caption_verdict(media_server, text)

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        "The cue on line 3 ends before it starts.",
    )


def test_it_refuses_a_cue_after_the_end_of_the_title(media_server: MediaServer) -> None:
    text = GOOD_VTT + "\n00:04:58.000 --> 00:05:00.000\nThe end.\n"

    verdict = caption_verdict(media_server, text, seconds=minutes(1))

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        "The cue on line 9 ends at 5:00, after the title's end (1:00).",
    )


def test_it_accepts_a_cue_within_the_tolerance_after_the_end(media_server: MediaServer) -> None:
    text = GOOD_VTT + "\n00:01:50.000 --> 00:02:00.000\nThe credits.\n"

    verdict = caption_verdict(media_server, text, seconds=minutes(1))

    assert verdict.status == ValidationStatus.VALID


def test_it_refuses_webvtt_without_cues(media_server: MediaServer) -> None:
    verdict = caption_verdict(media_server, "WEBVTT\n\nNOTE nothing here yet\n")

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        "The file has the WEBVTT header but no cues.",
    )


def test_it_accepts_ttml_and_counts_its_cues(media_server: MediaServer) -> None:
    verdict = caption_verdict(media_server, GOOD_TTML, caption_format="TTML")

    assert (verdict.status, verdict.message, verdict.facts) == (
        ValidationStatus.VALID,
        "TTML with 2 cues, all within the title.",
        {"cues": 2},
    )


@pytest.mark.parametrize(
    ("root", "tag"),
    [
        ('<tt xml:lang="en">', "tt"),
        ('<tt xmlns="http://www.w3.org/2006/10/ttaf1">', "{http://www.w3.org/2006/10/ttaf1}tt"),
        (f'<html xmlns="{TTML_NAMESPACE}">', f"{{{TTML_NAMESPACE}}}html"),
    ],
    ids=["no-namespace", "other-namespace", "other-root"],
)
def test_it_refuses_ttml_without_a_tt_root_in_the_ttml_namespace(
    media_server: MediaServer, root: str, tag: str
) -> None:
    text = GOOD_TTML.replace(f'<tt xmlns="{TTML_NAMESPACE}" xml:lang="en">', root).replace(
        "</tt>", "</html>" if root.startswith("<html") else "</tt>"
    )

    verdict = caption_verdict(media_server, text, caption_format="TTML")

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        f"The root element is {tag}, not tt in the TTML namespace ({TTML_NAMESPACE}).",
    )


BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE tt [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<tt xmlns="{TTML_NAMESPACE}"><body><div>
  <p begin="1s" end="2s">&lol9;</p>
</div></body></tt>
"""
EXTERNAL_ENTITY = f"""<?xml version="1.0"?>
<!DOCTYPE tt [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<tt xmlns="{TTML_NAMESPACE}"><body><div><p begin="1s" end="2s">&secret;</p></div></body></tt>
"""


@pytest.mark.parametrize(
    "text", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"]
)
def test_it_refuses_ttml_with_entity_declarations(media_server: MediaServer, text: str) -> None:
    verdict = caption_verdict(media_server, text, caption_format="TTML")

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        "The TTML file uses forbidden XML features (entities, DTDs).",
    )


def test_it_refuses_ttml_that_is_not_well_formed(media_server: MediaServer) -> None:
    verdict = caption_verdict(media_server, GOOD_TTML.replace("</tt>", ""), caption_format="TTML")

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message.startswith("The TTML file is not well-formed XML: ")


def test_it_refuses_a_ttml_cue_after_the_end_of_the_title(media_server: MediaServer) -> None:
    text = GOOD_TTML.replace('begin="20s" end="24.5s"', 'begin="00:04:58" end="00:05:00"')

    verdict = caption_verdict(media_server, text, caption_format="TTML", seconds=minutes(1))

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        "A cue ends at 5:00, after the title's end (1:00).",
    )


def test_it_refuses_ttml_served_for_a_webvtt_track(media_server: MediaServer) -> None:
    url = serve_caption(media_server, "en.vtt", GOOD_TTML)

    verdict = check_caption(url, "WEBVTT", minutes(1))

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        "The file does not start with the WEBVTT header. It looks like TTML (XML).",
    )


def test_it_refuses_webvtt_served_for_a_ttml_track(media_server: MediaServer) -> None:
    url = serve_caption(media_server, "en.ttml", GOOD_VTT)

    verdict = check_caption(url, "TTML", minutes(1))

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        "The file is WebVTT, but the track says TTML.",
    )


def test_it_calls_a_caption_server_error_unknown(media_server: MediaServer) -> None:
    url = media_server.add("/captions/en.vtt", Answer(status=503))

    verdict = check_caption(url, "WEBVTT", minutes(1))

    assert (verdict.status, verdict.message) == (
        ValidationStatus.UNKNOWN,
        f"The caption file: {url} answered 503. Will try again.",
    )


# --- Recording verdicts ------------------------------------------------------------------------


def movie_with_stream(url: str, *, duration_minutes: int = 1, **fields: Any) -> StreamSource:
    movie = MovieFactory.create(duration_minutes=duration_minutes, media=False, **fields)
    return StreamSourceFactory.create(  # type: ignore[no-any-return]
        video=movie.video, stream_url=url, validation_status=ValidationStatus.VALID
    )


@pytest.mark.django_db
def test_it_records_a_stream_verdict_with_its_reason_and_time(hls: Hls) -> None:
    stream = movie_with_stream(hls.demo_master, duration_minutes=90)
    before = timezone.now()

    verdict = stream_source_validate(stream_id=stream.pk)

    stream.refresh_from_db()
    assert verdict is not None
    assert stream.validation_status == ValidationStatus.INVALID
    assert stream.validation_message == verdict.message
    assert stream.validation_message.startswith("Variant 426x240 is 1:00 long")
    assert stream.last_validated_at is not None
    assert before <= stream.last_validated_at <= timezone.now()


@pytest.mark.django_db
def test_it_records_a_caption_verdict_with_its_reason_and_time(
    media_server: MediaServer,
) -> None:
    movie = MovieFactory.create(duration_minutes=1, media=False)
    url = serve_caption(media_server, "en.vtt", GOOD_VTT)
    caption = CaptionTrackFactory.create(
        video=movie.video, caption_url=url, validation_status=ValidationStatus.INVALID
    )

    caption_track_validate(caption_id=caption.pk)

    caption.refresh_from_db()
    assert (caption.validation_status, caption.validation_message) == (
        ValidationStatus.VALID,
        "WebVTT with 2 cues, all within the title.",
    )
    assert caption.last_validated_at is not None


@pytest.mark.django_db
def test_it_records_nothing_for_a_stream_deleted_before_its_check() -> None:
    stream = movie_with_stream("https://cdn.example.test/master.m3u8")
    stream_id = stream.pk
    stream.delete()

    assert stream_source_validate(stream_id=stream_id) is None


# --- Tasks -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_retries_an_unknown_verdict_until_the_retries_run_out(hls: Hls) -> None:
    url = hls.server.add("/master.m3u8", Answer(status=503))
    stream = movie_with_stream(url)

    result = tasks.validate_stream_source.apply(args=(str(stream.pk),))

    # Under apply() a retry runs again at once, eagerly: the first try and four retries.
    assert (result.state, result.result) == ("SUCCESS", ValidationStatus.UNKNOWN)
    assert hls.server.hits("/master.m3u8") == 1 + len(tasks.RETRY_DELAYS)
    stream.refresh_from_db()
    assert stream.validation_status == ValidationStatus.UNKNOWN


@pytest.mark.django_db
def test_it_records_the_verdict_of_the_retry_that_gets_an_answer(hls: Hls) -> None:
    url = hls.server.add(
        "/master.m3u8",
        Answer(status=503),
        Answer(status=503),
        Answer(body=hls.media_playlist(60).encode(), headers={"Content-Type": M3U8}),
    )
    stream = movie_with_stream(url)

    result = tasks.validate_stream_source.apply(args=(str(stream.pk),))

    assert result.result == ValidationStatus.VALID
    assert hls.server.hits("/master.m3u8") == 3
    stream.refresh_from_db()
    assert stream.validation_status == ValidationStatus.VALID


@pytest.mark.django_db
def test_it_does_not_retry_an_invalid_verdict(hls: Hls) -> None:
    url = hls.server.add("/master.m3u8", Answer(status=404))
    stream = movie_with_stream(url)

    result = tasks.validate_stream_source.apply(args=(str(stream.pk),))

    assert result.result == ValidationStatus.INVALID
    assert hls.server.hits("/master.m3u8") == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("retries", "countdown"), list(enumerate(tasks.RETRY_DELAYS)))
def test_it_backs_off_between_retries(hls: Hls, retries: int, countdown: int) -> None:
    stream = movie_with_stream(hls.server.add("/master.m3u8", Answer(status=503)))
    # Any: celery-types gives push_request the task's own signature, not the request's fields.
    task: Any = tasks.validate_stream_source
    # As a worker delivers it (not called directly), but eager so that retry() raises Retry
    # with its countdown instead of sending the retry to the broker.
    task.push_request(
        id="retry-test",
        args=[str(stream.pk)],
        kwargs={},
        retries=retries,
        is_eager=True,
        called_directly=False,
    )
    try:
        with pytest.raises(Retry) as raised:
            task.run(str(stream.pk))
    finally:
        task.pop_request()

    assert raised.value.when == countdown


@pytest.mark.django_db
def test_it_retries_an_unknown_caption_verdict(media_server: MediaServer) -> None:
    movie = MovieFactory.create(duration_minutes=1, media=False)
    url = media_server.add("/captions/en.vtt", Answer(status=503))
    caption = CaptionTrackFactory.create(video=movie.video, caption_url=url)

    result = tasks.validate_caption_track.apply(args=(str(caption.pk),))

    assert result.result == ValidationStatus.UNKNOWN
    assert media_server.hits("/captions/en.vtt") == 1 + len(tasks.RETRY_DELAYS)


# --- The editor's view, with a real worker -----------------------------------------------------


def add_movie_form(
    *, title: str, minutes: int, stream_url: str, caption_url: str
) -> dict[str, Any]:
    start = timezone.now() + timedelta(days=2)
    return {
        "title": title,
        "synopsis": "A lighthouse keeper's last winter.",
        "genres": [GenreFactory.create(name="Drama").pk],
        "poster_url": "https://img.example.com/keeper.jpg",
        "duration_minutes": str(minutes),
        "release_year": "2024",
        "maturity_rating": "13",
        **split_datetime("availability_start", start),
        **split_datetime("availability_end", start + timedelta(days=90)),
        **inline_rows(
            "stream_sources",
            [{"stream_url": stream_url, "quality_tag": "", "is_primary": "on"}],
        ),
        **inline_rows(
            "caption_tracks",
            [
                {
                    "language_code": "en",
                    "caption_url": caption_url,
                    "format": CaptionTrack.Format.WEBVTT,
                    "is_default": "on",
                }
            ],
        ),
        **inline_rows("markers", []),
        **inline_rows("trickplay", []),
    }


def wait_for_verdicts(movie: Movie, seconds: float) -> tuple[StreamSource, CaptionTrack]:
    deadline = time.monotonic() + seconds
    while True:
        stream = StreamSource.objects.get(video=movie.video)
        caption = CaptionTrack.objects.get(video=movie.video)
        checked = stream.last_validated_at and caption.last_validated_at
        if checked or time.monotonic() > deadline:
            return stream, caption
        time.sleep(0.2)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_shows_the_editor_both_verdicts_once_the_worker_checked_a_new_movie(
    hls: Hls,  # before the worker: it sets the environment the worker starts with
    celery_worker_process: subprocess.Popen[str],
    editor_client: Client,
) -> None:
    broken_vtt = GOOD_VTT.replace("WEBVTT", "WEBVTTX", 1)
    caption_url = serve_caption(hls.server, "keeper-en.vtt", broken_vtt)
    form = add_movie_form(
        title="The Keeper", minutes=90, stream_url=hls.demo_master, caption_url=caption_url
    )

    response = editor_client.post(MOVIE_ADD, form)

    assert response.status_code == 302, response.context and response.context["errors"]
    movie = Movie.objects.get(title="The Keeper")
    stream, caption = wait_for_verdicts(movie, seconds=30)
    assert (stream.validation_status, stream.validation_message) == (
        ValidationStatus.INVALID,
        "Variant 426x240 is 1:00 long, but the title says 1:30:00 (a difference of 1:29:00; "
        "up to 1:00 is accepted).",
    )
    assert (caption.validation_status, caption.validation_message) == (
        ValidationStatus.INVALID,
        "The first line must be exactly WEBVTT (optionally followed by text).",
    )
    page = editor_client.get(reverse("admin:catalog_movie_change", args=[movie.pk]))
    content = page.content.decode()
    assert html.escape(stream.validation_message) in content
    assert html.escape(caption.validation_message) in content


# --- Queued checks -----------------------------------------------------------------------------


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    """The real broker, its default queue emptied: what tests enqueue stays there."""
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


def stream_check(row: StreamSource) -> tuple[str, str]:
    return ("catalog.tasks.validate_stream_source", str(row.pk))


def caption_check(row: CaptionTrack) -> tuple[str, str]:
    return ("catalog.tasks.validate_caption_track", str(row.pk))


@pytest.fixture
def edited_movie(db: None) -> tuple[Movie, StreamSource, CaptionTrack]:
    movie = MovieFactory.create(media=False)
    stream = StreamSourceFactory.create(video=movie.video)
    caption = CaptionTrackFactory.create(video=movie.video)
    return movie, stream, caption


def test_it_queues_checks_for_the_media_of_a_movie_an_editor_adds(
    editor_client: Client, broker: redis.Redis, django_capture_on_commit_callbacks: Any
) -> None:
    form = add_movie_form(
        title="Arrival",
        minutes=116,
        stream_url="https://cdn.example.test/arrival/master.m3u8",
        caption_url="https://cdn.example.test/arrival/en.vtt",
    )

    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(MOVIE_ADD, form)

    movie = Movie.objects.get(title="Arrival")
    assert queued_checks(broker) == sorted(
        [
            stream_check(StreamSource.objects.get(video=movie.video)),
            caption_check(CaptionTrack.objects.get(video=movie.video)),
        ]
    )


def test_it_queues_no_check_when_an_editor_saves_media_with_the_same_urls(
    editor_client: Client,
    broker: redis.Redis,
    django_capture_on_commit_callbacks: Any,
    edited_movie: tuple[Movie, StreamSource, CaptionTrack],
) -> None:
    movie, stream, caption = edited_movie
    form = change_form(movie, stream, caption)
    form["stream_sources-0-quality_tag"] = "720p"  # a change, but not of the URL

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("admin:catalog_movie_change", args=[movie.pk]), form)

    assert response.status_code == 302
    assert StreamSource.objects.get(pk=stream.pk).quality_tag == "720p"
    assert queued_checks(broker) == []


def test_it_queues_a_check_for_the_caption_whose_url_an_editor_changed(
    editor_client: Client,
    broker: redis.Redis,
    django_capture_on_commit_callbacks: Any,
    edited_movie: tuple[Movie, StreamSource, CaptionTrack],
) -> None:
    movie, stream, caption = edited_movie
    form = change_form(movie, stream, caption)
    form["caption_tracks-0-caption_url"] = "https://cdn.example.test/new/en.vtt"

    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse("admin:catalog_movie_change", args=[movie.pk]), form)

    assert queued_checks(broker) == [caption_check(caption)]


def test_it_stops_showing_the_old_verdict_once_an_editor_changes_a_stream_url(
    editor_client: Client,
    edited_movie: tuple[Movie, StreamSource, CaptionTrack],
) -> None:
    # The verdict was about the old URL; until the new one is checked it is not known
    # (the importer resets it the same way).
    movie, stream, caption = edited_movie
    form = change_form(movie, stream, caption)
    form["stream_sources-0-stream_url"] = "https://cdn.example.test/new/master.m3u8"

    editor_client.post(reverse("admin:catalog_movie_change", args=[movie.pk]), form)

    stream.refresh_from_db()
    assert stream.stream_url == "https://cdn.example.test/new/master.m3u8"
    assert stream.validation_status == ValidationStatus.UNKNOWN


def test_it_queues_a_check_per_stream_and_caption_with_the_validate_now_action(
    editor_client: Client, broker: redis.Redis, django_capture_on_commit_callbacks: Any
) -> None:
    chosen = MovieFactory.create(media=False)
    streams = [
        StreamSourceFactory.create(video=chosen.video, quality_tag=tag, is_primary=primary)
        for tag, primary in (("1080p", True), ("720p", False))
    ]
    caption = CaptionTrackFactory.create(video=chosen.video)
    MovieFactory.create()  # not selected: its media stays unqueued

    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            MOVIE_CHANGELIST, {"action": "validate_now", "_selected_action": [chosen.pk]}
        )

    assert queued_checks(broker) == sorted(
        [stream_check(streams[0]), stream_check(streams[1]), caption_check(caption)]
    )


# --- The "needs attention" filter --------------------------------------------------------------


def listed_titles(client: Client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {str(title) for title in response.context["cl"].result_list}


def movie_with_media(
    title: str,
    *,
    primary: str = ValidationStatus.VALID,
    default_caption: str = ValidationStatus.VALID,
    others: str | None = None,
    visibility: str = Visibility.VISIBLE,
) -> Movie:
    """A movie whose primary stream and default caption have the given verdicts, plus a
    second stream and caption with ``others`` when given."""
    movie = MovieFactory.create(title=title, visibility=visibility, media=False)
    StreamSourceFactory.create(video=movie.video, validation_status=primary)
    CaptionTrackFactory.create(video=movie.video, validation_status=default_caption)
    if others is not None:
        StreamSourceFactory.create(
            video=movie.video, quality_tag="480p", is_primary=False, validation_status=others
        )
        CaptionTrackFactory.create(
            video=movie.video, language_code="fr", is_default=False, validation_status=others
        )
    return movie  # type: ignore[no-any-return]


def test_it_lists_visible_movies_whose_primary_stream_or_default_caption_is_not_valid(
    editor_client: Client,
) -> None:
    movie_with_media("Broken primary", primary=ValidationStatus.INVALID)
    movie_with_media(
        "Broken primary beside a valid stream",
        primary=ValidationStatus.INVALID,
        others=ValidationStatus.VALID,
    )
    movie_with_media("Unchecked caption", default_caption=ValidationStatus.UNKNOWN)
    movie_with_media(
        "Hidden and broken", primary=ValidationStatus.INVALID, visibility=Visibility.HIDDEN
    )
    movie_with_media("All valid")
    movie_with_media("Only a spare is broken", others=ValidationStatus.INVALID)

    listed = listed_titles(editor_client, f"{MOVIE_CHANGELIST}?media=attention")

    assert listed == {
        "Broken primary",
        "Broken primary beside a valid stream",
        "Unchecked caption",
    }


def test_it_lists_visible_series_with_an_episode_whose_primary_stream_is_not_valid(
    editor_client: Client,
) -> None:
    for title, visibility, status in (
        ("Broken episode", Visibility.VISIBLE, ValidationStatus.INVALID),
        ("Hidden broken episode", Visibility.HIDDEN, ValidationStatus.INVALID),
        ("All valid", Visibility.VISIBLE, ValidationStatus.VALID),
    ):
        series = SeriesFactory.create(title=title, visibility=visibility)
        season = SeasonFactory.create(series=series, number=1)
        EpisodeFactory.create(season=season, number=1)  # valid media
        broken = EpisodeFactory.create(season=season, number=2, media=False)
        StreamSourceFactory.create(video=broken.video, validation_status=status)
        CaptionTrackFactory.create(video=broken.video)

    listed = listed_titles(editor_client, f"{SERIES_CHANGELIST}?media=attention")

    assert listed == {"Broken episode"}


# --- validate_media ----------------------------------------------------------------------------


def run_validate_media(*args: str) -> tuple[str, int]:
    """The command's output and exit status (CommandError carries the status)."""
    output = io.StringIO()
    try:
        call_command("validate_media", *args, stdout=output, stderr=io.StringIO())
    except CommandError as error:
        output.write(f"\n{error}\n")
        return output.getvalue(), error.returncode
    return output.getvalue(), 0


@pytest.fixture
def checked_catalog(hls: Hls, db: None) -> dict[str, Any]:
    """A valid movie (stream and caption), and one whose stream is far too short."""
    fine = MovieFactory.create(title="Fine", slug="fine", duration_minutes=1, media=False)
    fine_stream = StreamSourceFactory.create(video=fine.video, stream_url=hls.demo_master)
    fine_caption = CaptionTrackFactory.create(
        video=fine.video, caption_url=hls.server.url("/feature/en.vtt")
    )
    short = MovieFactory.create(title="Short", slug="short", duration_minutes=90, media=False)
    short_stream = StreamSourceFactory.create(
        video=short.video, stream_url=hls.serve_media("/short/master.m3u8", 60)
    )
    return {
        "fine": fine_stream,
        "fine caption": fine_caption,
        "short": short_stream,
        "server": hls.server,
    }


def test_it_prints_a_summary_and_exits_1_when_something_is_invalid(
    checked_catalog: dict[str, Any],
) -> None:
    output, status = run_validate_media()

    assert status == 1
    lines = output.splitlines()
    assert (
        lines[lines.index("VALID     INVALID   UNKNOWN   ") + 1] == "2         1         0         "
    )
    short = checked_catalog["short"]
    assert f"  INVALID  stream {short.pk}: The playlist is 1:00 long" in output
    assert "1 item(s) are INVALID." in output


def test_it_exits_0_when_everything_is_valid(checked_catalog: dict[str, Any]) -> None:
    checked_catalog["short"].delete()

    output, status = run_validate_media()

    assert status == 0
    assert "Checked 2 item(s); all VALID." in output


def test_it_exits_2_when_something_could_not_be_checked(
    checked_catalog: dict[str, Any],
) -> None:
    checked_catalog["short"].delete()
    server = checked_catalog["server"]
    server.add("/feature/en.vtt", Answer(status=503))

    output, status = run_validate_media()

    assert status == 2
    assert "1 item(s) could not be checked (UNKNOWN)." in output


def test_it_records_each_verdict_from_the_command(checked_catalog: dict[str, Any]) -> None:
    run_validate_media()

    statuses = {
        name: type(row).objects.get(pk=row.pk).validation_status
        for name, row in checked_catalog.items()
        if name != "server"
    }
    assert statuses == {
        "fine": ValidationStatus.VALID,
        "fine caption": ValidationStatus.VALID,
        "short": ValidationStatus.INVALID,
    }


def test_it_checks_only_never_or_long_unchecked_media_with_stale(
    hls: Hls, db: None, settings: Any
) -> None:
    settings.MEDIA_REVALIDATE_AFTER_HOURS = 24
    now = timezone.now()
    ages = {"never": None, "old": now - timedelta(hours=25), "recent": now - timedelta(hours=1)}
    for name, checked_at in ages.items():
        stream = movie_with_stream(hls.serve_media(f"/{name}/master.m3u8", 60))
        StreamSource.objects.filter(pk=stream.pk).update(last_validated_at=checked_at)

    run_validate_media("--stale")

    checked = {name for name in ages if hls.server.hits(f"/{name}/master.m3u8")}
    assert checked == {"never", "old"}


def test_it_checks_only_the_named_title(checked_catalog: dict[str, Any]) -> None:
    _, status = run_validate_media("--title", "fine")

    assert status == 0
    server = checked_catalog["server"]
    assert server.hits("/feature/master.m3u8") == 1
    assert server.hits("/feature/en.vtt") == 1
    assert server.hits("/short/master.m3u8") == 0


def test_it_refuses_an_unknown_title_slug(db: None) -> None:
    output, status = run_validate_media("--title", "nope")

    assert status == 1
    assert "--title: no movie or series has the slug 'nope'." in output


def test_it_checks_nothing_on_a_dry_run(checked_catalog: dict[str, Any]) -> None:
    output, status = run_validate_media("--dry-run")

    assert (status, output.strip()) == (0, "Would check 3 item(s); nothing was checked.")
    assert checked_catalog["server"].requests == []
    assert not StreamSource.objects.filter(last_validated_at__isnull=False).exists()


# --- probe_media -------------------------------------------------------------------------------


def run_probe_media(*args: str) -> tuple[str, int | str | None]:
    output = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("probe_media", *args, stdout=output, stderr=io.StringIO())
    return output.getvalue(), exited.value.code


def test_it_probes_a_valid_stream_and_exits_0(hls: Hls) -> None:
    output, status = run_probe_media(hls.demo_master, "--duration-minutes", "1")

    assert status == 0
    assert output.startswith("VALID: 2 variants (426x240, 854x480)")
    assert "  variant 426x240       420000 b/s      60.000 s  10 segments  " in output


def test_it_probes_an_invalid_stream_and_exits_1(hls: Hls) -> None:
    output, status = run_probe_media(hls.demo_master, "--duration-minutes", "90")

    assert status == 1
    assert output.startswith("INVALID: Variant 426x240 is 1:00 long")


def test_it_probes_a_stream_that_cannot_be_checked_and_exits_2(hls: Hls) -> None:
    url = hls.server.add("/master.m3u8", Answer(status=503))

    output, status = run_probe_media(url, "--duration-minutes", "1")

    assert status == 2
    assert output.startswith(f"UNKNOWN: The playlist: {url} answered 503.")


def test_it_probes_a_caption_guessed_from_its_url(hls: Hls) -> None:
    output, status = run_probe_media(hls.server.url("/feature/en.vtt"))

    assert (status, output.splitlines()[0]) == (
        0,
        "VALID: WebVTT with 3 cues, all within the title.",
    )


def test_it_exits_with_the_verdict_status_as_a_process(hls: Hls) -> None:
    # The environment the media_server fixture set (CA bundle, allowed networks) reaches the
    # child through engine_environment(), as it reaches a worker.
    result = subprocess.run(  # noqa: S603 - our own manage.py with our own arguments
        [
            sys.executable,
            "manage.py",
            "probe_media",
            hls.demo_master,
            "--duration-minutes",
            "90",
        ],
        cwd=BASE_DIR,
        env=engine_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("INVALID: Variant 426x240 is 1:00 long")


# --- The importer ------------------------------------------------------------------------------


def future(days: int) -> str:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0).isoformat()


def catalog_document(*, caption_url: str = "https://cdn.example.test/harbour/en.vtt") -> Any:
    return {
        "version": 1,
        "genres": [{"name": "Drama"}],
        "movies": [
            {
                "title": "Harbour Lights",
                "synopsis": "A ferry captain's last crossing.",
                "genres": ["Drama"],
                "maturity_rating": "7+",
                "duration_minutes": 90,
                "release_year": 2024,
                "poster_url": "",
                "availability_start": future(1),
                "availability_end": future(60),
                "visibility": "HIDDEN",
                "streams": [
                    {
                        "url": "https://cdn.example.test/harbour/master.m3u8",
                        "quality_tag": None,
                        "is_primary": True,
                    }
                ],
                "captions": [
                    {
                        "language_code": "en",
                        "url": caption_url,
                        "format": "WEBVTT",
                        "is_default": True,
                    },
                    {
                        "language_code": "de",
                        "url": "https://cdn.example.test/harbour/de.ttml",
                        "format": "TTML",
                        "is_default": False,
                    },
                ],
            }
        ],
    }


@pytest.mark.django_db
def test_it_queues_a_check_for_every_imported_stream_and_caption(
    broker: redis.Redis, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        import_catalog(catalog_document(), by=None)

    assert queued_checks(broker) == sorted(
        [stream_check(row) for row in StreamSource.objects.all()]
        + [caption_check(row) for row in CaptionTrack.objects.all()]
    )
    assert len(queued_checks(broker)) == 3


@pytest.mark.django_db
def test_it_queues_nothing_when_the_same_file_is_imported_again(
    broker: redis.Redis, django_capture_on_commit_callbacks: Any
) -> None:
    import_catalog(catalog_document(), by=None)

    with django_capture_on_commit_callbacks(execute=True):
        import_catalog(catalog_document(), by=None)

    assert queued_checks(broker) == []


@pytest.mark.django_db
def test_it_queues_a_check_only_for_the_caption_whose_url_changed(
    broker: redis.Redis, django_capture_on_commit_callbacks: Any
) -> None:
    import_catalog(catalog_document(), by=None)
    CaptionTrack.objects.update(validation_status=ValidationStatus.VALID)

    with django_capture_on_commit_callbacks(execute=True):
        import_catalog(
            catalog_document(caption_url="https://cdn.example.test/harbour/en-v2.vtt"), by=None
        )

    english = CaptionTrack.objects.get(language_code="en")
    assert queued_checks(broker) == [caption_check(english)]
    assert english.validation_status == ValidationStatus.UNKNOWN


@pytest.mark.django_db
def test_it_queues_nothing_on_a_dry_run_import(
    broker: redis.Redis, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_catalog(catalog_document(), by=None, dry_run=True)

    assert callbacks == []
    assert queued_checks(broker) == []
