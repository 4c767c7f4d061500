"""Search over titles and synopses: PostgreSQL full-text, ranked, blind to case and accents.

The portal cannot count on the ``unaccent`` extension (the embedded PostgreSQL does not ship
it, and managed databases may not allow it), so accents are folded by an IMMUTABLE SQL
function of our own, ``portal_unaccent``, built from the same table as :func:`fold` here.
Each title row carries a generated ``tsvector`` (title weighted above synopsis) with a GIN
index; a query is folded the same way and every word matches as a prefix, so "amel" finds
"Amélie" while it is being typed.
"""

from __future__ import annotations

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery

from streaming_portal.infra.text import strip_refused

SEARCH_CONFIG = "simple"
SEARCH_MAX_LENGTH = 100
_SPACES = re.compile(r"\s+")


# Letters that carry a stroke rather than a combining accent, so Unicode does not decompose them.
STROKED = {
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ħ": "h",
    "Ħ": "H",
    "ŧ": "t",
    "Ŧ": "T",
    "ı": "i",  # noqa: RUF001 - the dotless i is the point
}


def _accent_table() -> tuple[str, str]:
    accented, plain = list(STROKED), list(STROKED.values())
    for code in range(0x00C0, 0x0250):
        character = chr(code)
        base = unicodedata.normalize("NFKD", character)[0]
        if character not in STROKED and base != character and base.isascii() and base.isalpha():
            accented.append(character)
            plain.append(base)
    return "".join(accented), "".join(plain)


ACCENTED, PLAIN = _accent_table()
_FOLD = str.maketrans(ACCENTED, PLAIN)
_WORD = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    """Lowercase and strip accents exactly as ``portal_unaccent`` does in the database."""
    return text.lower().translate(_FOLD)


def search_text(raw: object) -> str:
    """What a viewer typed, made safe to search for and to show back: invisible and control
    characters (a NUL byte, a bidi override, a zero-width space) become spaces, runs of
    spaces one, and the text is cut to SEARCH_MAX_LENGTH. Anything but a string is no text.
    A search box cleans rather than refuses: an error message would help nobody there."""
    if not isinstance(raw, str):
        return ""
    return _SPACES.sub(" ", strip_refused(raw)).strip()[:SEARCH_MAX_LENGTH].strip()


def search_query(text: str) -> SearchQuery | None:
    """A prefix query for every word of ``text``; None when it has no searchable word."""
    words = _WORD.findall(fold(text))[:8]
    if not words:
        return None
    return SearchQuery(
        " & ".join(f"{word}:*" for word in words), search_type="raw", config=SEARCH_CONFIG
    )
