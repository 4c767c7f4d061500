"""Upload a folder of HLS files to the media bucket (S3-compatible object storage)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from streaming_portal.infra.object_storage import ObjectStorageError, folder_upload


class Command(BaseCommand):
    help = (
        "Upload FOLDER (a master playlist, its renditions and captions) to the media bucket "
        "under PREFIX, and print the stream URL an editor enters for it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("prefix", help="the key prefix, e.g. vod/quiet-harbour")
        parser.add_argument("--master", default="master.m3u8", help="the master playlist's name")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.S3_ORIGIN_URL and settings.S3_MEDIA_BUCKET):
            raise CommandError("Set S3_ORIGIN_URL and S3_MEDIA_BUCKET (docs/deploy.md).")
        folder: Path = options["folder"]
        if not (folder / options["master"]).is_file():
            raise CommandError(f"{folder} holds no {options['master']}.")
        try:
            count = folder_upload(folder, options["prefix"])
        except ObjectStorageError as error:
            raise CommandError(error.message) from error
        prefix = options["prefix"].strip("/")
        self.stdout.write(self.style.SUCCESS(f"Uploaded {count} file(s) to {prefix}/"))
        self.stdout.write(
            f"Stream URL: {settings.S3_ORIGIN_URL.rstrip('/')}/{prefix}/{options['master']}"
        )
