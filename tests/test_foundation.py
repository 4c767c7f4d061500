"""The foundation: real engines, production-safe settings, and a real Celery worker."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.conftest import BASE_DIR, engine_environment


def run_manage(*args: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    environment = engine_environment()
    # The production defaults, not the test suite's plain-HTTP overrides.
    for name in ("DEBUG", "ALLOWED_HOSTS", "SECRET_KEY", "SECURE_SSL_REDIRECT"):
        environment.pop(name, None)
    environment.update(overrides)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db
def test_it_runs_on_real_postgresql() -> None:
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int")
        (version,) = cursor.fetchone()
    assert version >= 140000


def test_it_caches_in_real_redis() -> None:
    cache.set("foundation-probe", {"answer": 42}, timeout=30)
    client = cache.client.get_client()  # type: ignore[attr-defined]
    assert client.info("server")["redis_version"]
    assert cache.get("foundation-probe") == {"answer": 42}


@pytest.mark.django_db
def test_it_keeps_sessions_in_postgresql_with_their_fast_copy_in_redis(client: Client) -> None:
    user = get_user_model().objects.create_user("sessions", password="a-long-password-1")
    client.force_login(user)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    stored = caches["sessions"].get(f"django.contrib.sessions.cached_db{session_key}")
    assert stored is not None
    assert stored["_auth_user_id"] == str(user.pk)
    assert Session.objects.filter(session_key=session_key).exists()


def test_it_defaults_to_production_settings() -> None:
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.CSRF_COOKIE_SECURE is True
    assert settings.SECURE_HSTS_SECONDS >= 31536000


def test_it_answers_healthz(client: Client) -> None:
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_it_passes_check_deploy_under_a_production_environment() -> None:
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-production-like-secret-" + "x7Qp" * 10,
        ALLOWED_HOSTS="portal.example.com",
        PORTAL_EMBEDDED_ENGINES="",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_warns_at_deploy_time_when_the_embedded_engines_are_in_use() -> None:
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-production-like-secret-" + "x7Qp" * 10,
        ALLOWED_HOSTS="portal.example.com",
        PORTAL_EMBEDDED_ENGINES="/somewhere/.local/engines",
    )
    assert result.returncode != 0
    assert "streaming_portal.W001" in result.stderr


def test_it_fails_the_deploy_check_without_stream_url_keys() -> None:
    result = run_manage(
        "check",
        "--deploy",
        SECRET_KEY="a-production-like-secret-" + "x7Qp" * 10,
        ALLOWED_HOSTS="portal.example.com",
        PORTAL_EMBEDDED_ENGINES="",
        STREAM_URL_KEYS="",
    )
    assert result.returncode != 0
    assert "streaming_portal.E001" in result.stderr
    assert "STREAM_URL_KEYS is not set" in result.stderr


def test_it_refuses_to_start_without_a_secret_key_in_production() -> None:
    result = run_manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "DEBUG=true" in result.stderr


def test_it_names_the_missing_database_url_for_production_processes() -> None:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    result = subprocess.run(
        [sys.executable, "-c", "import streaming_portal.wsgi"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


@pytest.mark.worker
def test_it_runs_tasks_in_a_real_celery_worker_process(celery_worker_process: object) -> None:
    from streaming_portal.celery import ping  # noqa: PLC0415

    result = ping.delay()
    assert result.get(timeout=30) == "pong"
    inspected = ping.app.control.inspect(timeout=2).stats() or {}
    assert any(stats["pid"] != os.getpid() for stats in inspected.values())


def test_it_shows_viewers_the_themed_pages_in_development_too() -> None:
    # make run sets DEBUG=true: development conveniences, but never Django's debug pages.
    script = (
        "from django.conf import settings; from django.test import Client; "
        "settings.ALLOWED_HOSTS.append('testserver'); "
        "r = Client().get('/no-such-page/'); "
        "print(settings.DEVELOPMENT, settings.DEBUG, r.status_code, "
        'b"We couldn\'t find that page" in r.content)'
    )

    result = run_manage("shell", "-c", script, DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == ["True", "False", "404", "True"], result.stdout


def test_it_stays_honest_in_check_deploy_about_development_mode() -> None:
    result = run_manage("check", "--deploy", DEBUG="true")

    # Development mode is not deployable, and check --deploy says why (plain HTTP, no HSTS).
    assert "security.W008" in result.stderr + result.stdout
    assert "security.W004" in result.stderr + result.stdout
