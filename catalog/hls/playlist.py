"""The entry point, :func:`check_playlist`, and the rules every playlist obeys, master or
media: #EXTM3U first (4.3.1.1), tags that may appear only once, never mixing master and
media tags (4.3.4), #EXT-X-START (4.3.5.2).

It decides which kind of playlist it reads, then hands the lines to
:mod:`catalog.hls.master` or :mod:`catalog.hls.media`.
"""

from __future__ import annotations

from catalog.hls.attributes import Checker
from catalog.hls.grammar import (
    MASTER_TAGS,
    MEDIA_PLAYLIST_TAGS,
    MEDIA_SEGMENT_TAGS,
    ONCE,
    SIGNED_DECIMAL_FLOAT,
    YES_NO,
    show,
)
from catalog.hls.lines import Line, decode, read_lines
from catalog.hls.master import check_master
from catalog.hls.media import check_media
from catalog.hls.report import MASTER, MEDIA, WARNING, Report
from catalog.hls.versions import read_version


def check_playlist(content: bytes | str, *, expect: str | None = None) -> Report:
    """Check one playlist against RFC 8216. ``expect`` is MASTER or MEDIA when the caller
    knows which it must be (a variant's URI names a media playlist); otherwise the tags
    decide. Never raises on any input: whatever is wrong comes back as problems."""
    check = Checker()
    text = decode(content, check)
    lines = read_lines(text, check)
    tags = [line for line in lines if line.kind == "tag"]
    first_master = next((line for line in tags if line.name in MASTER_TAGS), None)
    kind = expect or (MASTER if first_master is not None else MEDIA)
    report = Report(kind=kind)

    first = lines[0]
    if first.text != "#EXTM3U":
        shown = "blank" if first.kind == "blank" else show(first.text)
        check.error(1, f"the first line is {shown}, but it must be #EXTM3U", "4.3.1.1")

    read_version(tags, report, check)
    _once(tags, kind, check)
    _mixed(tags, kind, first_master, check)
    if kind == MASTER:
        check_master(lines, report, check)
    elif first_master is None:  # (a master playlist where a media one must be: said above)
        check_media(lines, report, check)
    for line in tags:
        if line.name == "#EXT-X-START":
            _start(line, check)
    report.problems = sorted(check.problems, key=lambda problem: problem.line or 0)
    return report


def _once(tags: list[Line], kind: str, check: Checker) -> None:
    seen: dict[str, int] = {}
    for line in tags:
        section = ONCE.get(line.name)
        if section is None:
            continue
        if kind == MASTER and line.name in MEDIA_PLAYLIST_TAGS:
            continue  # reported as a media playlist tag in a master playlist
        if line.name in seen:
            check.error(
                line.number,
                f"{line.name} appears again (first on line {seen[line.name]}); a playlist "
                "may have it only once",
                section,
            )
        else:
            seen[line.name] = line.number


def _mixed(tags: list[Line], kind: str, first_master: Line | None, check: Checker) -> None:
    """RFC 8216 4.3.4: a playlist is master or media, never both (one problem per tag)."""
    foreign = MEDIA_SEGMENT_TAGS | MEDIA_PLAYLIST_TAGS if kind == MASTER else MASTER_TAGS
    reported: set[str] = set()
    for line in tags:
        if line.name not in foreign or line.name in reported:
            continue
        reported.add(line.name)
        if kind == MASTER:
            what = "media segment" if line.name in MEDIA_SEGMENT_TAGS else "media playlist"
            because = (
                f" ({first_master.name} on line {first_master.number})"
                if first_master is not None
                else ""
            )
            check.error(
                line.number,
                f"{line.name} is a {what} tag, but this is a master playlist{because}; a "
                "playlist must not mix the two",
                "4.3.4",
            )
        else:
            check.error(
                line.number,
                f"{line.name} is a master playlist tag; it must not appear in a media "
                "playlist (a variant's URI must name a media playlist)",
                "4.3.4",
            )


def _start(line: Line, check: Checker) -> None:
    attributes = check.attributes(line)
    if attributes is None:
        return
    if check.required(line, attributes, "TIME-OFFSET", "4.3.5.2"):
        check.matches(
            line,
            attributes,
            "TIME-OFFSET",
            (SIGNED_DECIMAL_FLOAT, "a signed decimal number of seconds"),
            section="4.3.5.2",
        )
    check.enumerated(line, attributes, "PRECISE", YES_NO, "4.3.5.2", severity=WARNING)
