"""Which caption track shows when a title starts: the profile's language, then the editor's
default, then none; "off" is none whatever the title offers.

Track lists are drawn as the catalog allows them (one track per language, at most one
default, playback/caption_choice.py's caller lists WebVTT tracks only), preferences as a
profile stores them ("", "off" or an ISO 639-1 code).
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from accounts.preferences import CAPTIONS_DEFAULT, CAPTIONS_OFF
from playback.caption_choice import selected_caption

LANGUAGES = ("en", "fr", "es", "de", "it", "pt", "ja", "nl")


@dataclass(frozen=True)
class Track:
    language_code: str
    is_default: bool


@st.composite
def track_lists(draw: st.DrawFn) -> list[Track]:
    languages = draw(st.lists(st.sampled_from(LANGUAGES), unique=True, max_size=len(LANGUAGES)))
    default = draw(st.none() | st.sampled_from(languages)) if languages else None
    return [Track(language, language == default) for language in languages]


def default_of(tracks: list[Track]) -> str | None:
    return next((track.language_code for track in tracks if track.is_default), None)


@given(tracks=track_lists().filter(bool), data=st.data())
def test_it_shows_the_profiles_language_when_the_title_has_it(
    tracks: list[Track], data: st.DataObject
) -> None:
    preference = data.draw(st.sampled_from([track.language_code for track in tracks]))

    assert selected_caption(tracks, preference) == preference


@given(tracks=track_lists(), preference=st.sampled_from(LANGUAGES))
def test_it_falls_back_to_the_editors_default_when_the_profiles_language_is_missing(
    tracks: list[Track], preference: str
) -> None:
    tracks = [track for track in tracks if track.language_code != preference]

    assert selected_caption(tracks, preference) == default_of(tracks)


@given(tracks=track_lists())
def test_it_shows_none_when_the_profile_turned_captions_off(tracks: list[Track]) -> None:
    assert selected_caption(tracks, CAPTIONS_OFF) is None


@given(tracks=track_lists())
def test_it_follows_the_editors_default_when_the_profile_has_no_language(
    tracks: list[Track],
) -> None:
    assert selected_caption(tracks, CAPTIONS_DEFAULT) == default_of(tracks)


@given(
    tracks=track_lists().map(lambda tracks: [Track(t.language_code, False) for t in tracks]),
    preference=st.sampled_from((CAPTIONS_DEFAULT, *LANGUAGES)),
)
def test_it_shows_none_without_a_default_or_a_match(tracks: list[Track], preference: str) -> None:
    tracks = [track for track in tracks if track.language_code != preference]

    assert selected_caption(tracks, preference) is None


@given(
    tracks=track_lists(), preference=st.sampled_from((CAPTIONS_DEFAULT, CAPTIONS_OFF, *LANGUAGES))
)
def test_it_only_ever_names_a_track_the_title_has(tracks: list[Track], preference: str) -> None:
    chosen = selected_caption(tracks, preference)

    assert chosen is None or chosen in {track.language_code for track in tracks}


def test_it_prefers_the_profiles_french_over_the_editors_english() -> None:
    tracks = [Track("en", True), Track("es", False), Track("fr", False)]

    assert selected_caption(iter(tracks), "fr") == "fr"
