from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from playback.flush import progress_flush


class Command(BaseCommand):
    help = (
        "Move buffered watch progress from Redis into PostgreSQL now, as Celery beat does every "
        "PROGRESS_FLUSH_SECONDS. By default only due entries are written (paused, left or "
        "finished, or not written for PROGRESS_MAX_LAG_SECONDS); --all writes every buffered "
        "position. Batches left by a crashed worker are written too. Safe to run at any time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="Write every buffered position, due or not."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = progress_flush(everything=options["all"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Flushed {report.claimed} buffered position(s) in {report.batches} batch(es); "
                f"{report.written} row(s) written."
            )
        )
