"""EXT-X-VERSION (RFC 8216 4.3.1.2) and the compatibility rules of section 7.

A feature newer than the declared protocol version makes older players refuse the
playlist, so each rule that meets such a feature asks :func:`needs_version`, which reports
it once per feature, on its first line.
"""

from __future__ import annotations

from catalog.hls.grammar import decimal_integer
from catalog.hls.lines import Line
from catalog.hls.report import ERROR, Collector, Report


def read_version(tags: list[Line], report: Report, check: Collector) -> None:
    line = next((line for line in tags if line.name == "#EXT-X-VERSION"), None)
    if line is None:
        return
    report.version_line = line.number
    number = decimal_integer(line.value or "")
    if number is None or number < 1:
        check.error(
            line.number, f"{line.tag} is not a protocol version (a decimal integer)", "4.3.1.2"
        )
        report.version = None
    else:
        report.version = number


def needs_version(
    report: Report,
    check: Collector,
    line: Line,
    feature: str,
    minimum: int,
    *,
    key: str | None = None,
) -> None:
    """RFC 8216 section 7: a feature needs at least a protocol version (reported for the
    feature's first line only)."""
    if report.version is None or report.version >= minimum:
        return
    declared = (
        f"the playlist declares #EXT-X-VERSION:{report.version} (line {report.version_line})"
        if report.version_line is not None
        else "the playlist has no #EXT-X-VERSION (version 1)"
    )
    check.once(
        f"version:{key or feature}",
        line.number,
        f"{feature} needs #EXT-X-VERSION:{minimum} or higher, but {declared}",
        "7",
        ERROR,
    )
