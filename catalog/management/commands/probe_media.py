from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.media_checks import check_caption, check_stream
from catalog.models import ValidationStatus

EXIT_CODES = {ValidationStatus.VALID: 0, ValidationStatus.INVALID: 1, ValidationStatus.UNKNOWN: 2}


class Command(BaseCommand):
    help = (
        "Check one URL as the validation workers would, and print the verdict and the facts "
        "behind it (variants, durations, cue counts) without saving anything: a triage tool. "
        "The kind is guessed from the URL (.m3u8: stream, .vtt/.ttml/.dfxp/.xml: caption) "
        "unless --kind says. Exit status: 0 VALID, 1 INVALID, 2 UNKNOWN (could not be checked)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url")
        parser.add_argument("--kind", choices=["stream", "caption"])
        parser.add_argument(
            "--duration-minutes",
            type=int,
            default=None,
            help="The running time to compare with (streams; cue times for captions).",
        )
        parser.add_argument("--format", choices=["WEBVTT", "TTML"], help="For captions.")
        parser.add_argument("--json", action="store_true", help="Print the facts as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        url: str = options["url"]
        path = url.split("?", 1)[0].lower()
        kind = options["kind"] or (
            "stream"
            if path.endswith(".m3u8")
            else "caption"
            if path.endswith((".vtt", ".ttml", ".dfxp", ".xml"))
            else None
        )
        if kind is None:
            raise CommandError("--kind: cannot tell from the URL; say stream or caption.")
        minutes = options["duration_minutes"]
        if minutes is not None and minutes <= 0:
            raise CommandError("--duration-minutes must be 1 or more.")
        seconds = (minutes or 0) * 60
        if kind == "stream":
            if minutes is None:
                raise CommandError("--duration-minutes is needed to check a stream's length.")
            verdict = check_stream(url, seconds)
        else:
            caption_format = options["format"] or ("WEBVTT" if path.endswith(".vtt") else "TTML")
            verdict = check_caption(url, caption_format, seconds or 10**9)
        style = {
            ValidationStatus.VALID: self.style.SUCCESS,
            ValidationStatus.INVALID: self.style.ERROR,
            ValidationStatus.UNKNOWN: self.style.WARNING,
        }[verdict.status]
        self.stdout.write(style(f"{verdict.status}: {verdict.message}"))
        if options["json"]:
            self.stdout.write(json.dumps(verdict.facts, indent=2))
        else:
            for variant in verdict.facts.get("variants", []):
                self.stdout.write(
                    f"  variant {variant.get('resolution') or '-':<10} "
                    f"{variant.get('bandwidth') or '-':>9} b/s  {variant['seconds']:>10.3f} s  "
                    f"{variant['segments']} segments  {variant['uri']}"
                )
            for rendition in verdict.facts.get("renditions", []):
                seconds = rendition.get("seconds")
                self.stdout.write(
                    f"  {rendition['type'].lower():<9} {rendition['name']:<20} "
                    f"{rendition['language'] or '-':<5} "
                    f"{'' if seconds is None else f'{seconds:.3f} s  '}"
                    f"{rendition['uri'] or '(in the variants)'}"
                )
            for name in ("seconds", "segments", "expected_seconds", "cues"):
                if name in verdict.facts:
                    self.stdout.write(f"  {name.replace('_', ' ')}: {verdict.facts[name]}")
        self.stdout.flush()
        sys.exit(EXIT_CODES[verdict.status])
