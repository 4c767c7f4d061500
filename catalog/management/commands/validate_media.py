from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog import media
from catalog.models import CaptionTrack, Movie, Series, StreamSource, ValidationStatus
from streaming_portal.infra.progress import for_command as progress_bar


class Command(BaseCommand):
    help = (
        "Check stream sources and caption tracks now, in this process, and record each "
        "verdict (VALID, INVALID or UNKNOWN, with its reason), as the Celery workers do. "
        "Everything by default, only what was never checked or is older than "
        "MEDIA_REVALIDATE_AFTER_HOURS with --stale, or one movie or series with --title SLUG. "
        "Ends with a table of counts; exits 1 if anything is INVALID, 2 if anything could not "
        "be checked (UNKNOWN), 0 otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--stale", action="store_true", help="Only never or long unchecked.")
        which.add_argument("--title", metavar="SLUG", help="One movie or series, by its slug.")
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be checked, check nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        streams = StreamSource.objects.order_by("pk")
        captions = CaptionTrack.objects.order_by("pk")
        if options["stale"]:
            streams, captions = (
                streams.filter(media.stale_filter()),
                captions.filter(media.stale_filter()),
            )
        elif options["title"]:
            title = (
                Movie.objects.filter(slug=options["title"]).first()
                or Series.objects.filter(slug=options["title"]).first()
            )
            if title is None:
                raise CommandError(
                    f"--title: no movie or series has the slug {options['title']!r}."
                )
            videos = media.videos_of(title)
            streams, captions = streams.filter(video__in=videos), captions.filter(video__in=videos)
        work = [("stream", pk) for pk in streams.values_list("pk", flat=True)]
        work += [("caption", pk) for pk in captions.values_list("pk", flat=True)]
        if options["dry_run"]:
            self.stdout.write(f"Would check {len(work)} item(s); nothing was checked.")
            return
        counts: Counter[str] = Counter()
        failures: list[str] = []
        bar = progress_bar(self, "Checking")
        for done, (kind, pk) in enumerate(work, start=1):
            verdict = (
                media.stream_source_validate(stream_id=pk)
                if kind == "stream"
                else media.caption_track_validate(caption_id=pk)
            )
            if verdict is not None:
                counts[verdict.status] += 1
                if verdict.status != ValidationStatus.VALID:
                    failures.append(f"  {verdict.status:<8} {kind} {pk}: {verdict.message}")
            bar(done, len(work))
        for line in failures:
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"{'VALID':<10}{'INVALID':<10}{'UNKNOWN':<10}")
        self.stdout.write(
            f"{counts[ValidationStatus.VALID]:<10}{counts[ValidationStatus.INVALID]:<10}"
            f"{counts[ValidationStatus.UNKNOWN]:<10}"
        )
        if counts[ValidationStatus.INVALID]:
            raise CommandError(
                f"{counts[ValidationStatus.INVALID]} item(s) are INVALID.", returncode=1
            )
        if counts[ValidationStatus.UNKNOWN]:
            raise CommandError(
                f"{counts[ValidationStatus.UNKNOWN]} item(s) could not be checked (UNKNOWN).",
                returncode=2,
            )
        self.stdout.write(self.style.SUCCESS(f"Checked {len(work)} item(s); all VALID."))
