"""Keep an nginx edge's revocation markers current (playback/revocations.py)."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from redis.exceptions import RedisError

from playback import live
from playback.revocations import (
    markers_prune,
    markers_write,
    revocations_since,
    revoked_window_ms,
)

PRUNE_EVERY_SECONDS = 30


class Command(BaseCommand):
    help = (
        "Write a marker file for every ended viewing session into FOLDER, where the nginx "
        "edge refuses its token; runs until stopped (one per edge host)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="the edge's revoked_dir")
        parser.add_argument("--interval", type=float, default=0.25, help="seconds between polls")
        parser.add_argument("--once", action="store_true", help="catch up once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["folder"]
        folder.mkdir(parents=True, exist_ok=True)
        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # A restarted edge catches up on the whole window before its first poll.
        since = int(time.time() * 1000) - revoked_window_ms()
        pruned_at = 0.0
        while not stopping:
            try:
                sessions, since = revocations_since(live.redis(), since)
            except RedisError as error:  # a failover: keep the markers, ask again shortly
                self.stderr.write(f"Redis unavailable ({error}); retrying")
                time.sleep(min(1.0, options["interval"] * 4))
                continue
            written = markers_write(folder, sessions)
            if written and options["verbosity"] > 1:
                self.stdout.write(f"{written} session(s) revoked")
            if time.monotonic() - pruned_at > PRUNE_EVERY_SECONDS:
                markers_prune(folder)
                pruned_at = time.monotonic()
            if options["once"]:
                return
            time.sleep(options["interval"])
