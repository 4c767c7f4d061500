"""The one exception a playback workflow raises for the player to show.

It is the API's ``BadInput`` (streaming_portal/infra/api.py), so the views answer both with
the one error shape; the name says where it comes from: a playback rule, not the parser.
"""

from __future__ import annotations

from streaming_portal.infra.api import BadInput


class PlaybackRefused(BadInput):
    """A request the player must show to the viewer: a code, a message, an HTTP status."""
