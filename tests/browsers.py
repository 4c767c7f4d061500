"""What the browser tests share: the Chromium they drive (Debian's /usr/bin/chromium where it
is installed, since ``playwright install`` cannot download here, else Playwright's own build),
a browser context that keeps every request on the machine, and signing in through the forms.

tests/conftest.py makes the fixtures: ``chromium`` and ``player_chromium`` (one per module)
and ``plain_http_cookies``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Error,
    Page,
    Playwright,
    Response,
    Route,
    ViewportSize,
    expect,
    sync_playwright,
)

from tests.cast import PASSWORD

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling Google's hosts, which this
# machine's closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# For pages that play video: play without a click (the Play button is a link, and its gesture
# does not carry over to the player page), and no sound device needed.
PLAYER_ARGS = ["--autoplay-policy=no-user-gesture-required", "--mute-audio"]
STEP_TIMEOUT_MS = 15_000
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
# The factories' posters live on this CDN; the browser gets a drawn stand-in instead.
POSTER_HOST = "img.example.com"


@dataclass(frozen=True)
class BrowserLaunch:
    browser: Browser | None
    problem: str = ""

    def browser_or_fail(self) -> Browser:
        """The browser. Called in the test's body rather than in a fixture, so that a machine
        without a usable browser reports a failed test, not a setup error or a skip."""
        if self.browser is None:
            pytest.fail(self.problem, pytrace=False)
        return self.browser


@contextmanager
def chromium_launch(extra_args: Sequence[str] = ()) -> Iterator[BrowserLaunch]:
    """One Chromium, closed on exit; a failed launch is handed back to fail the test there.

    For a module-scoped fixture. Playwright's sync API keeps an asyncio loop marked as running
    in this thread, so Django's guard against ORM calls from async code would refuse the
    factories, the tests' queries and live_server's flush at teardown, though every query is
    plain synchronous code. The flag is set only while the browser is open.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            launch = _launch(playwright, [*CHROMIUM_ARGS, *extra_args])
            yield launch
            if launch.browser is not None:
                launch.browser.close()


def _launch(playwright: Playwright, args: list[str]) -> BrowserLaunch:
    candidates: list[tuple[str, str | None]] = []
    if DEBIAN_CHROMIUM.exists():
        candidates.append((str(DEBIAN_CHROMIUM), str(DEBIAN_CHROMIUM)))
    candidates.append(("Playwright's bundled Chromium", None))
    failures = []
    for name, executable in candidates:
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=args)
        except Error as error:
            failures.append(f"  {name}: {error.message.strip().splitlines()[0]}")
        else:
            return BrowserLaunch(browser)
    return BrowserLaunch(
        None,
        "No Chromium could be launched for the browser tests:\n"
        + "\n".join(failures)
        + "\nInstall Debian's chromium (apt-get install chromium) or run "
        "`.venv/bin/python -m playwright install chromium` (`make test` does it for you).",
    )


@contextmanager
def browser_context(
    browser: Browser,
    origin: str,
    *,
    viewport: ViewportSize = DESKTOP,
    artifacts: Path | None = None,
    clear: str | None = "*.png",
    java_script_enabled: bool = True,
) -> Iterator[BrowserContext]:
    """A fresh context on the live server at ``origin``, closed on exit: every step waits up to
    STEP_TIMEOUT_MS, and no request leaves the machine (see ``keep_on_machine``).

    ``artifacts`` is the screenshot folder, made if missing; the files there that match
    ``clear`` are deleted first, so that the existence checks see this run's files only
    (``None`` keeps them all).
    """
    if artifacts is not None:
        artifacts.mkdir(parents=True, exist_ok=True)
        if clear is not None:
            for stale in artifacts.glob(clear):
                stale.unlink()
    context = browser.new_context(viewport=viewport, java_script_enabled=java_script_enabled)
    try:
        context.set_default_timeout(STEP_TIMEOUT_MS)
        context.route("**/*", lambda route: keep_on_machine(route, origin))
        yield context
    finally:
        context.close()


def keep_on_machine(route: Route, origin: str) -> None:
    """The portal is served as is; posters are drawn here; nothing else leaves the machine."""
    url = route.request.url
    if url.startswith(origin):
        route.continue_()
    elif urlsplit(url).hostname == POSTER_HOST:
        name = Path(urlsplit(url).path).stem
        route.fulfill(
            content_type="image/svg+xml",
            body=(
                '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="450">'
                '<rect width="300" height="450" fill="#3b3b52"/>'
                '<text x="150" y="225" fill="#fff" font-family="sans-serif" font-size="22" '
                f'text-anchor="middle">{name}</text></svg>'
            ),
        )
    else:
        route.abort()


def failed_responses(page: Page, origin: str) -> list[str]:
    """A list that gathers, while the page runs, each portal answer of 400 or more as
    ``"<status> <url>"``."""
    failed: list[str] = []

    def record(response: Response) -> None:
        if response.url.startswith(origin) and response.status >= 400:
            failed.append(f"{response.status} {response.url}")

    page.on("response", record)
    return failed


def sign_in(
    page: Page,
    origin: str,
    username: str,
    password: str = PASSWORD,
    *,
    profile: str | None = None,
) -> None:
    """Through the viewers' login form; then, given a profile, choose it on Who's watching?
    and land on the home page."""
    page.goto(f"{origin}/account/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()
    if profile is not None:
        page.locator("button.picker-tile", has_text=profile).click()
        expect(page).to_have_url(f"{origin}/")


def admin_sign_in(page: Page, origin: str, username: str, password: str = PASSWORD) -> None:
    """Through the admin's login form."""
    page.goto(f"{origin}{reverse('admin:login')}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Log in").click()
