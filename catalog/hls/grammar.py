"""The words of RFC 8216: which tags exist and where, how values are written (4.2), and
how a line is quoted in a message.

Pure data and two tiny helpers, imported by every rule module: a rule reads "is this a
decimal integer?" from here rather than carrying its own pattern, so all rules agree on
what a value looks like.
"""

from __future__ import annotations

import re

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


def show(text: str, limit: int = SHOWN) -> str:
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


def decimal_integer(text: str) -> int | None:
    """A decimal-integer (RFC 8216 4.2: 0 to 2**64-1), or None if the text is not one."""
    if not DECIMAL_INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if number <= MAX_INTEGER else None
