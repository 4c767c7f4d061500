"""Token issue over real HTTP: the real endpoint (the same token from Redis during its first
half-life, a new audited one after) against minting and auditing a token on every call."""

from __future__ import annotations

import secrets
from typing import Any

from bench.environment import gunicorn
from bench.load import Request, run_load

CLIENTS = 4


def _requests(players: list[dict[str, Any]], path: str) -> list[Request]:
    csrf = secrets.token_hex(16)
    return [
        (
            "POST",
            path.format(session=player["session"]),
            b"",
            {
                "Cookie": f"{player['cookie']}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Host": "127.0.0.1",
            },
        )
        for player in players
    ]


def run(duration: float, players: list[dict[str, Any]]) -> list[str]:
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from playback.services import token_issue  # noqa: PLC0415

    player = players[0]
    with CaptureQueriesContext(connection) as captured:
        token_issue(session_id=player["session"], profile_id=player["profile"])
    lines = [
        "Token issue (renewal), gunicorn 2 workers x 4 threads, 4 client processes",
        f"  SQL queries per renewal within a token's first half-life: {len(captured)}",
        "  SQL queries per call, mint-every-time baseline: 2 (session lookup, audit insert)",
    ]
    share = len(players) // CLIENTS
    results = {}
    with gunicorn({"ROOT_URLCONF": "bench.urls"}) as port:
        for label, path in (
            ("reuse within half-life", "/api/sessions/{session}/token"),
            ("mint and audit every call", "/bench/sessions/{session}/token"),
        ):

            def requests(index: int, path: str = path) -> list[Request]:
                return _requests(players[index * share : (index + 1) * share], path)

            run_load(f"{label} (warm-up)", port, requests, clients=CLIENTS, duration=1.0)
            results[label] = run_load(
                f"tokens, {label}", port, requests, clients=CLIENTS, duration=duration
            )
            lines.append("  " + results[label].line())
    reuse, mint = results["reuse within half-life"], results["mint and audit every call"]
    ratio = reuse.throughput / mint.throughput if mint.throughput else float("inf")
    lines.append(f"  reusing serves {ratio:.1f}x the renewals of minting every time")
    return lines
