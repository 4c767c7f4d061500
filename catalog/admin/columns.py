"""The columns of the movie and series lists, made to fit a 1366 px laptop screen.

A row says what needs attention in few columns: the title (cut with an ellipsis, whole in its
tooltip), one Status column whose badges wrap (availability, visibility, media verdicts),
the rating, the genres (the first two, and how many more), and for a movie its length and
year together. Everything a column shows comes from the list's one annotated query and its
genre prefetch: no column costs a query per row.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from catalog.admin.badges import AVAILABILITY_COLOURS, badge
from catalog.models import Movie, Title, Visibility

GENRES_SHOWN = 2


class TitleColumnsAdmin:
    """The list columns and badges movies and series share."""

    @admin.display(description="Title", ordering="title")
    def title_cell(self, obj: Title) -> SafeString:
        return format_html(
            '<span class="portal-ellipsis" title="{}">{}</span>', obj.title, obj.title
        )

    @admin.display(description="Status", ordering="availability_end")
    def status(self, obj: Title) -> SafeString:
        return format_html(
            '<span class="portal-status">{} {} {}</span>',
            self.availability_badge(obj),
            self.visibility_badge(obj),
            self.media_badge(obj),
        )

    @admin.display(description="Availability", ordering="availability_end")
    def availability_badge(self, obj: Title) -> SafeString:
        state = obj.availability_state()
        window = (
            f"{timezone.localtime(obj.availability_start):%Y-%m-%d} → "
            f"{timezone.localtime(obj.availability_end):%Y-%m-%d}"
        )
        return badge(state.label, AVAILABILITY_COLOURS[state], window)

    @admin.display(description="Visibility", ordering="visibility")
    def visibility_badge(self, obj: Title) -> SafeString:
        if obj.visibility == Visibility.VISIBLE:
            return badge("Visible", "green")
        return badge("Hidden", "grey")

    @admin.display(description="Media")
    def media_badge(self, obj: Any) -> SafeString:
        invalid, unknown = getattr(obj, "media_invalid", 0), getattr(obj, "media_unknown", 0)
        if not getattr(obj, "media_total", 0):
            return badge("No media", "amber")
        if invalid:
            return badge(f"{invalid} invalid", "red")
        if unknown:
            return badge(f"{unknown} unchecked", "grey")
        return badge("Valid", "green")

    @admin.display(description="Rating", ordering="maturity_rating")
    def rating(self, obj: Title) -> str:
        return obj.get_maturity_rating_display()

    @admin.display(description="Genres")
    def genre_list(self, obj: Title) -> SafeString:
        names = [genre.name for genre in obj.genres.all()]  # prefetched
        shown = ", ".join(names[:GENRES_SHOWN])
        more = len(names) - GENRES_SHOWN
        return format_html(
            '<span class="portal-genres" title="{}">{}{}</span>',
            ", ".join(names),
            shown,
            f" +{more}" if more > 0 else "",
        )

    @admin.display(description="Length · year", ordering="duration_minutes")
    def length_and_year(self, obj: Movie) -> str:
        return f"{obj.duration_minutes} min · {obj.release_year}"
