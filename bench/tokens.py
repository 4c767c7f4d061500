"""Token issue over real HTTP: the real endpoint (the same token from Redis during its first
half-life, a new audited one after) against minting and auditing a token on every call; and
what the edge's revocation check (one Redis HMGET of the session) adds to each file request,
beside the token check alone."""

from __future__ import annotations

import secrets
import time
from typing import Any
from uuid import UUID

from bench.environment import UNLIMITED_ENV, gunicorn
from bench.load import Request, run_load
from bench.report import BenchReport

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


def revocation_cost(player: dict[str, Any], rounds: int = 5000) -> list[str]:
    """Per edge request: the token check alone (no I/O), then with the session read that makes
    ending a session revoke its token at once."""
    from playback import live, tokens  # noqa: PLC0415

    session_id = UUID(str(player["session"]))
    ctx = tokens.viewer_context(profile_id=int(player["profile"]), session_id=session_id)
    _, value = tokens.mint(session_id=session_id, ctx=ctx, token_id=session_id)
    path = f"{tokens.acl_for(session_id)}480p/seg001.ts"

    def check(*, revocation: bool) -> float:
        started = time.perf_counter()
        for _ in range(rounds):
            tokens.verify(value, path=path, ctx=ctx)
            if revocation:
                live.session_state(session_id)
        return (time.perf_counter() - started) / rounds * 1e6

    check(revocation=True)  # warm the connection and the caches
    alone, revoked = check(revocation=False), check(revocation=True)
    return [
        "Edge token check per request, in-process (µs):",
        f"  token only (grammar, HMAC, expiry, path, viewer): {alone:.1f} µs",
        f"  token + revocation (one Redis HMGET of the session): {revoked:.1f} µs "
        f"(+{revoked - alone:.1f} µs; the edge already reads the session to find its stream, "
        "so the revocation rides on that read)",
    ]


def run(duration: float, players: list[dict[str, Any]]) -> BenchReport:
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from playback.tokens import token_issue  # noqa: PLC0415

    player = players[0]
    with CaptureQueriesContext(connection) as captured:
        token_issue(session_id=player["session"], profile_id=player["profile"])
    report = BenchReport(f"Token issue (renewal), gunicorn, {CLIENTS} client processes")
    report.add(
        f"SQL queries per renewal within a token's first half-life: {len(captured)} "
        "(the entitlement re-check: profile with account, video through for_profile)"
    )
    report.add("SQL queries per call, mint-every-time baseline: 2 (session lookup, audit insert)")
    share = len(players) // CLIENTS
    results = {}
    with gunicorn({"ROOT_URLCONF": "bench.urls", **UNLIMITED_ENV}) as port:
        for label, path in (
            ("reuse within half-life", "/api/sessions/{session}/token"),
            ("mint and audit every call", "/bench/sessions/{session}/token"),
        ):

            def requests(index: int, path: str = path) -> list[Request]:
                return _requests(players[index * share : (index + 1) * share], path)

            run_load(f"{label} (warm-up)", port, requests, clients=CLIENTS, duration=1.0)
            results[label] = report.measured(
                run_load(f"tokens, {label}", port, requests, clients=CLIENTS, duration=duration)
            )
    for line in revocation_cost(player):
        report.add(line.strip())
    reuse, mint = results["reuse within half-life"], results["mint and audit every call"]
    ratio = reuse.throughput / mint.throughput if mint.throughput else float("inf")
    report.add(f"reusing serves {ratio:.1f}x the renewals of minting every time")
    return report
