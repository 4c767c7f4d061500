"""End to end in a real Chromium: a household signs up, adds profiles, and browses as kids and
as an adult, against the live server and the test database.

Chromium is Debian's /usr/bin/chromium where it is installed (``playwright install`` cannot
download here), else Playwright's own build. A screenshot of every step is written to
``test-artifacts/browser/`` (git-ignored) for a human to look at when the walk breaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from catalog.models import MaturityRating
from tests.browsers import BrowserLaunch, browser_context, failed_responses
from tests.factories import (
    EpisodeFactory,
    GenreFactory,
    MovieFactory,
    SeasonFactory,
    SeriesFactory,
)

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"


@dataclass
class Walk:
    """The page plus what it saw: one screenshot per step, and any failed portal response."""

    page: Page
    origin: str
    failed_responses: list[str]
    screenshots: list[Path] = field(default_factory=list)

    def snap(self, step: str) -> None:
        path = ARTIFACTS / f"{len(self.screenshots) + 1:02d}-{step}.png"
        self.page.screenshot(path=path, full_page=True)
        self.screenshots.append(path)

    def open_profile_menu(self, item: str) -> None:
        self.page.locator("details.profile-menu summary").click()
        self.page.locator("details.profile-menu").get_by_role("link", name=item).click()

    def choose_profile(self, name: str) -> None:
        self.open_profile_menu("Switch profile")
        expect(self.page.get_by_role("heading", name="Who's watching?")).to_be_visible()
        self.page.locator("button.picker-tile", has_text=name).click()
        expect(self.page).to_have_url(f"{self.origin}/")
        expect(
            self.page.locator("details.profile-menu summary", has_text=f"Profile menu for {name}")
        ).to_be_visible()

    def search(self, text: str) -> None:
        self.page.fill("#site-search", text)
        self.page.get_by_role("button", name="Search", exact=True).click()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text(text)

    def card(self, title: str) -> Locator:
        return self.page.locator("a.card", has_text=title)


@contextmanager
def _walk(browser: Browser, origin: str) -> Iterator[Walk]:
    """A fresh browser context on the live server; this run's screenshots only."""
    with browser_context(browser, origin, artifacts=ARTIFACTS) as context:
        page = context.new_page()
        yield Walk(page=page, origin=origin, failed_responses=failed_responses(page, origin))


@pytest.fixture
def small_catalog(transactional_db: None) -> None:
    animation = GenreFactory(name="Animation")
    thriller = GenreFactory(name="Thriller")
    drama = GenreFactory(name="Drama")
    MovieFactory(
        title="Paper Kites",
        slug="paper-kites",
        genres=[animation],
        maturity_rating=MaturityRating.AGE_7,
    )
    MovieFactory(
        title="Midnight Heist",
        slug="midnight-heist",
        genres=[thriller],
        maturity_rating=MaturityRating.AGE_16,
    )
    MovieFactory(
        title="Le Café d'Amélie",
        slug="le-cafe-d-amelie",
        genres=[drama],
        maturity_rating=MaturityRating.AGE_13,
    )
    ocean = SeriesFactory(
        title="Ocean Explorers",
        slug="ocean-explorers",
        genres=[animation],
        maturity_rating=MaturityRating.ALL,
    )
    season = SeasonFactory(series=ocean, number=1)
    EpisodeFactory(season=season, number=1, title="The Reef")
    EpisodeFactory(season=season, number=2, title="Kelp Forests")


@pytest.mark.browser
@pytest.mark.usefixtures("small_catalog", "plain_http_cookies")
def test_it_walks_a_household_from_sign_up_to_a_title_page(
    chromium: BrowserLaunch, live_server: LiveServer
) -> None:
    with _walk(chromium.browser_or_fail(), live_server.url) as walk:
        page, origin = walk.page, walk.origin

        # A visitor lands and signs up; the first profile is made with the account.
        page.goto(f"{origin}/")
        expect(
            page.get_by_role("heading", name="Films and series for the whole household.")
        ).to_be_visible()
        walk.snap("landing")
        page.get_by_role("link", name="Create your account").click()
        expect(page).to_have_url(f"{origin}/account/signup/")
        page.fill("#id_email", "Robin.Household@example.com")
        page.fill("#id_password", "kites-and-oceans-42")
        page.fill("#id_profile_name", "Robin")
        walk.snap("sign-up")
        page.get_by_role("button", name="Create account").click()

        # Home, signed in as Robin, with a row per genre.
        expect(page).to_have_url(f"{origin}/")
        expect(page.get_by_text("Welcome! Add the rest of your household")).to_be_visible()
        expect(
            page.locator("details.profile-menu summary", has_text="Profile menu for Robin")
        ).to_be_visible()
        for genre in ("Animation", "Drama", "Thriller"):
            expect(page.get_by_role("heading", name=genre, exact=True)).to_be_visible()
        walk.snap("home-after-sign-up")

        # Manage profiles: add an adult and a kids profile.
        walk.open_profile_menu("Manage profiles")
        expect(page).to_have_url(f"{origin}/account/profiles/manage/")
        walk.snap("manage-profiles")
        for name, is_kids, colour in (("Alex", False, "purple"), ("Mia", True, "amber")):
            page.get_by_role("link", name="Add a profile").click()
            expect(page).to_have_url(f"{origin}/account/profiles/add/")
            page.fill("#id_name", name)
            page.locator("#id_is_kids").set_checked(is_kids)
            page.check(f"input[name=avatar_colour][value={colour}]")
            walk.snap(f"add-profile-{name.lower()}")
            page.get_by_role("button", name="Save").click()
            expect(page).to_have_url(f"{origin}/account/profiles/manage/")
            expect(page.get_by_text(f"Added {name}.")).to_be_visible()
        profile_list = page.locator("ul.profile-list > li")
        expect(profile_list).to_have_count(3)
        expect(profile_list.filter(has_text="Mia").locator(".kids-badge")).to_have_text("Kids")
        expect(profile_list.filter(has_text="Alex").locator(".kids-badge")).to_have_count(0)
        walk.snap("profiles-added")

        # Who's watching? lists the household as tiles.
        page.get_by_role("link", name="Done").click()
        expect(page).to_have_url(f"{origin}/account/profiles/")
        tiles = page.locator("button.picker-tile")
        expect(tiles).to_contain_text(["Robin", "Alex", "Mia Kids"])
        expect(tiles.locator(".kids-badge")).to_have_count(1)
        walk.snap("whos-watching")

        # Mia (kids) sees the 7+ title and the all-ages series, never the 16+ thriller.
        page.locator("button.picker-tile", has_text="Mia").click()
        expect(page).to_have_url(f"{origin}/")
        expect(
            page.locator("details.profile-menu summary", has_text="Profile menu for Mia")
        ).to_be_visible()
        expect(walk.card("Paper Kites")).not_to_have_count(0)
        expect(walk.card("Ocean Explorers")).not_to_have_count(0)
        expect(walk.card("Midnight Heist")).to_have_count(0)
        expect(walk.card("Le Café d'Amélie")).to_have_count(0)
        expect(page.get_by_role("heading", name="Thriller", exact=True)).to_have_count(0)
        walk.snap("kids-home")
        walk.search("midnight")
        expect(page.get_by_role("heading", level=1)).to_have_text("No results for “midnight”")
        expect(walk.card("Midnight Heist")).to_have_count(0)
        walk.snap("kids-search-midnight")

        # Back to Alex, an adult: from kids mode that needs the account owner's password.
        walk.open_profile_menu("Exit Kids")
        page.locator("button.picker-tile", has_text="Alex").click()
        expect(page.get_by_role("heading", name="Ask a grown-up")).to_be_visible()
        page.fill("#id_secret", "kites-and-oceans-42")
        walk.snap("kids-asks-a-grown-up")
        page.get_by_role("button", name="Open").click()
        expect(page).to_have_url(f"{origin}/")
        expect(
            page.locator("details.profile-menu summary", has_text="Profile menu for Alex")
        ).to_be_visible()
        thriller_row = page.locator(
            "section.row", has=page.get_by_role("heading", name="Thriller", exact=True)
        )
        expect(thriller_row.locator("a.card", has_text="Midnight Heist")).to_be_visible()
        walk.snap("adult-home")

        # Browse a genre row to its page, then open a series from it.
        animation_row = page.locator(
            "section.row", has=page.get_by_role("heading", name="Animation", exact=True)
        )
        expect(animation_row.locator("a.card")).to_have_count(2)
        animation_row.get_by_role("link", name="See all Animation").click()
        expect(page).to_have_url(f"{origin}/genres/animation/")
        expect(page.locator("a.card .card-title")).to_have_text(["Ocean Explorers", "Paper Kites"])
        walk.snap("genre-animation")
        walk.card("Ocean Explorers").click()
        expect(page).to_have_url(f"{origin}/series/ocean-explorers/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ocean Explorers")
        expect(page.locator("ol.episodes h3")).to_have_text(
            [re.compile("The Reef"), re.compile("Kelp Forests")]
        )
        walk.snap("series-page")

        # Search ignores case and accents: "cafe AMELIE" finds "Le Café d'Amélie".
        walk.search("cafe AMELIE")
        expect(page).to_have_url(re.compile(r"/search/\?q=cafe\+AMELIE$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Results for “cafe AMELIE”")
        expect(page.locator("a.card .card-title")).to_have_text(["Le Café d'Amélie"])
        walk.snap("search-results")
        walk.card("Le Café d'Amélie").click()
        expect(page).to_have_url(f"{origin}/movies/le-cafe-d-amelie/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Le Café d'Amélie")
        expect(page.locator(".hero .rating")).to_have_text("13+")
        walk.snap("movie-page")

        assert walk.failed_responses == []
        assert len(walk.screenshots) == 16
        for screenshot in walk.screenshots:
            assert screenshot.is_file(), screenshot
            assert screenshot.stat().st_size > 0, screenshot
