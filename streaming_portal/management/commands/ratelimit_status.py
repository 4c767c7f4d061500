from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from streaming_portal.infra import ratelimit
from streaming_portal.infra.ratelimit import (
    REDIS_ERRORS,
    Rule,
    Scope,
    ip_bucket,
    rule_for,
    user_bucket,
    window_key,
)


@dataclass(frozen=True)
class Row:
    scope: Scope
    bucket: str
    hits: int
    rule: Rule
    window_start: int
    seconds_left: int  # 0 once the window has ended

    @property
    def limited(self) -> bool:
        return self.hits > self.rule.limit


class Command(BaseCommand):
    help = (
        "List the hottest rate-limit buckets: the clients (by keyed hash of their session, "
        "address or user id) with the most requests in the current window of each scope and "
        "in the window just ended, with their limit and whether they are being refused now. "
        "Read-only; one Redis round trip. --ip or --user shows one client's bucket instead, "
        "for a support question ('am I being limited?'). Exits 0 once the table is printed, "
        "1 if Redis does not answer or an option is wrong. docs/ratelimits.md explains the "
        "scopes and the windows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--top", type=int, default=20, metavar="N", help="How many buckets (default 20)."
        )
        parser.add_argument("--scope", choices=Scope.values, help="Only this scope.")
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--ip",
            metavar="ADDRESS",
            help="Only this client address's bucket (an IPv6 address stands for its /64).",
        )
        which.add_argument(
            "--user", metavar="ID", type=int, help="Only this user's admin-changes bucket."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["top"] < 1:
            raise CommandError("--top must be at least 1.")
        only = self._only(options)
        scopes = [Scope(options["scope"])] if options["scope"] else list(Scope)
        # Through the module: the tests inject the clock and the connection there.
        now = ratelimit.limiter.clock()
        windows: list[tuple[Scope, Rule, int]] = []
        for scope in scopes:
            rule = rule_for(scope)
            current = math.floor(now / rule.window)
            windows += [(scope, rule, current), (scope, rule, current - 1)]
        try:
            with ratelimit.redis_connection().pipeline(transaction=False) as pipe:
                for scope, rule, index in windows:
                    key = window_key(scope, rule.window, index)
                    if only:
                        pipe.zscore(key, only)
                    else:
                        pipe.zrevrange(key, 0, options["top"] - 1, withscores=True)
                answers = pipe.execute()
        except REDIS_ERRORS as error:
            raise CommandError(
                f"Redis did not answer ({error}); no rate-limit counters could be read."
            ) from error
        rows: list[Row] = []
        for (scope, rule, index), answer in zip(windows, answers, strict=True):
            start = index * rule.window
            left = max(0, math.ceil(start + rule.window - now))
            if only:
                found = [] if answer is None else [(only, answer)]
            else:
                found = [(member.decode(), score) for member, score in answer]
            rows += [Row(scope, bucket, int(hits), rule, start, left) for bucket, hits in found]
        rows.sort(key=lambda row: (-row.hits, row.scope, row.bucket))
        rows = rows[: options["top"]]
        if not rows:
            who = f" for {only}" if only else ""
            self.stdout.write(f"No requests counted{who} in the current or previous window.")
            return
        self._table(rows)
        limited_now = sum(1 for row in rows if row.limited and row.seconds_left)
        self.stdout.write("")
        self.stdout.write(
            f"{len(rows)} bucket(s) listed from the current and previous windows; "
            f"{limited_now} over the limit now."
        )

    def _only(self, options: dict[str, Any]) -> str | None:
        if options["ip"]:
            try:
                ipaddress.ip_address(options["ip"])
            except ValueError as error:
                raise CommandError(f"--ip: {options['ip']!r} is not an IP address.") from error
            return ip_bucket(options["ip"])
        if options["user"] is not None:
            return user_bucket(options["user"])
        return None

    def _table(self, rows: list[Row]) -> None:
        header = ("SCOPE", "BUCKET", "HITS", "LIMIT", "WINDOW (UTC)", "STATE")
        lines = [header]
        for row in rows:
            begins = datetime.fromtimestamp(row.window_start, tz=UTC)
            verdict = "limited" if row.limited else "ok"
            timing = f"{row.seconds_left} s left" if row.seconds_left else "ended"
            lines.append(
                (
                    row.scope.value,
                    row.bucket,
                    str(row.hits),
                    str(row.rule.limit),
                    f"{begins:%Y-%m-%d %H:%M:%S} +{row.rule.window}s",
                    f"{verdict}, {timing}",
                )
            )
        widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
        numeric = {2, 3}
        for line in lines:
            cells = [
                cell.rjust(width) if column in numeric else cell.ljust(width)
                for column, (cell, width) in enumerate(zip(line, widths, strict=True))
            ]
            self.stdout.write("  ".join(cells).rstrip())
