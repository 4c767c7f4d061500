"""In a real Chromium: the player's own controls over the video (static/js/player_controls.js,
player_menus.js).

Keyboard shortcuts, the captions menu, the seek bar's words for screen readers, and the
controls that step aside while a title plays and come back when the mouse moves. The title is
the demo catalog's real HLS (tests/test_browser_playback.py explains the origin). Screenshots
go to ``test-artifacts/browser-player-ui/`` (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.services import demo_household
from catalog.models import Movie
from tests.browsers import (
    STEP_TIMEOUT_MS,
    BrowserLaunch,
    browser_context,
    failed_responses,
    keep_on_machine,
    sign_in,
)
from tests.cast import demo_titles_import
from tests.factories import UserFactory

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser-player-ui"
MOVIE_TITLE = "Beneath the Kelp"  # 79 minutes, captions in English (default), Spanish, French
EMAIL = "remote.holder@example.com"
VIDEO = "document.getElementById('video')"
PLAYING = "!video.paused && video.readyState >= 3 && video.currentTime > 0"

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("plain_http_cookies", "fast_passwords")]


@pytest.fixture
def demo_movie(transactional_db: None) -> Movie:
    """The movie with real HLS and three caption tracks (see test_browser_playback.py)."""
    demo_titles_import([MOVIE_TITLE])
    viewer = UserFactory.create(username=EMAIL, email=EMAIL)
    demo_household(user=viewer)
    return Movie.objects.get(title=MOVIE_TITLE)


def video(page: Page, expression: str) -> Any:
    return page.evaluate(f"() => {{ const video = {VIDEO}; return {expression}; }}")


def wait_for_video(page: Page, condition: str) -> None:
    page.wait_for_function(f"() => {{ const video = {VIDEO}; return {condition}; }}")


def snap(page: Page, name: str) -> None:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path)
    assert path.stat().st_size > 0


@contextmanager
def watching(browser: Browser, origin: str, movie: Movie, prefix: str) -> Iterator[Page]:
    """Signed in as Alex, on the movie's watch page once it plays; no portal answer fails."""
    with browser_context(
        browser,
        origin,
        viewport={"width": 1280, "height": 720},
        artifacts=ARTIFACTS,
        clear=f"{prefix}-*.png",
    ) as context:
        page = context.new_page()
        sign_in(page, origin, EMAIL, profile="Alex")
        failed = failed_responses(page, origin)
        page.goto(origin + reverse("playback:watch", args=[movie.pk]))
        wait_for_video(page, PLAYING)
        yield page
        assert failed == []


def test_it_plays_pauses_seeks_mutes_and_goes_fullscreen_from_the_keyboard(
    player_chromium: BrowserLaunch, live_server: LiveServer, demo_movie: Movie
) -> None:
    with watching(player_chromium.browser_or_fail(), live_server.url, demo_movie, "keys") as page:
        play = page.locator("#player-play")
        expect(play).to_have_attribute("aria-label", "Pause")

        page.keyboard.press("Space")
        wait_for_video(page, "video.paused")
        expect(play).to_have_attribute("aria-label", "Play")
        expect(page.locator("#player-state")).to_have_css("opacity", "1")
        snap(page, "keys-paused")
        page.keyboard.press("Space")
        wait_for_video(page, "!video.paused")
        page.keyboard.press("k")
        wait_for_video(page, "video.paused")

        before = video(page, "video.currentTime")
        page.keyboard.press("ArrowRight")
        assert video(page, "video.currentTime") == pytest.approx(before + 10, abs=0.5)
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        assert video(page, "video.currentTime") == pytest.approx(max(0, before - 10), abs=0.5)

        mute = page.locator("#player-mute")
        page.keyboard.press("m")
        assert video(page, "video.muted") is True
        expect(mute).to_have_attribute("aria-label", "Unmute")
        page.keyboard.press("m")
        assert video(page, "video.muted") is False
        expect(mute).to_have_attribute("aria-label", "Mute")
        page.keyboard.press("ArrowDown")
        assert video(page, "video.volume") == pytest.approx(0.9)

        page.keyboard.press("f")
        expect(page.locator("#player-fullscreen")).to_have_attribute(
            "aria-label", "Exit fullscreen"
        )
        assert page.evaluate("document.fullscreenElement && document.fullscreenElement.id") == (
            "player"
        )


def test_it_chooses_captions_from_its_menu_and_toggles_them_with_c(
    player_chromium: BrowserLaunch, live_server: LiveServer, demo_movie: Movie
) -> None:
    with watching(player_chromium.browser_or_fail(), live_server.url, demo_movie, "menu") as page:
        modes = "[...video.textTracks].map((t) => t.mode)"
        button = page.locator("#player-captions-button")
        menu = page.get_by_role("menu", name="Captions")

        # The server's choice (English, the editor's default) is the checked item.
        button.click()
        expect(menu).to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "true")
        checked = menu.get_by_role("menuitemradio", checked=True)
        expect(checked).to_have_text("English")
        expect(checked).to_be_focused()
        snap(page, "menu-captions-open")

        # Escape closes it and gives the focus back to its button.
        page.keyboard.press("Escape")
        expect(menu).to_be_hidden()
        expect(button).to_be_focused()
        expect(button).to_have_attribute("aria-expanded", "false")

        # By keyboard: down to Spanish, Enter.
        page.keyboard.press("Enter")
        expect(menu).to_be_visible()
        page.keyboard.press("ArrowDown")
        expect(menu.get_by_role("menuitemradio", name="Spanish")).to_be_focused()
        page.keyboard.press("Enter")
        expect(menu).to_be_hidden()
        assert video(page, modes) == ["disabled", "showing", "disabled"]

        # "c" turns them off and back to the last chosen track.
        page.keyboard.press("c")
        assert video(page, modes) == ["disabled", "disabled", "disabled"]
        page.keyboard.press("c")
        assert video(page, modes) == ["disabled", "showing", "disabled"]

        # By mouse: Off.
        button.click()
        menu.get_by_role("menuitemradio", name="Off").click()
        assert video(page, modes) == ["disabled", "disabled", "disabled"]
        button.click()
        expect(menu.get_by_role("menuitemradio", checked=True)).to_have_text("Off")


def test_it_says_where_the_seek_bar_is_in_words(
    player_chromium: BrowserLaunch, live_server: LiveServer, demo_movie: Movie
) -> None:
    with watching(player_chromium.browser_or_fail(), live_server.url, demo_movie, "seek") as page:
        video(page, "video.pause()")
        video(page, "video.currentTime = 754")
        wait_for_video(page, "!video.seeking && Math.floor(video.currentTime) === 754")
        seek = page.get_by_role("slider", name="Seek")
        expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^12:34 of 1:1\d:\d\d$"))
        expect(page.locator("#player-current")).to_have_text("12:34")

        # Its own arrow keys move 5 s.
        seek.focus()
        page.keyboard.press("ArrowRight")
        expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^12:39 of "))


def test_it_hides_the_controls_while_playing_and_shows_them_on_mouse_move(
    player_chromium: BrowserLaunch, live_server: LiveServer, demo_movie: Movie
) -> None:
    with watching(player_chromium.browser_or_fail(), live_server.url, demo_movie, "idle") as page:
        player = page.locator("#player")
        controls = page.locator("#player-controls")
        page.mouse.move(640, 360)
        expect(player).not_to_have_class(re.compile(r"\bcontrols-hidden\b"))
        snap(page, "idle-controls-visible")

        # Three seconds with no movement while it plays: gone.
        expect(player).to_have_class(re.compile(r"\bcontrols-hidden\b"), timeout=6000)
        expect(controls).to_have_css("opacity", "0")
        page.mouse.move(600, 300)
        expect(player).not_to_have_class(re.compile(r"\bcontrols-hidden\b"))

        # Paused: they stay.
        page.keyboard.press("Space")
        wait_for_video(page, "video.paused")
        page.wait_for_timeout(3500)
        expect(player).not_to_have_class(re.compile(r"\bcontrols-hidden\b"))

        # The keyboard inside the controls keeps them too, with a visible focus ring.
        page.keyboard.press("Space")
        wait_for_video(page, "!video.paused")
        for _ in range(4):  # the skip link, the back link, then the seek bar
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "player-seek":
                break
        expect(page.locator("#player-seek")).to_be_focused()
        assert page.evaluate("document.activeElement.matches(':focus-visible')") is True
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"
        page.wait_for_timeout(3500)
        expect(player).not_to_have_class(re.compile(r"\bcontrols-hidden\b"))


def test_it_answers_taps_on_a_phone(
    player_chromium: BrowserLaunch, live_server: LiveServer, demo_movie: Movie
) -> None:
    browser = player_chromium.browser_or_fail()
    origin = live_server.url
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    try:
        context.set_default_timeout(STEP_TIMEOUT_MS)
        context.route("**/*", lambda route: keep_on_machine(route, origin))
        page = context.new_page()
        sign_in(page, origin, EMAIL, profile="Alex")
        page.goto(origin + reverse("playback:watch", args=[demo_movie.pk]))
        wait_for_video(page, PLAYING)
        player = page.locator("#player")
        hidden = re.compile(r"\bcontrols-hidden\b")
        box = page.locator("#video").bounding_box()
        assert box is not None
        middle_y = box["y"] + box["height"] / 3

        # Playing with nobody touching: the controls go; a tap brings them, another hides them.
        expect(player).to_have_class(hidden, timeout=6000)
        page.touchscreen.tap(box["x"] + box["width"] / 2, middle_y)
        expect(player).not_to_have_class(hidden)
        snap(page, "phone-controls")
        page.wait_for_timeout(500)
        page.touchscreen.tap(box["x"] + box["width"] / 2, middle_y)
        expect(player).to_have_class(hidden)

        # A double tap on the right half skips 10 s on.
        video(page, "video.pause()")
        before = video(page, "video.currentTime")
        right = box["x"] + box["width"] * 0.8
        page.touchscreen.tap(right, middle_y)
        page.wait_for_timeout(80)
        page.touchscreen.tap(right, middle_y)
        wait_for_video(page, f"Math.abs(video.currentTime - {before + 10}) < 0.5")
    finally:
        context.close()
