"""In a real Chromium: suggestions while typing in the header's search box (static/js/search.js).

A viewer types a misspelled title, sees it suggested, picks it with the keyboard and lands on
its page; Escape closes the list; the box is an ARIA combobox with a listbox popup; without
JavaScript the same form still finds the title through the corrected results page. A
screenshot of every step goes to ``test-artifacts/browser-search/`` (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Response, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import Profile
from accounts.services import demo_household
from catalog.models import MaturityRating
from tests.browsers import BrowserLaunch, browser_context, sign_in
from tests.factories import MovieFactory, SeriesFactory, UserFactory

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser-search"
EMAIL = "search.typist@example.com"
SYNOPSIS = "Someone goes somewhere."


@pytest.fixture
def alex(transactional_db: None, fast_passwords: None, plain_http_cookies: None) -> Profile:
    for title in ("Stranger Tides", "Strange Harbour", "Amélie"):
        MovieFactory.create(title=title, synopsis=SYNOPSIS, poster_url="")
    SeriesFactory.create(
        title="Stranger Things",
        slug="stranger-things",
        synopsis=SYNOPSIS,
        poster_url="",
        maturity_rating=MaturityRating.AGE_16,
    )
    viewer = UserFactory.create(username=EMAIL, email=EMAIL)
    profile: Profile = demo_household(user=viewer).profiles.get(name="Alex")
    return profile


@dataclass
class Typing:
    page: Page
    origin: str
    prefix: str
    screenshots: list[Path] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    suggest_requests: list[str] = field(default_factory=list)

    def snap(self, step: str) -> None:
        path = ARTIFACTS / f"{self.prefix}-{len(self.screenshots) + 1:02d}-{step}.png"
        self.page.screenshot(path=path)
        self.screenshots.append(path)

    def record(self, response: Response) -> None:
        if not response.url.startswith(self.origin):
            return
        if response.status >= 400:
            self.failed_responses.append(f"{response.status} {response.url}")
        if "/search/suggest/" in response.url:
            self.suggest_requests.append(response.url)


@contextmanager
def _typing(
    browser: Browser, origin: str, prefix: str, *, javascript: bool = True
) -> Iterator[Typing]:
    """A fresh browser context on the live server, signed in as Alex, on the home page."""
    with browser_context(
        browser,
        origin,
        viewport={"width": 1280, "height": 720},
        artifacts=ARTIFACTS,
        clear=f"{prefix}-*.png",
        java_script_enabled=javascript,
    ) as context:
        page = context.new_page()
        typing = Typing(page=page, origin=origin, prefix=prefix)
        page.on("response", typing.record)
        sign_in(page, origin, EMAIL, profile="Alex")
        yield typing


@pytest.mark.browser
@pytest.mark.usefixtures("alex")
def test_it_suggests_a_misspelled_title_and_opens_the_one_chosen_with_the_keyboard(
    chromium: BrowserLaunch, live_server: LiveServer
) -> None:
    with _typing(chromium.browser_or_fail(), live_server.url, "keyboard") as typing:
        page = typing.page
        box = page.get_by_role("combobox", name="Search titles")
        listbox = page.get_by_role("listbox", name="Suggested titles")
        expect(box).to_have_attribute("aria-expanded", "false")

        # Typed at a person's pace (80 ms a key, inside the 150 ms debounce): one request
        # per pause, not one per key.
        box.click()
        page.keyboard.type("strnger thi", delay=80)
        expect(listbox).to_be_visible()
        options = listbox.get_by_role("option")
        expect(options.first).to_contain_text("Stranger Things")
        expect(options.first).to_contain_text("Series")
        expect(box).to_have_attribute("aria-expanded", "true")
        expect(box).to_have_attribute("aria-controls", "site-search-suggestions")
        typing.snap("suggested-while-typing")
        assert 1 <= len(typing.suggest_requests) <= 3, typing.suggest_requests

        # Down chooses the first suggestion; the box says which one is active.
        page.keyboard.press("ArrowDown")
        expect(options.first).to_have_attribute("aria-selected", "true")
        active = options.first.get_attribute("id")
        expect(box).to_have_attribute("aria-activedescendant", active or "?")
        typing.snap("chosen-with-arrow-down")

        # Up goes back to the text (nothing chosen), Down chooses again; Enter opens it.
        page.keyboard.press("ArrowUp")
        expect(options.first).to_have_attribute("aria-selected", "false")
        expect(box).not_to_have_attribute("aria-activedescendant", active or "?")
        page.keyboard.press("ArrowDown")
        expect(options.first).to_have_attribute("aria-selected", "true")
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{live_server.url}/series/stranger-things/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Stranger Things")
        typing.snap("title-page")

        # Escape closes the list and leaves the text; a second Escape empties the box.
        box = page.get_by_role("combobox", name="Search titles")
        box.click()
        page.keyboard.type("amelei", delay=80)
        expect(listbox.get_by_role("option").first).to_contain_text("Amélie")
        page.keyboard.press("Escape")
        expect(listbox).to_be_hidden()
        expect(box).to_have_attribute("aria-expanded", "false")
        expect(box).to_have_value("amelei")
        page.keyboard.press("Escape")
        expect(box).to_have_value("")
        typing.snap("closed-with-escape")

        assert typing.failed_responses == []


@pytest.mark.browser
@pytest.mark.usefixtures("alex")
def test_without_javascript_the_box_is_a_form_that_forgives_the_typo(
    chromium: BrowserLaunch, live_server: LiveServer
) -> None:
    with _typing(chromium.browser_or_fail(), live_server.url, "no-js", javascript=False) as typing:
        page = typing.page
        box = page.get_by_role("searchbox", name="Search titles")
        box.fill("strnger thigns")
        box.press("Enter")

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Showing results for “stranger things”"
        )
        expect(page.locator("a.card .card-title")).to_have_text(["Stranger Things"])
        typing.snap("corrected-results")
        assert typing.suggest_requests == []
        assert typing.failed_responses == []
