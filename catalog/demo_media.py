"""The demo's origin files: real, playable HLS, captions and posters in a local folder.

One minute of test pattern with a tone is encoded once per quality by the ffmpeg binary that
the imageio-ffmpeg wheel ships. Every demo title then gets its own master playlist and
variant playlists that repeat that minute (with EXT-X-DISCONTINUITY between loops) until the
title's full running time, so a 97-minute movie really is 97 minutes long for the player and
for the validator, while the origin holds a few megabytes. Captions are real WebVTT files
spanning the whole running time. catalog/demo.py says which titles there are.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings

LOOP_SECONDS = 60
SEGMENT_SECONDS = 6
QUALITIES = (
    # (tag, width, height, video bitrate, bandwidth for the master playlist)
    ("240p", 426, 240, "300k", 420_000),
    ("480p", 854, 480, "900k", 1_050_000),
)
AUDIO_LOOP = "audio-fr"  # the folder of the encoded audio-only loop, in _media and per title
POSTER_COLOURS = [
    ("#1d3557", "#e63946"),
    ("#2a9d8f", "#264653"),
    ("#6d597a", "#e56b6f"),
    ("#003049", "#f77f00"),
    ("#3a0ca3", "#4cc9f0"),
    ("#283618", "#dda15e"),
    ("#0b090a", "#e5383b"),
    ("#184e77", "#99d98c"),
]


def origin_url(path: str) -> str:
    return str(settings.LOCAL_ORIGIN_URL).rstrip("/") + "/" + path.lstrip("/")


def encode_loops(root: Path, *, ffmpeg: str | None = None) -> None:
    """Encode the one-minute loop in every quality, unless already there."""
    if ffmpeg is None:
        import imageio_ffmpeg  # noqa: PLC0415 - installed with the embedded extra

        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    for tag, width, height, bitrate, _ in QUALITIES:
        target = root / "_media" / tag
        if (target / "index.m3u8").exists():
            continue
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603 - a fixed binary with our own arguments
            [
                ffmpeg,
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size={width}x{height}:rate=25",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:sample_rate=48000",
                "-t",
                str(LOOP_SECONDS),
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-profile:v",
                "main",
                "-pix_fmt",
                "yuv420p",
                "-g",
                "50",
                "-keyint_min",
                "50",
                "-sc_threshold",
                "0",
                "-b:v",
                bitrate,
                "-c:a",
                "aac",
                "-b:a",
                "64k",
                "-ac",
                "2",
                "-f",
                "hls",
                "-hls_time",
                str(SEGMENT_SECONDS),
                "-hls_playlist_type",
                "vod",
                "-hls_segment_filename",
                str(target / "seg%03d.ts"),
                str(target / "index.m3u8"),
            ],
            check=True,
            capture_output=True,
        )
    encode_audio_loop(root, ffmpeg)


def encode_audio_loop(root: Path, ffmpeg: str) -> None:
    """The second language's audio-only loop (a lower tone), unless already there."""
    target = root / "_media" / AUDIO_LOOP
    if (target / "index.m3u8").exists():
        return
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - a fixed binary with our own arguments
        [
            *(ffmpeg, "-hide_banner", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000"),
            *("-t", str(LOOP_SECONDS), "-c:a", "aac", "-b:a", "64k", "-ac", "2"),
            *("-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod"),
            *("-hls_segment_filename", str(target / "seg%03d.ts")),
            str(target / "index.m3u8"),
        ],
        check=True,
        capture_output=True,
    )


def _loop_segments(root: Path, tag: str) -> list[tuple[str, str]]:
    """(EXTINF line, file name) for each segment of the encoded loop."""
    lines = (root / "_media" / tag / "index.m3u8").read_text().splitlines()
    return [
        (line, lines[index + 1]) for index, line in enumerate(lines) if line.startswith("#EXTINF")
    ]


def _link_segments(root: Path, tag: str, target: Path) -> None:
    """Hard links in ``target`` to the encoded loop's segments (copies on another file
    system), unless there already."""
    target.mkdir(exist_ok=True)
    for source in (root / "_media" / tag).glob("*.ts"):
        link = target / source.name
        if not link.exists():
            try:
                link.hardlink_to(source)
            except OSError:  # another file system: fall back to a copy
                link.write_bytes(source.read_bytes())


def _looped_playlist(root: Path, tag: str, loops: int, *, prefix: str = "") -> str:
    """A VOD playlist that plays the encoded loop ``loops`` times, a discontinuity between
    loops; each segment named ``prefix`` + its file name."""
    playlist = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    segments = _loop_segments(root, tag)
    for loop in range(loops):
        if loop:
            playlist.append("#EXT-X-DISCONTINUITY")
        for extinf, name in segments:
            playlist += [extinf, f"{prefix}{name}"]
    playlist.append("#EXT-X-ENDLIST")
    return "\n".join(playlist) + "\n"


def write_title_media(
    root: Path,
    slug: str,
    minutes: int,
    languages: tuple[str, ...],
    second_audio: tuple[str, str] | None = None,
) -> None:
    """A self-contained folder per playable: playlists, segments and captions.

    Segments are hard links to the shared encoded loop (no copies), so that every URL a
    title's playlists name stays inside that title's folder, the prefix its playback
    tokens authorise, exactly as on a real CDN.
    """
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    for tag, *_ in QUALITIES:
        _link_segments(root, tag, folder / tag)
    master = ["#EXTM3U", "#EXT-X-VERSION:3"]
    loops = max(1, minutes * 60 // LOOP_SECONDS)
    if second_audio is not None:
        master += _second_audio(root, folder, loops, *second_audio)
    for tag, width, height, _, bandwidth in QUALITIES:
        (folder / f"{tag}.m3u8").write_text(_looped_playlist(root, tag, loops, prefix=f"{tag}/"))
        master += [
            f"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION={width}x{height},"
            'CODECS="avc1.4d401e,mp4a.40.2"' + (',AUDIO="aud"' if second_audio else ""),
            f"{tag}.m3u8",
        ]
    (folder / "master.m3u8").write_text("\n".join(master) + "\n")
    for language in languages:
        (folder / f"{language}.vtt").write_text(_webvtt(language, loops * LOOP_SECONDS))


def _second_audio(root: Path, folder: Path, loops: int, language: str, name: str) -> list[str]:
    """Write the title's audio-only playlist (its segments in their own folder, hard links
    like the variants') and return the master's #EXT-X-MEDIA group: the variants' own
    English audio, DEFAULT, and the second language."""
    _link_segments(root, AUDIO_LOOP, folder / AUDIO_LOOP)
    # Its segments are named relative to it, in the same folder.
    (folder / AUDIO_LOOP / "index.m3u8").write_text(_looped_playlist(root, AUDIO_LOOP, loops))
    return [
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="en",NAME="English",DEFAULT=YES,'
        "AUTOSELECT=YES",
        f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="{language}",NAME="{name}",'
        f'DEFAULT=NO,AUTOSELECT=YES,URI="{AUDIO_LOOP}/index.m3u8"',
    ]


CAPTION_LINES = {
    "en": ("[gentle tone]", "The picture holds steady.", "Colours drift across the frame."),
    "es": ("[tono suave]", "La imagen se mantiene estable.", "Los colores cruzan el cuadro."),
    "fr": ("[tonalité douce]", "L'image reste stable.", "Les couleurs traversent l'image."),
}


def _timestamp(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.000"


def _webvtt(language: str, total_seconds: int) -> str:
    lines = CAPTION_LINES[language]
    cues = ["WEBVTT", ""]
    for index, start in enumerate(range(0, total_seconds - 4, 20)):
        cues += [
            f"{_timestamp(start)} --> {_timestamp(start + 4)}",
            lines[index % len(lines)],
            "",
        ]
    return "\n".join(cues)


def write_poster(root: Path, slug: str, title: str, index: int) -> str:
    top, bottom = POSTER_COLOURS[index % len(POSTER_COLOURS)]
    words, lines, line = title.split(), [], ""
    for word in words:
        if len(line) + len(word) > 14 and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    text = "".join(
        f'<text x="150" y="{300 + i * 40 - len(lines) * 20}" text-anchor="middle">'
        f"{escape(part)}</text>"
        for i, part in enumerate(lines)
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 450" width="300" height="450">'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" '
        f'stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/></linearGradient></defs>'
        '<rect width="300" height="450" fill="url(#g)"/>'
        '<circle cx="240" cy="80" r="120" fill="#ffffff" opacity="0.07"/>'
        '<g fill="#ffffff" font-family="Helvetica, Arial, sans-serif" font-size="30" '
        f'font-weight="700">{text}</g></svg>'
    )
    (root / slug).mkdir(parents=True, exist_ok=True)
    (root / slug / "poster.svg").write_text(svg)
    return origin_url(f"{slug}/poster.svg")
