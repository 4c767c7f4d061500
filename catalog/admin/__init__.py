"""The editors' admin: list pages that say what needs attention, rules applied on save.

One module per part: ``badges`` (the coloured states), ``filters`` (list filters and the
media verdict counts they read), ``media`` (stream and caption inlines, the rules across
their rows, verdicts), ``genres`` and ``titles`` (movies, series, seasons, episodes).
Importing the package registers every catalog ModelAdmin.
"""

from __future__ import annotations

from catalog.admin import genres, titles, trickplay
from catalog.admin.badges import badge

__all__ = ["badge", "genres", "titles", "trickplay"]
