"""Search over titles and synopses: PostgreSQL full-text, ranked, blind to case and accents,
forgiving a typo or two in a title's words.

The portal cannot count on the ``unaccent`` extension (the embedded PostgreSQL does not ship
it, and managed databases may not allow it), so accents are folded by an IMMUTABLE SQL
function of our own, ``portal_unaccent``, built from the same table as :func:`fold` here.
Each title row carries a generated ``tsvector`` (title weighted above synopsis) with a GIN
index; a query is folded the same way and every word matches as a prefix, so "amel" finds
"Amélie" while it is being typed.

Typos, without ``pg_trgm`` (missing from the embedded PostgreSQL too; migration
0007_search_trigrams holds the SQL): a lexicon table, ``catalog_search_word``, holds every
word of three letters or more of any title, with its trigrams (padded as pg_trgm pads them) as
integer codes under a GIN index; statement triggers on movies and series add the words of new
and renamed titles. ``portal_fuzzy_query(words)`` takes, for each typed word the lexicon does
not know, the 16 lexicon words of a length within reach sharing the most trigrams with it,
keeps those within the word's typo allowance by edit distance (:func:`typo_allowance`: none
under 4 letters, one up to 7, two from 8; two neighbours swapped are one typo), and returns a
tsquery in which each typed word is its own prefix or any of its corrections on the title.
That tsquery runs against the same GIN-indexed documents, under the same ``for_profile`` as
the exact search, so a correction only ever finds a title the profile may see. Trigram
overlap alone judges short words badly ("thigns" shares 3 of 11 trigrams with "things", under
pg_trgm's 0.3 threshold, and "duck" as many with "dune" as the typo "dume" does): the edit
distance is exact, and trigrams only choose what it is computed for.

When: the exact search runs first, and the corrections only when it finds fewer than
FUZZY_BELOW titles (exact matches then come first, corrections after them, on one page).
``make bench BENCH_ARGS=search`` (bench/search.py) measures the SQL of both policies in one
run, on 5,000 titles with a real vocabulary (2,900 lexicon words): a word that matches costs
1.6-1.8x as much when the corrections are computed beside it on every search (3.4 against
5.5 ms for the count and the page), which is most searches, for corrections that would only
trail the exact matches; a typo costs 4.6 ms with ours (the lexicon read once) against 5.8-8
ms. EXPLAIN ANALYZE of "optimized eco": 1.65 ms exact, 2.95 ms with corrections; of
"optimiized eco": 2.48 ms. The same run scores the obvious alternative, pg_trgm's similarity
by hand over a GIN-indexed trigram array per title: it finds the title meant on the first
page for 121 of 145 typos (ours 144), in 1.6x the time.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl

from django.contrib.postgres.search import SearchQuery
from django.db.models import Value

from streaming_portal.infra.api import BadInput
from streaming_portal.infra.text import printable, strip_refused

SEARCH_CONFIG = "simple"
SEARCH_MAX_LENGTH = 100
MAX_WORDS = 8
# The typo-tolerant search joins in when the exact one finds fewer titles than this.
FUZZY_BELOW = 3
# Words shorter than this are never corrected; from TWO_TYPOS_LENGTH on, two typos are.
TYPO_MIN_LENGTH = 4
TWO_TYPOS_LENGTH = 8
# A suggestions request names q alone; a query string of more fields is refused unread.
SUGGEST_MAX_FIELDS = 4
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


def search_words(text: str) -> list[str]:
    """The words of ``text`` the search looks for, folded: at most MAX_WORDS."""
    return _WORD.findall(fold(text))[:MAX_WORDS]


def search_query(text: str) -> SearchQuery | None:
    """A prefix query for every word of ``text``; None when it has no searchable word."""
    words = search_words(text)
    if not words:
        return None
    return SearchQuery(
        " & ".join(f"{word}:*" for word in words), search_type="raw", config=SEARCH_CONFIG
    )


class FuzzyQuery(SearchQuery):
    """``words`` with their typos corrected against the lexicon (``portal_fuzzy_query``; the
    last word is still being typed), in a subquery: PostgreSQL computes it once per statement
    (an InitPlan), never once per row. NULL, matching nothing, when no word needed a fix."""

    template = "(SELECT portal_fuzzy_query(%(expressions)s::text[], true))"

    def __init__(self, words: list[str]) -> None:
        super().__init__(Value(list(words)), search_type="raw")


def typo_allowance(length: int) -> int:
    """How many typos a word of ``length`` letters may carry (as portal_typo_allowance)."""
    if length < TYPO_MIN_LENGTH:
        return 0
    return 1 if length < TWO_TYPOS_LENGTH else 2


def edit_distance(typed: str, word: str, *, prefix: bool = False, bound: int = 2) -> int:
    """portal_edit_distance in Python: the optimal string alignment distance (insertions,
    deletions, substitutions and swaps of two neighbours) from ``typed`` to ``word``, or to
    the closest beginning of ``word`` with ``prefix``; anything over ``bound`` is bound + 1."""
    n, m = len(typed), len(word)
    if prefix:
        m = min(m, n + bound)
    elif abs(n - m) > bound:
        return bound + 1
    before = previous = list(range(m + 1))
    for i in range(1, n + 1):
        current = [i] + [0] * m
        for j in range(1, m + 1):
            value = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (typed[i - 1] != word[j - 1]),
            )
            if i > 1 and j > 1 and typed[i - 1] == word[j - 2] and typed[i - 2] == word[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > bound:
            return bound + 1
        before, previous = previous, current
    return min(bound + 1, min(previous) if prefix else previous[m])


def _shown_words(title: str) -> list[tuple[str, str]]:
    """(folded, as written in lower case) for each word of ``title``."""
    folded = fold(title)
    if len(folded) != len(title):  # a letter whose lower case is longer: show it folded
        return [(word, word) for word in _WORD.findall(folded)]
    lower = title.lower()
    return [(found[0], lower[found.start() : found.end()]) for found in _WORD.finditer(folded)]


def corrected(text: str, title: str) -> str:
    """``text`` with each typo replaced by the word of ``title`` it stands for, as the title
    writes it: "strnger thigns" and "Stranger Things" give "stranger things"."""
    typed = search_words(text)
    words = _shown_words(title)
    result = []
    for position, word in enumerate(typed):
        prefix = position == len(typed) - 1
        allowance = typo_allowance(len(word))
        distance, shown = min(
            (
                (edit_distance(word, folded, prefix=prefix, bound=allowance), shown)
                for folded, shown in words
            ),
            default=(allowance + 1, word),
        )
        result.append(shown if 0 < distance <= allowance else word)
    return " ".join(result)


def suggest_text(query_string: bytes) -> str:
    """The ``q`` of a suggestions request's raw query string, cleaned as search_text cleans.

    BadInput for a query string without one meaning: not UTF-8, any parameter but ``q``, ``q``
    missing or repeated, or longer than the search box allows (its maxlength)."""
    try:
        pairs = parse_qsl(
            query_string.decode("utf-8"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=SUGGEST_MAX_FIELDS,
        )
    except UnicodeDecodeError as error:
        raise BadInput("malformed_query", "The query string is not UTF-8 text.") from error
    except ValueError as error:  # more fields than max_num_fields
        raise BadInput("too_many_fields", "This call takes one parameter, q.") from error
    for name, _ in pairs:
        if name != "q":
            raise BadInput(
                "unknown_field",
                f"{printable(name)} is not a parameter of this call (expected: q).",
                field=printable(name),
            )
    values = [value for _, value in pairs]
    if not values:
        raise BadInput("missing_field", "q, the text typed so far, is missing.", field="q")
    if len(values) > 1:
        raise BadInput("duplicate_field", "q appears more than once.", field="q")
    if len(values[0]) > SEARCH_MAX_LENGTH:
        raise BadInput(
            "query_too_long", f"q is longer than {SEARCH_MAX_LENGTH} characters.", field="q"
        )
    return search_text(values[0])
