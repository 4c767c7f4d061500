"""Media playlists: the segments and the tags around them (RFC 8216 4.3.2 and 4.3.3).

#EXTINF and its URI, #EXT-X-BYTERANGE, #EXT-X-DISCONTINUITY, #EXT-X-MAP,
#EXT-X-PROGRAM-DATE-TIME, #EXT-X-DATERANGE, #EXT-X-TARGETDURATION, the sequence numbers,
#EXT-X-ENDLIST and #EXT-X-PLAYLIST-TYPE, read in one pass because most rules depend on
order (a range continues the previous segment, a sequence number comes before the first
segment). #EXT-X-KEY is in :mod:`catalog.hls.keys`, shared with master playlists.
"""

from __future__ import annotations

import math

from catalog.hls.attributes import Checker
from catalog.hls.grammar import (
    BYTERANGE,
    DATE_TIME,
    DECIMAL_FLOAT,
    MAX_INTEGER,
    decimal_integer,
    show,
)
from catalog.hls.keys import check_key
from catalog.hls.lines import Line
from catalog.hls.report import WARNING, Report
from catalog.hls.versions import needs_version


def check_media(  # noqa: PLR0912, PLR0915 - one pass, a branch per tag
    lines: list[Line], report: Report, check: Checker
) -> None:
    """The rules of a media playlist, recording its segments' durations on ``report``."""
    i_frames_only = any(line.name == "#EXT-X-I-FRAMES-ONLY" for line in lines)
    target_line: Line | None = None
    type_line: Line | None = None
    first_segment: int | None = None
    first_discontinuity: int | None = None
    pending: Line | None = None  # the #EXTINF waiting for its URI
    byterange: tuple[Line, int | None] | None = None  # the next segment's, with its offset
    previous: tuple[str, bool] | None = None  # the last segment's URI, and if a sub-range
    durations: list[tuple[Line, str, float]] = []

    for line in lines:
        if line.kind == "uri":
            if first_segment is None:
                first_segment = line.number
            if pending is None:
                check.error(
                    line.number,
                    f"the segment {show(line.text)} has no #EXTINF before it; every "
                    "segment needs one",
                    "4.3.2.1",
                )
            if byterange is not None and byterange[1] is None:
                _range_follows(byterange[0], line, previous, check)
            previous = (line.text, byterange is not None)
            pending, byterange = None, None
            continue
        if line.kind != "tag":
            continue
        name = line.name
        if name == "#EXTINF":
            if first_segment is None:
                first_segment = line.number
            if pending is not None:
                check.error(
                    pending.number,
                    f"{pending.tag} is not followed by its segment's URI (line "
                    f"{line.number} is the next #EXTINF)",
                    "4.3.2.1",
                )
            pending = line
            duration = _extinf(line, report, check)
            if duration is not None:
                durations.append(duration)
        elif name == "#EXT-X-BYTERANGE":
            match = BYTERANGE.fullmatch(line.value or "")
            if match is None or int(match[1]) > MAX_INTEGER or int(match[2] or 0) > MAX_INTEGER:
                check.error(
                    line.number,
                    f"{line.tag} is not a byte range (<length>[@<offset>] in decimal integers)",
                    "4.3.2.2",
                )
            else:
                byterange = (line, int(match[2]) if match[2] is not None else None)
            needs_version(report, check, line, "#EXT-X-BYTERANGE", 4)
        elif name == "#EXT-X-DISCONTINUITY":
            report.discontinuities += 1
            if first_discontinuity is None:
                first_discontinuity = line.number
        elif name == "#EXT-X-KEY":
            check_key(line, report, check, session=False)
        elif name == "#EXT-X-MAP":
            _map(line, check)
            if i_frames_only:
                needs_version(report, check, line, "#EXT-X-MAP (with #EXT-X-I-FRAMES-ONLY)", 5)
            else:
                needs_version(report, check, line, "#EXT-X-MAP", 6)
        elif name == "#EXT-X-PROGRAM-DATE-TIME":
            if not DATE_TIME.fullmatch(line.value or ""):
                check.warn(line.number, f"{line.tag} is not an ISO 8601 date and time", "4.3.2.6")
        elif name == "#EXT-X-DATERANGE":
            attributes = check.attributes(line, WARNING)
            if attributes is not None:
                check.quoted(line, attributes, "ID", "4.3.2.7", required=True, severity=WARNING)
                check.quoted(
                    line, attributes, "START-DATE", "4.3.2.7", required=True, severity=WARNING
                )
        elif name == "#EXT-X-TARGETDURATION":
            number = decimal_integer(line.value or "")
            if number is None:
                check.error(
                    line.number,
                    f"{line.tag} is not a whole number of seconds (a decimal integer)",
                    "4.3.3.1",
                )
            elif target_line is None:
                target_line, report.target_duration = line, number
        elif name in ("#EXT-X-MEDIA-SEQUENCE", "#EXT-X-DISCONTINUITY-SEQUENCE"):
            section = "4.3.3.2" if name == "#EXT-X-MEDIA-SEQUENCE" else "4.3.3.3"
            if decimal_integer(line.value or "") is None:
                check.error(line.number, f"{line.tag} is not a decimal integer", section)
            if first_segment is not None:
                check.error(
                    line.number,
                    f"{name} comes after the first segment (line {first_segment}); it must "
                    "come before it",
                    section,
                )
            elif name == "#EXT-X-DISCONTINUITY-SEQUENCE" and first_discontinuity is not None:
                check.error(
                    line.number,
                    f"{name} comes after the #EXT-X-DISCONTINUITY on line "
                    f"{first_discontinuity}; it must come before any",
                    section,
                )
        elif name == "#EXT-X-ENDLIST":
            report.endlist = True
        elif name == "#EXT-X-PLAYLIST-TYPE":
            if line.value not in ("VOD", "EVENT"):
                check.error(line.number, f"{line.tag} is neither VOD nor EVENT", "4.3.3.5")
            elif type_line is None:
                type_line, report.playlist_type = line, line.value
        elif name == "#EXT-X-I-FRAMES-ONLY":
            needs_version(report, check, line, "#EXT-X-I-FRAMES-ONLY", 4)
        elif name == "#EXT-X-ALLOW-CACHE" and (report.version or 0) >= 7:
            check.warn(line.number, "#EXT-X-ALLOW-CACHE was removed in protocol version 7", "7")

    if pending is not None:
        check.error(
            pending.number, f"{pending.tag} is not followed by its segment's URI", "4.3.2.1"
        )
    if not any(line.name == "#EXT-X-TARGETDURATION" for line in lines):
        check.error(
            None, "the media playlist has no #EXT-X-TARGETDURATION, which it must have", "4.3.3.1"
        )
    if report.target_duration is not None:
        for line, shown, seconds in durations:
            if math.floor(seconds + 0.5) > report.target_duration:
                check.error(
                    line.number,
                    f"#EXTINF:{show(shown, 30)} is longer than "
                    f"#EXT-X-TARGETDURATION:{report.target_duration}",
                    "4.3.3.1",
                )
    if report.playlist_type == "VOD" and not report.endlist and type_line is not None:
        check.error(
            type_line.number,
            "#EXT-X-PLAYLIST-TYPE:VOD says the playlist is complete, but it has no #EXT-X-ENDLIST",
            "4.3.3.5",
        )
    report.durations = [seconds for _, _, seconds in durations]


def _extinf(line: Line, report: Report, check: Checker) -> tuple[Line, str, float] | None:
    duration, comma, _title = (line.value or "").partition(",")
    if not comma:
        check.warn(
            line.number,
            f"{line.tag} has no comma after its duration (#EXTINF:<duration>,[<title>])",
            "4.3.2.1",
        )
    duration = duration.strip(" \t")
    if not DECIMAL_FLOAT.fullmatch(duration):
        check.error(
            line.number,
            f"{line.tag} has a segment duration that is not a decimal number of seconds",
            "4.3.2.1",
        )
        return None
    seconds = float(duration)
    if not math.isfinite(seconds):  # more than 308 digits
        check.error(line.number, f"{line.tag} has a segment duration too long to read", "4.3.2.1")
        return None
    if "." in duration:
        needs_version(
            report,
            check,
            line,
            f"a floating-point duration (#EXTINF:{duration})",
            3,
            key="floating-point #EXTINF",
        )
    return line, duration, seconds


def _range_follows(
    byterange: Line, segment: Line, previous: tuple[str, bool] | None, check: Checker
) -> None:
    """RFC 8216 4.3.2.2: a range without an offset continues the previous segment's range
    of the same resource."""
    if previous is not None and previous == (segment.text, True):
        return
    if previous is None:
        why = "it is the first segment"
    elif not previous[1]:
        why = "the segment before it is a whole file"
    else:
        why = f"the segment before it is a range of {show(previous[0], 40)}"
    check.error(
        byterange.number,
        f"{byterange.tag} has no offset, so it must continue a range of the same file, but {why}",
        "4.3.2.2",
    )


def _map(line: Line, check: Checker) -> None:
    attributes = check.attributes(line)
    if attributes is None:
        return
    check.quoted(line, attributes, "URI", "4.3.2.5", required=True)
    byterange = check.quoted(line, attributes, "BYTERANGE", "4.3.2.5")
    if byterange is not None and not BYTERANGE.fullmatch(byterange):
        check.error(
            line.number,
            f'#EXT-X-MAP BYTERANGE="{show(byterange, 30)}" is not a byte range '
            "(<length>[@<offset>])",
            "4.3.2.5",
        )
