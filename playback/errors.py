"""The one exception a playback workflow raises for the player to show."""

from __future__ import annotations


class PlaybackRefused(Exception):  # noqa: N818 - reads as a sentence
    """A request the player must show to the viewer: a code, a message, an HTTP status."""

    def __init__(self, code: str, message: str, *, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field
