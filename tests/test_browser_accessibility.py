"""axe-core on every viewer page, in Chromium: no serious or critical violation anywhere.

The walk signs in as a household and visits each page a viewer can reach, in the states
that change what is on it (a form with its errors, a kids profile, a locked profile, empty
and full lists), and runs axe-core on each: the copy axe-playwright-python bundles (PyPI)
and the npm package's (``make axe-deps``; the test installs it when npm is there). Minor and
moderate findings are printed for a human, not failed on.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from accounts.services import account_sign_up, profile_create, profile_pin_set
from catalog import library
from catalog.models import MaturityRating, Movie
from tests.browsers import BrowserLaunch, browser_context, sign_in
from tests.cast import demo_titles_import
from tests.factories import EpisodeFactory, GenreFactory, MovieFactory, SeasonFactory, SeriesFactory

PASSWORD = "an-accessible-household-7"
FAILING = {"serious", "critical"}
NPM_AXE = Path(__file__).resolve().parents[1] / ".local/axe-deps/node_modules/axe-core/axe.min.js"
PLAYABLE = "Beneath the Kelp"


def axe_engines() -> dict[str, Axe]:
    """axe-core from PyPI, and from npm when npm is on this machine (installed if missing)."""
    engines = {"pypi": Axe()}
    if not NPM_AXE.is_file() and shutil.which("npm"):
        subprocess.run(["make", "axe-deps"], check=True, cwd=NPM_AXE.parents[4])  # noqa: S607
    if NPM_AXE.is_file():
        engines["npm"] = Axe(axe_script=NPM_AXE.read_text())
    return engines


@dataclass(frozen=True)
class Finding:
    engine: str
    page: str
    rule: str
    impact: str
    nodes: list[str]


@pytest.fixture
def household(transactional_db: None) -> None:
    # One demo movie with real HLS and three caption tracks, for the player.
    demo_titles_import([PLAYABLE])
    drama = GenreFactory(name="Drama")
    movie = MovieFactory.create(title="Harbour Lights", slug="harbour-lights", genres=[drama])
    MovieFactory(
        title="Paper Boats",
        slug="paper-boats",
        genres=[drama],
        maturity_rating=MaturityRating.AGE_7,
    )
    series = SeriesFactory(title="Tide Tables", slug="tide-tables", genres=[drama])
    season = SeasonFactory(series=series, number=1)
    EpisodeFactory(season=season, number=1, title="Low Water")
    EpisodeFactory(season=season, number=2, title="Spring Tide")
    account = account_sign_up(email="axe@example.com", password=PASSWORD, profile_name="Robin")
    robin = account.profiles.get()
    library.my_list_add(profile=robin, title=movie)
    profile_create(account=account, name="Mia", is_kids=True)
    locked = profile_create(account=account, name="Sam", is_kids=False)
    profile_pin_set(profile=locked, pin="2468")


def violations(engine: str, axe: Axe, page: Page, name: str) -> list[Finding]:
    results = axe.run(page)
    return [
        Finding(
            engine=engine,
            page=name,
            rule=violation["id"],
            impact=str(violation.get("impact")),
            nodes=[", ".join(node["target"]) for node in violation["nodes"]][:5],
        )
        for violation in results.response["violations"]
    ]


@pytest.mark.browser
@pytest.mark.usefixtures("household", "plain_http_cookies")
def test_every_viewer_page_has_no_serious_or_critical_axe_violation(
    player_chromium: BrowserLaunch, live_server: LiveServer
) -> None:
    browser = player_chromium.browser_or_fail()
    engines = axe_engines()
    origin = live_server.url
    found: list[Finding] = []
    checked: list[str] = []
    with browser_context(browser, origin) as context:
        page = context.new_page()

        def check(name: str, path: str | None = None) -> None:
            if path is not None:
                page.goto(f"{origin}{path}")
            page.wait_for_load_state("networkidle")
            for engine, axe in engines.items():
                found.extend(violations(engine, axe, page, name))
            checked.append(name)

        check("landing", "/")
        check("sign up", "/account/signup/")
        page.get_by_role("button", name="Create account").click()
        check("sign up with errors")
        check("sign in", "/account/login/")
        check("password reset", "/account/password/reset/")
        sign_in(page, origin, "axe@example.com", PASSWORD, profile="Robin")
        check("home")
        check("genre", "/genres/drama/")
        check("search", "/search/?q=harbour")
        check("search, corrected", "/search/?q=harbuor")
        check("search, nothing", "/search/?q=zzzzzz")
        page.goto(f"{origin}/")
        page.fill("#site-search", "harb")
        page.wait_for_timeout(400)
        check("search suggestions open")
        check("movie", "/movies/harbour-lights/")
        check("series", "/series/tide-tables/")
        check("my list", "/my-list/")
        check("viewing activity", "/activity/")
        check("preferences", "/account/profiles/preferences/")
        check("who's watching", "/account/profiles/")
        check("manage profiles", "/account/profiles/manage/")
        check("add a profile", "/account/profiles/add/")
        check("management PIN", "/account/profiles/manage/pin/")
        check("change password", "/account/password/change/")
        page.goto(f"{origin}/watch/{Movie.objects.get(title=PLAYABLE).pk}/")
        page.wait_for_function("document.getElementById('video').currentTime > 1")
        check("player, playing")
        page.get_by_role("button", name="Captions").click()
        check("player, captions menu open")
        page.keyboard.press("Escape")
        page.keyboard.press("k")
        page.wait_for_function("document.getElementById('video').paused")
        check("player, paused")
        page.goto(f"{origin}/")
        page.locator("details.profile-menu summary").click()
        check("profile menu open")
        page.goto(f"{origin}/account/profiles/")
        page.locator("button.picker-tile", has_text="Sam").click()
        check("profile PIN")
        page.goto(f"{origin}/account/profiles/")
        page.locator("button.picker-tile", has_text="Mia").click()
        check("kids home")
        page.goto(f"{origin}/account/profiles/")
        page.locator("button.picker-tile", has_text="Robin").click()
        check("ask a grown-up")
        check("not found", "/movies/no-such-title/")

        # The wiring can fail: an image without a text alternative is a critical finding.
        page.evaluate("document.querySelector('main').append(document.createElement('img'))")
        planted = [
            finding
            for engine, axe in engines.items()
            for finding in violations(engine, axe, page, "planted")
        ]

    for finding in found:
        print(  # noqa: T201
            f"axe ({finding.engine}) {finding.impact:9} {finding.rule:28} {finding.page}: "
            f"{finding.nodes}"
        )
    serious = [finding for finding in found if finding.impact in FAILING]
    assert serious == []
    assert len(checked) == 29
    assert [(f.engine, f.rule, f.impact) for f in planted] == [
        (engine, "image-alt", "critical") for engine in engines
    ]
    # Both copies ran wherever npm is installed (CI installs it: .ci/run).
    assert set(engines) == ({"pypi", "npm"} if shutil.which("npm") else {"pypi"})
