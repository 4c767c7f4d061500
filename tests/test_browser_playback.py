"""End to end in a real Chromium: a viewer signs in, plays a movie of the demo catalog, stops
at 5:00, and finds it in Continue watching, from where it resumes at 5:00.

The movie is real HLS (the demo's test pattern, encoded once into the tests' origin folder,
.local/origin-test, and reused by later runs) served through the portal's edge with the
session's token cookie; Debian's Chromium plays it natively. A screenshot of every step goes
to ``test-artifacts/browser-playback/`` (git-ignored).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Browser, Page, Response, expect
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from accounts.models import Profile
from accounts.services import demo_household
from catalog.models import Movie
from catalog.templatetags.portal import clock
from playback import flush, live
from playback.models import WatchProgress
from tests.browsers import STEP_TIMEOUT_MS, BrowserLaunch, browser_context, sign_in
from tests.cast import demo_titles_import
from tests.factories import UserFactory

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser-playback"
MOVIE_TITLE = "Beneath the Kelp"  # 79 minutes, captions in English (default), Spanish, French
STOP_AT = 300  # seconds: "Resume from 5:00"
EDGE = re.compile(r"/edge/[0-9a-f-]{36}/(?P<path>[^?]+)")
VIDEO = "document.getElementById('video')"


@pytest.fixture
def demo_movie(transactional_db: None) -> Movie:
    """One movie of the demo catalog, with real HLS and captions in the tests' origin.

    build_demo writes every demo title's playlists (segments are hard links to one encoded
    minute, so that is quick once the encode is cached); only this movie is imported.
    """
    demo_titles_import([MOVIE_TITLE])
    return Movie.objects.get(title=MOVIE_TITLE)


@dataclass
class Viewing:
    """The page plus what it saw: screenshots, edge files served, heartbeats answered."""

    page: Page
    origin: str
    screenshots: list[Path] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    edge_files: list[str] = field(default_factory=list)
    heartbeats: list[str] = field(default_factory=list)  # the event of each 200 answer

    def snap(self, step: str) -> None:
        path = ARTIFACTS / f"{len(self.screenshots) + 1:02d}-{step}.png"
        self.page.screenshot(path=path)
        self.screenshots.append(path)

    def record(self, response: Response) -> None:
        if not response.url.startswith(self.origin):
            return
        if response.status >= 400:
            self.failed_responses.append(f"{response.status} {response.url}")
            return
        edge = EDGE.search(response.url)
        if edge:
            self.edge_files.append(edge["path"])
        request = response.request
        if request.method == "POST" and request.url.endswith("/heartbeat"):
            self.heartbeats.append(_event(request.post_data or ""))

    def video(self, expression: str) -> Any:
        return self.page.evaluate(f"() => {{ const video = {VIDEO}; return {expression}; }}")

    def wait_for_video(self, condition: str) -> None:
        self.page.wait_for_function(f"() => {{ const video = {VIDEO}; return {condition}; }}")

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        """Let the page run (and its responses arrive) until ``condition`` holds."""
        deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"Waited {STEP_TIMEOUT_MS / 1000:.0f} s for {what}")
            self.page.wait_for_timeout(100)

    def served(self, pattern: str) -> list[str]:
        return [path for path in self.edge_files if re.fullmatch(pattern, path)]


def _event(body: str) -> str:
    """The heartbeat's event: JSON from fetch, form-encoded from sendBeacon."""
    try:
        return str(json.loads(body)["event"])
    except ValueError:
        return parse_qs(body).get("event", ["?"])[0]


@contextmanager
def _viewing(browser: Browser, origin: str) -> Iterator[Viewing]:
    """A fresh browser context on the live server; this run's screenshots only."""
    with browser_context(
        browser, origin, viewport={"width": 1280, "height": 800}, artifacts=ARTIFACTS
    ) as context:
        page = context.new_page()
        viewing = Viewing(page=page, origin=origin)
        page.on("response", viewing.record)
        yield viewing


@pytest.mark.browser
@pytest.mark.usefixtures("plain_http_cookies", "fast_passwords")
def test_it_plays_a_movie_and_resumes_it_from_continue_watching(
    player_chromium: BrowserLaunch, live_server: LiveServer, settings: Settings, demo_movie: Movie
) -> None:
    browser = player_chromium.browser_or_fail()
    # The live server reads it when the player starts a session: a tick every second.
    settings.HEARTBEAT_INTERVAL_SECONDS = 1
    # Sign-up makes the e-mail the username; the form signs in by either.
    viewer = UserFactory.create(username="kelp.fan@example.com", email="kelp.fan@example.com")
    alex: Profile = demo_household(user=viewer).profiles.get(name="Alex")
    running_time = demo_movie.duration_minutes * 60

    with _viewing(browser, live_server.url) as viewing:
        page, origin = viewing.page, viewing.origin

        # Sign in through the form, then choose the adult profile.
        page.goto(f"{origin}/account/login/")
        page.fill("#id_username", "kelp.fan@example.com")
        page.fill("#id_password", "a-long-test-password")  # UserFactory's
        viewing.snap("sign-in")
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{origin}/account/profiles/")
        viewing.snap("whos-watching")
        page.locator("button.picker-tile", has_text="Alex").click()
        expect(page).to_have_url(f"{origin}/")
        expect(page.locator("#row-continue")).to_have_count(0)  # nothing watched yet
        page.locator("a.card", has_text=MOVIE_TITLE).first.click()
        expect(page).to_have_url(f"{origin}/movies/beneath-the-kelp/")
        expect(page.get_by_role("link", name="Resume")).to_have_count(0)
        viewing.snap("title-page")

        # Play: the player starts a session and Chromium plays the HLS natively.
        with page.expect_response(re.compile(r"/api/playback/.+/sessions$")) as started:
            page.get_by_role("link", name="Play", exact=True).click()
        assert started.value.status == 201, started.value.text()
        session = started.value.json()
        assert session["resume_seconds"] == 0
        assert session["heartbeat_seconds"] == 1
        viewing.wait_for_video("!video.paused && video.readyState >= 3 && video.currentTime > 0")
        first = viewing.video("video.currentTime")
        viewing.wait_for_video(f"video.currentTime >= {first + 2}")
        assert page.locator("#player-message").is_hidden()
        viewing.snap("playing")
        assert viewing.served("master.m3u8")
        assert viewing.served(r"(240p|480p)\.m3u8")
        assert viewing.served(r"(240p|480p)/seg\d{3}\.ts")
        # The default caption track (English) is on, the others off, and its file came
        # through the edge.
        assert viewing.video("[...video.textTracks].map((t) => [t.language, t.mode])") == [
            ["en", "showing"],
            ["es", "disabled"],
            ["fr", "disabled"],
        ]
        assert len(viewing.served(r"captions/[0-9a-f-]{36}\.vtt")) == 1
        expect(page.locator("#player-captions-menu [aria-checked=true]")).to_have_text("English")

        # Heartbeats every second while it plays, buffered in Redis.
        viewing.wait_for(lambda: viewing.heartbeats.count("tick") >= 2, "two heartbeats")
        buffered = live.buffered_for_profile(alex.pk)[demo_movie.pk]
        assert 0 < buffered.position < 60
        assert not buffered.final

        # Seek to 5:00, play on a little, pause.
        viewing.video(f"video.currentTime = {STOP_AT}")
        viewing.wait_for(lambda: "seek" in viewing.heartbeats, "the seek heartbeat")
        viewing.wait_for_video(f"!video.paused && video.currentTime > {STOP_AT + 0.5}")
        assert "[gentle tone]" in viewing.video(
            "[...video.textTracks[0].activeCues].map((cue) => cue.text)"
        )
        viewing.snap("playing-at-5-00")
        # Paused through the player's own button, as a viewer would.
        page.mouse.move(640, 400)
        page.get_by_role("button", name="Pause").click()
        expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()
        viewing.wait_for(lambda: "pause" in viewing.heartbeats, "the pause heartbeat")
        stopped_at = viewing.video("video.currentTime")
        assert STOP_AT < stopped_at < STOP_AT + 5
        buffered = live.buffered_for_profile(alex.pk)[demo_movie.pk]
        assert buffered.position == pytest.approx(stopped_at, abs=0.1)
        assert buffered.final
        viewing.snap("paused")

        # Leave for home: the page's last beacons end the session (its stream is free again),
        # and the flush moves the position into PostgreSQL.
        page.goto(f"{origin}/")
        expect(
            page.locator("details.profile-menu summary", has_text="Profile menu for Alex")
        ).to_be_visible()
        state = live.session_key(session["session_id"])
        viewing.wait_for(lambda: live.redis().hget(state, "ended") == b"1", "the end beacon")
        flush.progress_flush(everything=True)
        progress = WatchProgress.objects.get(profile=alex, video_id=demo_movie.pk)
        assert progress.progress_seconds == int(stopped_at)
        assert not progress.is_finished

        # Continue watching shows it, with its progress bar.
        page.reload()
        row = page.locator("section.row", has=page.locator("#row-continue"))
        expect(row.locator("h2")).to_have_text("Continue watching for Alex")
        card = row.locator("a.card", has_text=MOVIE_TITLE)
        percent = round(100 * progress.progress_seconds / running_time)
        expect(card).to_have_attribute("aria-label", re.compile(f"{percent}% watched"))
        expect(card.locator(".progress > span")).to_have_attribute("style", f"width: {percent}%")
        card.scroll_into_view_if_needed()
        viewing.snap("continue-watching")

        # The title page offers to resume there, and the player does.
        card.click()
        expect(page).to_have_url(f"{origin}/movies/beneath-the-kelp/")
        resume = page.get_by_role("link", name=f"Resume from {clock(progress.progress_seconds)}")
        expect(resume).to_be_visible()
        expect(resume).to_contain_text("Resume from 5:0")
        viewing.snap("title-page-resume")
        with page.expect_response(re.compile(r"/api/playback/.+/sessions$")) as started:
            resume.click()
        assert started.value.json()["resume_seconds"] == progress.progress_seconds
        viewing.wait_for_video("!video.paused && video.readyState >= 3 && video.currentTime > 0")
        resumed = viewing.video("video.currentTime")
        assert progress.progress_seconds - 3 <= resumed < progress.progress_seconds + 10
        viewing.wait_for_video(f"video.currentTime >= {resumed + 1}")
        viewing.snap("resumed")

        assert viewing.failed_responses == []
        assert len(viewing.screenshots) == 9
        for screenshot in viewing.screenshots:
            assert screenshot.is_file(), screenshot
            assert screenshot.stat().st_size > 0, screenshot


@pytest.mark.browser
@pytest.mark.usefixtures("plain_http_cookies", "fast_passwords")
def test_it_stops_a_title_hidden_mid_viewing_within_one_token_life(
    player_chromium: BrowserLaunch, live_server: LiveServer, settings: Settings, demo_movie: Movie
) -> None:
    browser = player_chromium.browser_or_fail()
    settings.STREAM_TOKEN_TTL_SECONDS = 6  # a short life: the player renews every 3 s
    viewer = UserFactory.create(username="kelp.fan@example.com", email="kelp.fan@example.com")
    demo_household(user=viewer)

    with _viewing(browser, live_server.url) as viewing:
        page, origin = viewing.page, viewing.origin
        sign_in(page, origin, "kelp.fan@example.com", profile="Alex")
        page.goto(f"{origin}/watch/{demo_movie.pk}/")
        viewing.wait_for_video("!video.paused && video.readyState >= 3 && video.currentTime > 0")
        viewing.snap("playing-before-hidden")

        # An editor hides the title while it plays.
        Movie.objects.filter(pk=demo_movie.pk).update(visibility="HIDDEN")
        message = page.locator("#player-message")
        expect(message).to_be_visible(timeout=settings.STREAM_TOKEN_TTL_SECONDS * 1000)
        expect(page.locator("#player-message-title")).to_have_text(
            "This title is no longer available"
        )
        expect(page.locator("#player-message-code")).to_have_text("title_unavailable")
        assert viewing.video("video.paused") is True
        assert viewing.video("video.readyState") == 0  # the picture is gone, not only paused
        viewing.snap("stopped-title-unavailable")

    # What was refused: the renewal or a heartbeat (whichever asked first), nothing else.
    refused = [line.split(" ", 1)[0] for line in viewing.failed_responses]
    assert refused, "the renewal or a heartbeat should have been refused"
    assert set(refused) == {"403"}, viewing.failed_responses
