"""What each profile chooses about playback: captions (language and look), audio, autoplay.

The choices are fixed scales (stored as short codes, checked by database constraints in
accounts/models.py); ``caption_css`` turns a profile's caption look into the CSS the player
applies to its cues, so the watch page and the preferences preview show the same thing.
"""

from __future__ import annotations

from typing import Protocol

from django.db import models

# The caption language a profile stores: "" follows the editor's default, "off" turns
# captions off, anything else is an ISO 639-1 code.
CAPTIONS_DEFAULT = ""
CAPTIONS_OFF = "off"
AUDIO_ORIGINAL = ""


# What a profile's own preferences page edits (and nothing else of the profile).
PREFERENCE_FIELDS = (
    "caption_language",
    "audio_language",
    "caption_size",
    "caption_colour",
    "caption_background",
    "caption_edge",
    "autoplay_next",
)


class CaptionSize(models.TextChoices):
    SMALL = "S", "Small"
    MEDIUM = "M", "Medium"
    LARGE = "L", "Large"
    EXTRA_LARGE = "XL", "Extra large"


class CaptionColour(models.TextChoices):
    WHITE = "white", "White"
    YELLOW = "yellow", "Yellow"
    CYAN = "cyan", "Cyan"
    GREEN = "green", "Green"
    MAGENTA = "magenta", "Magenta"


class CaptionBackground(models.TextChoices):
    NONE = "none", "None"
    SHADED = "shaded", "Semi-transparent"
    BLACK = "black", "Black box"


class CaptionEdge(models.TextChoices):
    NONE = "none", "None"
    SHADOW = "shadow", "Drop shadow"
    OUTLINE = "outline", "Outline"
    RAISED = "raised", "Raised"
    DEPRESSED = "depressed", "Depressed"


_SIZE = {"S": "80%", "M": "100%", "L": "130%", "XL": "160%"}
_COLOUR = {
    "white": "#ffffff",
    "yellow": "#ffeb3b",
    "cyan": "#4dd0e1",
    "green": "#69f0ae",
    "magenta": "#f06292",
}
_BACKGROUND = {"none": "transparent", "shaded": "rgba(0, 0, 0, 0.6)", "black": "#000000"}
_EDGE = {
    "none": "none",
    "shadow": "2px 2px 3px rgba(0, 0, 0, 0.9)",
    "outline": "-1px -1px 0 #000, 1px -1px 0 #000, -1px 1px 0 #000, 1px 1px 0 #000",
    "raised": "-1px -1px 0 rgba(255, 255, 255, 0.5), 1px 1px 0 #000",
    "depressed": "1px 1px 0 rgba(255, 255, 255, 0.5), -1px -1px 0 #000",
}


# Each style field's CSS property and values: the preferences page's live preview reads
# these (as JSON), so the browser and caption_css never disagree.
CAPTION_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "caption_size": ("fontSize", _SIZE),
    "caption_colour": ("color", _COLOUR),
    "caption_background": ("backgroundColor", _BACKGROUND),
    "caption_edge": ("textShadow", _EDGE),
}


class CaptionLook(Protocol):
    @property
    def caption_size(self) -> str: ...
    @property
    def caption_colour(self) -> str: ...
    @property
    def caption_background(self) -> str: ...
    @property
    def caption_edge(self) -> str: ...


def caption_css(look: CaptionLook) -> str:
    """The declarations for a ``::cue`` rule (and the preview): only values from fixed
    tables, never text a viewer typed, so the result is safe to put in a style element."""
    return (
        f"font-size: {_SIZE.get(look.caption_size, '100%')}; "
        f"color: {_COLOUR.get(look.caption_colour, '#ffffff')}; "
        f"background-color: {_BACKGROUND.get(look.caption_background, 'transparent')}; "
        f"text-shadow: {_EDGE.get(look.caption_edge, 'none')};"
    )
