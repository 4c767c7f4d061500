"""TTML captions: read once, by one set of rules, for the worker's check and for the edge.

The worker's check (catalog/media_checks.py) and the edge's conversion to WebVTT
(playback/edge.py; browsers play WebVTT only) both call :func:`ttml_cues`, so a file the
check calls valid is exactly a file the edge can convert, and one it refuses is refused at
the edge with the same message. The XML is parsed by defusedxml (no entities, no DTDs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.conf import settings

TTML_NAMESPACE = "http://www.w3.org/ns/ttml"
TTML_PARAMETER = "{http://www.w3.org/ns/ttml#parameter}"
TTML_TIME = re.compile(
    r"^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)(?::(\d+))?$|^(\d+(?:\.\d+)?)(h|ms|m|s|f|t)$"
)
_P, _BR, _SPAN = (f"{{{TTML_NAMESPACE}}}{name}" for name in ("p", "br", "span"))


class TtmlRefused(Exception):  # noqa: N818 - reads as a sentence: the TTML is refused
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def clock(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def ttml_seconds(value: str, rates: tuple[float, float] = (30.0, 1.0)) -> float | None:
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


def _text(element: Element) -> str:
    """A p's words, with <br/> as a line break and spans' text in order."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == _BR:
            parts.append("\n")
        elif child.tag == _SPAN:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _rates(root: Element) -> tuple[float, float]:
    try:
        rates = (
            float(root.get(f"{TTML_PARAMETER}frameRate", "30")),
            float(root.get(f"{TTML_PARAMETER}tickRate", "1")),
        )
    except ValueError as error:
        raise TtmlRefused(
            "The TTML file's ttp:frameRate or ttp:tickRate is not a number."
        ) from error
    if min(rates) <= 0:
        raise TtmlRefused("The TTML file's ttp:frameRate and ttp:tickRate must be above 0.")
    return rates


def ttml_cues(text: str, duration: int) -> list[Cue]:
    """The timed cues of a TTML document, or TtmlRefused saying what is wrong with it."""
    try:
        root = ElementTree.fromstring(text.encode())
    except DefusedXmlException as error:
        raise TtmlRefused("The TTML file uses forbidden XML features (entities, DTDs).") from error
    except ElementTree.ParseError as error:
        raise TtmlRefused(f"The TTML file is not well-formed XML: {error}.") from error
    if root.tag != f"{{{TTML_NAMESPACE}}}tt":
        raise TtmlRefused(
            f"The root element is {root.tag}, not tt in the TTML namespace ({TTML_NAMESPACE})."
        )
    rates = _rates(root)
    cues = []
    for element in root.iter(_P):
        begin, end, length = element.get("begin"), element.get("end"), element.get("dur")
        if begin is None or (end is None and length is None):
            continue
        start = ttml_seconds(begin, rates)
        span = ttml_seconds(length, rates) if length is not None else None
        stop = (
            ttml_seconds(end, rates)
            if end is not None
            else (start + span if start is not None and span is not None else None)
        )
        if start is None or stop is None:
            shown = end if end is not None else f"+{length}"
            raise TtmlRefused(f"A cue has a time the portal cannot read: {begin} to {shown}.")
        if stop > duration + settings.MEDIA_DURATION_TOLERANCE_SECONDS:
            raise TtmlRefused(
                f"A cue ends at {clock(stop)}, after the title's end ({clock(duration)})."
            )
        cues.append(Cue(start, stop, _text(element).strip()))
    if not cues:
        raise TtmlRefused("The TTML file has no timed cues (p elements with begin and end).")
    return cues


def _vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _vtt_text(text: str) -> str:
    """Cue text as WebVTT reads it: markup characters escaped, no blank line (which would
    end the cue) and no "-->" (which would start a timing line)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    lines = [line.strip() for line in escaped.splitlines()]
    return "\n".join(line for line in lines if line) or "&nbsp;"


def ttml_as_webvtt(text: str, duration: int) -> str:
    """The TTML document as a WebVTT file, or TtmlRefused (the worker's message)."""
    blocks = ["WEBVTT", ""]
    for cue in ttml_cues(text, duration):
        blocks += [f"{_vtt_time(cue.start)} --> {_vtt_time(cue.end)}", _vtt_text(cue.text), ""]
    return "\n".join(blocks)
