"""The genre admin: names, slugs and how many titles use each."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from catalog.models import Genre
from streaming_portal.infra.admin_input import SafeInputAdmin


@admin.register(Genre)
class GenreAdmin(SafeInputAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "slug", "movie_count", "series_count"]
    search_fields = ["name"]
    # Explicit: the counts group the rows, and grouped rows drop Meta.ordering, which leaves
    # the autocomplete's pages unordered.
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Genre]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                movies=Count("movie_set", distinct=True), series=Count("series_set", distinct=True)
            )
        )

    @admin.display(description="Movies", ordering="movies")
    def movie_count(self, obj: Any) -> int:
        return int(obj.movies)

    @admin.display(description="Series", ordering="series")
    def series_count(self, obj: Any) -> int:
        return int(obj.series)
