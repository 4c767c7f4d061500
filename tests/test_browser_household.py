"""The household in a real Chromium: a parent sets a PIN and a teen ceiling, the teen cannot
get past either, and a viewer keeps a list and rates titles, with the page never reloading.

Screenshots go to ``test-artifacts/browser/household/`` (git-ignored).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts import pins
from accounts.models import Profile
from accounts.services import account_sign_up, profile_create
from catalog.models import MaturityRating
from tests.browsers import BrowserLaunch, browser_context, sign_in
from tests.factories import GenreFactory, MovieFactory

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser" / "household"
PASSWORD = "lighthouse-keeper-42"


class Steps:
    def __init__(self, page: Page, origin: str) -> None:
        self.page, self.origin, self.count = page, origin, 0
        self.failed: list[str] = []
        page.on(
            "response",
            lambda r: (
                self.failed.append(f"{r.status} {r.url}")
                if r.url.startswith(origin) and r.status >= 500
                else None
            ),
        )

    def snap(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=ARTIFACTS / f"{self.count:02d}-{name}.png", full_page=True)

    def go(self, path: str) -> None:
        self.page.goto(f"{self.origin}{path}")

    def menu(self, item: str) -> None:
        self.page.locator("details.profile-menu summary").click()
        self.page.locator("details.profile-menu").get_by_role("link", name=item).click()

    def pick(self, name: str) -> None:
        self.go("/account/profiles/")
        self.page.locator("button.picker-tile", has_text=name).click()


@pytest.fixture
def household(transactional_db: None) -> Profile:
    drama, thriller = GenreFactory(name="Drama"), GenreFactory(name="Thriller")
    MovieFactory(title="Harbour Lights", slug="harbour-lights", genres=[drama])
    MovieFactory(
        title="Night Shift",
        slug="night-shift",
        genres=[thriller],
        maturity_rating=MaturityRating.AGE_16,
    )
    MovieFactory(
        title="Paper Boats",
        slug="paper-boats",
        genres=[drama],
        maturity_rating=MaturityRating.AGE_7,
    )
    account = account_sign_up(email="parent@example.com", password=PASSWORD, profile_name="Robin")
    return profile_create(account=account, name="Sam", is_kids=False)


@pytest.mark.browser
@pytest.mark.usefixtures("plain_http_cookies")
def test_a_parent_locks_a_profile_and_sets_a_teen_ceiling_and_the_teen_cannot_pass(
    chromium: BrowserLaunch, live_server: LiveServer, household: Profile
) -> None:
    with browser_context(
        chromium.browser_or_fail(), live_server.url, artifacts=ARTIFACTS
    ) as context:
        page = context.new_page()
        steps = Steps(page, live_server.url)
        # The parent signs in as Robin.
        sign_in(page, live_server.url, "parent@example.com", PASSWORD)
        steps.pick("Robin")
        expect(
            page.locator("details.profile-menu summary", has_text="Profile menu for Robin")
        ).to_be_visible()

        # Sam becomes a teen profile: up to 13+.
        steps.menu("Manage profiles")
        page.get_by_role("link", name="Edit Sam").click()
        page.select_option("#id_max_maturity", "13")
        steps.snap("teen-ceiling")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Saved Sam.")).to_be_visible()
        expect(page.locator("ul.profile-list > li", has_text="Sam")).to_contain_text("13+")

        # Robin's profile gets a PIN, confirmed with the account password.
        page.get_by_role("link", name="Lock Robin").click()
        page.fill("#id_pin", "4321")
        page.fill("#id_pin_again", "4321")
        page.fill("#id_password", PASSWORD)
        steps.snap("set-pin")
        page.get_by_role("button", name="Set PIN").click()
        expect(page.get_by_text("Robin's PIN saved.")).to_be_visible()
        steps.snap("manage-with-pin")

        # Sam watches: nothing above 13+, even by name.
        steps.pick("Sam")
        expect(
            page.locator("details.profile-menu summary", has_text="Profile menu for Sam")
        ).to_be_visible()
        expect(page.locator("a.card", has_text="Harbour Lights").first).to_be_visible()
        expect(page.locator("a.card", has_text="Night Shift")).to_have_count(0)
        steps.go("/movies/night-shift/")
        expect(page.get_by_role("heading", level=1)).to_have_text("We couldn't find that page")
        steps.snap("teen-cannot-open-16")

        # Sam tries Robin: the PIN is asked, and five wrong ones lock every PIN.
        steps.go("/account/profiles/")
        expect(page.locator("button.picker-tile", has_text="Robin")).to_contain_text("PIN")
        steps.snap("whos-watching-locks")
        page.locator("button.picker-tile", has_text="Robin").click()
        expect(page.get_by_role("heading", name="Enter Robin's PIN")).to_be_visible()
        for guess in ("0000", "1111", "2222", "3333"):
            page.fill("#id_secret", guess)
            page.get_by_role("button", name="Open").click()
            expect(page.get_by_text("That is not right. Try again.")).to_be_visible()
        page.fill("#id_secret", "9999")
        page.get_by_role("button", name="Open").click()
        expect(page.get_by_text("Too many wrong PINs")).to_be_visible()
        page.fill("#id_secret", "4321")
        page.get_by_role("button", name="Open").click()
        expect(page.get_by_text("Too many wrong PINs")).to_be_visible()
        steps.snap("pin-locked-out")

        # Nor can Sam manage profiles (to raise the ceiling): the owner is asked for.
        steps.go("/account/profiles/manage/")
        expect(page.get_by_role("heading", name="Manage profiles")).to_be_visible()
        expect(page.get_by_text("type the account's password")).to_be_visible()
        steps.snap("teen-manage-asks-owner")
        assert Profile.objects.get(pk=household.pk).maturity_ceiling == MaturityRating.AGE_13

        # The lock-out ends (its window, shortened here); the right PIN opens Robin.
        cache.delete(pins.failures_key(household.account_id))
        steps.pick("Robin")
        page.fill("#id_secret", "4321")
        page.get_by_role("button", name="Open").click()
        expect(
            page.locator("details.profile-menu summary", has_text="Profile menu for Robin")
        ).to_be_visible()
        assert steps.failed == []


@pytest.mark.browser
@pytest.mark.usefixtures("plain_http_cookies")
def test_a_viewer_keeps_a_list_and_rates_titles_without_a_reload(
    chromium: BrowserLaunch, live_server: LiveServer, household: Profile
) -> None:
    # The first test's screenshots stay: this one numbers its own from 21.
    with browser_context(
        chromium.browser_or_fail(), live_server.url, artifacts=ARTIFACTS, clear=None
    ) as context:
        page = context.new_page()
        steps = Steps(page, live_server.url)
        steps.count = 20
        sign_in(page, live_server.url, "parent@example.com", PASSWORD)
        steps.pick("Robin")

        # On the title page: + My List and a love, both in place.
        steps.go("/movies/harbour-lights/")
        list_button = page.locator(".list-button")
        expect(list_button).to_have_attribute("aria-pressed", "false")
        page.evaluate("window.loadMarker = 1")
        list_button.click()
        expect(list_button).to_have_attribute("aria-pressed", "true")
        page.get_by_role("button", name="Love this!").click()
        expect(page.get_by_role("button", name="Love this!")).to_have_attribute(
            "aria-pressed", "true"
        )
        assert page.evaluate("window.loadMarker") == 1  # no page load happened
        steps.snap("title-saved-and-loved")

        # Home has a My List row; the poster's + shows it is saved; the other one adds.
        steps.go("/")
        my_list_row = page.locator("section.row", has=page.get_by_role("heading", name="My List"))
        expect(my_list_row.locator("a.card", has_text="Harbour Lights")).to_be_visible()
        drama = page.locator("section.row", has=page.get_by_role("heading", name="Drama"))
        saved = drama.locator(".card-wrap", has_text="Harbour Lights").locator(".card-list")
        expect(saved).to_have_attribute("aria-pressed", "true")
        other = drama.locator(".card-wrap", has_text="Paper Boats")
        other.hover()
        other.locator(".card-list").click()
        expect(other.locator(".card-list")).to_have_attribute("aria-pressed", "true")
        steps.snap("home-my-list")

        # My List page, newest first.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="My List").click()
        expect(page.locator("a.card .card-title")).to_have_text(["Paper Boats", "Harbour Lights"])
        steps.snap("my-list-page")

        # Preferences: French subtitles, large yellow text, saved for this profile.
        steps.menu("Playback and subtitles")
        page.select_option("#id_caption_language", "fr")
        page.select_option("#id_caption_size", "L")
        page.select_option("#id_caption_colour", "yellow")
        preview = page.locator("#caption-preview-text")
        expect(preview).to_have_css("color", "rgb(255, 235, 59)")
        steps.snap("preferences")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Saved. The player uses these")).to_be_visible()
        robin = Profile.objects.get(name="Robin")
        assert (robin.caption_language, robin.caption_size) == ("fr", "L")
        assert steps.failed == []
