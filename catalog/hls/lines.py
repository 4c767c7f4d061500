"""From bytes to classified lines (RFC 8216 4.1): encoding, byte order mark, control
characters, whitespace, and what each line is (tag, URI, comment, blank).

Every later rule works on :class:`Line` objects, so the lenience players share (a line is
read without the whitespace around it, a CR before LF ends the line) is decided once, here.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass

from catalog.hls.grammar import show
from catalog.hls.report import Collector


@dataclass(frozen=True)
class Line:
    """One line of the playlist, classified; ``number`` is what a problem names."""

    number: int
    text: str  # without the whitespace around it
    kind: str  # "tag", "uri", "comment" or "blank"
    name: str = ""  # a tag's name, "#EXTINF"
    value: str | None = None  # what follows the tag's colon, if it has one

    @property
    def tag(self) -> str:
        """The tag as quoted in a message."""
        return show(self.text)


def decode(content: bytes | str, check: Collector) -> str:
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


def read_lines(text: str, check: Collector) -> list[Line]:
    """Split on LF (a CR before it belongs to the line ending) and classify each line."""
    lines = []
    for number, raw in enumerate(text.split("\n"), start=1):
        raw = raw.removesuffix("\r")  # noqa: PLW2901 - the line without its CRLF
        _check_characters(number, raw, check)
        text_ = raw.strip(" \t")
        if not text_:
            lines.append(Line(number, "", "blank"))
            continue
        if text_.startswith("#EXT"):
            name, colon, value = text_.partition(":")
            line = Line(number, text_, "tag", name, value if colon else None)
        elif text_.startswith("#"):
            lines.append(Line(number, text_, "comment"))
            continue
        else:
            line = Line(number, text_, "uri")
            if any(character in text_ for character in " \t"):
                check.warn(
                    number,
                    f"the URI {show(text_)} has whitespace in it; a URI must not",
                    "4.1",
                )
        if raw[:1] in (" ", "\t") or (
            raw[-1:] in (" ", "\t") and line.name != "#EXTINF"  # the title may end in a tab
        ):
            check.warn(number, "the line has whitespace before or after it", "4.1")
        lines.append(line)
    return lines


def _check_characters(number: int, raw: str, check: Collector) -> None:
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
