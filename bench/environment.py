"""The benchmarks' own engines, data and gunicorn, apart from make run's and the tests'."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_ENV = {
    "PORTAL_ENGINES_DIR": str(BASE_DIR / ".local" / "engines-bench"),
    "SECRET_KEY": "benchmarks-only-" + "b" * 50,
    "STREAM_URL_KEYS": "YmVuY2htYXJrcy1vbmx5LXN0cmVhbS11cmwta2V5LTA=",
    "STREAM_SIGNING_KEYS": "b1:benchmarks-only-signing-secret",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "STATICFILES_MANIFEST": "false",
    "WHITENOISE_USE_FINDERS": "true",
    "LOCAL_ORIGIN_ROOT": str(BASE_DIR / ".local" / "origin-bench"),
    "LOG_LEVEL": "WARNING",
}


# Limits sized for the load: every benchmark but the limiter's own measures the pages, not the
# refusals (a 429 is a failed request, and a benchmark with one fails).
UNLIMITED_ENV = {
    "RATELIMIT_VIEWER_READ": "1000000000/60",
    "RATELIMIT_ADMIN_MUTATION": "1000000000/60",
}


# As streaming_portal/management/commands/runportal.py and the README's production command:
# the workers' liveness file on tmpfs, where touching it after every request costs no disk.
SHM = "/dev/shm"  # noqa: S108 - gunicorn makes its own mkstemp file there
WORKER_TMP_DIR = ["--worker-tmp-dir", SHM] if os.path.isdir(SHM) else []


def setup_django() -> None:
    """Start (or join) the bench engines, then Django, then migrate."""
    for name, value in BENCH_ENV.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming_portal.settings")
    from streaming_portal.engines import ensure_environment  # noqa: PLC0415

    ensure_environment()
    import django  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def gunicorn(extra_env: Mapping[str, str] | None = None, *, workers: int = 2) -> Iterator[int]:
    """A gunicorn on a free loopback port with the bench environment; yields the port."""
    port = free_port()
    environment = {**os.environ, **(extra_env or {})}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "streaming_portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--log-level",
            "warning",
            "--no-control-socket",
            *WORKER_TMP_DIR,
        ],
        cwd=BASE_DIR,
        env=environment,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start for the benchmark")
            time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def session_cookie(profile_id: int, user: object) -> str:
    """A signed-in session with a chosen profile, stored where the server reads it."""
    from importlib import import_module  # noqa: PLC0415

    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: PLC0415

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)  # type: ignore[attr-defined]
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()  # type: ignore[attr-defined]
    session["profile_id"] = profile_id
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
