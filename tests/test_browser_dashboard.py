"""The editors' dashboard in a real Chromium, with the demo's titles and a month of demo
sessions: signed in through the admin's login form, the page draws its charts, the numbers
open without JavaScript, and a full-page screenshot lands in ``test-artifacts/dashboard/``
(git-ignored) for a human to look at.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils.text import slugify
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from accounts.services import demo_household
from catalog.demo import MOVIES, SERIES
from catalog.models import CaptionTrack, MaturityRating, StreamSource, ValidationStatus
from tests.browsers import BrowserLaunch, admin_sign_in, browser_context, failed_responses
from tests.factories import (
    EditorFactory,
    EpisodeFactory,
    GenreFactory,
    MovieFactory,
    SeasonFactory,
    SeriesFactory,
    UserFactory,
)

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "dashboard"
RATINGS = {label: value for value, label in MaturityRating.choices}


@pytest.fixture
def demo_sessions(transactional_db: None, fast_passwords: None) -> None:
    """The demo catalog's titles (without its media files), the demo viewer, an editor, a
    few streams and captions that failed their checks, and seed_demo_sessions' month."""
    genre = GenreFactory.create(name="Drama")
    for movie in MOVIES:
        MovieFactory.create(
            title=movie.title,
            slug=slugify(movie.title),
            maturity_rating=RATINGS[movie.rating],
            duration_minutes=movie.minutes,
            genres=[genre],
        )
    series = SeriesFactory.create(
        title=SERIES.title,
        slug=slugify(SERIES.title),
        maturity_rating=RATINGS[SERIES.rating],
        genres=[genre],
    )
    for number, _, episodes in SERIES.seasons:
        season = SeasonFactory.create(series=series, number=number)
        for episode_number, title in enumerate(episodes, start=1):
            EpisodeFactory.create(
                season=season,
                number=episode_number,
                title=title,
                duration_minutes=SERIES.episode_minutes,
            )
    streams = StreamSource.objects.order_by("stream_url")
    StreamSource.objects.filter(pk__in=streams.values("pk")[:2]).update(
        validation_status=ValidationStatus.INVALID
    )
    StreamSource.objects.filter(pk__in=streams.values("pk")[2:4]).update(
        validation_status=ValidationStatus.UNKNOWN
    )
    captions = CaptionTrack.objects.order_by("caption_url")
    CaptionTrack.objects.filter(pk__in=captions.values("pk")[:1]).update(
        validation_status=ValidationStatus.INVALID
    )
    demo_household(user=UserFactory.create(username="viewer"))
    EditorFactory.create(username="editor")
    call_command("seed_demo_sessions", stdout=io.StringIO())


@pytest.mark.browser
@pytest.mark.usefixtures("demo_sessions", "plain_http_cookies")
def test_it_draws_the_dashboard_of_the_demo_sessions(
    chromium: BrowserLaunch, live_server: LiveServer
) -> None:
    origin = live_server.url
    screenshot = ARTIFACTS / "dashboard.png"
    # The page needs nothing from outside the portal: no CDN, no web font.
    with browser_context(
        chromium.browser_or_fail(),
        origin,
        viewport={"width": 1440, "height": 900},
        artifacts=ARTIFACTS,
        clear=screenshot.name,
    ) as context:
        page = context.new_page()
        failed = failed_responses(page, origin)
        admin_sign_in(page, origin, "editor")
        expect(page.get_by_role("link", name="Viewing dashboard")).to_be_visible()

        page.get_by_role("link", name="Viewing dashboard").click()
        expect(page.get_by_role("heading", name="Viewing dashboard", level=1)).to_be_visible()
        for heading in (
            "Plays per day",
            "Completion",
            "Media validation",
            "Player errors by title",
            "Player errors by device",
        ):
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        charts = page.locator("svg.chart[role=img]")
        expect(charts).to_have_count(5)
        # Drawn: bars with a real size, not an empty frame.
        plays = page.locator("#plays_per_day rect")
        assert plays.count() >= 20
        box = page.locator("#plays_per_day").bounding_box()
        assert box is not None
        assert box["width"] > 800
        assert box["height"] > 150
        # The troubled title of the demo leads the errors chart.
        expect(
            page.locator("#errors_by_title text").filter(has_text="Static Signal")
        ).to_have_count(1)
        page.screenshot(path=screenshot, full_page=True)

        # The numbers open without JavaScript (a <details>), and link to their sessions.
        card = page.locator("section.chart-card", has=page.locator("#errors_by_title"))
        card.get_by_text("Numbers behind this chart").click()
        table = card.locator("table")
        expect(table).to_be_visible()
        expect(table.locator("tbody tr").first).to_contain_text("Static Signal")
        page.screenshot(path=ARTIFACTS / "dashboard-numbers.png", full_page=True)
        table.locator("tbody tr").first.locator("a").click()
        expect(page.get_by_role("heading", name="Select viewing session to view")).to_be_visible()
        expect(page.locator("#result_list tbody tr").first).to_contain_text("Static Signal")
        page.screenshot(path=ARTIFACTS / "sessions-filtered.png", full_page=True)

    assert failed == []
    assert screenshot.is_file()
    assert screenshot.stat().st_size > 20_000
