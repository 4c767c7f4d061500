from __future__ import annotations

from typing import Any

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from catalog.models import StreamSource
from streaming_portal.infra import crypto
from streaming_portal.infra.progress import for_command as progress_bar


class Command(BaseCommand):
    help = (
        "Re-encrypt every stream URL under the newest key in STREAM_URL_KEYS. Rotate a key by "
        "putting the new key first in STREAM_URL_KEYS (keeping the old one after it), "
        "deploying, running this command, and only then removing the old key. Rows are "
        "rewritten in batches, each in its own transaction, so the command can be stopped and "
        "run again safely."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--dry-run", action="store_true", help="Decrypt every row to prove the keys work."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        table = StreamSource._meta.db_table
        total = StreamSource.objects.count()
        progress = progress_bar(self, "Re-encrypting")
        done, last_id = 0, None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                # Raw SQL on purpose: the field would decrypt on read and encrypt on write;
                # here the ciphertext itself is what changes.
                cursor.execute(
                    f"SELECT id, stream_url FROM {table} "  # noqa: S608 - our own table name
                    "WHERE (%s::uuid IS NULL OR id > %s::uuid) ORDER BY id LIMIT %s FOR UPDATE",
                    [last_id, last_id, batch_size],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                try:
                    rotated = [(row_id, crypto.reencrypt(token)) for row_id, token in rows]
                except InvalidToken as error:
                    raise CommandError(
                        f"A stream URL could not be decrypted with STREAM_URL_KEYS ({error}); "
                        "nothing in this batch was changed."
                    ) from error
                if not options["dry_run"]:
                    cursor.execute(
                        f"UPDATE {table} AS s SET stream_url = v.token "  # noqa: S608
                        "FROM unnest(%s::uuid[], %s::text[]) AS v(id, token) WHERE s.id = v.id",
                        [[row_id for row_id, _ in rotated], [token for _, token in rotated]],
                    )
                last_id = str(rows[-1][0])
                done += len(rows)
                progress(done, total)
        verb = "Checked" if options["dry_run"] else "Re-encrypted"
        self.stdout.write(self.style.SUCCESS(f"{verb} {done} stream URL(s) under the newest key."))
