"""TTML captions reach the player: the edge converts them to WebVTT after the worker's checks.

The conversion and the worker's check read the file through one function (catalog/ttml.py),
so what the check calls valid converts, and what it refuses is refused at the edge with the
same message. Through both edges: nginx hands captions to the portal, which converts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st
from pytest_django import Settings

from catalog import media_checks
from catalog.models import CaptionTrack, Movie
from catalog.ttml import TtmlRefused, ttml_as_webvtt
from tests.edges import (
    Edge,
    fixture_edge,  # noqa: F401 - a fixture
    fixture_household,  # noqa: F401 - a fixture
    fixture_local_movie,  # noqa: F401 - a fixture
    fixture_origin,  # noqa: F401 - a fixture
    start,
)
from tests.factories import CaptionTrackFactory, MovieFactory

NS = 'xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"'
GOOD = f"""<?xml version="1.0" encoding="utf-8"?>
<tt {NS} ttp:frameRate="25" ttp:tickRate="10000000" xml:lang="fr">
  <body><div>
    <p begin="00:00:01.000" end="00:00:03.500">Bonjour, <span>le port</span><br/>est calme.</p>
    <p begin="4s" dur="1500ms">Fish &amp; chips &lt;3 --&gt; later</p>
    <p begin="00:00:06:12" end="00:00:07:00">Frames</p>
    <p begin="80000000t" end="90000000t">Ticks</p>
    <p>No time: not a cue</p>
  </div></body>
</tt>
"""


def test_it_converts_times_line_breaks_spans_and_markup() -> None:
    vtt = ttml_as_webvtt(GOOD, duration=60)

    assert vtt == (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:03.500\nBonjour, le port\nest calme.\n\n"
        "00:00:04.000 --> 00:00:05.500\nFish &amp; chips &lt;3 --&gt; later\n\n"
        "00:00:06.480 --> 00:00:07.000\nFrames\n\n"
        "00:00:08.000 --> 00:00:09.000\nTicks\n"
    )
    assert media_checks._check_vtt(vtt, 60).status == "VALID"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<tt", "not well-formed XML"),
        ('<!DOCTYPE tt [<!ENTITY a "b">]><tt/>', "forbidden XML features"),
        ('<tt xmlns="urn:other"/>', "not tt in the TTML namespace"),
        (f'<tt {NS} ttp:frameRate="x"><body/></tt>', "is not a number"),
        (f"<tt {NS}><body><div><p>no times</p></div></body></tt>", "no timed cues"),
        (f'<tt {NS}><body><div><p begin="1s" end="soon">x</p></div></body></tt>', "cannot read"),
        (f'<tt {NS}><body><div><p begin="1s" end="2h">x</p></div></body></tt>', "after the"),
    ],
)
def test_it_refuses_what_the_worker_refuses_with_its_message(text: str, message: str) -> None:
    with pytest.raises(TtmlRefused) as refused:
        ttml_as_webvtt(text, duration=60)

    assert message in refused.value.message
    verdict = media_checks._check_ttml(text, 60)
    assert verdict.status == "INVALID"
    assert verdict.message == refused.value.message


@given(
    words=st.lists(st.text(max_size=30), min_size=1, max_size=5),
    times=st.lists(st.integers(min_value=0, max_value=50_000), min_size=2, max_size=2),
)
def test_any_cue_text_converts_to_a_webvtt_file_the_worker_accepts(
    words: list[str], times: list[int]
) -> None:
    start_ms, length = times[0], times[1] + 1
    cues = "".join(
        f'<p begin="{start_ms + i * 10}ms" dur="{length}ms">{escape(word)}</p>'
        for i, word in enumerate(words)
    )
    text = f"<tt {NS}><body><div>{cues}</div></body></tt>"
    try:
        vtt = ttml_as_webvtt(text, duration=120)
    except TtmlRefused:  # a character XML itself does not allow (a NUL, a lone surrogate)
        return
    assert media_checks._check_vtt(vtt, 120).status == "VALID"
    assert vtt.count(" --> ") == len(words)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- Through the edges -----------------------------------------------------------------------


def ttml_track(settings: Settings, origin: Path, movie: Movie, name: str, body: str) -> str:
    (origin / "quiet" / name).write_text(body)
    track = CaptionTrackFactory.create(
        video=movie.video,
        language_code="fr",
        is_default=False,
        format=CaptionTrack.Format.TTML,
        caption_url=f"{settings.LOCAL_ORIGIN_URL}quiet/{name}",
    )
    return f"captions/{track.pk}.vtt"


def test_the_player_is_offered_the_ttml_track_and_gets_webvtt(
    edge: Edge, viewer: Client, local_movie: Movie, settings: Settings, origin: Path
) -> None:
    path = ttml_track(settings, origin, local_movie, "fr.ttml", GOOD)
    session_id = start(viewer, local_movie)
    offered = viewer.get(f"/watch/{local_movie.pk}/")  # the page itself
    assert offered.status_code == 200

    answer = edge.get(viewer, session_id, path)

    assert answer.status == 200
    assert answer.content_type.startswith("text/vtt")
    assert answer.body.decode() == ttml_as_webvtt(GOOD, duration=local_movie.duration_seconds)


def test_the_start_response_lists_ttml_tracks_as_webvtt_urls(
    viewer: Client, local_movie: Movie, settings: Settings, origin: Path
) -> None:
    path = ttml_track(settings, origin, local_movie, "fr.ttml", GOOD)

    response = viewer.post(
        f"/api/playback/{local_movie.pk}/sessions", "{}", content_type="application/json"
    )

    urls = [caption["url"] for caption in response.json()["captions"]]
    assert any(url.endswith(path) for url in urls)
    assert all(url.endswith(".vtt") for url in urls)


def test_a_ttml_file_the_worker_would_refuse_is_a_502_with_its_message(
    edge: Edge, viewer: Client, local_movie: Movie, settings: Settings, origin: Path
) -> None:
    path = ttml_track(settings, origin, local_movie, "bad.ttml", f"<tt {NS}><body/></tt>")
    session_id = start(viewer, local_movie)

    answer = edge.get(viewer, session_id, path)

    assert answer.status == 502
    assert answer.code == "caption_invalid"
    assert "no timed cues" in answer.body.decode()


def test_another_titles_ttml_track_is_not_found(
    edge: Edge, viewer: Client, local_movie: Movie, settings: Settings, origin: Path
) -> None:
    other: Movie = MovieFactory.create(media=False)
    path = ttml_track(settings, origin, other, "fr.ttml", GOOD)
    session_id = start(viewer, local_movie)

    answer = edge.get(viewer, session_id, path)

    assert answer.status == 404
