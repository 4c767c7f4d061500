from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.importer import ImportFailed, import_catalog
from streaming_portal.infra.progress import for_command as progress_bar


class Command(BaseCommand):
    help = (
        "Import genres, movies, series, seasons, episodes, streams and captions from a JSON file "
        "in the schema of docs/catalog-import.md. Titles are matched by title ignoring case and "
        "updated in place; the whole file goes in one transaction, so any error (named by "
        "record and field) leaves the catalog untouched. New titles must start in the future "
        "unless --allow-past-availability is given (for catalogs that are already live)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The JSON file to import ('-' for stdin).")
        parser.add_argument(
            "--by", required=True, help="Username recorded as created_by/updated_by."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report, then roll back."
        )
        parser.add_argument(
            "--allow-past-availability",
            action="store_true",
            help="Accept new titles whose availability window has already started.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = self.stdin_or_file(path)
            data = json.loads(text)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{path} is not valid JSON: line {error.lineno}, column {error.colno}: {error.msg}."
            ) from error
        user = get_user_model().objects.filter(username=options["by"]).first()
        if user is None:
            raise CommandError(f"--by: no user named {options['by']!r}.")
        try:
            report = import_catalog(
                data,
                by=user,
                allow_past_availability=options["allow_past_availability"],
                dry_run=options["dry_run"],
                progress=progress_bar(self, "Importing"),
            )
        except ImportFailed as failure:
            for message in failure.errors:
                self.stderr.write(f"  {message}")
            raise CommandError(
                f"Nothing was imported: {len(failure.errors)} error(s) in {path}."
            ) from failure
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def stdin_or_file(self, path: Path) -> str:
        if str(path) == "-":
            import sys  # noqa: PLC0415

            return sys.stdin.read()
        return path.read_text(encoding="utf-8")
