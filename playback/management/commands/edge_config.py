"""Render the nginx edge's configuration from this portal's settings (docs/deploy.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from playback.edge_config import EdgeLayout, edge_config_write


class Command(BaseCommand):
    help = (
        "Write nginx.conf, edge.js and the edge's keys for one nginx edge. Rerun it and "
        "`nginx -s reload` after rotating STREAM_SIGNING_KEYS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("config_dir", type=Path, help="where to write the configuration")
        parser.add_argument("--listen", default="127.0.0.1:8080", help="address:port to serve")
        parser.add_argument(
            "--portal",
            action="append",
            required=True,
            metavar="HOST:PORT",
            help="a gunicorn node (repeat for each node)",
        )
        parser.add_argument("--revoked-dir", type=Path, help="edge_revocations' folder")
        parser.add_argument("--access-log", default="off", help="a path, or off")

    def handle(self, *args: Any, **options: Any) -> None:
        layout = EdgeLayout(
            config_dir=options["config_dir"].resolve(),
            listen=options["listen"],
            portal_nodes=options["portal"],
            revoked_dir=options["revoked_dir"],
            access_log=options["access_log"],
        )
        conf = edge_config_write(layout)
        self.stdout.write(self.style.SUCCESS(f"Wrote {conf}"))
        self.stdout.write(f"Start it with: nginx -c {conf}")
        self.stdout.write(
            f"Keep revocations current beside it: manage.py edge_revocations {layout.revocations}"
        )
