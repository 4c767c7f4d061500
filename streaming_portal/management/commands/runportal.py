from __future__ import annotations

import os
import secrets
import signal
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import demo_household
from streaming_portal.supervisor import ProcessSpec, Supervisor

# Where the web workers keep their liveness file, touched after every request: tmpfs.
SHM = "/dev/shm"  # noqa: S108 - gunicorn makes its own mkstemp file there

DEMO_USERS = (
    # (username, is_staff, what they are for)
    ("editor", True, "content editor: the Django admin"),
    ("viewer", False, "household viewer (profiles Alex and Kids): the viewer pages"),
)


class Command(BaseCommand):
    help = (
        "Run the whole portal in the foreground: migrate, load the demo catalog on first start, "
        "make sure the demo editor and viewer exist and print their logins, then run the web "
        "server (gunicorn), a Celery worker and Celery beat under one Procfile runner with "
        "prefixed logs. Ctrl-C stops all of them, then the embedded PostgreSQL and Redis."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT", "8000")),
            help="Port for the web server (default: $PORT or 8000).",
        )
        parser.add_argument(
            "--host",
            default=os.environ.get("HOST", "127.0.0.1"),
            help="Interface to bind (default: $HOST or 127.0.0.1).",
        )
        parser.add_argument(
            "--prepare-only",
            action="store_true",
            help="Migrate, seed and create the demo users, then exit without serving.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = Path(settings.BASE_DIR) / ".local"
        data_dir.mkdir(exist_ok=True)
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        logins = self._ensure_demo_users(data_dir / "demo-logins.txt")
        call_command("seed_demo", if_empty=True, stdout=self.stdout)
        call_command("seed_demo_sessions", if_empty=True, stdout=self.stdout)
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"The portal will answer at {url}"))
        for username, password, purpose in logins:
            self.stdout.write(f"  {username:<8} {password:<24} {purpose}")
        self.stdout.write(f"  (kept in {data_dir / 'demo-logins.txt'}; Ctrl-C stops everything)")
        self.stdout.write("")
        if options["prepare_only"]:
            return
        self._serve(data_dir, options["host"], options["port"])

    def _ensure_demo_users(self, logins_file: Path) -> list[tuple[str, str, str]]:
        known = (
            dict(line.split(":", 1) for line in logins_file.read_text().splitlines() if ":" in line)
            if logins_file.exists()
            else {}
        )
        user_model = get_user_model()
        logins = []
        for username, is_staff, purpose in DEMO_USERS:
            password = known.get(username) or secrets.token_urlsafe(12)
            user, created = user_model.objects.get_or_create(
                username=username,
                defaults={
                    "is_staff": is_staff,
                    "is_superuser": is_staff,
                    "email": f"{username}@example.com",
                },
            )
            if created or username not in known:
                user.set_password(password)
                user.save(update_fields=["password"])
            if not is_staff:
                demo_household(user=user)
            logins.append((username, password, purpose))
        logins_file.write_text("".join(f"{name}:{password}\n" for name, password, _ in logins))
        logins_file.chmod(0o600)
        return logins

    def _serve(self, data_dir: Path, host: str, port: int) -> None:
        python = sys.executable
        environment = {
            **os.environ,
            "PATH": os.pathsep.join([str(Path(python).parent), os.environ.get("PATH", "")]),
            "PYTHONUNBUFFERED": "1",
        }
        specs = [
            ProcessSpec(
                "web",
                [
                    python,
                    "-m",
                    "gunicorn",
                    "streaming_portal.wsgi",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    os.environ.get("WEB_CONCURRENCY", "2"),
                    "--threads",
                    "4",
                    "--access-logfile",
                    "-",
                    # The request id (logs.py) on every access line, to find a request's logs.
                    "--access-logformat",
                    '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s',
                    "--graceful-timeout",
                    "10",
                    # The workers touch a liveness file after every request: on tmpfs that
                    # costs no disk (gunicorn's own advice).
                    *(["--worker-tmp-dir", SHM] if os.path.isdir(SHM) else []),
                ],
            ),
            ProcessSpec(
                "worker",
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "streaming_portal",
                    "worker",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    os.environ.get("CELERY_CONCURRENCY", "2"),
                    "--hostname",
                    "portal-worker@%h",
                ],
            ),
            ProcessSpec(
                "beat",
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "streaming_portal",
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--schedule",
                    str(data_dir / "celerybeat-schedule"),
                ],
            ),
        ]
        code = Supervisor(specs, environment=environment, output=sys.stdout).run()
        self.stdout.write("All portal processes stopped; stopping the embedded engines.")
        if code not in (0, -signal.SIGTERM, -signal.SIGINT):
            raise CommandError(f"A portal process failed (exit code {code}); see its log above.")
