"""What a stream or caption check finds: HLS and caption parsing, and the verdict rules.

A check returns a :class:`Verdict`: VALID or INVALID with a message an editor understands,
or UNKNOWN when the failure may pass (timeout, 5xx, reset) and the task retries. ``facts``
carry what was found (variants, durations, cue counts) for ``probe_media`` and the admin.

Every playlist of a stream (the master, each variant's and each rendition's media playlist)
is held to RFC 8216 by the catalog.hls package: a broken rule that breaks players makes the
stream INVALID, its message quoting the first few problems with their line numbers; the
facts carry them all (``problems``), and the rules players shrug off (``warnings``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from catalog import hls
from catalog.models import ValidationStatus
from catalog.ttml import TtmlRefused, clock, ttml_cues
from streaming_portal.infra.fetch import FetchError, FetchResult, fetch

PLAYLIST_TYPES = {
    "application/vnd.apple.mpegurl",
    "application/x-mpegurl",
    "audio/mpegurl",
    "audio/x-mpegurl",
    "application/octet-stream",  # common on object storage; the content decides
    "binary/octet-stream",
    "text/plain",
}
CUE_TIME = re.compile(r"^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$")
CUE_LINE = re.compile(r"^(\S+)\s+-->\s+(\S+)(?:\s+.*)?$")


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

SHOWN_PROBLEMS = 3  # the verdict message quotes this many; the facts carry them all


@dataclass(frozen=True)
class Variant:
    uri: str
    bandwidth: int | None
    resolution: str | None


@dataclass
class _Findings:
    """What the HLS rules found across the playlists of one stream, for the facts."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def add(self, url: str, problems: list[hls.Problem]) -> None:
        for problem in problems:
            entry = {
                "playlist": url,
                "line": problem.line,
                "section": problem.section,
                "message": str(problem),
            }
            (self.errors if problem.severity == hls.ERROR else self.warnings).append(entry)

    def facts(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.errors:
            found["problems"] = self.errors
        if self.warnings:
            found["warnings"] = self.warnings
        return found


def _playlist(
    result: FetchResult, what: str, findings: _Findings, *, expect: str | None
) -> hls.Report:
    """Check a fetched playlist against RFC 8216; CheckFailed (INVALID) if it breaks it."""
    if result.content_type not in PLAYLIST_TYPES:
        raise CheckFailed(
            Verdict.invalid(
                f"{what} is served as {result.content_type or 'no type'}, not as an HLS "
                "playlist (application/vnd.apple.mpegurl)."
            )
        )
    if not result.text().lstrip(" \t\r\n").startswith("#EXTM3U"):
        raise CheckFailed(
            Verdict.invalid(f"{what} is not an HLS playlist: it does not start with #EXTM3U.")
        )
    report = hls.check_playlist(result.body, expect=expect)
    identified = hls.identification(urlsplit(result.url).path, result.content_type)
    findings.add(result.url, [*report.problems, *([identified] if identified else [])])
    _refuse(what, report.errors, findings)
    return report


def _refuse(
    what: str,
    errors: list[hls.Problem],
    findings: _Findings,
    *,
    verdict: str = "is not a valid HLS playlist",
) -> None:
    """INVALID, quoting the first few problems: "Variant 426x240 is not a valid HLS playlist:
    line 7: #EXTINF:12.5 is longer than #EXT-X-TARGETDURATION:10 (RFC 8216 4.3.3.1)."."""
    if not errors:
        return
    shown = "; ".join(str(problem) for problem in errors[:SHOWN_PROBLEMS])
    more = len(errors) - SHOWN_PROBLEMS
    count = f" ({len(errors)} problems)" if len(errors) > 1 else ""
    raise CheckFailed(
        Verdict.invalid(
            f"{what} {verdict}{count}: {shown}" + (f"; and {more} more" if more > 0 else "") + ".",
            **findings.facts(),
        )
    )


def check_stream(url: str, duration_seconds: int) -> Verdict:
    """Fetch and check an HLS stream against RFC 8216 and the title's running time."""
    findings = _Findings()
    facts: dict[str, Any] = {}
    try:
        master = _get(url, "The playlist")
        report = _playlist(master, "The playlist", findings, expect=None)
        if report.kind == hls.MEDIA:  # a media playlist on its own
            total, segments = _media_duration(report, "The playlist")
            verdict = _compare(total, duration_seconds, "The playlist", segments=segments)
            verdict.facts.update(findings.facts())
            return verdict
        variants = _variants(report, master.url)
        facts["variants"] = []
        checked: list[tuple[str, hls.Report]] = []
        for variant in variants:
            label = f"Variant {variant.resolution or variant.uri}"
            media = _playlist(_get(variant.uri, label), label, findings, expect=hls.MEDIA)
            total, segments = _media_duration(media, label)
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
                raise CheckFailed(verdict)
            checked.append((variant.resolution or variant.uri.rsplit("/", 1)[-1], media))
        consistency = hls.variant_consistency(checked)
        findings.add(master.url, consistency)
        _refuse(
            "The variants",
            [problem for problem in consistency if problem.severity == hls.ERROR],
            findings,
            verdict="do not match each other",
        )
        renditions = _check_renditions(report, master.url, duration_seconds, findings, facts)
        if renditions:
            facts["renditions"] = renditions
        summary = ", ".join(v.resolution or v.uri.rsplit("/", 1)[-1] for v in variants)
        listed = f" {renditions_summary(renditions)}." if renditions else ""
        return Verdict.valid(
            f"{len(variants)} variant{'s' if len(variants) != 1 else ''} ({summary}), each "
            f"{clock(facts['variants'][0]['seconds'])} long as expected.{listed}",
            **facts,
            **findings.facts(),
        )
    except CheckFailed as failure:
        for name, value in {**facts, **findings.facts()}.items():
            failure.verdict.facts.setdefault(name, value)
        return failure.verdict


def _variants(report: hls.Report, base: str) -> list[Variant]:
    variants = []
    for stream in report.streams:
        bandwidth = stream.attributes.get("BANDWIDTH", "")
        variants.append(
            Variant(
                uri=_address(base, stream.uri, f"The variant on line {stream.line}"),
                bandwidth=int(bandwidth) if bandwidth.isascii() and bandwidth.isdigit() else None,
                resolution=stream.attributes.get("RESOLUTION"),
            )
        )
    return variants


def _address(base: str, uri: str, what: str) -> str:
    """The playlist's URI resolved against the master's; INVALID if it cannot be read
    ("http://[::1/a.m3u8" makes urljoin raise)."""
    try:
        return urljoin(base, uri)
    except ValueError as error:
        raise CheckFailed(
            Verdict.invalid(f"{what} has an address that cannot be read ({error}).")
        ) from error


def _check_renditions(
    report: hls.Report,
    base: str,
    duration_seconds: int,
    findings: _Findings,
    facts: dict[str, Any],
) -> list[dict[str, Any]]:
    """Every alternative rendition (#EXT-X-MEDIA), as the admin lists it, and the media
    playlist of each one that has a URI: it must follow RFC 8216 and be complete, and an
    audio, video or subtitles rendition lasts the running time, as the variants do."""
    checked: list[dict[str, Any]] = []
    fetched: dict[str, tuple[float, int]] = {}
    for rendition in report.renditions:
        entry: dict[str, Any] = {
            "type": rendition.type,
            "group": rendition.group,
            "name": rendition.name,
            "language": rendition.language,
            "default": rendition.default,
            "autoselect": rendition.autoselect,
            "characteristics": list(rendition.characteristics),
            "uri": None,
        }
        checked.append(entry)
        facts["renditions"] = checked  # a failure below still shows what was found
        if rendition.uri is None:  # carried in the variants' own streams (or closed captions)
            continue
        label = f"The {rendition.type.lower()} rendition {rendition.name}"
        uri = entry["uri"] = _address(base, rendition.uri, label)
        if uri not in fetched:  # two groups may share one playlist: fetch it once
            media = _playlist(_get(uri, label), label, findings, expect=hls.MEDIA)
            total, segments = _media_duration(media, label)
            fetched[uri] = (total, segments)
            if rendition.type in ("AUDIO", "VIDEO", "SUBTITLES"):
                verdict = _compare(total, duration_seconds, label, segments=segments)
                if verdict.status != ValidationStatus.VALID:
                    raise CheckFailed(verdict)
        entry["seconds"] = round(fetched[uri][0], 3)
        entry["segments"] = fetched[uri][1]
    return checked


DESCRIBES_VIDEO = "public.accessibility.describes-video"
RENDITION_KINDS = {
    "AUDIO": "Audio",
    "SUBTITLES": "Subtitles",
    "VIDEO": "Video",
    "CLOSED-CAPTIONS": "Closed captions",
}


def renditions_summary(renditions: list[dict[str, Any]]) -> str:
    """The renditions a check found, as an editor reads them: "Audio: English (default),
    Français, English — audio description; Subtitles: English". Tolerates facts recorded by
    an older check (any key may be missing)."""
    kinds: dict[str, list[str]] = {}
    for rendition in renditions:
        name = str(rendition.get("name") or rendition.get("language") or "unnamed")
        if DESCRIBES_VIDEO in (rendition.get("characteristics") or ()):
            name += " — audio description"
        if rendition.get("default"):
            name += " (default)"
        kind = str(rendition.get("type") or "")
        kinds.setdefault(RENDITION_KINDS.get(kind, kind.title()), []).append(name)
    return "; ".join(f"{kind}: {', '.join(names)}" for kind, names in kinds.items())


def _media_duration(report: hls.Report, what: str) -> tuple[float, int]:
    """The summed EXTINF durations of a VOD media playlist, and its segment count."""
    if not report.endlist:
        kind = report.playlist_type or ""
        raise CheckFailed(
            Verdict.invalid(
                f"{what} is a live playlist ({kind or 'no #EXT-X-PLAYLIST-TYPE'}, no "
                "#EXT-X-ENDLIST); a title needs a complete video-on-demand playlist."
            )
        )
    if not report.durations:
        raise CheckFailed(Verdict.invalid(f"{what} lists no segments."))
    return math.fsum(report.durations), len(report.durations)


def _compare(total: float, expected: int, what: str, *, segments: int) -> Verdict:
    tolerance = max(settings.MEDIA_DURATION_TOLERANCE_SECONDS, expected * 0.01)
    facts = {"seconds": round(total, 3), "segments": segments, "expected_seconds": expected}
    if abs(total - expected) > tolerance:
        return Verdict.invalid(
            f"{what} is {clock(total)} long, but the title says {clock(expected)} "
            f"(a difference of {clock(abs(total - expected))}; up to {clock(tolerance)} is "
            "accepted).",
            **facts,
        )
    return Verdict.valid(f"{what} is {clock(total)} long as expected.", **facts)


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
                f"The cue on line {number} ends at {clock(end)}, after the title's end "
                f"({clock(duration)}).",
                cues=cues,
            )
        cues += 1
    if not cues:
        return Verdict.invalid("The file has the WEBVTT header but no cues.")
    return Verdict.valid(f"WebVTT with {cues} cues, all within the title.", cues=cues)


def _check_ttml(text: str, duration: int) -> Verdict:
    try:
        cues = ttml_cues(text, duration)
    except TtmlRefused as refused:
        return Verdict.invalid(refused.message)
    return Verdict.valid(f"TTML with {len(cues)} cues, all within the title.", cues=len(cues))
