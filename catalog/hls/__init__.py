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

The rules are split by what a reader looks for; each module depends only on those above
it in this list, so the package has no import cycle:

- :mod:`~catalog.hls.report`: the result types (:class:`Report`, :class:`Problem`, ...)
- :mod:`~catalog.hls.grammar`: the tags and the forms of their values
- :mod:`~catalog.hls.lines`: bytes to lines (encoding, BOM, control characters)
- :mod:`~catalog.hls.attributes`: attribute lists and their typed values
- :mod:`~catalog.hls.versions`: #EXT-X-VERSION and the compatibility rules
- :mod:`~catalog.hls.keys`: #EXT-X-KEY and #EXT-X-SESSION-KEY
- :mod:`~catalog.hls.media`: media playlists (segments, target duration, sequences, ...)
- :mod:`~catalog.hls.master`: master playlists (variants, renditions, groups)
- :mod:`~catalog.hls.playlist`: :func:`check_playlist` and the rules of every playlist
- :mod:`~catalog.hls.stream`: rules across playlists (identification, variant consistency)

Callers import from the package itself (``from catalog.hls import check_playlist``); the
modules are its inside.
"""

from __future__ import annotations

from catalog.hls.grammar import (
    ATTRIBUTE_NAME,
    BYTERANGE,
    DATE_TIME,
    DECIMAL_FLOAT,
    DECIMAL_INTEGER,
    INSTREAM_ID,
    IV,
    KEY_METHODS,
    KNOWN_TAGS,
    LOOSE_ATTRIBUTE_NAME,
    MASTER_TAGS,
    MAX_INTEGER,
    MEDIA_PLAYLIST_TAGS,
    MEDIA_SEGMENT_TAGS,
    MEDIA_TYPES,
    ONCE,
    RESOLUTION,
    SHARED_TAGS,
    SHOWN,
    SIGNED_DECIMAL_FLOAT,
    YES_NO,
)
from catalog.hls.playlist import check_playlist
from catalog.hls.report import ERROR, MASTER, MEDIA, WARNING, Problem, Rendition, Report, Stream
from catalog.hls.stream import identification, variant_consistency

__all__ = [
    "ATTRIBUTE_NAME",
    "BYTERANGE",
    "DATE_TIME",
    "DECIMAL_FLOAT",
    "DECIMAL_INTEGER",
    "ERROR",
    "INSTREAM_ID",
    "IV",
    "KEY_METHODS",
    "KNOWN_TAGS",
    "LOOSE_ATTRIBUTE_NAME",
    "MASTER",
    "MASTER_TAGS",
    "MAX_INTEGER",
    "MEDIA",
    "MEDIA_PLAYLIST_TAGS",
    "MEDIA_SEGMENT_TAGS",
    "MEDIA_TYPES",
    "ONCE",
    "RESOLUTION",
    "SHARED_TAGS",
    "SHOWN",
    "SIGNED_DECIMAL_FLOAT",
    "WARNING",
    "YES_NO",
    "Problem",
    "Rendition",
    "Report",
    "Stream",
    "check_playlist",
    "identification",
    "variant_consistency",
]
