"""In a real Chromium: the player honours the profile's preferences without a menu touched.

A profile that chose French captions, large yellow on black, plays a title with English (the
editor's default), Spanish and French tracks and sees the French ones in its look; with
captions off it sees none. At the end of an episode the next one is offered: with autoplay
on, a countdown that goes there by itself; off, only a button. The titles are the demo
catalog's real HLS (tests/test_browser_playback.py explains the origin). A screenshot of
every step goes to ``test-artifacts/browser-preferences/`` (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, Response, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import Profile
from accounts.preferences import CaptionBackground, CaptionColour, CaptionEdge, CaptionSize
from accounts.services import demo_household
from catalog.models import CaptionTrack, Episode, Movie
from tests.browsers import STEP_TIMEOUT_MS, BrowserLaunch, browser_context, sign_in
from tests.cast import demo_titles_import
from tests.factories import UserFactory

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser-preferences"
MOVIE_TITLE = "Beneath the Kelp"  # captions in English (default), Spanish and French
SERIES_TITLE = "The Observatory"  # season 1: four episodes of 24 minutes
CUE_AT = 300  # seconds: a cue runs from 5:00 to 5:04 in every language
EDGE_CAPTION = re.compile(r"/edge/[0-9a-f-]{36}/captions/(?P<track>[0-9a-f-]{36})\.vtt")
VIDEO = "document.getElementById('video')"
EMAIL = "tide.reader@example.com"


@pytest.fixture
def demo_titles(transactional_db: None) -> None:
    """The movie with three caption languages, and the demo series."""
    demo_titles_import([MOVIE_TITLE], series=True)


@pytest.fixture
def alex(transactional_db: None, fast_passwords: None, plain_http_cookies: None) -> Profile:
    viewer = UserFactory.create(username=EMAIL, email=EMAIL)
    profile: Profile = demo_household(user=viewer).profiles.get(name="Alex")
    return profile


def prefer(profile: Profile, **choices: Any) -> None:
    """Save preferences as the preferences form does (the cached household is dropped)."""
    for name, value in choices.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save(update_fields=list(choices))


@dataclass
class Viewing:
    page: Page
    origin: str
    prefix: str  # this test's screenshots: "<prefix>-01-<step>.png"
    screenshots: list[Path] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    caption_files: list[str] = field(default_factory=list)  # the track ids the edge served

    def snap(self, step: str) -> None:
        path = ARTIFACTS / f"{self.prefix}-{len(self.screenshots) + 1:02d}-{step}.png"
        self.page.screenshot(path=path)
        self.screenshots.append(path)

    def record(self, response: Response) -> None:
        if not response.url.startswith(self.origin):
            return
        if response.status >= 400:
            self.failed_responses.append(f"{response.status} {response.url}")
        caption = EDGE_CAPTION.search(response.url)
        if caption:
            self.caption_files.append(caption["track"])

    def video(self, expression: str) -> Any:
        return self.page.evaluate(f"() => {{ const video = {VIDEO}; return {expression}; }}")

    def wait_for_video(self, condition: str) -> None:
        self.page.wait_for_function(f"() => {{ const video = {VIDEO}; return {condition}; }}")

    def watch(self, video_id: object) -> None:
        """Open the watch page and wait until it plays (a session started, media flowing)."""
        self.page.goto(self.origin + reverse("playback:watch", args=[video_id]))
        self.wait_for_video("!video.paused && video.readyState >= 3 && video.currentTime > 0")

    def track_modes(self) -> list[list[str]]:
        modes: list[list[str]] = self.video(
            "[...video.textTracks].map((t) => [t.language, t.mode])"
        )
        return modes


@contextmanager
def _viewing(browser: Browser, origin: str, prefix: str) -> Iterator[Viewing]:
    """A fresh browser context on the live server, signed in as Alex; this run's
    screenshots only."""
    with browser_context(
        browser,
        origin,
        viewport={"width": 1280, "height": 800},
        artifacts=ARTIFACTS,
        clear=f"{prefix}-*.png",
    ) as context:
        page = context.new_page()
        viewing = Viewing(page=page, origin=origin, prefix=prefix)
        sign_in(page, origin, EMAIL, profile="Alex")
        # From here on, what the watch pages fetch (the home page is not this test's).
        page.on("response", viewing.record)
        yield viewing


@pytest.mark.browser
@pytest.mark.usefixtures("demo_titles")
def test_it_shows_the_profiles_caption_language_in_its_look_or_none_when_off(
    player_chromium: BrowserLaunch, live_server: LiveServer, alex: Profile
) -> None:
    browser = player_chromium.browser_or_fail()
    movie = Movie.objects.get(title=MOVIE_TITLE)
    french = CaptionTrack.objects.get(video=movie.video, language_code="fr")
    prefer(
        alex,
        caption_language="fr",
        caption_size=CaptionSize.LARGE,
        caption_colour=CaptionColour.YELLOW,
        caption_background=CaptionBackground.BLACK,
        caption_edge=CaptionEdge.OUTLINE,
    )

    with _viewing(browser, live_server.url, "captions") as viewing:
        # French, not the editor's English, with no menu touched; only its file is fetched.
        viewing.watch(movie.pk)
        assert viewing.track_modes() == [
            ["en", "disabled"],
            ["es", "disabled"],
            ["fr", "showing"],
        ]
        checked = viewing.page.locator("#player-captions-menu [aria-checked=true]")
        expect(checked).to_have_text("French")  # the player's menu says so too
        viewing.video(f"video.currentTime = {CUE_AT}")
        viewing.wait_for_video(
            f"video.currentTime > {CUE_AT + 0.5} && video.textTracks[2].activeCues.length > 0"
        )
        viewing.video("video.pause()")
        assert viewing.video("[...video.textTracks[2].activeCues].map((c) => c.text)") == [
            "[tonalité douce]"
        ]
        assert viewing.caption_files == [str(french.pk)]
        # The page's ::cue rule carries the profile's look (Chromium draws the cue with it).
        cue_style = viewing.page.evaluate(
            """() => {
                const rule = [...document.styleSheets].flatMap((s) => [...s.cssRules])
                    .find((r) => r.selectorText === "video::cue");
                return rule && [rule.style.color, rule.style.backgroundColor, rule.style.fontSize];
            }"""
        )
        assert cue_style == ["rgb(255, 235, 59)", "rgb(0, 0, 0)", "130%"]
        viewing.snap("french-large-yellow-on-black")

        # Captions off: no track shows, though the title has an editor's default.
        prefer(alex, caption_language="off")
        viewing.watch(movie.pk)
        viewing.video(f"video.currentTime = {CUE_AT}")
        viewing.wait_for_video(f"video.currentTime > {CUE_AT + 1}")
        viewing.video("video.pause()")
        assert viewing.track_modes() == [
            ["en", "disabled"],
            ["es", "disabled"],
            ["fr", "disabled"],
        ]
        expect(checked).to_have_text("Off")
        assert viewing.caption_files == [str(french.pk)]  # nothing more fetched
        viewing.snap("off")

    assert viewing.failed_responses == []
    for screenshot in viewing.screenshots:
        assert screenshot.stat().st_size > 0, screenshot


@pytest.mark.browser
@pytest.mark.usefixtures("demo_titles")
def test_it_offers_the_next_episode_when_one_ends(
    player_chromium: BrowserLaunch, live_server: LiveServer, alex: Profile
) -> None:
    browser = player_chromium.browser_or_fail()
    first, second, third = (
        Episode.objects.get(season__series__title=SERIES_TITLE, season__number=1, number=n)
        for n in (1, 2, 3)
    )
    prefer(alex, autoplay_next=True)

    with _viewing(browser, live_server.url, "next-episode") as viewing:
        page, origin = viewing.page, viewing.origin

        # Autoplay on: at the end, a countdown to S1:E2 that goes there by itself.
        viewing.watch(first.pk)
        viewing.video("video.currentTime = video.duration - 2")
        panel = page.locator("#player-next")
        expect(panel).to_be_visible()
        expect(panel).to_contain_text("Next episode in")
        expect(panel).to_contain_text("S1:E2 · The Night Shift")
        expect(page.get_by_role("link", name="Play now")).to_be_focused()
        expect(page.get_by_role("button", name="Cancel")).to_be_visible()
        viewing.snap("countdown")
        second_url = origin + reverse("playback:watch", args=[second.pk])
        expect(page).to_have_url(second_url, timeout=STEP_TIMEOUT_MS)
        viewing.wait_for_video("!video.paused && video.currentTime > 0")

        # Cancel stops the countdown and leaves a plain button.
        viewing.video("video.currentTime = video.duration - 2")
        expect(panel).to_be_visible()
        page.get_by_role("button", name="Cancel").click()
        expect(page.get_by_role("button", name="Cancel")).to_be_hidden()
        expect(panel.locator("#player-next-heading")).to_have_text("Next episode")
        expect(page.get_by_role("link", name="Next episode")).to_be_focused()
        viewing.snap("cancelled")
        assert page.url == second_url

        # Autoplay off: only a button, which goes to S1:E3.
        prefer(alex, autoplay_next=False)
        viewing.watch(second.pk)
        viewing.video("video.currentTime = video.duration - 2")
        expect(panel).to_be_visible()
        expect(panel).not_to_contain_text("Next episode in")
        expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
        viewing.snap("button-only")
        page.get_by_role("link", name="Next episode").click()
        expect(page).to_have_url(origin + reverse("playback:watch", args=[third.pk]))

    assert viewing.failed_responses == []
    for screenshot in viewing.screenshots:
        assert screenshot.stat().st_size > 0, screenshot
