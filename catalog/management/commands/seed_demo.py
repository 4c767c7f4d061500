from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog import trickplay
from catalog.demo import build_demo
from catalog.importer import ImportFailed, import_catalog
from catalog.models import Movie, TrickplayStatus, TrickplayTrack
from streaming_portal.infra.actors import acting
from streaming_portal.infra.progress import for_command as progress_bar


class Command(BaseCommand):
    help = (
        "Load the demo catalog: a dozen movies across genres and ratings and a series with two "
        "seasons, each with real playable HLS (a test pattern with a tone, in two qualities "
        "under a master playlist, encoded by the ffmpeg that imageio-ffmpeg ships) and WebVTT "
        "captions in two or three languages, written to LOCAL_ORIGIN_ROOT. Safe to run again: "
        "titles are matched by name and updated in place. Seek-bar thumbnails are queued for "
        "the Celery worker (ffmpeg, a few seconds per title) unless they are built already."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when any movie exists already."
        )
        parser.add_argument(
            "--by", default="editor", help="Username recorded as the editor (default: editor)."
        )
        parser.add_argument(
            "--no-thumbnails",
            action="store_true",
            help="Queue no seek-bar thumbnail builds (trickplay_generate builds them later).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Movie.objects.exists():
            self.stdout.write("The catalog has titles already; the demo catalog was not loaded.")
            return
        root = settings.LOCAL_ORIGIN_ROOT
        self.stdout.write(f"Encoding the demo media into {root} (a few seconds the first time)…")
        document = build_demo(root)
        user = get_user_model().objects.filter(username=options["by"]).first()
        try:
            with acting("manage.py seed_demo"):  # the editorial history's actor
                report = import_catalog(
                    document,
                    by=user,
                    allow_past_availability=True,
                    progress=progress_bar(self, "Loading demo"),
                )
        except ImportFailed as failure:
            message = "The demo catalog did not load:\n" + "\n".join(failure.errors)
            raise CommandError(message) from failure
        queued = 0 if options["no_thumbnails"] else self.thumbnails_queue()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalog: {report.summary().rstrip('.')}; "
                f"seek-bar thumbnails queued for {queued} video(s)."
            )
        )

    def thumbnails_queue(self) -> int:
        """The worker builds the demo's thumbnails (catalog.tasks.build_trickplay). Videos
        whose thumbnails are built or queued already are left alone: a second run queues
        nothing."""
        built = set(
            TrickplayTrack.objects.exclude(status=TrickplayStatus.FAILED).values_list(
                "video_id", flat=True
            )
        )
        return trickplay.trickplay_request(
            video_ids=[pk for pk in trickplay.local_origin_video_ids() if pk not in built]
        )
