from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog import trickplay
from catalog.models import TrickplayStatus, Video
from streaming_portal.infra.progress import for_command as progress_bar


class Command(BaseCommand):
    help = (
        "Build seek-bar thumbnails (trickplay) now, in this process, as the Celery worker "
        "does: for a video whose primary stream is in the local origin, ffmpeg takes a frame "
        "every 10 s into sprite sheets and thumbs.vtt beside the stream; a video whose track "
        "is an editor's own URL has that track checked instead. Give one video id, or --all "
        "for every video with a primary stream in the local origin. Each status (READY or "
        "FAILED with its reason) is recorded for the admin. Exits 1 if any build failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("video_id", nargs="?", type=UUID, help="One movie's or episode's id.")
        which.add_argument("--all", action="store_true", help="Every video in the local origin.")
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be built, build nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            ids = trickplay.local_origin_video_ids()
        else:
            if not Video.objects.filter(pk=options["video_id"]).exists():
                raise CommandError(f"No movie or episode has the id {options['video_id']}.")
            ids = [options["video_id"]]
        if options["dry_run"]:
            self.stdout.write(f"Would build thumbnails for {len(ids)} video(s); built nothing.")
            return
        failures: list[str] = []
        bar = progress_bar(self, "Thumbnails")
        for done, video_id in enumerate(ids, start=1):
            outcome = trickplay.trickplay_build(video_id=video_id)
            if outcome is not None and outcome.status != TrickplayStatus.READY:
                failures.append(f"  {outcome.status:<8} {video_id}: {outcome.message}")
            bar(done, len(ids))
        for line in failures:
            self.stdout.write(line)
        if failures:
            raise CommandError(
                f"{len(failures)} of {len(ids)} thumbnail build(s) failed.", returncode=1
            )
        self.stdout.write(self.style.SUCCESS(f"Built thumbnails for {len(ids)} video(s)."))
