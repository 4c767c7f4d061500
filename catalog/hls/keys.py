"""Encryption keys: #EXT-X-KEY in media playlists (RFC 8216 4.3.2.4) and
#EXT-X-SESSION-KEY in master playlists (4.3.4.5).

One module for both because the session key is the same tag with one more rule
(METHOD must not be NONE); the media and master rules both call :func:`check_key`.
"""

from __future__ import annotations

from catalog.hls.attributes import Checker
from catalog.hls.grammar import IV, KEY_METHODS
from catalog.hls.lines import Line
from catalog.hls.report import Report
from catalog.hls.versions import needs_version


def check_key(line: Line, report: Report, check: Checker, *, session: bool) -> None:
    section = "4.3.4.5" if session else "4.3.2.4"
    attributes = check.attributes(line)
    if attributes is None:
        return
    method = check.enumerated(line, attributes, "METHOD", KEY_METHODS, section, required=True)
    if method is None:
        return
    if method == "NONE":
        if session:
            check.error(line.number, "#EXT-X-SESSION-KEY METHOD must not be NONE", section)
        others = sorted(name for name in attributes if name != "METHOD")
        if others:
            check.error(
                line.number,
                f"{line.name} METHOD=NONE must have no other attributes, but it has "
                f"{', '.join(others)}",
                "4.3.2.4",
            )
        return
    check.quoted(line, attributes, "URI", section, required=True)
    if "IV" in attributes:
        check.matches(
            line,
            attributes,
            "IV",
            (IV, "a 128-bit hexadecimal number (0x and up to 32 hexadecimal digits)"),
            section="4.3.2.4",
        )
        needs_version(report, check, line, f"the IV attribute of {line.name}", 2)
    for name in ("KEYFORMAT", "KEYFORMATVERSIONS"):
        if name in attributes:
            check.quoted(line, attributes, name, "4.3.2.4")
            needs_version(report, check, line, f"the {name} attribute of {line.name}", 5)
