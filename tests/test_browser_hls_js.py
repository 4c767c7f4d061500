"""The player on hls.js in a real Chromium (issue #16): the audio menu, and a two-hour play.

Debian's Chromium plays HLS natively but exposes no audio tracks, so a title's second language
can be chosen only where hls.js is installed (``make player-deps`` puts it in static/vendor/).
Here it is served from a folder of its own (``make hls-deps`` fetches it from npm; CI runs it),
so the other browser tests keep the browser's own HLS.

The title is the demo's "Nine Hours in Lisbon": two hours and a minute of real H.264 with the
variants' English audio and a French audio-only rendition, through the Django edge. Screenshots
go to ``test-artifacts/browser-hls-js/`` (git-ignored).
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, Response, expect
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from accounts.models import Profile
from accounts.services import demo_household
from catalog.models import Movie
from playback import edge
from tests.browsers import BrowserLaunch, browser_context, failed_responses, sign_in
from tests.cast import demo_titles_import
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[1]
HLS_JS = ROOT / ".local/player-deps/node_modules/hls.js/dist/hls.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "browser-hls-js"
TITLE = "Nine Hours in Lisbon"
VIEWER = "lisbon.fan@example.com"
VIDEO = "document.getElementById('video')"
PLAYING = "!video.paused && video.readyState >= 3 && video.currentTime > 0"
TOKEN_SECONDS = 4  # the player renews every half-life: many renewals in a minute

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("plain_http_cookies", "fast_passwords")]


@pytest.fixture
def hls_js(settings: Settings, tmp_path: Path) -> Iterator[None]:
    """hls.js in a static folder of its own, as ``make player-deps`` installs it. The watch
    page asks once per process whether it is there (playback/edge.py): asked again here, and
    after, so that the next tests have the browser's own HLS again."""
    if not HLS_JS.is_file() and shutil.which("npm"):
        subprocess.run(["make", "hls-deps"], check=True, cwd=ROOT)  # noqa: S607
    if not HLS_JS.is_file():
        pytest.skip("hls.js comes from npm (make hls-deps), and npm is not on this machine")
    vendor = tmp_path / "static" / "vendor"
    vendor.mkdir(parents=True)
    shutil.copy(HLS_JS, vendor / "hls.min.js")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, tmp_path / "static"]
    edge.hls_js_available.cache_clear()
    yield
    edge.hls_js_available.cache_clear()


@pytest.fixture
def lisbon(transactional_db: None) -> Movie:
    demo_titles_import([TITLE])
    viewer = UserFactory.create(username=VIEWER, email=VIEWER)
    demo_household(user=viewer)
    return Movie.objects.get(title=TITLE)


def video(page: Page, expression: str) -> Any:
    return page.evaluate(f"() => {{ const video = {VIDEO}; return {expression}; }}")


def wait_for_video(page: Page, condition: str, timeout: float | None = None) -> None:
    page.wait_for_function(
        f"() => {{ const video = {VIDEO}; return {condition}; }}", timeout=timeout
    )


def snap(page: Page, name: str) -> None:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path)
    assert path.stat().st_size > 0


class Wire:
    """The portal's answers to the page, by kind: segments per folder, playlists, tokens."""

    def __init__(self, page: Page, origin: str) -> None:
        self.origin = origin
        self.seen: Counter[str] = Counter()
        self.failed = failed_responses(page, origin)
        page.on("response", self.record)

    def record(self, response: Response) -> None:
        path = response.url.removeprefix(self.origin).split("?", 1)[0]
        if path.endswith(".ts"):
            self.seen["segment " + path.rsplit("/", 2)[-2]] += 1
        elif path.endswith("/token"):
            self.seen["token"] += 1
        elif path.endswith("/end"):
            self.seen["end"] += 1

    def wait_for(self, page: Page, kind: str, seconds: float = 10) -> None:
        """Until the page has had one answer of ``kind`` (events arrive while Playwright waits)."""
        for _ in range(int(seconds * 5)):
            if self.seen[kind]:
                return
            page.wait_for_timeout(200)
        raise AssertionError(f"no {kind} in {seconds} s: {dict(self.seen)}")


@contextmanager
def watching(
    browser: Browser, origin: str, movie: Movie, prefix: str
) -> Iterator[tuple[Page, Wire]]:
    """Signed in as Alex, on the watch page once it plays on hls.js; no portal answer fails."""
    with browser_context(
        browser,
        origin,
        viewport={"width": 1280, "height": 720},
        artifacts=ARTIFACTS,
        clear=f"{prefix}-*.png",
    ) as context:
        page = context.new_page()
        sign_in(page, origin, VIEWER, profile="Alex")
        wire = Wire(page, origin)
        page.goto(origin + reverse("playback:watch", args=[movie.pk]))
        wait_for_video(page, PLAYING)
        assert page.evaluate("window.portalPlayer.engine()") == "hls.js"
        assert video(page, "video.src").startswith("blob:")  # Media Source, not native HLS
        yield page, wire
        assert wire.failed == []


def test_the_audio_menu_switches_to_the_second_language_and_back(
    player_chromium: BrowserLaunch, live_server: LiveServer, hls_js: None, lisbon: Movie
) -> None:
    with watching(player_chromium.browser_or_fail(), live_server.url, lisbon, "audio") as (
        page,
        wire,
    ):
        button = page.get_by_role("button", name="Audio")
        menu = page.get_by_role("menu", name="Audio")
        expect(button).to_be_visible()
        button.click()
        expect(menu).to_be_visible()
        expect(menu.get_by_role("menuitemradio")).to_have_text(["English", "Français"])
        expect(menu.get_by_role("menuitemradio", checked=True)).to_have_text("English")
        snap(page, "audio-menu-open")

        page.keyboard.press("ArrowDown")
        expect(menu.get_by_role("menuitemradio", name="Français")).to_be_focused()
        page.keyboard.press("Enter")
        expect(menu).to_be_hidden()
        expect(button).to_be_focused()
        # The French rendition's own segments come, and the film plays on.
        wire.wait_for(page, "segment audio-fr")
        before = video(page, "video.currentTime")
        wait_for_video(page, f"!video.paused && video.currentTime > {before + 1}")
        button.click()
        expect(menu.get_by_role("menuitemradio", checked=True)).to_have_text("Français")
        snap(page, "audio-menu-french")

        menu.get_by_role("menuitemradio", name="English").click()
        button.click()
        expect(menu.get_by_role("menuitemradio", checked=True)).to_have_text("English")
        page.keyboard.press("Escape")


def test_the_profiles_audio_language_is_chosen_on_start(
    player_chromium: BrowserLaunch, live_server: LiveServer, hls_js: None, lisbon: Movie
) -> None:
    Profile.objects.filter(name="Alex", account__owner__email=VIEWER).update(audio_language="fr")
    with watching(player_chromium.browser_or_fail(), live_server.url, lisbon, "preferred") as (
        page,
        wire,
    ):
        page.get_by_role("button", name="Audio").click()
        expect(
            page.get_by_role("menu", name="Audio").get_by_role("menuitemradio", checked=True)
        ).to_have_text("Français")
        page.keyboard.press("Escape")
        wire.wait_for(page, "segment audio-fr")


def test_two_hours_with_short_tokens_a_pause_a_quality_switch_and_a_seek_refuse_nothing(
    player_chromium: BrowserLaunch,
    live_server: LiveServer,
    hls_js: None,
    lisbon: Movie,
    settings: Settings,
) -> None:
    """The player's own timers keep a four-second token alive through a pause longer than
    its life, a switch of quality, and a seek from the first minutes to the last ones."""
    settings.STREAM_TOKEN_TTL_SECONDS = TOKEN_SECONDS
    assert lisbon.duration_minutes >= 120
    with watching(player_chromium.browser_or_fail(), live_server.url, lisbon, "long") as (
        page,
        wire,
    ):
        player = "window.portalPlayer"
        assert page.evaluate(f"{player}.levels()") == 2
        # Highest quality first, then a pause that outlives a token.
        page.evaluate(f"{player}.chooseLevel(1)")
        wait_for_video(page, "video.currentTime > 4")
        video(page, "video.pause()")
        page.wait_for_timeout(TOKEN_SECONDS * 1.5 * 1000)
        video(page, "video.play()")
        wait_for_video(page, "video.currentTime > 8")
        assert wire.seen["segment 480p"] > 0
        low = wire.seen["segment 240p"]  # hls.js may have measured the network on one

        # The network slows: the lower rendition, fetched with the token renewed in the pause.
        page.evaluate(f"{player}.chooseLevel(0)")
        at = video(page, "video.currentTime")
        wait_for_video(page, f"video.currentTime > {at + 8}", timeout=30_000)
        assert wire.seen["segment 240p"] > low
        assert page.evaluate(f"{player}.level()") == 0

        # A seek to the last minute of two hours, played to the end.
        end = video(page, "video.duration")
        assert end > 120 * 60
        video(page, f"video.currentTime = {end - 10}")
        wait_for_video(page, f"video.currentTime > {end - 8}", timeout=30_000)
        snap(page, "long-near-the-end")
        wait_for_video(page, "video.ended", timeout=30_000)
        wire.wait_for(page, "end")
        assert wire.seen["token"] >= 3  # renewed every half-life, through the pause too
