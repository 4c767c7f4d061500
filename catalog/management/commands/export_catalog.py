from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from catalog.exporter import export_catalog


class Command(BaseCommand):
    help = (
        "Write the whole catalog as JSON in the schema import_catalog reads (see "
        "docs/catalog-import.md), to a file or to standard output. Stream URLs are written "
        "decrypted, so the file is created readable by its owner only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", "-o", type=Path, help="File to write (default: standard output)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        document = export_catalog()
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        self.stderr.write(
            f"Exported {len(document['genres'])} genres, {len(document['movies'])} movies and "
            f"{len(document['series'])} series to {output}."
        )
