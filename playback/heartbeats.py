"""Taking the player's heartbeats: validate the body, buffer the position in Redis. No SQL.

Hot path and who pays: one Redis script call per heartbeat (a test asserts zero queries).
The buffer is written to PostgreSQL later, in bulk, by playback/flush.py.
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from accounts import access
from playback import entitlement, live, ownership
from playback.errors import PlaybackRefused

logger = logging.getLogger(__name__)

FINAL_EVENTS = frozenset({"pause", "ended", "hidden"})
EVENTS = frozenset({"tick", "seek", "play", *FINAL_EVENTS})
ERROR_CODE = re.compile(r"[a-z0-9_.:-]{1,40}", re.ASCII)
CLOCK_SKEW_MS = 300_000


@dataclass(frozen=True)
class Heartbeat:
    position_seconds: float
    event: str = "tick"
    at_ms: int | None = None
    errors: tuple[str, ...] = ()


def parse_heartbeat(data: Any) -> Heartbeat:
    """Validate a heartbeat body; PlaybackRefused names the field. Nothing is converted: a
    list, object or bool where a number or string belongs is refused."""
    if not isinstance(data, dict):
        raise PlaybackRefused("malformed_body", "The body must be a JSON object.")
    position = data.get("position_seconds")
    if (
        isinstance(position, bool)
        or not isinstance(position, int | float)
        or not math.isfinite(position)
    ):
        raise PlaybackRefused(
            "invalid_position", "position_seconds must be a number.", field="position_seconds"
        )
    if position < 0:
        raise PlaybackRefused(
            "position_out_of_range",
            "position_seconds cannot be negative.",
            field="position_seconds",
        )
    event = data.get("event", "tick")
    if not isinstance(event, str) or event not in EVENTS:
        raise PlaybackRefused(
            "invalid_event", f"event must be one of {', '.join(sorted(EVENTS))}.", field="event"
        )
    at_ms = data.get("at")
    now_ms = int(time.time() * 1000)
    if at_ms is not None and (
        isinstance(at_ms, bool) or not isinstance(at_ms, int) or abs(at_ms - now_ms) > CLOCK_SKEW_MS
    ):
        raise PlaybackRefused(
            "invalid_time",
            "at must be the player's clock in milliseconds, within 5 minutes of ours.",
            field="at",
        )
    errors = data.get("errors", [])
    if (
        not isinstance(errors, list)
        or len(errors) > 10
        or not all(isinstance(code, str) and ERROR_CODE.fullmatch(code) for code in errors)
    ):
        raise PlaybackRefused(
            "invalid_errors",
            "errors must be a list of at most 10 short codes (letters, digits, _.:-).",
            field="errors",
        )
    return Heartbeat(float(position), event, at_ms, tuple(errors))


STATUS_ERRORS = {
    ownership.UNKNOWN: (404, ownership.UNKNOWN_MESSAGE),
    "foreign_session": (404, ownership.UNKNOWN_MESSAGE),
    entitlement.TITLE_UNAVAILABLE: (403, entitlement.MESSAGES[entitlement.TITLE_UNAVAILABLE]),
    entitlement.ACCOUNT_INACTIVE: (403, entitlement.MESSAGES[entitlement.ACCOUNT_INACTIVE]),
    "session_ended": (409, "This viewing session has ended; start playback again."),
    "position_out_of_range": (400, "position_seconds is beyond the end of this title."),
}


def heartbeat_record(
    *, session_id: UUID, profile_id: int, heartbeat: Heartbeat, now_ms: int | None = None
) -> str:
    """Buffer one position report in Redis. No SQL.

    Returns "ok", "stale" (older than one already buffered) or "held" (before the point the
    session resumed from, which it has not reached yet: kept out of the saved progress).
    ``now_ms`` is the server's clock (simulations pass their own).
    """
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    status = live.heartbeat_buffer(
        session_id=session_id,
        profile_id=profile_id,
        position=heartbeat.position_seconds,
        at_ms=heartbeat.at_ms or now,
        now_ms=now,
        final=heartbeat.event in FINAL_EVENTS,
        errors=heartbeat.errors,
    )
    return _answer(status, session_id=session_id, profile_id=profile_id, heartbeat=heartbeat)


def heartbeat_record_by_session(
    *, session_cache_key: str, session_id: UUID, heartbeat: Heartbeat
) -> str | None:
    """heartbeat_record for the profile that the signed-in Django session names, read by the
    same script from the session's copy in Redis: the hot path's one round trip.

    None when Redis does not hold that copy: the caller reads the session the usual way (from
    PostgreSQL if need be) and calls heartbeat_record. A session without a signed-in user or
    a chosen profile is refused as not signed in, as the long way refuses it.
    """
    now = int(time.time() * 1000)
    status, profile_id = live.heartbeat_buffer_by_session(
        session_cache_key=session_cache_key,
        session_fields=access.SESSION_FIELDS,
        session_id=session_id,
        position=heartbeat.position_seconds,
        at_ms=heartbeat.at_ms or now,
        now_ms=now,
        final=heartbeat.event in FINAL_EVENTS,
        errors=heartbeat.errors,
    )
    if status == "session_not_cached":
        return None
    if status in ("not_signed_in", "no_profile"):
        raise PlaybackRefused(NOT_SIGNED_IN, "Sign in to watch.", status=403)
    return _answer(status, session_id=session_id, profile_id=profile_id, heartbeat=heartbeat)


NOT_SIGNED_IN = "not_signed_in"


def _answer(status: str, *, session_id: UUID, profile_id: int | None, heartbeat: Heartbeat) -> str:
    """The script's status word, logged when the player reported errors, raised when it is
    a refusal."""
    if heartbeat.errors:
        # Still no SQL: the video is on the session's row, found by session_id.
        logger.warning(
            "Player reported errors",
            extra={
                "session_id": str(session_id),
                "profile_id": profile_id,
                "error_codes": list(heartbeat.errors),
                "event": heartbeat.event,
                "position_seconds": heartbeat.position_seconds,
                "heartbeat_status": status,
            },
        )
    if status in STATUS_ERRORS:
        code = ownership.UNKNOWN if status == "foreign_session" else status
        http_status, message = STATUS_ERRORS[status]
        field = "position_seconds" if status == "position_out_of_range" else None
        raise PlaybackRefused(code, message, status=http_status, field=field)
    return status
