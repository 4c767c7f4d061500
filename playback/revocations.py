"""Ended sessions, told to edges that cannot read the portal's Redis on every request.

The portal's edge reads a session's ``ended`` flag with every file request. The nginx edge
(deploy/nginx/edge.js) checks a marker file per session instead, which ``manage.py
edge_revocations`` keeps beside each edge from one sorted set in Redis: every session that
ended, scored by when (milliseconds), kept as long as a token can outlive its session.
So a revoked token stops opening files within one poll (a quarter of a second by default)
on every edge, and a restarted edge catches up from the set before it serves.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings

REVOKED_KEY = "pb:edge-revoked"
MARKER_SLACK_SECONDS = 60  # markers outlive the tokens they stop, with room for clock skew


def revoked_window_ms() -> int:
    return int(settings.STREAM_TOKEN_TTL_SECONDS + MARKER_SLACK_SECONDS) * 1000


def revocations_add(
    pipe: Any, session_ids: Iterable[UUID | str], *, now_ms: int | None = None
) -> None:
    """Queue the sessions' revocation on a Redis pipeline that ends them (one transaction)."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    members = {str(session_id): now_ms for session_id in session_ids}
    if members:
        pipe.zadd(REVOKED_KEY, members)
        pipe.zremrangebyscore(REVOKED_KEY, "-inf", now_ms - revoked_window_ms())


def revocations_since(connection: Any, since_ms: int) -> tuple[list[str], int]:
    """Sessions revoked at or after ``since_ms`` and the score to ask from next time."""
    rows = connection.zrangebyscore(REVOKED_KEY, since_ms, "+inf", withscores=True)
    sessions = [member.decode() for member, _ in rows]
    latest = max((int(score) for _, score in rows), default=since_ms)
    return sessions, latest


def markers_write(folder: Path, sessions: Iterable[str]) -> int:
    """One empty file per revoked session (names are the set's members: UUIDs only)."""
    written = 0
    for session in sessions:
        try:
            name = str(UUID(session))  # never a path: only a UUID names a marker
        except ValueError:
            continue
        marker = folder / name
        if not marker.exists():
            temporary = folder / f".{name}.tmp"
            temporary.touch()
            os.replace(temporary, marker)
            written += 1
    return written


def markers_prune(folder: Path, *, now: float | None = None) -> int:
    """Remove markers older than any token they could stop."""
    cutoff = (now if now is not None else time.time()) - revoked_window_ms() / 1000
    removed = 0
    for marker in folder.iterdir():
        if marker.stat().st_mtime < cutoff:
            marker.unlink(missing_ok=True)
            removed += 1
    return removed
