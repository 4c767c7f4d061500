"""The player's markers in a real Chromium (issue #16): "Skip intro" inside the intro, gone
after its time on screen, seeking on click; "Are you still watching?" pausing the video.

The movie is the demo's, real HLS through the edge (as in tests/test_browser_playback.py),
with the demo's intro (0:20 to 1:20) and credits markers. The thresholds are made short with
``window.portalPlayerMarkersConfig`` before the page's scripts run. Screenshots go to
``test-artifacts/browser-markers/`` (git-ignored).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.services import demo_household
from catalog.models import Episode, Movie
from tests.browsers import BrowserLaunch, browser_context, failed_responses, sign_in
from tests.cast import demo_titles_import
from tests.factories import UserFactory

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser-markers"
MOVIE_TITLE = "Beneath the Kelp"
VIEWER = "kelp.fan@example.com"
VIDEO = "document.getElementById('video')"

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("plain_http_cookies", "fast_passwords")]


@pytest.fixture
def demo_movie(transactional_db: None) -> Movie:
    """The demo movie with real HLS, and the demo's intro and credits markers."""
    demo_titles_import([MOVIE_TITLE])
    viewer = UserFactory.create(username=VIEWER, email=VIEWER)
    demo_household(user=viewer)
    return Movie.objects.get(title=MOVIE_TITLE)


@pytest.fixture
def demo_episode(transactional_db: None) -> Episode:
    """The demo series' first episode (24 minutes, credits from 23:00), with a next one."""
    demo_titles_import(series=True)
    viewer = UserFactory.create(username=VIEWER, email=VIEWER)
    demo_household(user=viewer)
    return Episode.objects.get(season__number=1, number=1)


@contextmanager
def watching(
    browser: Browser,
    origin: str,
    movie: Movie | Episode,
    *,
    config: dict[str, Any],
    session: str = "",
    playing: str = "!video.paused && video.readyState >= 3 && video.currentTime > 0",
) -> Iterator[Page]:
    """The watch page of ``movie``, signed in as Alex, with the markers' thresholds ``config``
    and ``session`` run first (sessionStorage left by earlier watch pages)."""
    with browser_context(
        browser, origin, viewport={"width": 1280, "height": 800}, artifacts=ARTIFACTS, clear=None
    ) as context:
        page = context.new_page()
        failed = failed_responses(page, origin)
        sign_in(page, origin, VIEWER, profile="Alex")
        page.add_init_script(f"window.portalPlayerMarkersConfig = {json.dumps(config)}; {session}")
        page.goto(f"{origin}{reverse('playback:watch', args=[movie.pk])}")
        # templates/playback/watch.html loads it after player.js (window.portalPlayer).
        expect(page.locator("script[src*='js/player_markers']")).to_have_count(1)
        expect_video(page, playing)
        yield page
        assert failed == []


def expect_video(page: Page, condition: str) -> None:
    page.wait_for_function(f"() => {{ const video = {VIDEO}; return {condition}; }}")


def video(page: Page, expression: str) -> Any:
    return page.evaluate(f"() => {{ const video = {VIDEO}; return {expression}; }}")


def snap(page: Page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"{name}.png")


@pytest.fixture(autouse=True)
def _fresh_artifacts() -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


def test_it_offers_to_skip_the_intro_hides_the_offer_and_skips_on_click(
    player_chromium: BrowserLaunch, live_server: LiveServer, demo_movie: Movie
) -> None:
    browser = player_chromium.browser_or_fail()
    with watching(browser, live_server.url, demo_movie, config={"skipVisibleSeconds": 3}) as page:
        skip = page.get_by_role("button", name="Skip intro")
        assert page.evaluate("() => typeof window.portalPlayer") == "object"
        expect(skip).to_be_hidden()  # before the intro (0:20)

        video(page, "video.currentTime = 21")
        expect_video(page, "!video.paused && video.currentTime > 21.2")
        expect(skip).to_be_visible()
        expect(skip).to_have_attribute("aria-label", "Skip intro (to 1:20)")
        snap(page, "01-skip-intro")

        # Three seconds on screen (the config; 8 by default), then it steps aside.
        expect(skip).to_be_hidden(timeout=6000)
        assert video(page, "video.currentTime") < 80
        snap(page, "02-skip-intro-gone")

        # Leaving the intro and coming back offers it again; a click (or Enter) skips to 1:20.
        video(page, "video.currentTime = 5")
        expect_video(page, "video.currentTime < 10 && !video.seeking")
        video(page, "video.currentTime = 30")
        expect(skip).to_be_visible()
        skip.focus()
        page.wait_for_timeout(300)  # its fade-in (prefers-reduced-motion is not set here)
        snap(page, "03-skip-intro-focused")
        page.keyboard.press("Enter")
        expect_video(page, "video.currentTime >= 80 && !video.seeking")
        expect(skip).to_be_hidden()
        # The focus it had stays in the player, where the shortcuts work, not on the page.
        expect(page.locator("#player")).to_be_focused()
        snap(page, "04-after-the-intro")
        page.keyboard.press("k")
        expect_video(page, "video.paused")


def test_it_asks_whether_anyone_is_still_watching_after_a_stretch_untouched(
    player_chromium: BrowserLaunch, live_server: LiveServer, demo_movie: Movie
) -> None:
    browser = player_chromium.browser_or_fail()
    with watching(browser, live_server.url, demo_movie, config={"stillWatchingSeconds": 2}) as page:
        dialog = page.get_by_role("dialog", name=f"Are you still watching {MOVIE_TITLE}?")
        expect(dialog).to_be_visible()
        expect_video(page, "video.paused")
        expect(dialog).to_have_attribute("aria-modal", "true")
        expect(dialog.get_by_role("button", name="Continue watching")).to_be_focused()
        back = page.locator(".player-back").get_attribute("href")
        expect(dialog.get_by_role("link", name="Back to browse")).to_have_attribute("href", back)
        snap(page, "05-still-watching")

        dialog.get_by_role("button", name="Continue watching").click()
        expect(dialog).to_be_hidden()
        expect_video(page, "!video.paused")
        # The counters start again: no second question at once.
        page.wait_for_timeout(500)
        expect(dialog).to_be_hidden()
        counted = page.evaluate("() => sessionStorage.getItem('portal.stillWatching.seconds')")
        assert float(counted) < 2


def test_it_asks_after_three_episodes_in_a_row_left_by_earlier_pages(
    player_chromium: BrowserLaunch, live_server: LiveServer, demo_movie: Movie
) -> None:
    browser = player_chromium.browser_or_fail()
    # Three watch pages before this one each counted an episode played through untouched.
    earlier = "sessionStorage.setItem('portal.stillWatching.episodes', '3');"
    with watching(
        browser,
        live_server.url,
        demo_movie,
        config={},
        session=earlier,
        playing="video.readyState >= 1",
    ) as page:
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        expect_video(page, "video.paused")
        assert video(page, "video.currentTime") < 5  # asked at the start, not after a while
        snap(page, "06-still-watching-after-three-episodes")


def test_it_offers_the_next_episode_when_the_credits_start(
    player_chromium: BrowserLaunch, live_server: LiveServer, demo_episode: Episode
) -> None:
    browser = player_chromium.browser_or_fail()
    credits = demo_episode.markers.get(kind="CREDITS")
    with watching(browser, live_server.url, demo_episode, config={}) as page:
        next_panel = page.locator("#player-next")
        expect(next_panel).to_be_hidden()

        video(page, f"video.currentTime = {credits.start_seconds - 1}")
        expect_video(page, f"video.currentTime > {credits.start_seconds + 0.2}")
        expect(next_panel).to_be_visible()
        # One more episode played through with no one touching anything, for the next page.
        stored = page.evaluate("() => sessionStorage.getItem('portal.stillWatching.episodes')")
        assert stored == "1"
        snap(page, "07-credits-next-episode")
