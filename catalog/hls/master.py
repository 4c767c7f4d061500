"""Master playlists (RFC 8216 4.3.4): variant streams (#EXT-X-STREAM-INF and the URI after
it, #EXT-X-I-FRAME-STREAM-INF), renditions (#EXT-X-MEDIA), session data and keys, and the
rendition groups that tie them together (4.3.4.1.1).

What ``check_stream`` follows next (each variant's URI, each rendition's) is recorded on
the :class:`~catalog.hls.report.Report` here.
"""

from __future__ import annotations

from catalog.hls.attributes import Checker, Value
from catalog.hls.grammar import (
    DECIMAL_FLOAT,
    INSTREAM_ID,
    KNOWN_TAGS,
    MEDIA_TYPES,
    RESOLUTION,
    YES_NO,
    show,
)
from catalog.hls.keys import check_key
from catalog.hls.lines import Line
from catalog.hls.report import WARNING, Rendition, Report, Stream
from catalog.hls.versions import needs_version


def check_master(  # noqa: PLR0912 - a branch per tag
    lines: list[Line], report: Report, check: Checker
) -> None:
    """The rules of a master playlist, recording its variants and renditions on ``report``."""
    claimed: set[int] = set()
    stream_tags: list[tuple[Line, dict[str, Value]]] = []
    strays: list[Line] = []
    for index, line in enumerate(lines):
        if line.kind == "uri":
            if line.number not in claimed:
                strays.append(line)
            continue
        if line.name == "#EXT-X-STREAM-INF":
            attributes = check.attributes(line)
            uri = _uri_after(lines, index, check)
            if uri is not None:
                claimed.add(uri.number)
            if attributes is None:
                continue
            _stream_inf(line, attributes, report, check)
            stream_tags.append((line, attributes))
            if uri is not None:
                report.streams.append(
                    Stream(
                        line.number,
                        uri.text,
                        {name: value.text for name, value in attributes.items()},
                    )
                )
        elif line.name == "#EXT-X-I-FRAME-STREAM-INF":
            _i_frame_stream_inf(line, report, check)
        elif line.name == "#EXT-X-MEDIA":
            _media(line, report, check)
        elif line.name == "#EXT-X-SESSION-DATA":
            attributes = check.attributes(line, WARNING)
            if attributes is not None:
                check.quoted(
                    line, attributes, "DATA-ID", "4.3.4.4", required=True, severity=WARNING
                )
                if ("VALUE" in attributes) == ("URI" in attributes):
                    check.warn(
                        line.number,
                        "#EXT-X-SESSION-DATA must have either VALUE or URI, not both or neither",
                        "4.3.4.4",
                    )
        elif line.name == "#EXT-X-SESSION-KEY":
            check_key(line, report, check, session=True)
    if strays:
        more = f" (and {len(strays) - 1} more)" if len(strays) > 1 else ""
        check.error(
            strays[0].number,
            f"the URI {show(strays[0].text, 40)} follows no #EXT-X-STREAM-INF; in a master "
            f"playlist each URI line names the media playlist of the tag before it{more}",
            "4.3.4.2",
        )
    if not stream_tags and not any(line.name == "#EXT-X-STREAM-INF" for line in lines):
        check.error(
            None,
            "the master playlist has no #EXT-X-STREAM-INF: it offers no variant stream",
            "4.3.4.2",
        )
    _groups(report, stream_tags, check)


def _uri_after(lines: list[Line], index: int, check: Checker) -> Line | None:
    """The URI line that must follow an #EXT-X-STREAM-INF (blank lines, comments and
    unknown tags in between are skipped, as players skip them)."""
    tag = lines[index]
    for line in lines[index + 1 :]:
        if line.kind in ("blank", "comment") or (
            line.kind == "tag" and line.name not in KNOWN_TAGS
        ):
            continue
        if line.kind == "uri":
            return line
        check.error(
            tag.number,
            f"#EXT-X-STREAM-INF must be followed by the URI of its media playlist, but the "
            f"next line is {line.name} (line {line.number})",
            "4.3.4.2",
        )
        return None
    check.error(
        tag.number,
        "#EXT-X-STREAM-INF must be followed by the URI of its media playlist, but it ends "
        "the playlist",
        "4.3.4.2",
    )
    return None


def _stream_inf(line: Line, attributes: dict[str, Value], report: Report, check: Checker) -> None:
    check.integer(line, attributes, "BANDWIDTH", "4.3.4.2", required=True)
    check.integer(line, attributes, "AVERAGE-BANDWIDTH", "4.3.4.2", severity=WARNING)
    if "CODECS" in attributes:
        check.quoted(line, attributes, "CODECS", "4.3.4.2")
    else:
        check.warn(
            line.number,
            "#EXT-X-STREAM-INF has no CODECS attribute, which it should have",
            "4.3.4.2",
        )
    check.matches(
        line,
        attributes,
        "RESOLUTION",
        (RESOLUTION, "a resolution (<width>x<height>)"),
        section="4.3.4.2",
        severity=WARNING,
    )
    check.matches(
        line,
        attributes,
        "FRAME-RATE",
        (DECIMAL_FLOAT, "a decimal number of frames per second"),
        section="4.3.4.2",
        severity=WARNING,
    )
    check.enumerated(
        line, attributes, "HDCP-LEVEL", ("TYPE-0", "NONE"), "4.3.4.2", severity=WARNING
    )
    for name in ("AUDIO", "VIDEO", "SUBTITLES"):
        check.quoted(line, attributes, name, "4.3.4.2")
    captions = attributes.get("CLOSED-CAPTIONS")
    if captions is not None and not captions.quoted and captions.text != "NONE":
        check.error(
            line.number,
            f"#EXT-X-STREAM-INF CLOSED-CAPTIONS={show(captions.text, 30)} must be a quoted "
            "group name or NONE",
            "4.3.4.2",
        )
    if "PROGRAM-ID" in attributes and (report.version or 0) >= 6:
        check.warn(
            line.number,
            f"{line.name} PROGRAM-ID was removed in protocol version 6",
            "7",
        )


def _i_frame_stream_inf(line: Line, report: Report, check: Checker) -> None:
    attributes = check.attributes(line)
    if attributes is None:
        return
    check.integer(line, attributes, "BANDWIDTH", "4.3.4.3", required=True)
    check.quoted(line, attributes, "URI", "4.3.4.3", required=True)
    for name in ("FRAME-RATE", "AUDIO", "SUBTITLES", "CLOSED-CAPTIONS"):
        if name in attributes:
            check.warn(line.number, f"#EXT-X-I-FRAME-STREAM-INF must not have {name}", "4.3.4.3")
    if "PROGRAM-ID" in attributes and (report.version or 0) >= 6:
        check.warn(line.number, f"{line.name} PROGRAM-ID was removed in protocol version 6", "7")


def _media(line: Line, report: Report, check: Checker) -> None:
    attributes = check.attributes(line)
    if attributes is None:
        return
    kind = check.enumerated(line, attributes, "TYPE", MEDIA_TYPES, "4.3.4.1", required=True)
    group = check.quoted(line, attributes, "GROUP-ID", "4.3.4.1", required=True)
    name = check.quoted(line, attributes, "NAME", "4.3.4.1", required=True)
    uri = check.quoted(line, attributes, "URI", "4.3.4.1")
    language = check.quoted(line, attributes, "LANGUAGE", "4.3.4.1")
    characteristics = check.quoted(line, attributes, "CHARACTERISTICS", "4.3.4.1")
    for attribute in ("ASSOC-LANGUAGE", "CHANNELS"):
        check.quoted(line, attributes, attribute, "4.3.4.1")
    default = check.enumerated(line, attributes, "DEFAULT", YES_NO, "4.3.4.1")
    autoselect = check.enumerated(line, attributes, "AUTOSELECT", YES_NO, "4.3.4.1")
    check.enumerated(line, attributes, "FORCED", YES_NO, "4.3.4.1")
    if default == "YES" and autoselect == "NO":
        check.error(
            line.number,
            "#EXT-X-MEDIA with DEFAULT=YES must have AUTOSELECT=YES (or none)",
            "4.3.4.1",
        )
    if kind == "CLOSED-CAPTIONS" and "URI" in attributes:
        check.error(line.number, "#EXT-X-MEDIA TYPE=CLOSED-CAPTIONS must not have a URI", "4.3.4.1")
    if kind == "SUBTITLES" and "URI" not in attributes:
        check.error(
            line.number,
            "#EXT-X-MEDIA TYPE=SUBTITLES must have the URI of its playlist",
            "4.3.4.1",
        )
    if "FORCED" in attributes and kind is not None and kind != "SUBTITLES":
        check.warn(
            line.number,
            f"#EXT-X-MEDIA TYPE={kind} must not have FORCED (SUBTITLES only)",
            "4.3.4.1",
        )
    instream = check.quoted(line, attributes, "INSTREAM-ID", "4.3.4.1")
    if kind == "CLOSED-CAPTIONS":
        if "INSTREAM-ID" not in attributes:
            check.error(
                line.number,
                "#EXT-X-MEDIA TYPE=CLOSED-CAPTIONS must have an INSTREAM-ID (CC1 to CC4, "
                "SERVICE1 to SERVICE63)",
                "4.3.4.1",
            )
        elif instream is not None and not INSTREAM_ID.fullmatch(instream):
            check.error(
                line.number,
                f'#EXT-X-MEDIA INSTREAM-ID="{show(instream, 20)}" is not CC1 to CC4 or '
                "SERVICE1 to SERVICE63",
                "4.3.4.1",
            )
        elif instream is not None and instream.startswith("SERVICE"):
            needs_version(report, check, line, f'INSTREAM-ID="{instream}"', 7)
    elif "INSTREAM-ID" in attributes and kind is not None:
        check.warn(line.number, f"#EXT-X-MEDIA TYPE={kind} must not have an INSTREAM-ID", "4.3.4.1")
    if kind is not None and group is not None:  # the group exists, even if NAME is missing
        report.renditions.append(
            Rendition(
                line.number,
                kind,
                group,
                name or "",
                uri,
                default=default == "YES",
                language=language or None,
                # RFC 8216 4.3.4.1: DEFAULT=YES implies AUTOSELECT=YES when it is absent.
                autoselect=autoselect == "YES" or (default == "YES" and autoselect is None),
                characteristics=tuple(
                    part.strip() for part in (characteristics or "").split(",") if part.strip()
                ),
            )
        )


def _groups(
    report: Report, stream_tags: list[tuple[Line, dict[str, Value]]], check: Checker
) -> None:
    """Rendition groups (RFC 8216 4.3.4.1.1) and the streams that name them (4.3.4.2)."""
    defaults: dict[tuple[str, str], int] = {}
    names: dict[tuple[str, str, str], int] = {}
    for rendition in report.renditions:
        key = (rendition.type, rendition.group)
        if rendition.default:
            if key in defaults:
                check.error(
                    rendition.line,
                    f'#EXT-X-MEDIA NAME="{show(rendition.name, 30)}" is a second DEFAULT=YES '
                    f'in the {rendition.type} group "{show(rendition.group, 30)}" (the first '
                    f"is on line {defaults[key]}); a group has at most one",
                    "4.3.4.1.1",
                )
            else:
                defaults[key] = rendition.line
        named = (*key, rendition.name)
        if named in names:
            check.error(
                rendition.line,
                f'#EXT-X-MEDIA NAME="{show(rendition.name, 30)}" is already used in the '
                f'{rendition.type} group "{show(rendition.group, 30)}" (line {names[named]}); '
                "the renditions of a group must have different names",
                "4.3.4.1.1",
            )
        else:
            names[named] = rendition.line
    groups = {(rendition.type, rendition.group) for rendition in report.renditions}
    captions_none = []
    for line, attributes in stream_tags:
        for name in ("AUDIO", "VIDEO", "SUBTITLES", "CLOSED-CAPTIONS"):
            value = attributes.get(name)
            if value is None or not value.quoted:
                continue
            if (name, value.text) not in groups:
                check.error(
                    line.number,
                    f'#EXT-X-STREAM-INF {name}="{show(value.text, 30)}" names no group: no '
                    f"#EXT-X-MEDIA has TYPE={name} and that GROUP-ID",
                    "4.3.4.2",
                )
        captions = attributes.get("CLOSED-CAPTIONS")
        captions_none.append(captions is not None and not captions.quoted)
    if any(captions_none) and not all(captions_none):
        line = stream_tags[captions_none.index(False)][0]
        check.warn(
            line.number,
            "#EXT-X-STREAM-INF has no CLOSED-CAPTIONS=NONE though another variant has it; "
            "with NONE on one, every variant must say NONE",
            "4.3.4.2",
        )
