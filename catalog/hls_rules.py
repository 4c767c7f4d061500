"""The rules of RFC 8216 (HTTP Live Streaming) for VOD playlists: pure functions, no I/O.

:func:`check_playlist` reads one playlist, as fetched (bytes) or as text, and returns a
:class:`Report`: whether it is a master or a media playlist, what ``check_stream`` needs
from it (variant streams, renditions, segment durations, #EXT-X-ENDLIST, ...) and every
:class:`Problem` found. A problem names the line that broke the rule and the section of
RFC 8216 that states it::

    line 7: #EXTINF:12.5 is longer than #EXT-X-TARGETDURATION:10 (RFC 8216 4.3.3.1)

Errors are what makes a player refuse or mis-play the stream: the RFC says clients MUST
fail to parse it, a required tag or attribute is missing, a value cannot be read, a
segment is longer than the target duration, a tag names a group that does not exist.
Warnings are the rules players shrug off (whitespace, a missing CODECS attribute, a
date they ignore, ...): they are recorded, and the stream stays VALID.

Players are lenient where every real encoder is: lines are read without the whitespace
around them (and the whitespace is a warning), unknown tags are ignored as RFC 8216 4.1
asks, and an #EXTINF title may hold anything (Apple's segmenter ends it with a tab).
"""

from __future__ import annotations

import codecs
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"
MASTER = "master"
MEDIA = "media"

MEDIA_SEGMENT_TAGS = frozenset(
    {
        "#EXTINF",
        "#EXT-X-BYTERANGE",
        "#EXT-X-DISCONTINUITY",
        "#EXT-X-KEY",
        "#EXT-X-MAP",
        "#EXT-X-PROGRAM-DATE-TIME",
        "#EXT-X-DATERANGE",
    }
)
MEDIA_PLAYLIST_TAGS = frozenset(
    {
        "#EXT-X-TARGETDURATION",
        "#EXT-X-MEDIA-SEQUENCE",
        "#EXT-X-DISCONTINUITY-SEQUENCE",
        "#EXT-X-ENDLIST",
        "#EXT-X-PLAYLIST-TYPE",
        "#EXT-X-I-FRAMES-ONLY",
    }
)
MASTER_TAGS = frozenset(
    {
        "#EXT-X-MEDIA",
        "#EXT-X-STREAM-INF",
        "#EXT-X-I-FRAME-STREAM-INF",
        "#EXT-X-SESSION-DATA",
        "#EXT-X-SESSION-KEY",
    }
)
SHARED_TAGS = frozenset(
    {"#EXTM3U", "#EXT-X-VERSION", "#EXT-X-INDEPENDENT-SEGMENTS", "#EXT-X-START"}
)
KNOWN_TAGS = MEDIA_SEGMENT_TAGS | MEDIA_PLAYLIST_TAGS | MASTER_TAGS | SHARED_TAGS
# Tags a playlist may hold at most once, and the section that says so.
ONCE = {
    "#EXT-X-VERSION": "4.3.1.2",
    "#EXT-X-TARGETDURATION": "4.3.3",
    "#EXT-X-MEDIA-SEQUENCE": "4.3.3",
    "#EXT-X-DISCONTINUITY-SEQUENCE": "4.3.3",
    "#EXT-X-ENDLIST": "4.3.3",
    "#EXT-X-PLAYLIST-TYPE": "4.3.3",
    "#EXT-X-I-FRAMES-ONLY": "4.3.3",
    "#EXT-X-INDEPENDENT-SEGMENTS": "4.3.5",
    "#EXT-X-START": "4.3.5",
}

# re.ASCII: RFC 8216's digits are [0..9], not every Unicode digit that \d matches.
DECIMAL_INTEGER = re.compile(r"\d{1,20}", re.ASCII)
DECIMAL_FLOAT = re.compile(r"\d+(?:\.\d*)?|\.\d+", re.ASCII)
SIGNED_DECIMAL_FLOAT = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
RESOLUTION = re.compile(r"\d{1,20}x\d{1,20}", re.ASCII)
IV = re.compile(r"0[xX][0-9a-fA-F]{1,32}")
BYTERANGE = re.compile(r"(\d{1,20})(?:@(\d{1,20}))?", re.ASCII)
ATTRIBUTE_NAME = re.compile(r"[A-Z0-9-]+")
LOOSE_ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_-]+(?==)")
INSTREAM_ID = re.compile(r"CC[1-4]|SERVICE(?:[1-9]|[1-5][0-9]|6[0-3])")
DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?", re.ASCII
)
MAX_INTEGER = 2**64 - 1
MEDIA_TYPES = ("AUDIO", "VIDEO", "SUBTITLES", "CLOSED-CAPTIONS")
KEY_METHODS = ("NONE", "AES-128", "SAMPLE-AES")
YES_NO = ("YES", "NO")
SHOWN = 60  # characters of a line quoted in a message


@dataclass(frozen=True)
class Problem:
    """One broken rule: where, what, which section of RFC 8216, and how bad."""

    line: int | None  # 1-based; None when the whole playlist breaks the rule
    message: str
    section: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.message} (RFC 8216 {self.section})"


@dataclass(frozen=True)
class Stream:
    """An #EXT-X-STREAM-INF tag and the URI line after it."""

    line: int
    uri: str
    attributes: dict[str, str]


@dataclass(frozen=True)
class Rendition:
    """An #EXT-X-MEDIA tag."""

    line: int
    type: str
    group: str
    name: str
    uri: str | None
    default: bool = False


@dataclass
class Report:
    kind: str  # MASTER or MEDIA
    problems: list[Problem] = field(default_factory=list)
    version: int | None = 1  # None: the #EXT-X-VERSION tag could not be read
    version_line: int | None = None
    streams: list[Stream] = field(default_factory=list)
    renditions: list[Rendition] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)  # each segment's, when readable
    target_duration: int | None = None
    playlist_type: str | None = None
    endlist: bool = False
    discontinuities: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == WARNING]


@dataclass(frozen=True)
class _Line:
    number: int
    text: str  # without the whitespace around it
    kind: str  # "tag", "uri", "comment" or "blank"
    name: str = ""  # a tag's name, "#EXTINF"
    value: str | None = None  # what follows the tag's colon, if it has one

    @property
    def tag(self) -> str:
        """The tag as quoted in a message."""
        return _show(self.text)


@dataclass(frozen=True)
class _Value:
    text: str
    quoted: bool


class _Checker:
    """Collects problems; the helpers read typed values and report what they find."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._reported: set[str] = set()

    def error(self, line: int | None, message: str, section: str) -> None:
        self.problems.append(Problem(line, message, section, ERROR))

    def warn(self, line: int | None, message: str, section: str) -> None:
        self.problems.append(Problem(line, message, section, WARNING))

    def once(self, key: str, line: int | None, message: str, section: str, severity: str) -> None:
        """Report a rule only the first time it breaks (per key) in the playlist."""
        if key in self._reported:
            return
        self._reported.add(key)
        self.problems.append(Problem(line, message, section, severity))

    # --- attribute lists (RFC 8216 4.2) ------------------------------------------------------

    def attributes(  # noqa: PLR0912, PLR0915 - a tokenizer, a branch per token
        self, line: _Line, severity: str = ERROR
    ) -> dict[str, _Value] | None:
        """The tag's attribute list, or None (with the problem reported) if it cannot be read."""
        text = line.value or ""
        found: dict[str, _Value] = {}
        position, end = 0, len(text)
        spaced = False
        while position < end:
            start = position
            while position < end and text[position] in " \t":
                position += 1
            spaced = spaced or position > start
            if position >= end:
                self.warn(line.number, f"{line.name} ends its attribute list with a comma", "4.2")
                break
            match = ATTRIBUTE_NAME.match(text, position)
            if match is None or text[match.end() : match.end() + 1] != "=":
                loose = LOOSE_ATTRIBUTE_NAME.match(text, position)
                if loose is not None:
                    self._add(
                        severity,
                        line.number,
                        f"{line.name} has the attribute name {loose.group()}, but attribute "
                        "names are upper-case letters, digits and '-' only",
                        "4.2",
                    )
                else:
                    self._add(
                        severity,
                        line.number,
                        f"{line.name} has {_show(text[position:], 20)} where an attribute "
                        "(NAME=value) should be",
                        "4.2",
                    )
                return None
            name = match.group()
            position = match.end() + 1
            if position < end and text[position] == '"':
                closing = text.find('"', position + 1)
                if closing < 0:
                    self._add(
                        severity,
                        line.number,
                        f'{line.name} opens a quoted value for {name} and never closes it (")',
                        "4.2",
                    )
                    return None
                value = _Value(text[position + 1 : closing], quoted=True)
                position = closing + 1
            else:
                comma = text.find(",", position)
                comma = end if comma < 0 else comma
                raw = text[position:comma]
                if '"' in raw:
                    self._add(
                        severity,
                        line.number,
                        f"{line.name} {name}={_show(raw, 20)} has a stray double quote",
                        "4.2",
                    )
                    return None
                if raw.strip(" \t") != raw:
                    spaced = True
                    raw = raw.strip(" \t")
                if not raw:
                    self._add(severity, line.number, f"{line.name} {name}= has no value", "4.2")
                    return None
                value = _Value(raw, quoted=False)
                position = comma
            if name in found:
                self._add(
                    severity,
                    line.number,
                    f"{line.name} gives the attribute {name} twice; an attribute name must not "
                    "appear more than once in an attribute list",
                    "4.2",
                )
            else:
                found[name] = value
            while position < end and text[position] in " \t":
                position += 1
                spaced = True
            if position >= end:
                break
            if text[position] != ",":
                self._add(
                    severity,
                    line.number,
                    f"{line.name} has {_show(text[position:], 20)} after the value of {name}, "
                    "where a comma or the end of the line should be",
                    "4.2",
                )
                return None
            position += 1
        if spaced:
            self.warn(line.number, f"{line.name} has whitespace in its attribute list", "4.2")
        return found

    def _add(self, severity: str, line: int | None, message: str, section: str) -> None:
        self.problems.append(Problem(line, message, section, severity))

    def required(
        self,
        line: _Line,
        attributes: dict[str, _Value],
        name: str,
        section: str,
        severity: str = ERROR,
    ) -> bool:
        if name in attributes:
            return True
        self._add(
            severity,
            line.number,
            f"{line.name} has no {name} attribute, which it must have",
            section,
        )
        return False

    def quoted(
        self,
        line: _Line,
        attributes: dict[str, _Value],
        name: str,
        section: str,
        *,
        required: bool = False,
        severity: str = ERROR,
    ) -> str | None:
        value = attributes.get(name)
        if value is None:
            if required:
                self.required(line, attributes, name, section, severity)
            return None
        if not value.quoted:
            self._add(
                severity,
                line.number,
                f"{line.name} {name}={_show(value.text, 30)} must be a quoted string "
                f'({name}="{_show(value.text, 30)}")',
                section,
            )
            return None
        return value.text

    def enumerated(
        self,
        line: _Line,
        attributes: dict[str, _Value],
        name: str,
        allowed: Iterable[str],
        section: str,
        *,
        required: bool = False,
        severity: str = ERROR,
    ) -> str | None:
        value = attributes.get(name)
        if value is None:
            if required:
                self.required(line, attributes, name, section, severity)
            return None
        allowed = tuple(allowed)
        if value.quoted:
            self._add(
                severity,
                line.number,
                f'{line.name} {name}="{_show(value.text, 30)}" must not be quoted '
                f"({name}={_show(value.text, 30)})",
                section,
            )
            return None
        if value.text not in allowed:
            self._add(
                severity,
                line.number,
                f"{line.name} {name}={_show(value.text, 30)} is not one of {', '.join(allowed)}",
                section,
            )
            return None
        return value.text

    def integer(
        self,
        line: _Line,
        attributes: dict[str, _Value],
        name: str,
        section: str,
        *,
        required: bool = False,
        severity: str = ERROR,
    ) -> int | None:
        value = attributes.get(name)
        if value is None:
            if required:
                self.required(line, attributes, name, section, severity)
            return None
        number = _decimal_integer(value.text) if not value.quoted else None
        if number is None:
            shown = f'"{value.text}"' if value.quoted else value.text
            self._add(
                severity,
                line.number,
                f"{line.name} {name}={_show(shown, 30)} is not a decimal integer",
                section,
            )
        return number

    def matches(
        self,
        line: _Line,
        attributes: dict[str, _Value],
        name: str,
        form: tuple[re.Pattern[str], str],
        *,
        section: str,
        quoted: bool = False,
        severity: str = ERROR,
    ) -> str | None:
        pattern, described = form
        value = attributes.get(name)
        if value is None:
            return None
        shown = f'"{value.text}"' if value.quoted else value.text
        if value.quoted != quoted or not pattern.fullmatch(value.text):
            self._add(
                severity,
                line.number,
                f"{line.name} {name}={_show(shown, 40)} is not {described}",
                section,
            )
            return None
        return value.text


# --- reading the playlist ------------------------------------------------------------------


def _show(text: str, limit: int = SHOWN) -> str:
    """A line (or part of one) safe and short enough to quote in a message."""
    printable = "".join(
        character
        if character.isprintable()
        else f"\\x{ord(character):02x}"
        if ord(character) < 0x100
        else f"\\u{ord(character):04x}"
        for character in text
    )
    return printable if len(printable) <= limit else printable[: limit - 1] + "…"


def _decimal_integer(text: str) -> int | None:
    if not DECIMAL_INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if number <= MAX_INTEGER else None


def _decode(content: bytes | str, check: _Checker) -> str:
    """The playlist as text, reporting a byte order mark and bytes that are not UTF-8."""
    bom = "a byte order mark (BOM), which a playlist must not have"
    if isinstance(content, str):
        if content.startswith("\ufeff"):
            check.error(1, f"the playlist starts with {bom}", "4.1")
            return content[1:]
        return content
    if content.startswith(codecs.BOM_UTF8):
        check.error(1, f"the playlist starts with {bom}", "4.1")
        content = content[len(codecs.BOM_UTF8) :]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        check.error(
            line,
            f"byte 0x{content[error.start]:02x} is not UTF-8; a playlist must be UTF-8 text",
            "4.1",
        )
        return content.decode("utf-8", errors="replace")


def _lines(text: str, check: _Checker) -> list[_Line]:
    """Split on LF (a CR before it belongs to the line ending) and classify each line."""
    lines = []
    for number, raw in enumerate(text.split("\n"), start=1):
        raw = raw.removesuffix("\r")  # noqa: PLW2901 - the line without its CRLF
        _check_characters(number, raw, check)
        text_ = raw.strip(" \t")
        if not text_:
            lines.append(_Line(number, "", "blank"))
            continue
        if text_.startswith("#EXT"):
            name, colon, value = text_.partition(":")
            line = _Line(number, text_, "tag", name, value if colon else None)
        elif text_.startswith("#"):
            lines.append(_Line(number, text_, "comment"))
            continue
        else:
            line = _Line(number, text_, "uri")
            if any(character in text_ for character in " \t"):
                check.warn(
                    number,
                    f"the URI {_show(text_)} has whitespace in it; a URI must not",
                    "4.1",
                )
        if raw[:1] in (" ", "\t") or (
            raw[-1:] in (" ", "\t") and line.name != "#EXTINF"  # the title may end in a tab
        ):
            check.warn(number, "the line has whitespace before or after it", "4.1")
        lines.append(line)
    return lines


def _check_characters(number: int, raw: str, check: _Checker) -> None:
    for character in raw:
        code = ord(character)
        if character != "\t" and (code < 0x20 or 0x7F <= code <= 0x9F):
            what = (
                "a carriage return (U+000D) that does not end the line"
                if character == "\r"
                else f"the control character U+{code:04X}"
            )
            check.error(number, f"the line holds {what}; a playlist must not", "4.1")
            break
    if not unicodedata.is_normalized("NFC", raw):
        check.warn(number, "the line is not in Unicode normalization form NFC", "4.1")


# --- the rules --------------------------------------------------------------------------------


def check_playlist(content: bytes | str, *, expect: str | None = None) -> Report:
    """Check one playlist against RFC 8216. ``expect`` is MASTER or MEDIA when the caller
    knows which it must be (a variant's URI names a media playlist); otherwise the tags
    decide. Never raises on any input: whatever is wrong comes back as problems."""
    check = _Checker()
    text = _decode(content, check)
    lines = _lines(text, check)
    tags = [line for line in lines if line.kind == "tag"]
    first_master = next((line for line in tags if line.name in MASTER_TAGS), None)
    kind = expect or (MASTER if first_master is not None else MEDIA)
    report = Report(kind=kind)

    first = lines[0]
    if first.text != "#EXTM3U":
        shown = "blank" if first.kind == "blank" else _show(first.text)
        check.error(1, f"the first line is {shown}, but it must be #EXTM3U", "4.3.1.1")

    _version(tags, report, check)
    _once(tags, kind, check)
    _mixed(tags, kind, first_master, check)
    if kind == MASTER:
        _master_rules(lines, report, check)
    elif first_master is None:  # (a master playlist where a media one must be: said above)
        _media_rules(lines, report, check)
    for line in tags:
        if line.name == "#EXT-X-START":
            _start(line, check)
    report.problems = sorted(check.problems, key=lambda problem: problem.line or 0)
    return report


def _version(tags: list[_Line], report: Report, check: _Checker) -> None:
    line = next((line for line in tags if line.name == "#EXT-X-VERSION"), None)
    if line is None:
        return
    report.version_line = line.number
    number = _decimal_integer(line.value or "")
    if number is None or number < 1:
        check.error(
            line.number, f"{line.tag} is not a protocol version (a decimal integer)", "4.3.1.2"
        )
        report.version = None
    else:
        report.version = number


def _needs_version(
    report: Report,
    check: _Checker,
    line: _Line,
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


def _once(tags: list[_Line], kind: str, check: _Checker) -> None:
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


def _mixed(tags: list[_Line], kind: str, first_master: _Line | None, check: _Checker) -> None:
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


def _start(line: _Line, check: _Checker) -> None:
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


# --- media playlists --------------------------------------------------------------------------


def _media_rules(  # noqa: PLR0912, PLR0915 - one pass, a branch per tag
    lines: list[_Line], report: Report, check: _Checker
) -> None:
    i_frames_only = any(line.name == "#EXT-X-I-FRAMES-ONLY" for line in lines)
    target_line: _Line | None = None
    type_line: _Line | None = None
    first_segment: int | None = None
    first_discontinuity: int | None = None
    pending: _Line | None = None  # the #EXTINF waiting for its URI
    byterange: tuple[_Line, int | None] | None = None  # the next segment's, with its offset
    previous: tuple[str, bool] | None = None  # the last segment's URI, and if a sub-range
    durations: list[tuple[_Line, str, float]] = []

    for line in lines:
        if line.kind == "uri":
            if first_segment is None:
                first_segment = line.number
            if pending is None:
                check.error(
                    line.number,
                    f"the segment {_show(line.text)} has no #EXTINF before it; every "
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
            _needs_version(report, check, line, "#EXT-X-BYTERANGE", 4)
        elif name == "#EXT-X-DISCONTINUITY":
            report.discontinuities += 1
            if first_discontinuity is None:
                first_discontinuity = line.number
        elif name == "#EXT-X-KEY":
            _key(line, report, check, session=False)
        elif name == "#EXT-X-MAP":
            _map(line, check)
            if i_frames_only:
                _needs_version(report, check, line, "#EXT-X-MAP (with #EXT-X-I-FRAMES-ONLY)", 5)
            else:
                _needs_version(report, check, line, "#EXT-X-MAP", 6)
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
            number = _decimal_integer(line.value or "")
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
            if _decimal_integer(line.value or "") is None:
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
            _needs_version(report, check, line, "#EXT-X-I-FRAMES-ONLY", 4)
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
                    f"#EXTINF:{_show(shown, 30)} is longer than "
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


def _extinf(line: _Line, report: Report, check: _Checker) -> tuple[_Line, str, float] | None:
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
        _needs_version(
            report,
            check,
            line,
            f"a floating-point duration (#EXTINF:{duration})",
            3,
            key="floating-point #EXTINF",
        )
    return line, duration, seconds


def _range_follows(
    byterange: _Line, segment: _Line, previous: tuple[str, bool] | None, check: _Checker
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
        why = f"the segment before it is a range of {_show(previous[0], 40)}"
    check.error(
        byterange.number,
        f"{byterange.tag} has no offset, so it must continue a range of the same file, but {why}",
        "4.3.2.2",
    )


def _key(line: _Line, report: Report, check: _Checker, *, session: bool) -> None:
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
        _needs_version(report, check, line, f"the IV attribute of {line.name}", 2)
    for name in ("KEYFORMAT", "KEYFORMATVERSIONS"):
        if name in attributes:
            check.quoted(line, attributes, name, "4.3.2.4")
            _needs_version(report, check, line, f"the {name} attribute of {line.name}", 5)


def _map(line: _Line, check: _Checker) -> None:
    attributes = check.attributes(line)
    if attributes is None:
        return
    check.quoted(line, attributes, "URI", "4.3.2.5", required=True)
    byterange = check.quoted(line, attributes, "BYTERANGE", "4.3.2.5")
    if byterange is not None and not BYTERANGE.fullmatch(byterange):
        check.error(
            line.number,
            f'#EXT-X-MAP BYTERANGE="{_show(byterange, 30)}" is not a byte range '
            "(<length>[@<offset>])",
            "4.3.2.5",
        )


# --- master playlists -------------------------------------------------------------------------


def _master_rules(  # noqa: PLR0912 - a branch per tag
    lines: list[_Line], report: Report, check: _Checker
) -> None:
    claimed: set[int] = set()
    stream_tags: list[tuple[_Line, dict[str, _Value]]] = []
    strays: list[_Line] = []
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
            _key(line, report, check, session=True)
    if strays:
        more = f" (and {len(strays) - 1} more)" if len(strays) > 1 else ""
        check.error(
            strays[0].number,
            f"the URI {_show(strays[0].text, 40)} follows no #EXT-X-STREAM-INF; in a master "
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


def _uri_after(lines: list[_Line], index: int, check: _Checker) -> _Line | None:
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


def _stream_inf(
    line: _Line, attributes: dict[str, _Value], report: Report, check: _Checker
) -> None:
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
            f"#EXT-X-STREAM-INF CLOSED-CAPTIONS={_show(captions.text, 30)} must be a quoted "
            "group name or NONE",
            "4.3.4.2",
        )
    if "PROGRAM-ID" in attributes and (report.version or 0) >= 6:
        check.warn(
            line.number,
            f"{line.name} PROGRAM-ID was removed in protocol version 6",
            "7",
        )


def _i_frame_stream_inf(line: _Line, report: Report, check: _Checker) -> None:
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


def _media(line: _Line, report: Report, check: _Checker) -> None:
    attributes = check.attributes(line)
    if attributes is None:
        return
    kind = check.enumerated(line, attributes, "TYPE", MEDIA_TYPES, "4.3.4.1", required=True)
    group = check.quoted(line, attributes, "GROUP-ID", "4.3.4.1", required=True)
    name = check.quoted(line, attributes, "NAME", "4.3.4.1", required=True)
    uri = check.quoted(line, attributes, "URI", "4.3.4.1")
    for attribute in ("LANGUAGE", "ASSOC-LANGUAGE", "CHARACTERISTICS", "CHANNELS"):
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
                f'#EXT-X-MEDIA INSTREAM-ID="{_show(instream, 20)}" is not CC1 to CC4 or '
                "SERVICE1 to SERVICE63",
                "4.3.4.1",
            )
        elif instream is not None and instream.startswith("SERVICE"):
            _needs_version(report, check, line, f'INSTREAM-ID="{instream}"', 7)
    elif "INSTREAM-ID" in attributes and kind is not None:
        check.warn(line.number, f"#EXT-X-MEDIA TYPE={kind} must not have an INSTREAM-ID", "4.3.4.1")
    if kind is not None and group is not None:  # the group exists, even if NAME is missing
        report.renditions.append(
            Rendition(line.number, kind, group, name or "", uri, default=default == "YES")
        )


def _groups(
    report: Report, stream_tags: list[tuple[_Line, dict[str, _Value]]], check: _Checker
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
                    f'#EXT-X-MEDIA NAME="{_show(rendition.name, 30)}" is a second DEFAULT=YES '
                    f'in the {rendition.type} group "{_show(rendition.group, 30)}" (the first '
                    f"is on line {defaults[key]}); a group has at most one",
                    "4.3.4.1.1",
                )
            else:
                defaults[key] = rendition.line
        named = (*key, rendition.name)
        if named in names:
            check.error(
                rendition.line,
                f'#EXT-X-MEDIA NAME="{_show(rendition.name, 30)}" is already used in the '
                f'{rendition.type} group "{_show(rendition.group, 30)}" (line {names[named]}); '
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
                    f'#EXT-X-STREAM-INF {name}="{_show(value.text, 30)}" names no group: no '
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


# --- across playlists ---------------------------------------------------------------------


def identification(path: str, content_type: str) -> Problem | None:
    """RFC 8216 4: a playlist is known by its path (.m3u8, .m3u) or by its Content-Type."""
    if path.lower().endswith((".m3u8", ".m3u")) or content_type in (
        "application/vnd.apple.mpegurl",
        "audio/mpegurl",
    ):
        return None
    return Problem(
        None,
        f"the playlist is served as {content_type or 'no type'} from a path that does not end "
        "in .m3u8 or .m3u: players may not recognise it (serve it as "
        "application/vnd.apple.mpegurl)",
        "4",
        WARNING,
    )


def variant_consistency(variants: list[tuple[str, Report]]) -> list[Problem]:
    """RFC 8216 6.2.4: the media playlists of a master playlist's variant streams must have
    the same target duration and matching discontinuities (labels name the variants)."""
    problems = []
    targets = {label: report.target_duration for label, report in variants}
    if len(set(targets.values())) > 1:
        listed = ", ".join(f"{label} {target}" for label, target in targets.items())
        problems.append(
            Problem(
                None,
                f"the variants have different #EXT-X-TARGETDURATION values ({listed}); "
                "every variant must have the same",
                "6.2.4",
                WARNING,
            )
        )
    counts = {label: report.discontinuities for label, report in variants}
    if len(set(counts.values())) > 1:
        listed = ", ".join(f"{label} {count}" for label, count in counts.items())
        problems.append(
            Problem(
                None,
                f"the variants have different numbers of #EXT-X-DISCONTINUITY tags ({listed}); "
                "matching content must have matching discontinuity sequence numbers, or "
                "switching variants breaks playback",
                "6.2.4",
                ERROR,
            )
        )
    return problems
