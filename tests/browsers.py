"""The Chromium the browser tests drive: Debian's /usr/bin/chromium where it is installed
(``playwright install`` cannot download here), else Playwright's own build."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Error, Playwright, sync_playwright

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


@dataclass(frozen=True)
class BrowserLaunch:
    browser: Browser | None
    problem: str = ""


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
