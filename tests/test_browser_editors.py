"""The editors' admin in a real Chromium at a 1366x768 laptop's size: the movie and series
lists fit the screen without scrolling sideways, with a realistic catalog (long titles,
several genres each, every status), and a movie's change page shows the Publish and Hide
buttons and the editorial history of what the editor just did there.

Screenshots land in ``test-artifacts/editors/`` (git-ignored), beside the other browser
tests' folders, for a human to look at.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from catalog.models import MaturityRating, Movie, Series, ValidationStatus, Visibility
from tests.browsers import BrowserLaunch, admin_sign_in, browser_context, failed_responses
from tests.factories import (
    EditorFactory,
    EpisodeFactory,
    GenreFactory,
    MovieFactory,
    SeasonFactory,
    SeriesFactory,
    StreamSourceFactory,
)

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "editors"
LAPTOP: ViewportSize = {"width": 1366, "height": 768}
GENRES = [
    "Drama",
    "Science fiction",
    "Documentary",
    "Animation",
    "Romantic comedy",
    "Psychological thriller",
]
LONG_TITLES = [
    "The Extraordinarily Long and Winding Journey of the Lighthouse Keeper's Daughter",
    "Midnight at the Observatory: A Chronicle of Comets, Cartographers and Quiet Catastrophes",
    "Harbour Lights",
    "Les Misérables du Quartier Latin — Édition Restaurée Intégrale",
    "Operation Nightjar: The Untold Story of the Coastal Radio Listeners (Director's Cut)",
    "Kelp",
    # Long words do not wrap: a compound noun, and a title written as one hyphenated word.
    "Die Donaudampfschifffahrtsgesellschaftskapitänswitwe",
    "Once-Upon-a-Time-in-the-Northernmost-Lighthouse-of-the-Archipelago",
]
RATINGS = list(MaturityRating)
NEW_SYNOPSIS = "A keeper's daughter keeps the light burning through the longest winter on record."


@pytest.fixture
def editors_catalog(transactional_db: None, fast_passwords: None) -> Movie:
    """A list page's worth of movies and series as editors see them: long and short titles,
    three to six genres, every visibility, window and media verdict. Returns the movie the
    change-page walk edits."""
    genres = [GenreFactory.create(name=name) for name in GENRES]
    now = timezone.now()
    windows = [
        (now - timedelta(days=10), now + timedelta(days=60)),  # live
        (now + timedelta(days=5), now + timedelta(days=50)),  # upcoming
        (now - timedelta(days=30), now + timedelta(days=3)),  # last days
        (now - timedelta(days=90), now - timedelta(days=1)),  # expired
    ]
    for number in range(24):
        start, end = windows[number % len(windows)]
        movie = MovieFactory.create(
            title=f"{LONG_TITLES[number % len(LONG_TITLES)]} {number + 1}",
            genres=genres[number % 3 : number % 3 + 3 + number % 4],
            maturity_rating=RATINGS[number % len(RATINGS)],
            visibility=Visibility.VISIBLE if number % 3 else Visibility.HIDDEN,
            availability_start=start,
            availability_end=end,
            duration_minutes=85 + number * 7,
        )
        if number % 5 == 1:
            StreamSourceFactory.create(
                video=movie.video,
                is_primary=False,
                quality_tag="720p",
                validation_status=ValidationStatus.INVALID,
            )
    for number in range(12):
        series = SeriesFactory.create(
            title=f"{LONG_TITLES[(number + 2) % len(LONG_TITLES)]}: The Series {number + 1}",
            genres=genres[number % 2 : number % 2 + 4],
            maturity_rating=RATINGS[(number + 1) % len(RATINGS)],
            visibility=Visibility.VISIBLE if number % 2 else Visibility.HIDDEN,
        )
        season = SeasonFactory.create(series=series, number=1)
        EpisodeFactory.create(season=season, number=1)
    EditorFactory.create(username="editor")
    return Movie.objects.get(title=f"{LONG_TITLES[0]} 1")


def page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def list_overflow(page: Page) -> int:
    """How far the list's table runs past its box. The admin wraps the table in a box that
    scrolls sideways itself (``.results { overflow-x: auto }``), so the page's own width
    never shows a list that is too wide: this does."""
    return int(
        page.locator("#changelist .results").evaluate("box => box.scrollWidth - box.clientWidth")
    )


@pytest.mark.browser
@pytest.mark.usefixtures("plain_http_cookies")
def test_it_fits_the_title_lists_on_a_laptop_and_shows_a_titles_history(
    chromium: BrowserLaunch, live_server: LiveServer, editors_catalog: Movie
) -> None:
    origin = live_server.url
    movie = editors_catalog
    with browser_context(
        chromium.browser_or_fail(), origin, viewport=LAPTOP, artifacts=ARTIFACTS
    ) as context:
        page = context.new_page()
        failed = failed_responses(page, origin)
        admin_sign_in(page, origin, "editor")
        expect(page.locator("#site-name")).to_be_visible()

        # The lists: every row there, no sideways scrolling, long titles cut with an ellipsis.
        for model, count, name in ((Movie, 24, "movies"), (Series, 12, "series")):
            page.goto(f"{origin}{reverse(f'admin:catalog_{model._meta.model_name}_changelist')}")
            expect(page.locator("#result_list tbody tr")).to_have_count(count)
            page.screenshot(path=ARTIFACTS / f"{name}-list.png", full_page=True)
            assert page_width(page) <= LAPTOP["width"], f"the {name} page scrolls sideways"
            assert list_overflow(page) == 0, f"the {name} list scrolls sideways in its box"
            longest = page.locator("#result_list .portal-ellipsis", has_text="Extraordinarily")
            assert longest.first.evaluate("node => node.scrollHeight > node.clientHeight")

        # A change page: edit the synopsis, then publish and hide with the buttons.
        change = f"{origin}{reverse('admin:catalog_movie_change', args=[movie.pk])}"
        page.goto(change)
        page.fill("#id_synopsis", NEW_SYNOPSIS)
        page.get_by_role("button", name="Save and continue editing").click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
        assert movie.visibility == Visibility.HIDDEN
        page.get_by_role("button", name="Publish", exact=True).click()
        expect(page.locator(".messagelist")).to_contain_text("is published")
        page.get_by_role("button", name="Hide", exact=True).click()
        expect(page.locator(".messagelist")).to_contain_text("is hidden from viewers")
        assert page.url == change

        history = page.locator("section.portal-history")
        rows = history.locator("tbody tr")
        for row, (before, after) in enumerate([("Visible", "Hidden"), ("Hidden", "Visible")]):
            expect(rows.nth(row).locator("td")).to_have_text(
                [re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"), "editor", "Visibility", before, after]
            )
        expect(history.locator("tr", has_text="Synopsis")).to_contain_text("editor")
        expect(history.locator("tr", has_text="Synopsis").locator("ins")).to_contain_text(
            "longest winter on record."
        )
        page.screenshot(path=ARTIFACTS / "movie-change-page.png", full_page=True)
        assert page_width(page) <= LAPTOP["width"], "the change page scrolls sideways"

        # The History link lists the same changes.
        page.locator("a.historylink").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Editorial history:")
        expect(page.locator("section.portal-history tbody tr").first).to_contain_text("editor")
        page.screenshot(path=ARTIFACTS / "movie-history.png", full_page=True)

    assert failed == []
    for name in ("movies-list", "series-list", "movie-change-page", "movie-history"):
        screenshot = ARTIFACTS / f"{name}.png"
        assert screenshot.is_file(), screenshot
        assert screenshot.stat().st_size > 10_000, screenshot
