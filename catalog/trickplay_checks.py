"""What a trickplay (thumbnails) track check finds: a WebVTT file whose cue payloads name
regions of sprite images (``sprite-0.jpg#xywh=0,0,160,90``), every cue inside the title and
every region inside its sprite.

Held to the same rules as a caption file (catalog/media_checks.py) plus the image ones. A
sprite's size is read from its JPEG or PNG header, so no image library is needed.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from catalog.media_checks import CUE_LINE, CheckFailed, Verdict, _get, _vtt_seconds
from catalog.ttml import clock

XYWH = re.compile(r"^(?P<image>[^#\s]+)#xywh=(\d+),(\d+),(\d+),(\d+)$", re.ASCII)
# A generated track names a few sheets; a hand-made one should not make the worker fetch
# hundreds of images.
MAX_SPRITES = 20


@dataclass(frozen=True)
class ThumbnailCue:
    start: float
    end: float
    image: str  # as written in the file: relative to the VTT, or absolute
    x: int
    y: int
    w: int
    h: int


class TrickplayRefused(ValueError):  # noqa: N818 - reads as a sentence
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def thumbnail_cues(text: str, duration: int) -> list[ThumbnailCue]:
    """The cues of a thumbnails track; TrickplayRefused naming the first line at fault."""
    lines = text.lstrip("\ufeff").splitlines()
    header = lines[0] if lines else ""
    if header != "WEBVTT" and not header.startswith(("WEBVTT ", "WEBVTT\t")):
        raise TrickplayRefused(
            "The first line must be exactly WEBVTT (optionally followed by text)."
        )
    cues: list[ThumbnailCue] = []
    for number, line in enumerate(lines, start=1):
        if "-->" not in line:
            continue
        match = CUE_LINE.match(line.strip())
        start = _vtt_seconds(match[1]) if match else None
        end = _vtt_seconds(match[2]) if match else None
        if start is None or end is None:
            raise TrickplayRefused(
                f"Line {number} is not a well-formed cue timing: {line.strip()!r}."
            )
        if end <= start:
            raise TrickplayRefused(f"The cue on line {number} ends before it starts.")
        if end > duration + settings.MEDIA_DURATION_TOLERANCE_SECONDS:
            raise TrickplayRefused(
                f"The cue on line {number} ends at {clock(end)}, after the title's end "
                f"({clock(duration)})."
            )
        payload = lines[number].strip() if number < len(lines) else ""
        region = XYWH.match(payload)
        if region is None:
            raise TrickplayRefused(
                f"The cue on line {number} must name an image region such as "
                f"sprite.jpg#xywh=0,0,160,90, not {payload[:80]!r}."
            )
        x, y, w, h = (int(region[n]) for n in range(2, 6))
        if w == 0 or h == 0:
            raise TrickplayRefused(f"The cue on line {number} names an empty region.")
        cues.append(ThumbnailCue(start, end, region["image"], x, y, w, h))
    if not cues:
        raise TrickplayRefused("The file has the WEBVTT header but no cues.")
    return cues


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's SOF marker or a PNG's IHDR; None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:2] != b"\xff\xd8":
        return None
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        length = struct.unpack(">H", data[index + 2 : index + 4])[0]
        # SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC)
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        index += 2 + length
    return None


def _check_sprite(url: str, sprite: str, cues: list[ThumbnailCue]) -> None:
    """CheckFailed unless ``sprite`` is an https image holding every region its cues name."""
    absolute = urljoin(url, sprite)
    if urlsplit(absolute).scheme != "https":
        raise CheckFailed(Verdict.invalid(f"The sprite {sprite!r} is not an https:// image."))
    size = image_size(_get(absolute, f"The sprite {sprite}").body)
    if size is None:
        raise CheckFailed(Verdict.invalid(f"The sprite {sprite!r} is not a JPEG or PNG image."))
    width, height = size
    for cue in cues:
        if cue.image == sprite and (cue.x + cue.w > width or cue.y + cue.h > height):
            raise CheckFailed(
                Verdict.invalid(
                    f"The cue at {clock(cue.start)} names {cue.x},{cue.y},{cue.w},{cue.h}, "
                    f"outside its sprite {sprite!r} ({width}x{height})."
                )
            )


def check_trickplay(url: str, duration_seconds: int) -> Verdict:
    """Fetch a thumbnails track and its sprites; VALID only if every region is inside its
    sprite and every cue inside the title."""
    try:
        text = _get(url, "The thumbnails track").text()
        try:
            cues = thumbnail_cues(text, duration_seconds)
        except TrickplayRefused as refused:
            return Verdict.invalid(refused.message)
        sprites = sorted({cue.image for cue in cues})
        if len(sprites) > MAX_SPRITES:
            return Verdict.invalid(
                f"The track names {len(sprites)} sprite images; at most {MAX_SPRITES} are checked."
            )
        for sprite in sprites:
            _check_sprite(url, sprite, cues)
    except CheckFailed as failure:
        return failure.verdict
    return Verdict.valid(
        f"Thumbnails track with {len(cues)} cues in {len(sprites)} sprites, all within the title.",
        cues=len(cues),
        sprites=len(sprites),
    )
