"""What a stream or caption check finds: HLS and caption parsing, and the verdict rules.

A check returns a :class:`Verdict`: VALID or INVALID with a message an editor understands,
or UNKNOWN when the failure may pass (timeout, 5xx, reset) and the task retries. ``facts``
carry what was found (variants, durations, cue counts) for ``probe_media`` and the admin.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.conf import settings

from catalog.models import ValidationStatus
from streaming_portal.infra.fetch import FetchError, fetch

PLAYLIST_TYPES = {
    "application/vnd.apple.mpegurl",
    "application/x-mpegurl",
    "audio/mpegurl",
    "audio/x-mpegurl",
    "application/octet-stream",  # common on object storage; the content decides
    "binary/octet-stream",
    "text/plain",
}
TTML_NAMESPACE = "http://www.w3.org/ns/ttml"
CUE_TIME = re.compile(r"^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$")
CUE_LINE = re.compile(r"^(\S+)\s+-->\s+(\S+)(?:\s+.*)?$")
TTML_TIME = re.compile(
    r"^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)(?::(\d+))?$|^(\d+(?:\.\d+)?)(h|ms|m|s|f|t)$"
)
TTML_PARAMETER = "{http://www.w3.org/ns/ttml#parameter}"


@dataclass
class Verdict:
    status: ValidationStatus
    message: str
    facts: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def valid(cls, message: str, **facts: Any) -> Verdict:
        return cls(ValidationStatus.VALID, message, facts)

    @classmethod
    def invalid(cls, message: str, **facts: Any) -> Verdict:
        return cls(ValidationStatus.INVALID, message, facts)

    @classmethod
    def unknown(cls, message: str, **facts: Any) -> Verdict:
        return cls(ValidationStatus.UNKNOWN, message, facts)


class CheckFailed(Exception):  # noqa: N818 - reads as a sentence
    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.message)
        self.verdict = verdict


def _get(url: str, what: str) -> Any:
    try:
        return fetch(url)
    except FetchError as error:
        if error.transient:
            raise CheckFailed(
                Verdict.unknown(f"{what}: {error.message} Will try again.")
            ) from error
        raise CheckFailed(Verdict.invalid(f"{what}: {error.message}")) from error


# --- HLS ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    uri: str
    bandwidth: int | None
    resolution: str | None


def _attributes(text: str) -> dict[str, str]:
    found = re.findall(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)', text)
    return {name: value.strip('"') for name, value in found}


def _playlist_lines(text: str, url: str, what: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise CheckFailed(
            Verdict.invalid(f"{what} is not an HLS playlist: it does not start with #EXTM3U.")
        )
    return lines


def check_stream(url: str, duration_seconds: int) -> Verdict:
    """Fetch and check an HLS stream against the title's running time."""
    try:
        master = _get(url, "The playlist")
        if master.content_type not in PLAYLIST_TYPES:
            return Verdict.invalid(
                f"The playlist is served as {master.content_type or 'no type'}, not as an HLS "
                "playlist (application/vnd.apple.mpegurl)."
            )
        lines = _playlist_lines(master.text(), url, "The playlist")
        variants = _variants(lines, master.url)
        if not variants:  # a media playlist on its own
            total, segments = _media_duration(lines, "The playlist")
            return _compare(total, duration_seconds, "The playlist", segments=segments)
        facts: dict[str, Any] = {"variants": []}
        for variant in variants:
            label = f"Variant {variant.resolution or variant.uri}"
            media = _get(variant.uri, label)
            if media.content_type not in PLAYLIST_TYPES:
                return Verdict.invalid(
                    f"{label} is served as {media.content_type or 'no type'}, not as an HLS "
                    "playlist (application/vnd.apple.mpegurl).",
                    **facts,
                )
            total, segments = _media_duration(
                _playlist_lines(media.text(), variant.uri, label), label
            )
            verdict = _compare(total, duration_seconds, label, segments=segments)
            facts["variants"].append(
                {
                    "uri": variant.uri,
                    "resolution": variant.resolution,
                    "bandwidth": variant.bandwidth,
                    "seconds": round(total, 3),
                    "segments": segments,
                }
            )
            if verdict.status != ValidationStatus.VALID:
                verdict.facts.update(facts)
                return verdict
        summary = ", ".join(v.resolution or v.uri.rsplit("/", 1)[-1] for v in variants)
        return Verdict.valid(
            f"{len(variants)} variant{'s' if len(variants) != 1 else ''} ({summary}), each "
            f"{_clock(facts['variants'][0]['seconds'])} long as expected.",
            **facts,
        )
    except CheckFailed as failure:
        return failure.verdict


def _variants(lines: list[str], base: str) -> list[Variant]:
    variants = []
    for index, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = _attributes(line.split(":", 1)[1])
            uri = None
            for following in lines[index + 1 :]:
                if following.startswith("#EXT-X-STREAM-INF:"):
                    break  # the next variant began: this one has no address
                if not following.startswith("#"):
                    uri = following
                    break
            if uri is None:
                raise CheckFailed(
                    Verdict.invalid("The master playlist names a variant without an address.")
                )
            bandwidth = attributes.get("BANDWIDTH", "")
            variants.append(
                Variant(
                    uri=urljoin(base, uri),
                    bandwidth=int(bandwidth) if bandwidth.isdigit() else None,
                    resolution=attributes.get("RESOLUTION"),
                )
            )
    return variants


def _media_duration(lines: list[str], what: str) -> tuple[float, int]:
    """The summed EXTINF durations of a VOD media playlist, and its segment count."""
    if "#EXT-X-ENDLIST" not in lines:
        kind = next(
            (x.split(":", 1)[1] for x in lines if x.startswith("#EXT-X-PLAYLIST-TYPE:")), ""
        )
        raise CheckFailed(
            Verdict.invalid(
                f"{what} is a live playlist ({kind or 'no #EXT-X-PLAYLIST-TYPE'}, no "
                "#EXT-X-ENDLIST); a title needs a complete video-on-demand playlist."
            )
        )
    total, segments = 0.0, 0
    for line in lines:
        if line.startswith("#EXTINF:"):
            value = line[len("#EXTINF:") :].split(",", 1)[0]
            try:
                seconds = float(value)
            except ValueError:
                seconds = math.nan
            if not math.isfinite(seconds) or seconds < 0:
                raise CheckFailed(
                    Verdict.invalid(f"{what} has a malformed segment duration: {line!r}.")
                )
            total += seconds
            segments += 1
    if not segments:
        raise CheckFailed(Verdict.invalid(f"{what} lists no segments."))
    return total, segments


def _compare(total: float, expected: int, what: str, *, segments: int) -> Verdict:
    tolerance = max(settings.MEDIA_DURATION_TOLERANCE_SECONDS, expected * 0.01)
    facts = {"seconds": round(total, 3), "segments": segments, "expected_seconds": expected}
    if abs(total - expected) > tolerance:
        return Verdict.invalid(
            f"{what} is {_clock(total)} long, but the title says {_clock(expected)} "
            f"(a difference of {_clock(abs(total - expected))}; up to {_clock(tolerance)} is "
            "accepted).",
            **facts,
        )
    return Verdict.valid(f"{what} is {_clock(total)} long as expected.", **facts)


def _clock(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# --- Captions ------------------------------------------------------------------------------------


def check_caption(url: str, caption_format: str, duration_seconds: int) -> Verdict:
    """Fetch a caption file and check it is well-formed, of its declared format, and in time."""
    try:
        result = _get(url, "The caption file")
        text = result.text()
        looks_vtt = text.lstrip().startswith("WEBVTT")
        looks_xml = text.lstrip().startswith("<")
        if caption_format == "WEBVTT":
            if not looks_vtt:
                hint = " It looks like TTML (XML)." if looks_xml else ""
                return Verdict.invalid(f"The file does not start with the WEBVTT header.{hint}")
            return _check_vtt(text, duration_seconds)
        if looks_vtt:
            return Verdict.invalid("The file is WebVTT, but the track says TTML.")
        return _check_ttml(text, duration_seconds)
    except CheckFailed as failure:
        return failure.verdict


def _vtt_seconds(stamp: str) -> float | None:
    match = CUE_TIME.match(stamp)
    if not match:
        return None
    hours, minutes, seconds, millis = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def _check_vtt(text: str, duration: int) -> Verdict:
    header = text.lstrip("\ufeff").splitlines()[0]
    if header != "WEBVTT" and not header.startswith(("WEBVTT ", "WEBVTT\t")):
        return Verdict.invalid(
            "The first line must be exactly WEBVTT (optionally followed by text)."
        )
    cues = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if "-->" not in line:
            continue
        match = CUE_LINE.match(line.strip())
        start = _vtt_seconds(match[1]) if match else None
        end = _vtt_seconds(match[2]) if match else None
        if start is None or end is None:
            return Verdict.invalid(
                f"Line {number} is not a well-formed cue timing: {line.strip()!r}."
            )
        if end <= start:
            return Verdict.invalid(f"The cue on line {number} ends before it starts.")
        if end > duration + settings.MEDIA_DURATION_TOLERANCE_SECONDS:
            return Verdict.invalid(
                f"The cue on line {number} ends at {_clock(end)}, after the title's end "
                f"({_clock(duration)}).",
                cues=cues,
            )
        cues += 1
    if not cues:
        return Verdict.invalid("The file has the WEBVTT header but no cues.")
    return Verdict.valid(f"WebVTT with {cues} cues, all within the title.", cues=cues)


def _ttml_seconds(value: str, rates: tuple[float, float] = (30.0, 1.0)) -> float | None:
    """A TTML time expression in seconds: clock time (with frames), or an offset in
    h, m, s, ms, f (frames, at ttp:frameRate) or t (ticks, at ttp:tickRate)."""
    frame_rate, tick_rate = rates
    match = TTML_TIME.match(value.strip())
    if not match:
        return None
    hours, minutes, seconds, frames, amount, unit = match.groups()
    if amount is not None:
        scale = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "f": 1 / frame_rate, "t": 1 / tick_rate}[
            unit
        ]
        return float(amount) * scale
    total = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return total + (int(frames) / frame_rate if frames else 0)


def _check_ttml(text: str, duration: int) -> Verdict:  # noqa: PLR0911 - a return per rule
    try:
        root = ElementTree.fromstring(text.encode())
    except DefusedXmlException:
        return Verdict.invalid("The TTML file uses forbidden XML features (entities, DTDs).")
    except ElementTree.ParseError as error:
        return Verdict.invalid(f"The TTML file is not well-formed XML: {error}.")
    if root.tag != f"{{{TTML_NAMESPACE}}}tt":
        return Verdict.invalid(
            f"The root element is {root.tag}, not tt in the TTML namespace ({TTML_NAMESPACE})."
        )
    try:
        rates = (
            float(root.get(f"{TTML_PARAMETER}frameRate", "30")),
            float(root.get(f"{TTML_PARAMETER}tickRate", "1")),
        )
    except ValueError:
        return Verdict.invalid("The TTML file's ttp:frameRate or ttp:tickRate is not a number.")
    if min(rates) <= 0:
        return Verdict.invalid("The TTML file's ttp:frameRate and ttp:tickRate must be above 0.")
    cues = 0
    for element in root.iter(f"{{{TTML_NAMESPACE}}}p"):
        begin, end, length = element.get("begin"), element.get("end"), element.get("dur")
        if begin is None or (end is None and length is None):
            continue
        start = _ttml_seconds(begin, rates)
        span = _ttml_seconds(length, rates) if length is not None else None
        stop = (
            _ttml_seconds(end, rates)
            if end is not None
            else (start + span if start is not None and span is not None else None)
        )
        if start is None or stop is None:
            shown = end if end is not None else f"+{length}"
            return Verdict.invalid(f"A cue has a time the portal cannot read: {begin} to {shown}.")
        if stop > duration + settings.MEDIA_DURATION_TOLERANCE_SECONDS:
            return Verdict.invalid(
                f"A cue ends at {_clock(stop)}, after the title's end ({_clock(duration)})."
            )
        cues += 1
    if not cues:
        return Verdict.invalid("The TTML file has no timed cues (p elements with begin and end).")
    return Verdict.valid(f"TTML with {cues} cues, all within the title.", cues=cues)
