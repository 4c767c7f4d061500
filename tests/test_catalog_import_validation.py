"""Bad input never breaks the import (issue #11).

Every junk file is refused before any database work, by record and field, with a one-line
summary and no traceback; the catalog is left exactly as it was. One test per class of junk
seen in the issue, each with a real file run through the command, then a fuzzer.
"""

from __future__ import annotations

import codecs
import copy
import io
import json
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import event, given
from hypothesis import strategies as st

from catalog.import_json import MAX_DEPTH, MAX_FILE_BYTES
from catalog.import_types import MAX_LISTED_ERRORS
from catalog.importer import FileRefused, ImportFailed, import_catalog, parse_document
from catalog.models import (
    CaptionTrack,
    Episode,
    Genre,
    Movie,
    Season,
    Series,
    StreamSource,
)
from tests.conftest import BASE_DIR, engine_environment
from tests.factories import EditorFactory
from tests.test_catalog_commands import catalog_document

pytestmark = pytest.mark.django_db

MODELS = (Genre, Movie, Series, Season, Episode, StreamSource, CaptionTrack)
HARBOUR = "movies[0] “Harbour Lights”"


def catalog_state() -> dict[str, list[tuple[Any, ...]]]:
    """Every row the importer writes, by its natural key and the fields an import changes."""
    return {
        "genres": sorted(Genre.objects.values_list("name", "slug")),
        "movies": sorted(
            Movie.objects.values_list(
                "title", "synopsis", "release_year", "duration_minutes", "visibility"
            )
        ),
        "series": sorted(Series.objects.values_list("title", "synopsis", "visibility")),
        "seasons": sorted(Season.objects.values_list("series__title", "number", "title")),
        "episodes": sorted(Episode.objects.values_list("season__series__title", "number", "title")),
        "streams": sorted(
            (str(s.video_id), s.quality_tag or "", s.stream_url, s.is_primary)
            for s in StreamSource.objects.all()
        ),
        "captions": sorted(
            CaptionTrack.objects.values_list("video_id", "language_code", "caption_url")
        ),
    }


@pytest.fixture
def live_catalog(editor: Any, tmp_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The catalog of test_catalog_commands, imported: a bad file must leave it as it is."""
    path = tmp_path / "good.json"
    path.write_text(json.dumps(catalog_document()))
    call_command("import_catalog", str(path), "--by", "editor", stdout=io.StringIO())
    assert Movie.objects.count() == 2
    return catalog_state()


def edited(change: Callable[[dict[str, Any]], Any], *, ensure_ascii: bool = True) -> str:
    """The good catalog with edits that would write (a new genre, a new synopsis) plus the
    bad ones of ``change``: a half-done import would show."""
    document = copy.deepcopy(catalog_document())
    document["genres"].append({"name": "Thriller"})
    document["movies"][1]["synopsis"] = "Rewritten, and never saved."
    change(document)
    return json.dumps(document, ensure_ascii=ensure_ascii, indent=2)


def refused(tmp_path: Path, content: str | bytes, before: Any) -> tuple[str, str]:
    """Run the command on a bad file; return its summary and its listed errors.

    Asserts the command failed with the one-line summary and that nothing changed.
    """
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    errors = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_catalog", str(path), "--by", "editor", stdout=io.StringIO(), stderr=errors
        )
    summary = str(raised.value)
    assert summary.startswith("Nothing was imported")
    assert "\n" not in summary
    assert "Traceback" not in errors.getvalue()
    assert catalog_state() == before
    return summary, errors.getvalue()


def at(*path: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change that sets one field deep in the document: at("movies", 0, "title", value=…)."""

    def change(document: dict[str, Any]) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


# --- 1. Files that are not UTF-8 ------------------------------------------------------------


@pytest.mark.parametrize(
    ("encode", "expected"),
    [
        (
            lambda text: text.encode("latin-1"),
            "is not UTF-8 text: the byte 0xF4 at line 17, column 22 is not valid UTF-8",
        ),
        (lambda text: text.encode("utf-16"), "is UTF-16 text, not UTF-8"),
        (
            lambda text: codecs.BOM_UTF32_LE + text.encode("utf-32-le"),
            "is UTF-32 text, not UTF-8",
        ),
        (
            lambda text: text.encode("utf-8").replace(b"Dr\xc3\xb4le", b"Dr\xed\xa0\x80le"),
            "is not UTF-8 text: the byte 0xED at line 17, column 22",
        ),
    ],
)
def test_it_refuses_a_file_that_is_not_utf8_and_says_so(
    tmp_path: Path, live_catalog: Any, encode: Callable[[str], bytes], expected: str
) -> None:
    text = edited(at("movies", 0, "synopsis", value="Drôle de traversée."), ensure_ascii=False)

    summary, _ = refused(tmp_path, encode(text), live_catalog)

    assert expected in summary
    assert "bad.json" in summary


def test_it_reads_a_utf8_file_with_a_byte_order_mark(tmp_path: Path, editor: Any) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(codecs.BOM_UTF8 + json.dumps(catalog_document()).encode())

    call_command("import_catalog", str(path), "--by", "editor", stdout=io.StringIO())

    assert Movie.objects.count() == 2


# --- 2. Wrong types and absurd sizes --------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            at("movies", 0, "title", value="H" * 256),
            "movies[0] “HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH…”: title: is "
            "256 characters long; at most 255 are allowed.",
        ),
        (
            at("movies", 0, "synopsis", value="word " * 200_000),
            f"{HARBOUR}: synopsis: is 1,000,000 characters long; at most 10,000 are allowed.",
        ),
        (
            at("genres", 0, "name", value="D" * 61),
            ": name: is 61 characters long; at most 60 are allowed.",
        ),
        (
            at("movies", 0, "genres", value=["Drama"] * 51),
            f"{HARBOUR}: genres: has 51 items; at most 50 are allowed.",
        ),
        (
            at("movies", 0, "streams", 0, "quality_tag", value="1080p" * 5),
            f"{HARBOUR} streams[0]: quality_tag: is 25 characters long; at most 20",
        ),
        (
            at("movies", 0, "captions", 0, "language_code", value="eng"),
            f"{HARBOUR} captions[0]: language_code: is 3 characters long; at most 2",
        ),
        (
            at("movies", 0, "duration_minutes", value="90"),
            f"{HARBOUR}: duration_minutes: expected an integer, got the string '90'.",
        ),
        (
            at("movies", 0, "availability_start", value=1767225600),
            f"{HARBOUR}: availability_start: must be an ISO 8601 date-time with a time zone, "
            "got 1767225600.",
        ),
        (
            at("movies", 0, "availability_end", value="2027-02-30T00:00:00+00:00"),
            f"{HARBOUR}: availability_end: must be an ISO 8601 date-time with a time zone, "
            "got '2027-02-30T00:00:00+00:00'.",
        ),
        (
            at("movies", 0, "relase_year", value=2024),
            f"{HARBOUR}: unknown field(s): 'relase_year'.",
        ),
        (
            at("series", 0, "seasons", value=[{"number": n} for n in range(1, 102)]),
            "series[0] “Night Shift”: seasons: has 101 items; at most 100 are allowed.",
        ),
        (
            at("movies", value=[{}] * 20_001),
            "movies: has 20,001 items; at most 20,000 are allowed.",
        ),
    ],
)
def test_it_refuses_wrong_types_and_absurd_sizes_by_record_and_field(
    tmp_path: Path, live_catalog: Any, change: Any, expected: str
) -> None:
    summary, errors = refused(tmp_path, edited(change), live_catalog)

    assert expected in errors
    assert "1 error(s) in" in summary


def test_it_refuses_a_file_larger_than_the_limit(tmp_path: Path, live_catalog: Any) -> None:
    padding = " " * (MAX_FILE_BYTES - len(edited(lambda d: None)) + 1)

    summary, _ = refused(tmp_path, edited(lambda d: None) + padding, live_catalog)

    assert "is larger than 16 MB: split the catalog into several files." in summary


def test_it_lists_every_error_up_to_a_limit_then_counts_the_rest(
    tmp_path: Path, live_catalog: Any
) -> None:
    template = {**catalog_document()["movies"][1], "release_year": True}
    movies = [{**template, "title": f"M{n}"} for n in range(300)]

    summary, errors = refused(tmp_path, edited(at("movies", value=movies)), live_catalog)

    assert summary.endswith("300 error(s) in " + str(tmp_path / "bad.json") + ".")
    lines = errors.splitlines()
    assert len(lines) == MAX_LISTED_ERRORS + 1
    assert lines[0] == "  movies[0] “M0”: release_year: expected an integer, got true."
    assert lines[-1] == "  … and 200 more error(s) not listed."


def test_it_refuses_a_key_given_twice_in_one_object(tmp_path: Path, live_catalog: Any) -> None:
    text = edited(lambda d: None).replace(
        '"duration_minutes": 90,', '"duration_minutes": 90, "duration_minutes": 9,'
    )

    _, errors = refused(tmp_path, text, live_catalog)

    assert f"{HARBOUR}: duration_minutes: appears more than once in the same object." in errors


# --- 3. Numbers too large to convert --------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("9" * 5000, "must be between 1888 and 2100, got an integer of 5,000 digits."),
        ("-" + "9" * 30, "must be between 1888 and 2100, got an integer of 30 digits."),
        ("1e400", "expected an integer, got the number 1e400, too large to represent."),
        ("NaN", "expected an integer, got NaN, which is not a JSON value."),
        ("-Infinity", "expected an integer, got -Infinity, which is not a JSON value."),
        ("40000", "must be between 1888 and 2100, got 40000."),
    ],
)
def test_it_refuses_numbers_too_large_to_convert(
    tmp_path: Path, live_catalog: Any, literal: str, expected: str
) -> None:
    text = edited(at("movies", 0, "release_year", value="@@")).replace('"@@"', literal)

    _, errors = refused(tmp_path, text, live_catalog)

    assert f"{HARBOUR}: release_year: {expected}" in errors


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (  # a smallint column
            at("series", 0, "seasons", 0, "number", value=10**15),
            "series[0] “Night Shift” seasons[0]: number: must be between 1 and 32767, "
            "got 1000000000000000.",
        ),
        (  # fits its integer column, but duration_seconds (minutes * 60) would not
            at("movies", 0, "duration_minutes", value=2**31 - 1),
            f"{HARBOUR}: duration_minutes: must be between 0 and 100000, got 2147483647.",
        ),
        (  # a valid date-time that UTC (and PostgreSQL) cannot hold
            at("movies", 0, "availability_end", value="9999-12-31T23:59:59-05:00"),
            f"{HARBOUR}: availability_end: '9999-12-31T23:59:59-05:00' is out of range once "
            "converted to UTC.",
        ),
    ],
)
def test_it_refuses_numbers_past_what_the_database_holds(
    tmp_path: Path, live_catalog: Any, change: Any, expected: str
) -> None:
    _, errors = refused(tmp_path, edited(change), live_catalog)

    assert expected in errors


# --- 4. JSON nested thousands of levels deep ------------------------------------------------


@pytest.mark.parametrize("depth", [5_000, 200, MAX_DEPTH])
def test_it_refuses_json_nested_too_deep_and_says_where(
    tmp_path: Path, live_catalog: Any, depth: int
) -> None:
    nested = "[" * depth + "]" * depth
    text = '{"movies": [\n  {"title": ' + nested + "}]}"

    summary, _ = refused(tmp_path, text, live_catalog)

    # The document, the movies list and the movie are three levels: the title's 14th bracket
    # is the 17th level, one past the limit.
    assert f"nests lists and objects more than {MAX_DEPTH} levels deep" in summary
    assert "(at line 2, column 26)" in summary


def test_it_names_the_field_of_a_shallow_nested_value(tmp_path: Path, live_catalog: Any) -> None:
    _, errors = refused(
        tmp_path, edited(at("movies", 0, "synopsis", value=[[[["deep"]]]])), live_catalog
    )

    assert f"{HARBOUR}: synopsis: expected a string, got a list." in errors


def test_it_says_where_invalid_json_breaks(tmp_path: Path, live_catalog: Any) -> None:
    text = '{\n  "movies": [\n    {"title": "A",}\n  ]\n}'

    summary, _ = refused(tmp_path, text, live_catalog)

    assert (
        "is not valid JSON: line 3, column 19: Expecting property name enclosed in double "
        "quotes." in summary
    )


# --- 5. A list or an object where a string is expected --------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            at("movies", 0, "title", value=["Harbour Lights"]),
            "movies[0]: title: expected a string, got a list.",
        ),
        (
            at("movies", 0, "maturity_rating", value=["7+"]),
            f"{HARBOUR}: maturity_rating: expected a string, got a list.",
        ),
        (
            at("movies", 0, "visibility", value={"state": "VISIBLE"}),
            f"{HARBOUR}: visibility: expected a string, got an object.",
        ),
        (
            at("movies", 0, "streams", 0, "quality_tag", value={"height": 1080}),
            f"{HARBOUR} streams[0]: quality_tag: expected a string or null, got an object.",
        ),
        (
            at("movies", 0, "captions", 1, "language_code", value=["de"]),
            f"{HARBOUR} captions[1]: language_code: expected a string, got a list.",
        ),
        (
            at("movies", 0, "genres", value=[["Drama"]]),
            f"{HARBOUR}: genres[0]: expected a string, got a list.",
        ),
        (
            at("genres", 1, value="Sci-Fi"),
            "genres[1]: expected a JSON object, got the string 'Sci-Fi'.",
        ),
        (
            at("series", 0, "seasons", value={"1": []}),
            "series[0] “Night Shift”: seasons: expected a list, got an object.",
        ),
        (
            at("movies", 0, "streams", 0, value=["https://cdn.example.com/a.m3u8"]),
            f"{HARBOUR} streams[0]: expected a JSON object, got a list.",
        ),
    ],
)
def test_it_refuses_a_list_or_object_where_a_string_is_expected(
    tmp_path: Path, live_catalog: Any, change: Any, expected: str
) -> None:
    _, errors = refused(tmp_path, edited(change), live_catalog)

    assert expected in errors


# --- 6. Non-ASCII where ASCII was assumed ---------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            at("movies", 0, "duration_minutes", value="٩٠"),
            f"{HARBOUR}: duration_minutes: expected an integer, got the string '٩٠'.",
        ),
        (
            at("series", 0, "seasons", 0, "number", value="\uff11"),
            "series[0] “Night Shift” seasons[0]: number: expected an integer, got the string "
            "'\uff11'.",
        ),
        (
            at("movies", 0, "title", value="Harbour\ud800Lights"),
            "movies[0] “Harbour\\ud800Lights”: title: contains a lone UTF-16 surrogate (U+D800), "
            "which is not a character at character 8.",
        ),
        (
            at("movies", 0, "synopsis", value="A ferry\x00captain."),
            f"{HARBOUR}: synopsis: contains the control character U+0000 at character 8.",
        ),
        (
            at("movies", 0, "title", value="Harbour\u202eLights\u2028"),
            "title: contains the control character U+2028 at character 15.",
        ),
        (
            at("movies", 0, "maturity_rating", value="\uff17+"),
            f"{HARBOUR}: maturity_rating: must be one of All ages, 7+, 13+, 16+, 18+; "
            "got '\uff17+'.",
        ),
    ],
)
def test_it_refuses_lookalike_digits_and_characters_no_database_can_store(
    tmp_path: Path, live_catalog: Any, change: Any, expected: str
) -> None:
    _, errors = refused(tmp_path, edited(change), live_catalog)

    assert expected in errors


def test_it_imports_non_ascii_names_and_titles(tmp_path: Path, editor: Any) -> None:
    """Non-ASCII is refused only where it cannot be right: a genre or title in any script is
    fine, and gets a slug even when slugify() finds no ASCII letters in it."""
    document = catalog_document()
    document["genres"] += [{"name": "ドラマ"}, {"name": "Ciencia ficción"}]
    document["movies"][0].update(title="東京物語", genres=["ドラマ", "Ciencia ficción"])
    document["movies"][1].update(title="Amélie ✨", synopsis="Un conte\tparisien.\nFin.")
    path = tmp_path / "unicode.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    call_command("import_catalog", str(path), "--by", "editor", stdout=io.StringIO())

    assert Genre.objects.get(name="ドラマ").slug == "genre"
    assert Genre.objects.get(name="Ciencia ficción").slug == "ciencia-ficcion"
    assert Movie.objects.get(title="東京物語").slug == "title"
    assert Movie.objects.get(title="Amélie ✨").synopsis == "Un conte\tparisien.\nFin."


# --- 7. Coercions a product refuses ---------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            at("movies", 0, "synopsis", value=["A ferry", "captain."]),
            f"{HARBOUR}: synopsis: expected a string, got a list.",
        ),
        (
            at("movies", 0, "release_year", value=2024.5),
            f"{HARBOUR}: release_year: expected an integer, got 2024.5.",
        ),
        (
            at("movies", 0, "release_year", value=2024.0),
            f"{HARBOUR}: release_year: expected an integer, got 2024.0.",
        ),
        (
            at("movies", 0, "duration_minutes", value=True),
            f"{HARBOUR}: duration_minutes: expected an integer, got true.",
        ),
        (
            at("movies", 0, "streams", 0, "is_primary", value=1),
            f"{HARBOUR} streams[0]: is_primary: expected true or false, got 1.",
        ),
        (
            at("movies", 0, "streams", 0, "drm_required", value="false"),
            f"{HARBOUR} streams[0]: drm_required: expected true or false, got the string 'false'.",
        ),
        (
            at("movies", 0, "poster_url", value=None),
            f"{HARBOUR}: poster_url: expected a string, got null.",
        ),
        (
            at("series", 0, "seasons", 0, "episodes", 0, "number", value="1"),
            "series[0] “Night Shift” seasons[0] episodes[0] “Intake”: number: expected an "
            "integer, got the string '1'.",
        ),
        (at("version", value=True), "version: only schema version 1 is supported."),
    ],
)
def test_it_refuses_coercions_a_product_would_refuse(
    tmp_path: Path, live_catalog: Any, change: Any, expected: str
) -> None:
    _, errors = refused(tmp_path, edited(change), live_catalog)

    assert expected in errors
    assert not Movie.objects.filter(synopsis__startswith="[").exists()


# --- The command as a process: a one-line summary, the errors, no traceback ------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            json.dumps({"movies": [{**catalog_document()["movies"][0], "release_year": 2024.5}]}),
            [
                f"  {HARBOUR}: release_year: expected an integer, got 2024.5.",
                "CommandError: Nothing was imported: 1 error(s) in {path}.",
            ],
        ),
        (
            '{"movies": ' + "[" * 100_000 + "]" * 100_000 + "}",
            [
                "CommandError: Nothing was imported: {path} nests lists and objects more than "
                f"{MAX_DEPTH} levels deep (at line 1, column 27); a catalog needs 9."
            ],
        ),
    ],
    ids=["wrong-type", "deep-nesting"],
)
def test_the_command_exits_non_zero_with_no_traceback(
    transactional_db: None, tmp_path: Path, content: str, expected: list[str]
) -> None:
    EditorFactory(username="editor")
    path = tmp_path / "bad.json"
    path.write_text(content)

    finished = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "import_catalog", str(path), "--by", "editor"],
        cwd=BASE_DIR,
        env=engine_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr
    lines = [line for line in finished.stderr.splitlines() if not line.startswith("Importing")]
    assert lines == [line.format(path=path) for line in expected]
    assert Movie.objects.count() == 0


# --- The fuzzer -----------------------------------------------------------------------------

GENRE_NAMES = ("Drama", "Sci-Fi", "Comedy")
LANGUAGES = ("en", "de", "fr")
PRINTABLE = st.characters(categories=["L", "M", "N", "P", "S", "Zs"])
RAW = "@@raw-{}@@"  # replaced by raw JSON text after json.dumps: what json.dumps cannot write


def _future(days: int) -> str:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0).isoformat()


@st.composite
def media_records(draw: st.DrawFn, slug: str) -> dict[str, Any]:
    tags = draw(st.lists(st.sampled_from([None, "480p", "1080p"]), unique=True, max_size=2))
    languages = draw(st.lists(st.sampled_from(LANGUAGES), unique=True, max_size=2))
    return {
        "streams": [
            {
                "url": f"https://cdn.example.com/{slug}/{tag or 'master'}.m3u8",
                "quality_tag": tag,
                "drm_required": draw(st.booleans()),
                "is_primary": index == 0,
            }
            for index, tag in enumerate(tags)
        ],
        "captions": [
            {
                "language_code": language,
                "url": f"https://cdn.example.com/{slug}/{language}.vtt",
                "format": "WEBVTT",
                "is_default": index == 0,
            }
            for index, language in enumerate(languages)
        ],
    }


@st.composite
def title_records(draw: st.DrawFn, title: str) -> dict[str, Any]:
    start = draw(st.integers(min_value=1, max_value=30))
    return {
        "title": title,
        "synopsis": draw(st.text(PRINTABLE, min_size=1, max_size=40).filter(str.strip)),
        "genres": draw(st.lists(st.sampled_from(GENRE_NAMES), min_size=1, max_size=2, unique=True)),
        "maturity_rating": draw(st.sampled_from(["All ages", "7+", "13+", "16+", "18+"])),
        "poster_url": draw(st.sampled_from(["", "https://img.example.com/p.jpg"])),
        "availability_start": _future(start),
        "availability_end": _future(start + draw(st.integers(min_value=1, max_value=90))),
        "visibility": draw(st.sampled_from(["HIDDEN", "HIDDEN", "VISIBLE"])),
    }


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid-shaped catalog: a few genres, up to two movies, up to one series."""
    titles = draw(
        st.lists(
            st.text(PRINTABLE, min_size=1, max_size=12).filter(str.strip),
            min_size=3,
            max_size=3,
            unique_by=str.casefold,
        )
    )
    movies = [
        {
            **draw(title_records(title)),
            "duration_minutes": draw(st.integers(min_value=1, max_value=300)),
            "release_year": draw(st.integers(min_value=1888, max_value=2100)),
            **draw(media_records(f"m{index}")),
        }
        for index, title in enumerate(titles[: draw(st.integers(0, 2))])
    ]
    series = [
        {
            **draw(title_records(titles[2])),
            "seasons": [
                {
                    "number": 1,
                    "title": "",
                    "episodes": [
                        {
                            "number": number,
                            "title": f"Episode {number}",
                            "synopsis": "An episode.",
                            "duration_minutes": 40,
                            "release_year": 2024,
                            **draw(media_records(f"e{number}")),
                        }
                        for number in range(1, draw(st.integers(0, 2)) + 1)
                    ],
                }
            ],
        }
    ][: draw(st.integers(0, 1))]
    return {
        "version": 1,
        "genres": [{"name": name} for name in GENRE_NAMES],
        "movies": movies,
        "series": series,
    }


HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**19, max_value=10**60),
    st.floats(),  # NaN and infinities too: json.dumps writes them as NaN and Infinity
    st.text(max_size=20),
    st.text(st.characters(categories=["Cc", "Cs", "Zl", "Zp", "Cf"]), min_size=1, max_size=5),
    st.integers(min_value=256, max_value=20_000).map(lambda n: "x" * n),
    st.lists(st.text(max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    # Raw JSON text, spliced in after json.dumps: huge integers and deep nesting.
    st.integers(min_value=21, max_value=6_000).map(lambda n: RAW.format("9" * n)),
    st.integers(min_value=2, max_value=3_000).map(lambda n: RAW.format("[" * n + "]" * n)),
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid-shaped document with a few fields mutated, as the bytes of a file."""
    document = draw(documents())
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        target: Any = document
        while True:  # walk down to a random field or item, then replace, drop or add one
            keys = list(target) if isinstance(target, dict) else list(range(len(target)))
            if target is document:
                keys.remove("version")  # refused at once: tests above cover it
            if not keys:
                break
            key = draw(st.sampled_from(keys))
            if isinstance(target[key], dict | list) and target[key] and draw(st.booleans()):
                target = target[key]
                continue
            action = draw(st.sampled_from(["replace", "replace", "drop", "add"]))
            if action == "replace":
                target[key] = draw(HOSTILE_VALUES)
            elif action == "drop":
                del target[key]
            elif isinstance(target, dict):
                target[draw(st.text(max_size=8))] = draw(HOSTILE_VALUES)
            break
    text = json.dumps(document, ensure_ascii=draw(st.booleans()))
    for raw in set(re.findall(r'"@@raw-([^@]*)@@"', text)):
        text = text.replace(f'"{RAW.format(raw)}"', raw)
    data = text.encode("utf-8", errors="surrogatepass")
    if draw(st.sampled_from(range(5))) == 4:  # now and then, bytes that are not UTF-8
        position = draw(st.integers(min_value=0, max_value=len(data)))
        junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xfe\xff"]))
        data = data[:position] + junk + data[position:]
    return data


@pytest.mark.fuzz
@given(raw=mutated(), allow_past=st.booleans())
def test_fuzzed_files_import_or_fail_with_messages_and_never_half_write(
    editor: Any, raw: bytes, allow_past: bool
) -> None:
    before = catalog_state()
    try:
        import_catalog(parse_document(raw), by=editor, allow_past_availability=allow_past)
    except ImportFailed as error:
        failure = error
    else:
        event("imported")
        return
    event("file refused" if isinstance(failure, FileRefused) else "records refused")
    assert failure.errors
    assert failure.total >= len(failure.errors) - 1  # the last line may count the rest
    assert all(isinstance(m, str) and m and "\n" not in m for m in failure.errors)
    assert catalog_state() == before
