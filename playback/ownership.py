"""The one rule "this session belongs to this profile", for renewals, ends and the edge.

Another profile's session, of this household or another, open or ended, is answered exactly
as a session that does not exist, so its state cannot be probed. (The heartbeat script in
playback/live_scripts.py applies the same rule inside Redis, atomically with the write.)
"""

from __future__ import annotations

from uuid import UUID

from playback import live
from playback.errors import PlaybackRefused

UNKNOWN = "unknown_session"
UNKNOWN_MESSAGE = "This viewing session does not exist."


def unknown_session() -> PlaybackRefused:
    return PlaybackRefused(UNKNOWN, UNKNOWN_MESSAGE, status=404)


def owned_session(*, session_id: UUID, profile_id: int) -> live.SessionState:
    """The session's live state if ``profile_id`` owns it; PlaybackRefused(404) otherwise."""
    state = live.session_state(session_id)
    if state is None or state.profile_id != profile_id:
        raise unknown_session()
    return state
