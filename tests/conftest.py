from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.test import Client
from django_redis import get_redis_connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pytest_django import Settings

from catalog import page_cache
from streaming_portal.infra import page_shell
from tests.s3_server import s3, s3_process  # noqa: F401 - fixtures: the media bucket

if TYPE_CHECKING:
    from tests.browsers import BrowserLaunch
    from tests.cast import Household

BASE_DIR = Path(settings.BASE_DIR)

# Property-based tests: a bounded run in `make test` and CI, a long one in `make fuzz`.
# No deadline: a real database and Redis answer in milliseconds, and timing is bench/'s job.
for _name, _examples in (("ci", 60), ("fuzz", 3000)):
    hypothesis_settings.register_profile(
        _name,
        max_examples=_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _plain_http(settings: pytest.FixtureRequest) -> None:
    # Production settings redirect every request to HTTPS; the test client speaks HTTP.
    settings.SECURE_SSL_REDIRECT = False  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _empty_redis() -> Iterator[None]:
    """Every test starts with an empty cache and broker: Redis keeps state across tests, and
    so do this process's own copies of cached parts and shells."""
    get_redis_connection("default").flushdb()
    page_cache.clear_local()
    page_shell.clear_local()
    yield
    get_redis_connection("default").flushdb()


def engine_environment() -> dict[str, str]:
    """The environment a child process (worker, manage.py) needs to reach the test engines."""
    database = settings.DATABASES["default"]
    host = database["HOST"]
    url_host = host.replace("/", "%2F") if host.startswith("/") else host
    port = f":{database['PORT']}" if database.get("PORT") else ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}{password}@{url_host}{port}/"
        f"{database['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
        "DJANGO_SETTINGS_MODULE": "streaming_portal.settings",
    }


@pytest.fixture
def celery_worker_process() -> Iterator[subprocess.Popen[str]]:
    """A real ``celery worker`` process on the test broker and the test database.

    Tests that need the worker to see their rows must use ``transactional_db``: the worker
    reads through its own connection and never sees an uncommitted test transaction.
    """
    from streaming_portal.celery import app  # noqa: PLC0415

    app.control.purge()
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "streaming_portal",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"test-{os.getpid()}@%h",
        ],
        cwd=BASE_DIR,
        env=engine_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_worker(app, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_worker(app: object, process: subprocess.Popen[str]) -> None:
    from streaming_portal.celery import app as celery_app  # noqa: PLC0415

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"The Celery worker exited with {process.returncode}:\n{output}")
        if celery_app.control.ping(timeout=0.5):
            return
    process.kill()
    pytest.fail("The Celery worker did not answer a ping within 60 s")


# --- The browser tests (helpers in tests/browsers.py) -------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[BrowserLaunch]:
    """One Chromium for a browser test module; a test calls ``chromium.browser_or_fail()``."""
    from tests.browsers import chromium_launch  # noqa: PLC0415

    with chromium_launch() as launch:
        yield launch


@pytest.fixture(scope="module")
def player_chromium() -> Iterator[BrowserLaunch]:
    """The same, for pages that play video: it plays without a click, with no sound device."""
    from tests.browsers import PLAYER_ARGS, chromium_launch  # noqa: PLC0415

    with chromium_launch(PLAYER_ARGS) as launch:
        yield launch


@pytest.fixture
def plain_http_cookies(settings: Settings) -> None:
    # Production settings mark the session and CSRF cookies Secure (and the edge_token
    # cookie, whose Secure flag follows SESSION_COOKIE_SECURE); the live server speaks plain
    # http, over which the browser would never send them back, so nobody could sign in.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


# --- The shared cast (plain helpers in tests/cast.py) -------------------------------------


@pytest.fixture
def fast_passwords(settings: Settings) -> None:
    # Every household hashes a password; the production hasher costs ~0.3 s a time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def household(db: None) -> Household:
    """Ana's household, signed up: Alex, and a kids profile, Kids."""
    from tests.cast import household_create  # noqa: PLC0415

    return household_create("ana@example.com")


@pytest.fixture
def other_household(db: None) -> Household:
    """Bruno's household: Bruno, and a kids profile, Little ones."""
    from tests.cast import household_create  # noqa: PLC0415

    return household_create("bruno@example.com", adult="Bruno", kids="Little ones")


@pytest.fixture
def viewer(client: Client, household: Household) -> Client:
    """The household's owner, watching as the adult profile."""
    from tests.cast import sign_in  # noqa: PLC0415

    return sign_in(client, household, household.adult)


@pytest.fixture
def editor(db: None) -> Any:
    from tests.factories import EditorFactory  # noqa: PLC0415

    return EditorFactory(username="editor")


@pytest.fixture
def editor_client(client: Any, editor: Any) -> Any:
    client.force_login(editor)
    return client
