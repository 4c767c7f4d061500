from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.import_json import MAX_FILE_BYTES
from catalog.importer import FileRefused, ImportFailed, import_catalog, parse_document
from streaming_portal.infra.actors import acting
from streaming_portal.infra.progress import for_command as progress_bar


class Command(BaseCommand):
    help = (
        "Import genres, movies, series, seasons, episodes, streams, captions, markers and "
        "trickplay URLs from a UTF-8 JSON file in the schema of docs/catalog-import.md. The "
        "whole file is checked against the schema first; titles are matched by title ignoring "
        "case and updated in place; the whole file goes in one transaction, so any error (named "
        "by record and field) leaves the catalog untouched. New titles must start in the future "
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
            data = parse_document(self.read(path))
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        except FileRefused as refused:
            raise CommandError(f"Nothing was imported: {path} {refused.reason}") from None
        user = get_user_model().objects.filter(username=options["by"]).first()
        if user is None:
            raise CommandError(f"--by: no user named {options['by']!r}.")
        # The editorial history names the command as the actor; --by is kept in its name.
        try:
            with acting(f"manage.py import_catalog --by {user.get_username()}"):
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
                f"Nothing was imported: {failure.total} error(s) in {path}."
            ) from None
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def read(self, path: Path) -> bytes:
        """The file's bytes; one byte past the limit is enough to refuse it as too large."""
        if str(path) == "-":
            return sys.stdin.buffer.read(MAX_FILE_BYTES + 1)  # bytes: the parser decodes
        with path.open("rb") as file:
            return file.read(MAX_FILE_BYTES + 1)
