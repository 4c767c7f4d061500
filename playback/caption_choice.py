"""Which caption track the player shows when a title starts: decided once, on the server.

In order: the profile's language, when the title has a track in it; then the editor's
default; then none. A profile that turned captions off sees none, even where the editor set a
default. The player shows exactly the track named here; the viewer may still change it from
the player's own menu while watching (that choice is not written back).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from accounts.preferences import CAPTIONS_OFF


class CaptionOption(Protocol):
    @property
    def language_code(self) -> str: ...
    @property
    def is_default(self) -> bool: ...


def selected_caption(tracks: Iterable[CaptionOption], preference: str) -> str | None:
    """The language code of the track to show, or None for captions off.

    ``preference`` is the profile's ``caption_language``: "" follows the editor's default,
    "off" shows none, anything else is an ISO 639-1 code.
    """
    if preference == CAPTIONS_OFF:
        return None
    tracks = list(tracks)
    if preference:
        for track in tracks:
            if track.language_code == preference:
                return track.language_code
    for track in tracks:
        if track.is_default:
            return track.language_code
    return None
