"""End to end in a real Chromium: a viewer opens Viewing activity from the profile menu, hides
a movie, then an episode and (from the offer) its whole series, and finds them gone from
Continue watching on the home page.

Chromium as in tests/test_browser.py. A screenshot of every step goes to
``test-artifacts/browser-activity/`` (git-ignored).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.services import demo_household
from catalog.models import MaturityRating
from tests.browsers import BrowserLaunch, browser_context, failed_responses, sign_in
from tests.factories import (
    EpisodeFactory,
    GenreFactory,
    MovieFactory,
    SeasonFactory,
    SeriesFactory,
    UserFactory,
    WatchProgressFactory,
)

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser-activity"
EMAIL = "activity.fan@example.com"


@pytest.fixture
def history(transactional_db: None, fast_passwords: None) -> None:
    """Alex's household, a small catalog, and what Alex watched over the last days."""
    viewer = UserFactory.create(username=EMAIL, email=EMAIL)
    alex = demo_household(user=viewer).profiles.get(name="Alex")
    drama, thriller = GenreFactory.create(name="Drama"), GenreFactory.create(name="Thriller")
    harbour = MovieFactory.create(title="Quiet Harbour", slug="quiet-harbour", genres=[drama])
    heist = MovieFactory.create(
        title="Midnight Heist",
        slug="midnight-heist",
        genres=[thriller],
        maturity_rating=MaturityRating.AGE_16,
    )
    MovieFactory.create(title="Paper Kites", slug="paper-kites", genres=[drama])
    MovieFactory.create(title="Night Train", slug="night-train", genres=[thriller])
    lights = SeriesFactory.create(title="Harbour Lights", slug="harbour-lights", genres=[drama])
    season = SeasonFactory.create(series=lights, number=1)
    arrival = EpisodeFactory.create(season=season, number=1, title="Arrival")
    pier = EpisodeFactory.create(season=season, number=2, title="The Pier")
    now = timezone.now()
    for video, seconds, finished, ago in [
        (harbour.video, 1800, False, timedelta(hours=1)),
        (pier.video, 900, False, timedelta(days=1)),
        (arrival.video, 42 * 60, True, timedelta(days=1, hours=1)),
        (heist.video, 3000, False, timedelta(days=3)),
    ]:
        WatchProgressFactory.create(
            profile=alex,
            video=video,
            progress_seconds=seconds,
            is_finished=finished,
            last_watched_timestamp=now - ago,
        )


def _snap(page: Page, shots: list[Path], step: str) -> None:
    path = ARTIFACTS / f"{len(shots) + 1:02d}-{step}.png"
    page.screenshot(path=path, full_page=True)
    shots.append(path)


@pytest.mark.browser
@pytest.mark.usefixtures("history", "plain_http_cookies")
def test_it_hides_titles_from_viewing_activity_and_continue_watching(
    chromium: BrowserLaunch, live_server: LiveServer
) -> None:
    origin = live_server.url
    shots: list[Path] = []
    with browser_context(chromium.browser_or_fail(), origin, artifacts=ARTIFACTS) as context:
        page = context.new_page()
        failed = failed_responses(page, origin)
        continue_row = page.locator("section.row", has=page.locator("#row-continue"))
        # Sign in, choose Alex: Continue watching holds the three unfinished titles.
        sign_in(page, origin, EMAIL, profile="Alex")
        expect(continue_row.locator(".card-title")).to_contain_text(
            ["Quiet Harbour", "Harbour Lights", "Midnight Heist"]
        )
        _snap(page, shots, "home-before")

        # Viewing activity, from the profile menu: newest first, a day at a time.
        page.locator("details.profile-menu summary").click()
        page.locator("details.profile-menu").get_by_role("link", name="Viewing activity").click()
        expect(page).to_have_url(f"{origin}/activity/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Viewing activity")
        rows = page.locator(".activity-item .activity-name")
        expect(rows).to_have_text(
            [
                "Quiet Harbour",
                "Harbour Lights S1:E2 · The Pier",
                "Harbour Lights S1:E1 · Arrival",
                "Midnight Heist",
            ]
        )
        expect(page.locator(".activity-day h2").first).to_have_text("Today")
        expect(page.locator(".activity-finished")).to_have_text(["Finished"])
        _snap(page, shots, "activity")

        # Hide a movie.
        page.get_by_role("button", name="Hide Quiet Harbour").click()
        expect(page.locator(".activity-banner")).to_contain_text("Hidden: Quiet Harbour.")
        expect(rows).to_have_count(3)
        _snap(page, shots, "activity-movie-hidden")

        # Hide an episode: the page offers the whole series, in one more click.
        page.get_by_role("button", name="Hide Harbour Lights S1:E2 · The Pier").click()
        expect(page.locator(".activity-banner")).to_contain_text(
            "Hidden. Hide all of Harbour Lights?"
        )
        expect(rows).to_have_text(["Harbour Lights S1:E1 · Arrival", "Midnight Heist"])
        _snap(page, shots, "activity-series-offer")
        page.get_by_role("button", name="Hide all of Harbour Lights").click()
        expect(page.locator(".activity-banner")).to_contain_text("Hidden all of Harbour Lights.")
        expect(rows).to_have_text(["Midnight Heist"])
        _snap(page, shots, "activity-series-hidden")

        # Home: they are gone from Continue watching; the rest stays.
        page.get_by_role("link", name="Home", exact=True).click()
        expect(page).to_have_url(f"{origin}/")
        expect(continue_row.locator(".card-title")).to_have_text(["Midnight Heist"])
        _snap(page, shots, "home-after")

    assert failed == []
    assert [shot.name for shot in shots] == [
        "01-home-before.png",
        "02-activity.png",
        "03-activity-movie-hidden.png",
        "04-activity-series-offer.png",
        "05-activity-series-hidden.png",
        "06-home-after.png",
    ]
    for shot in shots:
        assert shot.is_file()
        assert shot.stat().st_size > 0
