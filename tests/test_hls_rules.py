"""The RFC 8216 playlist rules (the catalog.hls package), rule by rule, and through check_stream.

Every rule is tested on a real playlist broken in exactly one way: the ffmpeg playlists
below are what the hls muxer of the demo's ffmpeg (imageio-ffmpeg) wrote, copied as they
are (the first one is the demo loop's own playlist); the Apple ones follow the shape of
Apple's advanced example stream (fMP4, byte ranges, rendition groups, I-frame playlists).
Untouched, each passes with no problem at all; broken, each names the line it breaks. The
end-to-end tests serve playlists around the demo loop's real segments from the local HTTPS
media server, and ffmpeg itself writes the playlists of the last few.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import given
from hypothesis import strategies as st

from catalog import demo_media
from catalog.hls import (
    ERROR,
    KNOWN_TAGS,
    MASTER,
    MEDIA,
    WARNING,
    Problem,
    Report,
    check_playlist,
    identification,
    variant_consistency,
)
from catalog.media_checks import check_stream
from catalog.models import ValidationStatus
from tests.media_server import MediaServer, media_server_fixture  # noqa: F401
from tests.test_media_validation import M3U8, Hls

# --- Real playlists ----------------------------------------------------------------------------

# ffmpeg -f hls -hls_time 6 -hls_playlist_type vod: the demo loop's 240p playlist.
FFMPEG_VOD = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:6
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXTINF:6.000000,
seg000.ts
#EXTINF:6.000000,
seg001.ts
#EXTINF:6.000000,
seg002.ts
#EXTINF:6.000000,
seg003.ts
#EXTINF:6.000000,
seg004.ts
#EXTINF:6.000000,
seg005.ts
#EXTINF:6.000000,
seg006.ts
#EXTINF:6.000000,
seg007.ts
#EXTINF:6.000000,
seg008.ts
#EXTINF:6.000000,
seg009.ts
#EXT-X-ENDLIST
"""

# ... -hls_segment_type fmp4
FFMPEG_FMP4 = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="init.mp4"
#EXTINF:2.000000,
index0.m4s
#EXTINF:2.000000,
index1.m4s
#EXTINF:2.000000,
index2.m4s
#EXTINF:2.000000,
index3.m4s
#EXT-X-ENDLIST
"""

# ... -hls_flags single_file: byte ranges of one file.
FFMPEG_BYTERANGE = """#EXTM3U
#EXT-X-VERSION:4
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXTINF:2.000000,
#EXT-X-BYTERANGE:80840@0
index.ts
#EXTINF:2.000000,
#EXT-X-BYTERANGE:91744@80840
index.ts
#EXTINF:2.000000,
#EXT-X-BYTERANGE:85352@172584
index.ts
#EXTINF:2.000000,
#EXT-X-BYTERANGE:92684@257936
index.ts
#EXT-X-ENDLIST
"""

# ... -hls_key_info_file: AES-128.
FFMPEG_AES = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-KEY:METHOD=AES-128,URI="k.key",IV=0x00112233445566778899aabbccddeeff
#EXTINF:2.000000,
index0.ts
#EXTINF:2.000000,
index1.ts
#EXTINF:2.000000,
index2.ts
#EXTINF:2.000000,
index3.ts
#EXT-X-ENDLIST
"""

# ... -hls_flags program_date_time+independent_segments
FFMPEG_DATED = """#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-INDEPENDENT-SEGMENTS
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-01T22:38:22.903+0000
index0.ts
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-01T22:38:24.903+0000
index1.ts
#EXT-X-ENDLIST
"""

# ... -master_pl_name master.m3u8 -var_stream_map "v:0,agroup:aud v:1,agroup:aud a:0,...".
FFMPEG_MASTER = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_aud",NAME="audio_2",DEFAULT=YES,LANGUAGE="en",\
CHANNELS="1",URI="stream_English.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=361712,AVERAGE-BANDWIDTH=331068,RESOLUTION=320x180,\
CODECS="avc1.64000d,mp4a.40.2",AUDIO="group_aud"
stream_0.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=670783,AVERAGE-BANDWIDTH=595020,RESOLUTION=320x180,\
CODECS="avc1.640014,mp4a.40.2",AUDIO="group_aud"
stream_1.m3u8

"""

# catalog/demo.py's master playlist.
DEMO_MASTER = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-STREAM-INF:BANDWIDTH=420000,RESOLUTION=426x240,CODECS="avc1.4d401e,mp4a.40.2"
240p.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=1050000,RESOLUTION=854x480,CODECS="avc1.4d401e,mp4a.40.2"
480p.m3u8
"""


def demo_variant(loops: int) -> str:
    """catalog/demo.py's variant playlist: the loop's segments, a discontinuity between loops."""
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-TARGETDURATION:6",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    for loop in range(loops):
        if loop:
            lines.append("#EXT-X-DISCONTINUITY")
        for number in range(10):
            lines += ["#EXTINF:6.000000,", f"240p/seg{number:03d}.ts"]
    return "\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n"


DEMO_VARIANT = demo_variant(2)

# Apple's advanced example stream (HTTP Live Streaming examples, fMP4): its master playlist.
APPLE_MASTER = """#EXTM3U
#EXT-X-VERSION:6
#EXT-X-INDEPENDENT-SEGMENTS

#EXT-X-STREAM-INF:AVERAGE-BANDWIDTH=2168183,BANDWIDTH=2177116,CODECS="avc1.640020,mp4a.40.2",\
RESOLUTION=960x540,FRAME-RATE=60.000,CLOSED-CAPTIONS="cc1",AUDIO="aud1",SUBTITLES="sub1"
v5/prog_index.m3u8
#EXT-X-STREAM-INF:AVERAGE-BANDWIDTH=7968416,BANDWIDTH=8001098,CODECS="avc1.64002a,mp4a.40.2",\
RESOLUTION=1920x1080,FRAME-RATE=60.000,CLOSED-CAPTIONS="cc1",AUDIO="aud1",SUBTITLES="sub1"
v9/prog_index.m3u8
#EXT-X-STREAM-INF:AVERAGE-BANDWIDTH=6170000,BANDWIDTH=6312875,CODECS="avc1.64002a,ac-3",\
RESOLUTION=1920x1080,FRAME-RATE=60.000,CLOSED-CAPTIONS="cc1",AUDIO="aud2",SUBTITLES="sub1"
v8/prog_index.m3u8

#EXT-X-I-FRAME-STREAM-INF:AVERAGE-BANDWIDTH=186522,BANDWIDTH=187492,CODECS="avc1.640020",\
RESOLUTION=960x540,URI="v5/iframe_index.m3u8"
#EXT-X-I-FRAME-STREAM-INF:AVERAGE-BANDWIDTH=525597,BANDWIDTH=557819,CODECS="avc1.64002a",\
RESOLUTION=1920x1080,URI="v9/iframe_index.m3u8"

#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud1",LANGUAGE="en",NAME="English",AUTOSELECT=YES,DEFAULT=YES,\
CHANNELS="2",URI="a1/prog_index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud2",LANGUAGE="en",NAME="English",AUTOSELECT=YES,DEFAULT=YES,\
CHANNELS="6",URI="a2/prog_index.m3u8"
#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc1",LANGUAGE="en",NAME="English",AUTOSELECT=YES,\
DEFAULT=YES,INSTREAM-ID="CC1"
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="sub1",LANGUAGE="en",NAME="English",AUTOSELECT=YES,\
DEFAULT=YES,FORCED=NO,URI="s1/en/prog_index.m3u8"
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="sub1",LANGUAGE="fr",NAME="Français",AUTOSELECT=YES,\
DEFAULT=NO,FORCED=NO,URI="s1/fr/prog_index.m3u8"
"""

# ... and a variant's media playlist: byte ranges of one fMP4 file, a tab after each title.
APPLE_FMP4 = """#EXTM3U
#EXT-X-TARGETDURATION:6
#EXT-X-VERSION:7
#EXT-X-MEDIA-SEQUENCE:1
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="main.mp4",BYTERANGE="723@0"
#EXTINF:6.00000,\t
#EXT-X-BYTERANGE:1229447@723
main.mp4
#EXTINF:6.00000,\t
#EXT-X-BYTERANGE:1312734@1230170
main.mp4
#EXTINF:6.00000,\t
#EXT-X-BYTERANGE:1298316@2542904
main.mp4
#EXT-X-ENDLIST
"""

# ... and a subtitles rendition's: WebVTT segments.
APPLE_SUBTITLES = """#EXTM3U
#EXT-X-TARGETDURATION:6
#EXT-X-VERSION:3
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXTINF:6.00000,
fileSequence0.webvtt
#EXTINF:6.00000,
fileSequence1.webvtt
#EXTINF:6.00000,
fileSequence2.webvtt
#EXT-X-ENDLIST
"""

REAL = {
    "ffmpeg-vod": FFMPEG_VOD,
    "ffmpeg-fmp4": FFMPEG_FMP4,
    "ffmpeg-byterange": FFMPEG_BYTERANGE,
    "ffmpeg-aes": FFMPEG_AES,
    "ffmpeg-dated": FFMPEG_DATED,
    "ffmpeg-master": FFMPEG_MASTER,
    "demo-master": DEMO_MASTER,
    "demo-variant": DEMO_VARIANT,
    "apple-master": APPLE_MASTER,
    "apple-fmp4": APPLE_FMP4,
    "apple-subtitles": APPLE_SUBTITLES,
}


def broken(playlist: str, *edits: tuple[str, str]) -> str:
    """The playlist with each ``(old, new)`` edit made where ``old`` occurs (exactly once)."""
    for old, new in edits:
        assert playlist.count(old) == 1, f"{old!r} must occur once in the playlist"
        playlist = playlist.replace(old, new)
    return playlist


def shown(problems: list[Problem]) -> list[str]:
    return [str(problem) for problem in problems]


# --- The real playlists pass -------------------------------------------------------------------


@pytest.mark.parametrize("playlist", REAL.values(), ids=REAL.keys())
def test_a_real_playlist_has_no_problem(playlist: str) -> None:
    report = check_playlist(playlist.encode())

    assert shown(report.problems) == []


@pytest.mark.parametrize("playlist", REAL.values(), ids=REAL.keys())
def test_a_real_playlist_with_crlf_line_endings_has_no_problem(playlist: str) -> None:
    report = check_playlist(playlist.replace("\n", "\r\n").encode())

    assert shown(report.problems) == []


def test_it_tells_master_from_media_playlists_and_reads_what_the_check_needs() -> None:
    master, media = check_playlist(APPLE_MASTER), check_playlist(DEMO_VARIANT)

    assert (master.kind, media.kind) == (MASTER, MEDIA)
    assert [stream.uri for stream in master.streams] == [
        "v5/prog_index.m3u8",
        "v9/prog_index.m3u8",
        "v8/prog_index.m3u8",
    ]
    assert master.streams[0].attributes["RESOLUTION"] == "960x540"
    assert [(r.type, r.group, r.name, r.uri) for r in master.renditions][-1] == (
        "SUBTITLES",
        "sub1",
        "Français",
        "s1/fr/prog_index.m3u8",
    )
    assert (media.version, media.target_duration, media.playlist_type) == (3, 6, "VOD")
    assert (media.endlist, media.discontinuities, len(media.durations)) == (True, 1, 20)
    assert sum(media.durations) == 120.0


@pytest.mark.parametrize(
    "edits",
    [
        [("#EXTINF:6.000000,\nseg003.ts", "#EXTINF:6.499,\nseg003.ts")],  # rounds to 6
        [("#EXT-X-TARGETDURATION:6", "#EXT-X-TARGETDURATION:7")],
        [("#EXT-X-PLAYLIST-TYPE:VOD\n", "")],  # optional
        [("#EXT-X-MEDIA-SEQUENCE:0\n", "")],  # optional
        [("#EXT-X-ENDLIST\n", ""), ("#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-PLAYLIST-TYPE:EVENT")],
        [("#EXTINF:6.000000,\nseg003.ts", "# a comment\n\n#EXTINF:6.000000,\nseg003.ts")],
        [("#EXT-X-ENDLIST", "#EXT-X-UNKNOWN-TAG:ignored\n#EXT-X-ENDLIST")],  # clients ignore
    ],
    ids=["rounded-down", "longer-target", "no-type", "no-sequence", "event", "comment", "unknown"],
)
def test_it_accepts_what_rfc_8216_allows(edits: list[tuple[str, str]]) -> None:
    assert shown(check_playlist(broken(FFMPEG_VOD, *edits)).problems) == []


def test_it_accepts_a_byte_range_that_continues_the_previous_one() -> None:
    playlist = broken(FFMPEG_BYTERANGE, ("BYTERANGE:91744@80840", "BYTERANGE:91744"))

    assert shown(check_playlist(playlist).problems) == []


# --- Each rule, on a real playlist broken in exactly that way ----------------------------------

V3 = "the playlist declares #EXT-X-VERSION:3 (line 2)"
RULES = [
    # RFC 8216 4.1: UTF-8 text without a BOM or control characters, in lines.
    pytest.param(
        FFMPEG_VOD,
        [("#EXTM3U\n", "#EXTM3U8\n")],
        None,
        ["line 1: the first line is #EXTM3U8, but it must be #EXTM3U (RFC 8216 4.3.1.1)"],
        id="first-line-not-extm3u",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXTM3U\n", "\n#EXTM3U\n")],
        None,
        ["line 1: the first line is blank, but it must be #EXTM3U (RFC 8216 4.3.1.1)"],
        id="first-line-blank",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("seg003.ts", "seg\x00003.ts")],
        None,
        [
            "line 13: the line holds the control character U+0000; a playlist must not "
            "(RFC 8216 4.1)"
        ],
        id="control-character",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("seg003.ts", "seg\r003.ts")],
        None,
        [
            "line 13: the line holds a carriage return (U+000D) that does not end the line; a "
            "playlist must not (RFC 8216 4.1)"
        ],
        id="lone-carriage-return",
    ),
    # RFC 8216 4.3.2.1: every segment has an #EXTINF with a decimal duration.
    pytest.param(
        FFMPEG_VOD,
        [("#EXTINF:6.000000,\nseg003.ts", "seg003.ts")],
        None,
        [
            "line 12: the segment seg003.ts has no #EXTINF before it; every segment needs one "
            "(RFC 8216 4.3.2.1)"
        ],
        id="uri-without-extinf",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXTINF:6.000000,\nseg003.ts", "#extinf:6.000000,\nseg003.ts")],
        None,
        [
            "line 13: the segment seg003.ts has no #EXTINF before it; every segment needs one "
            "(RFC 8216 4.3.2.1)"
        ],
        id="lower-case-extinf-is-a-comment",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("seg003.ts\n", "")],
        None,
        [
            "line 12: #EXTINF:6.000000, is not followed by its segment's URI (line 13 is the "
            "next #EXTINF) (RFC 8216 4.3.2.1)"
        ],
        id="extinf-without-uri",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("seg009.ts\n", "")],
        None,
        ["line 24: #EXTINF:6.000000, is not followed by its segment's URI (RFC 8216 4.3.2.1)"],
        id="last-extinf-without-uri",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXTINF:6.000000,\nseg003.ts", "#EXTINF:6s,\nseg003.ts")],
        None,
        [
            "line 12: #EXTINF:6s, has a segment duration that is not a decimal number of "
            "seconds (RFC 8216 4.3.2.1)"
        ],
        id="extinf-not-decimal",
    ),
    # RFC 8216 4.3.3.1: the target duration, once, a decimal integer, and no segment longer.
    pytest.param(
        FFMPEG_VOD,
        [("#EXTINF:6.000000,\nseg003.ts", "#EXTINF:6.500000,\nseg003.ts")],
        None,
        ["line 12: #EXTINF:6.500000 is longer than #EXT-X-TARGETDURATION:6 (RFC 8216 4.3.3.1)"],
        id="extinf-longer-than-target",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-TARGETDURATION:6\n", "")],
        None,
        ["the media playlist has no #EXT-X-TARGETDURATION, which it must have (RFC 8216 4.3.3.1)"],
        id="no-target-duration",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-TARGETDURATION:6", "#EXT-X-TARGETDURATION:6.0")],
        None,
        [
            "line 3: #EXT-X-TARGETDURATION:6.0 is not a whole number of seconds (a decimal "
            "integer) (RFC 8216 4.3.3.1)"
        ],
        id="target-duration-not-integer",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-ENDLIST", "#EXT-X-TARGETDURATION:6\n#EXT-X-ENDLIST")],
        None,
        [
            "line 26: #EXT-X-TARGETDURATION appears again (first on line 3); a playlist may "
            "have it only once (RFC 8216 4.3.3)"
        ],
        id="target-duration-twice",
    ),
    # Tags a playlist has at most once.
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-PLAYLIST-TYPE:VOD\n", "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-VERSION:3\n")],
        None,
        [
            "line 6: #EXT-X-VERSION appears again (first on line 2); a playlist may have it "
            "only once (RFC 8216 4.3.1.2)"
        ],
        id="version-twice",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-MEDIA-SEQUENCE:0\n", "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-MEDIA-SEQUENCE:0\n")],
        None,
        [
            "line 5: #EXT-X-MEDIA-SEQUENCE appears again (first on line 4); a playlist may "
            "have it only once (RFC 8216 4.3.3)"
        ],
        id="media-sequence-twice",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-PLAYLIST-TYPE:VOD\n", "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-PLAYLIST-TYPE:VOD\n")],
        None,
        [
            "line 6: #EXT-X-PLAYLIST-TYPE appears again (first on line 5); a playlist may have "
            "it only once (RFC 8216 4.3.3)"
        ],
        id="playlist-type-twice",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-ENDLIST\n", "#EXT-X-ENDLIST\n#EXT-X-ENDLIST\n")],
        None,
        [
            "line 27: #EXT-X-ENDLIST appears again (first on line 26); a playlist may have it "
            "only once (RFC 8216 4.3.3)"
        ],
        id="endlist-twice",
    ),
    pytest.param(
        FFMPEG_DATED,
        [("#EXT-X-INDEPENDENT-SEGMENTS\n", "#EXT-X-INDEPENDENT-SEGMENTS\n" * 2)],
        None,
        [
            "line 7: #EXT-X-INDEPENDENT-SEGMENTS appears again (first on line 6); a playlist "
            "may have it only once (RFC 8216 4.3.5)"
        ],
        id="independent-segments-twice",
    ),
    # EXT-X-VERSION: a decimal integer, high enough for what the playlist uses (section 7).
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-VERSION:3", "#EXT-X-VERSION:three")],
        None,
        [
            "line 2: #EXT-X-VERSION:three is not a protocol version (a decimal integer) "
            "(RFC 8216 4.3.1.2)"
        ],
        id="version-not-integer",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-VERSION:3\n", "")],
        None,
        [
            "line 5: a floating-point duration (#EXTINF:6.000000) needs #EXT-X-VERSION:3 or "
            "higher, but the playlist has no #EXT-X-VERSION (version 1) (RFC 8216 7)"
        ],
        id="float-extinf-without-version",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-VERSION:3", "#EXT-X-VERSION:2")],
        None,
        [
            "line 6: a floating-point duration (#EXTINF:6.000000) needs #EXT-X-VERSION:3 or "
            "higher, but the playlist declares #EXT-X-VERSION:2 (line 2) (RFC 8216 7)"
        ],
        id="float-extinf-version-2",
    ),
    pytest.param(
        FFMPEG_BYTERANGE,
        [("#EXT-X-VERSION:4", "#EXT-X-VERSION:3")],
        None,
        [f"line 7: #EXT-X-BYTERANGE needs #EXT-X-VERSION:4 or higher, but {V3} (RFC 8216 7)"],
        id="byterange-version-3",
    ),
    pytest.param(
        FFMPEG_FMP4,
        [("#EXT-X-VERSION:7", "#EXT-X-VERSION:5")],
        None,
        [
            "line 6: #EXT-X-MAP needs #EXT-X-VERSION:6 or higher, but the playlist declares "
            "#EXT-X-VERSION:5 (line 2) (RFC 8216 7)"
        ],
        id="map-version-5",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-PLAYLIST-TYPE:VOD\n", "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-I-FRAMES-ONLY\n")],
        None,
        [f"line 6: #EXT-X-I-FRAMES-ONLY needs #EXT-X-VERSION:4 or higher, but {V3} (RFC 8216 7)"],
        id="i-frames-only-version-3",
    ),
    pytest.param(
        FFMPEG_AES,
        [("#EXT-X-VERSION:3", "#EXT-X-VERSION:1")],
        None,
        [
            "line 6: the IV attribute of #EXT-X-KEY needs #EXT-X-VERSION:2 or higher, but the "
            "playlist declares #EXT-X-VERSION:1 (line 2) (RFC 8216 7)",
            "line 7: a floating-point duration (#EXTINF:2.000000) needs #EXT-X-VERSION:3 or "
            "higher, but the playlist declares #EXT-X-VERSION:1 (line 2) (RFC 8216 7)",
        ],
        id="iv-version-1",
    ),
    pytest.param(
        FFMPEG_AES,
        [('URI="k.key"', 'URI="k.key",KEYFORMAT="identity"')],
        None,
        [
            "line 6: the KEYFORMAT attribute of #EXT-X-KEY needs #EXT-X-VERSION:5 or higher, "
            f"but {V3} (RFC 8216 7)"
        ],
        id="keyformat-version-3",
    ),
    # EXT-X-MEDIA-SEQUENCE and EXT-X-DISCONTINUITY-SEQUENCE: integers, before the segments.
    pytest.param(
        FFMPEG_VOD,
        [
            ("#EXT-X-MEDIA-SEQUENCE:0\n", ""),
            ("seg000.ts\n", "seg000.ts\n#EXT-X-MEDIA-SEQUENCE:0\n"),
        ],
        None,
        [
            "line 7: #EXT-X-MEDIA-SEQUENCE comes after the first segment (line 5); it must "
            "come before it (RFC 8216 4.3.3.2)"
        ],
        id="media-sequence-after-first-segment",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-MEDIA-SEQUENCE:-1")],
        None,
        ["line 4: #EXT-X-MEDIA-SEQUENCE:-1 is not a decimal integer (RFC 8216 4.3.3.2)"],
        id="media-sequence-not-integer",
    ),
    pytest.param(
        DEMO_VARIANT,
        [("#EXT-X-DISCONTINUITY\n", "#EXT-X-DISCONTINUITY\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n")],
        None,
        [
            "line 27: #EXT-X-DISCONTINUITY-SEQUENCE comes after the first segment (line 6); it "
            "must come before it (RFC 8216 4.3.3.3)"
        ],
        id="discontinuity-sequence-after-first-segment",
    ),
    pytest.param(
        FFMPEG_VOD,
        [
            (
                "#EXT-X-PLAYLIST-TYPE:VOD\n",
                "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-DISCONTINUITY\n#EXT-X-DISCONTINUITY-SEQUENCE:3\n",
            )
        ],
        None,
        [
            "line 7: #EXT-X-DISCONTINUITY-SEQUENCE comes after the #EXT-X-DISCONTINUITY on line "
            "6; it must come before any (RFC 8216 4.3.3.3)"
        ],
        id="discontinuity-sequence-after-discontinuity",
    ),
    # EXT-X-PLAYLIST-TYPE: VOD or EVENT; a VOD playlist is complete.
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-PLAYLIST-TYPE:vod")],
        None,
        ["line 5: #EXT-X-PLAYLIST-TYPE:vod is neither VOD nor EVENT (RFC 8216 4.3.3.5)"],
        id="playlist-type-value",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-ENDLIST\n", "")],
        None,
        [
            "line 5: #EXT-X-PLAYLIST-TYPE:VOD says the playlist is complete, but it has no "
            "#EXT-X-ENDLIST (RFC 8216 4.3.3.5)"
        ],
        id="vod-without-endlist",
    ),
    # EXT-X-BYTERANGE: <n>[@<o>]; without an offset, it continues the segment before.
    pytest.param(
        FFMPEG_BYTERANGE,
        [("BYTERANGE:91744@80840", "BYTERANGE:91744-80840")],
        None,
        [
            "line 10: #EXT-X-BYTERANGE:91744-80840 is not a byte range (<length>[@<offset>] in "
            "decimal integers) (RFC 8216 4.3.2.2)"
        ],
        id="byterange-syntax",
    ),
    pytest.param(
        FFMPEG_BYTERANGE,
        [("BYTERANGE:80840@0", "BYTERANGE:80840")],
        None,
        [
            "line 7: #EXT-X-BYTERANGE:80840 has no offset, so it must continue a range of the "
            "same file, but it is the first segment (RFC 8216 4.3.2.2)"
        ],
        id="byterange-first-without-offset",
    ),
    pytest.param(
        FFMPEG_BYTERANGE,
        [("#EXT-X-BYTERANGE:91744@80840\nindex.ts", "#EXT-X-BYTERANGE:91744\nother.ts")],
        None,
        [
            "line 10: #EXT-X-BYTERANGE:91744 has no offset, so it must continue a range of the "
            "same file, but the segment before it is a range of index.ts (RFC 8216 4.3.2.2)"
        ],
        id="byterange-other-file-without-offset",
    ),
    # EXT-X-KEY: METHOD, and a URI unless NONE; attribute lists (4.2).
    pytest.param(
        FFMPEG_AES,
        [("METHOD=AES-128", "METHOD=AES-256")],
        None,
        [
            "line 6: #EXT-X-KEY METHOD=AES-256 is not one of NONE, AES-128, SAMPLE-AES "
            "(RFC 8216 4.3.2.4)"
        ],
        id="key-method",
    ),
    pytest.param(
        FFMPEG_AES,
        [('#EXT-X-KEY:METHOD=AES-128,URI="k.key",', "#EXT-X-KEY:")],
        None,
        ["line 6: #EXT-X-KEY has no METHOD attribute, which it must have (RFC 8216 4.3.2.4)"],
        id="key-without-method",
    ),
    pytest.param(
        FFMPEG_AES,
        [(',URI="k.key"', "")],
        None,
        ["line 6: #EXT-X-KEY has no URI attribute, which it must have (RFC 8216 4.3.2.4)"],
        id="key-without-uri",
    ),
    pytest.param(
        FFMPEG_AES,
        [("METHOD=AES-128", "METHOD=NONE")],
        None,
        [
            "line 6: #EXT-X-KEY METHOD=NONE must have no other attributes, but it has IV, URI "
            "(RFC 8216 4.3.2.4)"
        ],
        id="key-none-with-uri",
    ),
    pytest.param(
        FFMPEG_AES,
        [("IV=0x00112233", "IV=00112233")],
        None,
        [
            "line 6: #EXT-X-KEY IV=00112233445566778899aabbccddeeff is not a 128-bit hexadecimal "
            "number (0x and up to 32 hexadecimal digits) (RFC 8216 4.3.2.4)"
        ],
        id="key-iv",
    ),
    pytest.param(
        FFMPEG_AES,
        [('URI="k.key"', "URI=k.key")],
        None,
        ['line 6: #EXT-X-KEY URI=k.key must be a quoted string (URI="k.key") (RFC 8216 4.3.2.4)'],
        id="attribute-not-quoted",
    ),
    pytest.param(
        FFMPEG_AES,
        [('URI="k.key"', 'URI="k.key",URI="other.key"')],
        None,
        [
            "line 6: #EXT-X-KEY gives the attribute URI twice; an attribute name must not "
            "appear more than once in an attribute list (RFC 8216 4.2)"
        ],
        id="attribute-twice",
    ),
    pytest.param(
        FFMPEG_AES,
        [('URI="k.key"', 'URI="k.key')],
        None,
        ['line 6: #EXT-X-KEY opens a quoted value for URI and never closes it (") (RFC 8216 4.2)'],
        id="quote-never-closed",
    ),
    pytest.param(
        FFMPEG_AES,
        [("IV=", "iv=")],
        None,
        [
            "line 6: #EXT-X-KEY has the attribute name iv, but attribute names are upper-case "
            "letters, digits and '-' only (RFC 8216 4.2)"
        ],
        id="attribute-name-lower-case",
    ),
    # EXT-X-MAP has a URI.
    pytest.param(
        FFMPEG_FMP4,
        [('#EXT-X-MAP:URI="init.mp4"', '#EXT-X-MAP:BYTERANGE="719@0"')],
        None,
        ["line 6: #EXT-X-MAP has no URI attribute, which it must have (RFC 8216 4.3.2.5)"],
        id="map-without-uri",
    ),
    pytest.param(
        APPLE_FMP4,
        [('BYTERANGE="723@0"', 'BYTERANGE="723 at 0"')],
        None,
        [
            'line 7: #EXT-X-MAP BYTERANGE="723 at 0" is not a byte range (<length>[@<offset>]) '
            "(RFC 8216 4.3.2.5)"
        ],
        id="map-byterange",
    ),
    # EXT-X-START has a TIME-OFFSET.
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-PLAYLIST-TYPE:VOD\n", "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-START:PRECISE=YES\n")],
        None,
        [
            "line 6: #EXT-X-START has no TIME-OFFSET attribute, which it must have "
            "(RFC 8216 4.3.5.2)"
        ],
        id="start-without-time-offset",
    ),
    pytest.param(
        FFMPEG_VOD,
        [
            (
                "#EXT-X-PLAYLIST-TYPE:VOD\n",
                "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-START:TIME-OFFSET=ten\n",
            )
        ],
        None,
        [
            "line 6: #EXT-X-START TIME-OFFSET=ten is not a signed decimal number of seconds "
            "(RFC 8216 4.3.5.2)"
        ],
        id="start-time-offset",
    ),
    # RFC 8216 4.3.4: master and media playlists never mix.
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-ENDLIST", "#EXT-X-STREAM-INF:BANDWIDTH=420000\n#EXT-X-ENDLIST")],
        MEDIA,
        [
            "line 26: #EXT-X-STREAM-INF is a master playlist tag; it must not appear in a "
            "media playlist (a variant's URI must name a media playlist) (RFC 8216 4.3.4)"
        ],
        id="master-tag-in-media-playlist",
    ),
    pytest.param(
        DEMO_MASTER,
        [("#EXT-X-VERSION:3\n", "#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n")],
        None,
        [
            "line 3: #EXT-X-TARGETDURATION is a media playlist tag, but this is a master "
            "playlist (#EXT-X-STREAM-INF on line 4); a playlist must not mix the two "
            "(RFC 8216 4.3.4)"
        ],
        id="media-tag-in-master-playlist",
    ),
    pytest.param(
        DEMO_MASTER,
        [("240p.m3u8\n", "240p.m3u8\n#EXT-X-DISCONTINUITY\n")],
        None,
        [
            "line 5: #EXT-X-DISCONTINUITY is a media segment tag, but this is a master "
            "playlist (#EXT-X-STREAM-INF on line 3); a playlist must not mix the two "
            "(RFC 8216 4.3.4)"
        ],
        id="segment-tag-in-master-playlist",
    ),
    # EXT-X-STREAM-INF: a decimal-integer BANDWIDTH, then the URI line.
    pytest.param(
        DEMO_MASTER,
        [("BANDWIDTH=1050000,", "")],
        None,
        [
            "line 5: #EXT-X-STREAM-INF has no BANDWIDTH attribute, which it must have "
            "(RFC 8216 4.3.4.2)"
        ],
        id="stream-without-bandwidth",
    ),
    pytest.param(
        DEMO_MASTER,
        [("BANDWIDTH=1050000", "BANDWIDTH=1.05e6")],
        None,
        ["line 5: #EXT-X-STREAM-INF BANDWIDTH=1.05e6 is not a decimal integer (RFC 8216 4.3.4.2)"],
        id="stream-bandwidth-not-integer",
    ),
    pytest.param(
        DEMO_MASTER,
        [("480p.m3u8\n", "")],
        None,
        [
            "line 5: #EXT-X-STREAM-INF must be followed by the URI of its media playlist, but "
            "it ends the playlist (RFC 8216 4.3.4.2)"
        ],
        id="stream-without-uri",
    ),
    pytest.param(
        DEMO_MASTER,
        [("480p.m3u8\n", "480p.m3u8\n1080p.m3u8\n")],
        None,
        [
            "line 7: the URI 1080p.m3u8 follows no #EXT-X-STREAM-INF; in a master playlist each "
            "URI line names the media playlist of the tag before it (RFC 8216 4.3.4.2)"
        ],
        id="uri-without-stream",
    ),
    pytest.param(
        DEMO_MASTER,
        [('426x240,CODECS="avc1.4d401e,mp4a.40.2"', "426x240,CODECS=avc1.4d401e,mp4a.40.2")],
        None,
        [
            "line 3: #EXT-X-STREAM-INF has mp4a.40.2 where an attribute (NAME=value) should be "
            "(RFC 8216 4.2)"
        ],
        id="codecs-not-quoted",
    ),
    pytest.param(
        FFMPEG_MASTER,
        [('CODECS="avc1.640014,mp4a.40.2",AUDIO="group_aud"', 'CODECS="avc1.640014",AUDIO="aac"')],
        None,
        [
            'line 7: #EXT-X-STREAM-INF AUDIO="aac" names no group: no #EXT-X-MEDIA has '
            "TYPE=AUDIO and that GROUP-ID (RFC 8216 4.3.4.2)"
        ],
        id="audio-group-missing",
    ),
    pytest.param(
        APPLE_MASTER,
        [('AUDIO="aud2",SUBTITLES="sub1"', 'AUDIO="aud2",SUBTITLES="subs"')],
        None,
        [
            'line 9: #EXT-X-STREAM-INF SUBTITLES="subs" names no group: no #EXT-X-MEDIA has '
            "TYPE=SUBTITLES and that GROUP-ID (RFC 8216 4.3.4.2)"
        ],
        id="subtitles-group-missing",
    ),
    pytest.param(
        APPLE_MASTER,
        [('CLOSED-CAPTIONS="cc1",AUDIO="aud2"', 'CLOSED-CAPTIONS="cc2",AUDIO="aud2"')],
        None,
        [
            'line 9: #EXT-X-STREAM-INF CLOSED-CAPTIONS="cc2" names no group: no #EXT-X-MEDIA '
            "has TYPE=CLOSED-CAPTIONS and that GROUP-ID (RFC 8216 4.3.4.2)"
        ],
        id="closed-captions-group-missing",
    ),
    # EXT-X-I-FRAME-STREAM-INF: BANDWIDTH and URI.
    pytest.param(
        APPLE_MASTER,
        [(',URI="v9/iframe_index.m3u8"', "")],
        None,
        [
            "line 13: #EXT-X-I-FRAME-STREAM-INF has no URI attribute, which it must have "
            "(RFC 8216 4.3.4.3)"
        ],
        id="i-frame-stream-without-uri",
    ),
    # EXT-X-MEDIA: TYPE, GROUP-ID and NAME; URI for SUBTITLES, none for CLOSED-CAPTIONS.
    pytest.param(
        FFMPEG_MASTER,
        [('NAME="audio_2",', "")],
        None,
        ["line 3: #EXT-X-MEDIA has no NAME attribute, which it must have (RFC 8216 4.3.4.1)"],
        id="media-without-name",
    ),
    pytest.param(
        FFMPEG_MASTER,
        [("TYPE=AUDIO", "TYPE=SOUND")],
        None,
        [
            "line 3: #EXT-X-MEDIA TYPE=SOUND is not one of AUDIO, VIDEO, SUBTITLES, "
            "CLOSED-CAPTIONS (RFC 8216 4.3.4.1)",
            'line 4: #EXT-X-STREAM-INF AUDIO="group_aud" names no group: no #EXT-X-MEDIA has '
            "TYPE=AUDIO and that GROUP-ID (RFC 8216 4.3.4.2)",
            'line 7: #EXT-X-STREAM-INF AUDIO="group_aud" names no group: no #EXT-X-MEDIA has '
            "TYPE=AUDIO and that GROUP-ID (RFC 8216 4.3.4.2)",
        ],
        id="media-type",
    ),
    pytest.param(
        FFMPEG_MASTER,
        [('GROUP-ID="group_aud",', "")],
        None,
        [
            "line 3: #EXT-X-MEDIA has no GROUP-ID attribute, which it must have (RFC 8216 4.3.4.1)",
            'line 4: #EXT-X-STREAM-INF AUDIO="group_aud" names no group: no #EXT-X-MEDIA has '
            "TYPE=AUDIO and that GROUP-ID (RFC 8216 4.3.4.2)",
            'line 7: #EXT-X-STREAM-INF AUDIO="group_aud" names no group: no #EXT-X-MEDIA has '
            "TYPE=AUDIO and that GROUP-ID (RFC 8216 4.3.4.2)",
        ],
        id="media-without-group",
    ),
    pytest.param(
        APPLE_MASTER,
        [(',FORCED=NO,URI="s1/fr/prog_index.m3u8"', ",FORCED=NO")],
        None,
        [
            "line 19: #EXT-X-MEDIA TYPE=SUBTITLES must have the URI of its playlist "
            "(RFC 8216 4.3.4.1)"
        ],
        id="subtitles-without-uri",
    ),
    pytest.param(
        APPLE_MASTER,
        [('INSTREAM-ID="CC1"', 'INSTREAM-ID="CC1",URI="cc/prog_index.m3u8"')],
        None,
        ["line 17: #EXT-X-MEDIA TYPE=CLOSED-CAPTIONS must not have a URI (RFC 8216 4.3.4.1)"],
        id="closed-captions-with-uri",
    ),
    pytest.param(
        APPLE_MASTER,
        [(',INSTREAM-ID="CC1"', "")],
        None,
        [
            "line 17: #EXT-X-MEDIA TYPE=CLOSED-CAPTIONS must have an INSTREAM-ID (CC1 to CC4, "
            "SERVICE1 to SERVICE63) (RFC 8216 4.3.4.1)"
        ],
        id="closed-captions-without-instream-id",
    ),
    pytest.param(
        APPLE_MASTER,
        [('INSTREAM-ID="CC1"', 'INSTREAM-ID="CC5"')],
        None,
        [
            'line 17: #EXT-X-MEDIA INSTREAM-ID="CC5" is not CC1 to CC4 or SERVICE1 to SERVICE63 '
            "(RFC 8216 4.3.4.1)"
        ],
        id="instream-id-value",
    ),
    pytest.param(
        APPLE_MASTER,
        [('INSTREAM-ID="CC1"', 'INSTREAM-ID="SERVICE1"')],
        None,
        [
            'line 17: INSTREAM-ID="SERVICE1" needs #EXT-X-VERSION:7 or higher, but the playlist '
            "declares #EXT-X-VERSION:6 (line 2) (RFC 8216 7)"
        ],
        id="instream-id-service-version-6",
    ),
    pytest.param(
        APPLE_MASTER,
        [("DEFAULT=NO", "DEFAULT=YES")],
        None,
        [
            'line 19: #EXT-X-MEDIA NAME="Français" is a second DEFAULT=YES in the SUBTITLES '
            'group "sub1" (the first is on line 18); a group has at most one (RFC 8216 4.3.4.1.1)'
        ],
        id="two-defaults-in-a-group",
    ),
    pytest.param(
        APPLE_MASTER,
        [('LANGUAGE="fr",NAME="Français"', 'LANGUAGE="fr",NAME="English"')],
        None,
        [
            'line 19: #EXT-X-MEDIA NAME="English" is already used in the SUBTITLES group "sub1" '
            "(line 18); the renditions of a group must have different names (RFC 8216 4.3.4.1.1)"
        ],
        id="same-name-in-a-group",
    ),
    pytest.param(
        APPLE_MASTER,
        [
            (
                'GROUP-ID="aud1",LANGUAGE="en",NAME="English",AUTOSELECT=YES',
                'GROUP-ID="aud1",LANGUAGE="en",NAME="English",AUTOSELECT=NO',
            )
        ],
        None,
        [
            "line 15: #EXT-X-MEDIA with DEFAULT=YES must have AUTOSELECT=YES (or none) "
            "(RFC 8216 4.3.4.1)"
        ],
        id="default-without-autoselect",
    ),
    pytest.param(
        APPLE_MASTER,
        [("DEFAULT=NO", 'DEFAULT="NO"')],
        None,
        ['line 19: #EXT-X-MEDIA DEFAULT="NO" must not be quoted (DEFAULT=NO) (RFC 8216 4.3.4.1)'],
        id="enumerated-string-quoted",
    ),
    pytest.param(
        "#EXTM3U\n#EXT-X-VERSION:6\n"
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud1",LANGUAGE="en",NAME="English",AUTOSELECT=YES,'
        'DEFAULT=YES,CHANNELS="2",URI="a1/prog_index.m3u8"\n',
        [],
        None,
        [
            "the master playlist has no #EXT-X-STREAM-INF: it offers no variant stream "
            "(RFC 8216 4.3.4.2)"
        ],
        id="master-without-variants",
    ),
]


@pytest.mark.parametrize(("playlist", "edits", "expect", "messages"), RULES)
def test_each_rule_names_the_line_that_broke_it(
    playlist: str, edits: list[tuple[str, str]], expect: str | None, messages: list[str]
) -> None:
    report = check_playlist(broken(playlist, *edits).encode(), expect=expect)

    assert shown(report.errors) == messages
    assert all(problem.severity == ERROR for problem in report.errors)


def test_it_refuses_a_byte_order_mark() -> None:
    report = check_playlist(b"\xef\xbb\xbf" + FFMPEG_VOD.encode())

    assert shown(report.errors) == [
        "line 1: the playlist starts with a byte order mark (BOM), which a playlist must not "
        "have (RFC 8216 4.1)"
    ]


def test_it_refuses_bytes_that_are_not_utf_8_and_names_their_line() -> None:
    playlist = FFMPEG_VOD.encode().replace(b"seg003.ts", b"s\xe9g003.ts")  # Latin-1

    report = check_playlist(playlist)

    assert shown(report.errors) == [
        "line 13: byte 0xe9 is not UTF-8; a playlist must be UTF-8 text (RFC 8216 4.1)"
    ]


def test_it_reports_each_segment_longer_than_the_target_duration() -> None:
    playlist = FFMPEG_VOD.replace("#EXT-X-TARGETDURATION:6", "#EXT-X-TARGETDURATION:5")

    report = check_playlist(playlist)

    assert [problem.line for problem in report.errors] == list(range(6, 25, 2))
    assert str(report.errors[0]) == (
        "line 6: #EXTINF:6.000000 is longer than #EXT-X-TARGETDURATION:5 (RFC 8216 4.3.3.1)"
    )


def test_a_version_rule_is_reported_once_at_its_first_line() -> None:
    playlist = broken(
        FFMPEG_VOD,
        ("#EXT-X-VERSION:3\n", ""),
        ("#EXTINF:6.000000,\nseg003.ts", "#EXTINF:5.5,\nseg003.ts"),
    )

    assert shown(check_playlist(playlist).errors) == [
        "line 5: a floating-point duration (#EXTINF:6.000000) needs #EXT-X-VERSION:3 or "
        "higher, but the playlist has no #EXT-X-VERSION (version 1) (RFC 8216 7)"
    ]


def test_digits_are_ascii_digits() -> None:
    playlist = broken(FFMPEG_VOD, ("#EXT-X-TARGETDURATION:6", "#EXT-X-TARGETDURATION:\u0666"))

    assert shown(check_playlist(playlist).errors) == [
        "line 3: #EXT-X-TARGETDURATION:\u0666 is not a whole number of seconds (a decimal "
        "integer) (RFC 8216 4.3.3.1)"
    ]


def test_it_calls_a_master_playlist_where_a_media_playlist_must_be_that() -> None:
    report = check_playlist(DEMO_MASTER, expect=MEDIA)

    assert shown(report.errors) == [
        "line 3: #EXT-X-STREAM-INF is a master playlist tag; it must not appear in a media "
        "playlist (a variant's URI must name a media playlist) (RFC 8216 4.3.4)"
    ]


# --- Warnings: recorded, never INVALID ---------------------------------------------------------

WARNINGS = [
    pytest.param(
        FFMPEG_VOD,
        [("#EXTINF:6.000000,\nseg003.ts", "#EXTINF:6.000000\nseg003.ts")],
        "line 12: #EXTINF:6.000000 has no comma after its duration (#EXTINF:<duration>,"
        "[<title>]) (RFC 8216 4.3.2.1)",
        id="extinf-without-comma",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("#EXT-X-ENDLIST", "#EXT-X-ENDLIST  ")],
        "line 26: the line has whitespace before or after it (RFC 8216 4.1)",
        id="trailing-whitespace",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("seg003.ts", "seg 003.ts")],
        "line 13: the URI seg 003.ts has whitespace in it; a URI must not (RFC 8216 4.1)",
        id="uri-with-a-space",
    ),
    pytest.param(
        FFMPEG_VOD,
        [("seg003.ts", "se\u0301g003.ts")],  # e and a combining acute accent, not é
        "line 13: the line is not in Unicode normalization form NFC (RFC 8216 4.1)",
        id="not-nfc",
    ),
    pytest.param(
        FFMPEG_VOD,
        [
            (
                "#EXTINF:6.000000,\nseg003.ts",
                "#EXT-X-PROGRAM-DATE-TIME:today\n#EXTINF:6.000000,\nseg003.ts",
            )
        ],
        "line 12: #EXT-X-PROGRAM-DATE-TIME:today is not an ISO 8601 date and time "
        "(RFC 8216 4.3.2.6)",
        id="program-date-time",
    ),
    pytest.param(
        DEMO_MASTER,
        [(',CODECS="avc1.4d401e,mp4a.40.2"\n240p', "\n240p")],
        "line 3: #EXT-X-STREAM-INF has no CODECS attribute, which it should have "
        "(RFC 8216 4.3.4.2)",
        id="stream-without-codecs",
    ),
    pytest.param(
        DEMO_MASTER,
        [("BANDWIDTH=420000,RESOLUTION", "BANDWIDTH=420000, RESOLUTION")],
        "line 3: #EXT-X-STREAM-INF has whitespace in its attribute list (RFC 8216 4.2)",
        id="attribute-list-whitespace",
    ),
    pytest.param(
        DEMO_MASTER,
        [("RESOLUTION=426x240", "RESOLUTION=426*240")],
        "line 3: #EXT-X-STREAM-INF RESOLUTION=426*240 is not a resolution (<width>x<height>) "
        "(RFC 8216 4.3.4.2)",
        id="resolution",
    ),
    pytest.param(
        APPLE_MASTER,
        [("AVERAGE-BANDWIDTH=2168183,", "PROGRAM-ID=1,AVERAGE-BANDWIDTH=2168183,")],
        "line 5: #EXT-X-STREAM-INF PROGRAM-ID was removed in protocol version 6 (RFC 8216 7)",
        id="program-id",
    ),
    pytest.param(
        APPLE_MASTER,
        [('CHANNELS="6"', 'CHANNELS="6",FORCED=NO')],
        "line 16: #EXT-X-MEDIA TYPE=AUDIO must not have FORCED (SUBTITLES only) (RFC 8216 4.3.4.1)",
        id="forced-audio",
    ),
]


@pytest.mark.parametrize(("playlist", "edits", "message"), WARNINGS)
def test_what_players_shrug_off_is_a_warning(
    playlist: str, edits: list[tuple[str, str]], message: str
) -> None:
    report = check_playlist(broken(playlist, *edits).encode())

    assert shown(report.errors) == []
    assert shown(report.warnings) == [message]


def test_a_playlist_is_known_by_its_path_or_its_content_type() -> None:
    assert identification("/a/master.m3u8", "application/octet-stream") is None
    assert identification("/a/master", "application/vnd.apple.mpegurl") is None
    problem = identification("/stream", "text/plain")

    assert problem is not None
    assert problem.severity == WARNING
    assert str(problem) == (
        "the playlist is served as text/plain from a path that does not end in .m3u8 or .m3u: "
        "players may not recognise it (serve it as application/vnd.apple.mpegurl) (RFC 8216 4)"
    )


def test_variants_must_have_the_same_target_duration_and_discontinuities() -> None:
    one_loop, two_loops = check_playlist(demo_variant(1)), check_playlist(demo_variant(2))
    longer = check_playlist(demo_variant(1).replace("TARGETDURATION:6", "TARGETDURATION:7"))

    assert variant_consistency([("240p", one_loop), ("480p", one_loop)]) == []
    (target,) = variant_consistency([("240p", one_loop), ("480p", longer)])
    (discontinuities,) = variant_consistency([("240p", one_loop), ("480p", two_loops)])

    assert (target.severity, str(target)) == (
        WARNING,
        "the variants have different #EXT-X-TARGETDURATION values (240p 6, 480p 7); every "
        "variant must have the same (RFC 8216 6.2.4)",
    )
    assert (discontinuities.severity, str(discontinuities)) == (
        ERROR,
        "the variants have different numbers of #EXT-X-DISCONTINUITY tags (240p 0, 480p 1); "
        "matching content must have matching discontinuity sequence numbers, or switching "
        "variants breaks playback (RFC 8216 6.2.4)",
    )


# --- Fuzzing: any input comes back as problems, never as an exception --------------------------

TAG_NAMES = sorted(KNOWN_TAGS | {"#EXT-X-ALLOW-CACHE", "#EXT", "#EXT-X-"})
REAL_LINES = sorted({line for playlist in REAL.values() for line in playlist.split("\n")})
VALUE_ALPHABET = 'AZaz09=,"-.@x:# \t\r\x00\u0301é'


@st.composite
def playlist_texts(draw: st.DrawFn) -> str:
    """Playlist-shaped text: real lines, known tags with arbitrary values, arbitrary lines,
    joined by LF, CRLF or a lone CR."""
    tag_line = st.builds(
        lambda name, value: f"{name}:{value}" if value is not None else name,
        st.sampled_from(TAG_NAMES),
        st.none() | st.text(alphabet=VALUE_ALPHABET, max_size=40),
    )
    line = st.sampled_from(REAL_LINES) | tag_line | st.text(max_size=30)
    lines = draw(st.lists(line, max_size=40))
    separator = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    head = draw(st.sampled_from(["#EXTM3U" + separator, "", "\ufeff#EXTM3U\n"]))
    return head + separator.join(lines)


def assert_only_problems(report: Report, content: bytes | str) -> None:
    assert isinstance(report, Report)
    assert report.kind in (MASTER, MEDIA)
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    count = text.count("\n") + 1
    for problem in report.problems:
        assert problem.severity in (ERROR, WARNING)
        assert problem.line is None or 1 <= problem.line <= count
        assert str(problem).endswith(f"(RFC 8216 {problem.section})")


@pytest.mark.fuzz
@given(content=st.binary(max_size=2000), expect=st.sampled_from([None, MASTER, MEDIA]))
def test_fuzz_bytes_never_raise(content: bytes, expect: str | None) -> None:
    assert_only_problems(check_playlist(content, expect=expect), content)


@pytest.mark.fuzz
@given(content=st.text(max_size=2000), expect=st.sampled_from([None, MASTER, MEDIA]))
def test_fuzz_text_never_raises(content: str, expect: str | None) -> None:
    assert_only_problems(check_playlist(content, expect=expect), content)


@pytest.mark.fuzz
@given(content=playlist_texts(), expect=st.sampled_from([None, MASTER, MEDIA]))
def test_fuzz_playlist_shaped_text_never_raises(content: str, expect: str | None) -> None:
    assert_only_problems(check_playlist(content, expect=expect), content)
    encoded = content.encode()
    assert_only_problems(check_playlist(encoded, expect=expect), encoded)


@pytest.mark.fuzz
@given(
    playlist=st.sampled_from(list(REAL.values())),
    data=st.data(),
)
def test_fuzz_real_playlists_with_lines_dropped_duplicated_or_moved(
    playlist: str, data: st.DataObject
) -> None:
    lines = playlist.split("\n")
    edited = data.draw(st.permutations(lines)) if data.draw(st.booleans()) else list(lines)
    for _ in range(data.draw(st.integers(0, 5))):
        index = data.draw(st.integers(0, len(edited) - 1))
        action = data.draw(st.sampled_from(["drop", "duplicate", "truncate"]))
        if action == "drop" and len(edited) > 1:
            del edited[index]
        elif action == "duplicate":
            edited.insert(index, edited[index])
        else:
            edited[index] = edited[index][: data.draw(st.integers(0, len(edited[index])))]
    content = "\n".join(edited)

    assert_only_problems(check_playlist(content), content)


# --- End to end: check_stream through the local HTTPS media server -----------------------------

TWO_MINUTES = "hls-rules-two-minutes"  # a demo title long enough for a discontinuity


@pytest.fixture(scope="session")
def media_root() -> Path:
    root = Path(django_settings.LOCAL_ORIGIN_ROOT)
    demo_media.encode_loops(root)  # cached across runs
    demo_media.write_title_media(root, TWO_MINUTES, 2, ("en",))
    return root


@pytest.fixture
def hls(media_server: MediaServer, media_root: Path) -> Hls:
    media_server.mount("/two/", media_root / TWO_MINUTES)
    return Hls(media_server, media_root)


def test_the_demo_playlists_have_no_problem(media_root: Path) -> None:
    files = [
        *sorted((media_root / TWO_MINUTES).glob("*.m3u8")),
        *sorted((media_root / "_media").glob("*/index.m3u8")),
    ]

    assert len(files) == 6  # the title's master and two variants; three encoded loops
    for file in files:
        assert shown(check_playlist(file.read_bytes()).problems) == [], file


def test_the_demo_title_is_valid_without_problems_or_warnings(hls: Hls) -> None:
    verdict = check_stream(hls.server.url("/two/master.m3u8"), 120)

    assert (verdict.status, verdict.message) == (
        ValidationStatus.VALID,
        "2 variants (426x240, 854x480), each 2:00 long as expected.",
    )
    assert "problems" not in verdict.facts
    assert "warnings" not in verdict.facts


def test_a_variant_that_breaks_rfc_8216_makes_the_stream_invalid_naming_the_line(hls: Hls) -> None:
    variant = hls.media_playlist(60, tag="480p").replace(
        "#EXTINF:6.000000,\n/_media/480p/seg003.ts", "#EXTINF:12.500000,\n/_media/480p/seg003.ts"
    )
    variant_url = hls.server.add("/long/480p.m3u8", variant, content_type=M3U8)
    url = hls.serve_master(
        "/long/master.m3u8", [("240p", hls.encoder_playlist("240p")), ("480p", variant_url)]
    )

    verdict = check_stream(url, 60)

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        "Variant 854x480 is not a valid HLS playlist: line 11: #EXTINF:12.500000 is longer "
        "than #EXT-X-TARGETDURATION:6 (RFC 8216 4.3.3.1).",
    )
    assert verdict.facts["problems"] == [
        {
            "playlist": variant_url,
            "line": 11,
            "section": "4.3.3.1",
            "message": "line 11: #EXTINF:12.500000 is longer than #EXT-X-TARGETDURATION:6 "
            "(RFC 8216 4.3.3.1)",
        }
    ]
    assert [variant["resolution"] for variant in verdict.facts["variants"]] == ["426x240"]


def test_the_message_quotes_the_first_problems_and_the_facts_carry_them_all(hls: Hls) -> None:
    playlist = hls.media_playlist(60).replace("TARGETDURATION:6", "TARGETDURATION:5")
    url = hls.server.add("/five/index.m3u8", playlist, content_type=M3U8)

    verdict = check_stream(url, 60)

    assert verdict.status == ValidationStatus.INVALID
    assert verdict.message == (
        "The playlist is not a valid HLS playlist (10 problems): "
        "line 5: #EXTINF:6.000000 is longer than #EXT-X-TARGETDURATION:5 (RFC 8216 4.3.3.1); "
        "line 7: #EXTINF:6.000000 is longer than #EXT-X-TARGETDURATION:5 (RFC 8216 4.3.3.1); "
        "line 9: #EXTINF:6.000000 is longer than #EXT-X-TARGETDURATION:5 (RFC 8216 4.3.3.1); "
        "and 7 more."
    )
    assert [problem["line"] for problem in verdict.facts["problems"]] == list(range(5, 24, 2))


def test_a_master_naming_an_audio_group_it_lacks_is_invalid(hls: Hls) -> None:
    master = (
        "#EXTM3U\n#EXT-X-VERSION:3\n"
        '#EXT-X-STREAM-INF:BANDWIDTH=420000,RESOLUTION=426x240,CODECS="avc1.4d401e,mp4a.40.2",'
        'AUDIO="aac"\n'
        f"{hls.encoder_playlist('240p')}\n"
    )
    url = hls.server.add("/aac/master.m3u8", master, content_type=M3U8)

    verdict = check_stream(url, 60)

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        'The playlist is not a valid HLS playlist: line 3: #EXT-X-STREAM-INF AUDIO="aac" names '
        "no group: no #EXT-X-MEDIA has TYPE=AUDIO and that GROUP-ID (RFC 8216 4.3.4.2).",
    )
    assert hls.server.hits("/_media/240p/index.m3u8") == 0  # refused before the variants


def test_a_variant_that_is_a_master_playlist_is_invalid(hls: Hls) -> None:
    url = hls.serve_master("/nested/master.m3u8", [("240p", hls.server.url("/two/master.m3u8"))])

    verdict = check_stream(url, 120)

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        "Variant 426x240 is not a valid HLS playlist: line 3: #EXT-X-STREAM-INF is a master "
        "playlist tag; it must not appear in a media playlist (a variant's URI must name a "
        "media playlist) (RFC 8216 4.3.4).",
    )


def test_variants_with_different_discontinuities_are_invalid(hls: Hls) -> None:
    jumpy = hls.media_playlist(60, tag="480p").replace(
        "#EXTINF:6.000000,\n/_media/480p/seg005.ts",
        "#EXT-X-DISCONTINUITY\n#EXTINF:6.000000,\n/_media/480p/seg005.ts",
    )
    url = hls.serve_master(
        "/jumpy/master.m3u8",
        [
            ("240p", hls.serve_media("/jumpy/240p.m3u8", 60)),
            ("480p", hls.server.add("/jumpy/480p.m3u8", jumpy, content_type=M3U8)),
        ],
    )

    verdict = check_stream(url, 60)

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        "The variants do not match each other: the variants have different numbers of "
        "#EXT-X-DISCONTINUITY tags (426x240 0, 854x480 1); matching content must have matching "
        "discontinuity sequence numbers, or switching variants breaks playback (RFC 8216 6.2.4).",
    )
    assert len(verdict.facts["variants"]) == 2


def test_warnings_go_to_the_facts_and_the_stream_stays_valid(hls: Hls) -> None:
    url = hls.server.add("/stream", hls.media_playlist(60), content_type="text/plain")

    verdict = check_stream(url, 60)

    assert (verdict.status, verdict.message) == (
        ValidationStatus.VALID,
        "The playlist is 1:00 long as expected.",
    )
    assert verdict.facts["warnings"] == [
        {
            "playlist": url,
            "line": None,
            "section": "4",
            "message": "the playlist is served as text/plain from a path that does not end in "
            ".m3u8 or .m3u: players may not recognise it (serve it as "
            "application/vnd.apple.mpegurl) (RFC 8216 4)",
        }
    ]


# --- What ffmpeg writes today ------------------------------------------------------------------

FFMPEG_MODES = {
    "mpeg-ts": [],
    "fmp4": ["-hls_segment_type", "fmp4"],
    "single-file": ["-hls_flags", "single_file"],
    "fmp4-single-file": ["-hls_segment_type", "fmp4", "-hls_flags", "single_file"],
    "dated": ["-hls_flags", "program_date_time+independent_segments"],
    "i-frames-only": ["-hls_flags", "iframes_only"],
    "integer-durations": ["-hls_flags", "round_durations+discont_start"],
    "aes-128": ["-hls_key_info_file", "{folder}/key.info"],
}


def ffmpeg_encode(folder: Path, *options: str, video_streams: int = 1) -> None:
    """Four seconds of test pattern and tone, muxed by ffmpeg's hls muxer into ``folder``."""
    import imageio_ffmpeg  # noqa: PLC0415 - the embedded extra, as catalog/demo.py uses it

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "k.key").write_bytes(b"0123456789abcdef")
    (folder / "key.info").write_text(f"k.key\n{folder}/k.key\n00112233445566778899aabbccddeeff\n")
    maps = ["-map", "0:v"] * video_streams + ["-map", "1:a"] if video_streams > 1 else []
    subprocess.run(  # noqa: S603 - a fixed binary with our own arguments
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25"),
            *("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"),
            *("-t", "4", *maps, "-c:v", "libx264", "-preset", "veryfast", "-g", "25"),
            *("-c:a", "aac", "-b:a", "64k", "-f", "hls", "-hls_time", "1"),
            *("-hls_playlist_type", "vod"),
            *(option.format(folder=folder) for option in options),
        ],
        check=True,
        capture_output=True,
        cwd=folder,
    )


@pytest.mark.parametrize("options", FFMPEG_MODES.values(), ids=FFMPEG_MODES.keys())
def test_what_ffmpeg_writes_has_no_problem(tmp_path: Path, options: list[str]) -> None:
    ffmpeg_encode(tmp_path, *options, str(tmp_path / "index.m3u8"))

    report = check_playlist((tmp_path / "index.m3u8").read_bytes())

    assert shown(report.problems) == []
    assert report.endlist
    assert sum(report.durations) == pytest.approx(4, abs=0.1)


def ffmpeg_master(folder: Path) -> None:
    """Two video variants and one audio rendition in a group, with a master playlist."""
    ffmpeg_encode(
        folder,
        *("-b:v:0", "200k", "-b:v:1", "400k", "-master_pl_name", "master.m3u8"),
        *("-var_stream_map", "v:0,agroup:aud v:1,agroup:aud a:0,agroup:aud,default:yes"),
        str(folder / "stream_%v.m3u8"),
        video_streams=2,
    )


def test_an_ffmpeg_stream_with_an_audio_rendition_is_valid(
    media_server: MediaServer, tmp_path: Path
) -> None:
    ffmpeg_master(tmp_path)
    media_server.mount("/ffmpeg/", tmp_path)

    verdict = check_stream(media_server.url("/ffmpeg/master.m3u8"), 4)

    assert verdict.status == ValidationStatus.VALID, verdict.message
    assert "problems" not in verdict.facts
    assert "warnings" not in verdict.facts
    (rendition,) = verdict.facts["renditions"]
    assert (rendition["uri"], rendition["type"]) == (
        media_server.url("/ffmpeg/stream_2.m3u8"),
        "AUDIO",
    )
    assert rendition["seconds"] == pytest.approx(4, abs=0.1)


def test_an_audio_rendition_that_breaks_rfc_8216_makes_the_stream_invalid(
    media_server: MediaServer, tmp_path: Path
) -> None:
    ffmpeg_master(tmp_path)
    audio = tmp_path / "stream_2.m3u8"
    audio.write_text(audio.read_text().replace("#EXT-X-ENDLIST\n", ""))
    media_server.mount("/ffmpeg/", tmp_path)
    (name,) = {r.name for r in check_playlist((tmp_path / "master.m3u8").read_text()).renditions}

    verdict = check_stream(media_server.url("/ffmpeg/master.m3u8"), 4)

    assert (verdict.status, verdict.message) == (
        ValidationStatus.INVALID,
        f"The audio rendition {name} is not a valid HLS playlist: line 5: "
        "#EXT-X-PLAYLIST-TYPE:VOD says the playlist is complete, but it has no #EXT-X-ENDLIST "
        "(RFC 8216 4.3.3.5).",
    )
    assert len(verdict.facts["variants"]) == 2
