"""The movie, series, season and episode admins: list columns, filters, actions, the save path.

Every list page runs a fixed number of queries whatever the catalog size: genres are
prefetched and media verdicts are counted in one annotated query (tests assert the counts).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from catalog import media, publishing, services
from catalog.admin.badges import badge
from catalog.admin.buttons import TITLE_CHANGE_FORM, PublishButtonsAdmin
from catalog.admin.columns import TitleColumnsAdmin
from catalog.admin.filters import AvailabilityFilter, MediaVerdictFilter, media_verdict_counts
from catalog.admin.history import HISTORY_CHANGE_FORM, HISTORY_PAGE, EditorialHistoryAdmin
from catalog.admin.markers import VideoMarkerInline
from catalog.admin.media import (
    CaptionTrackInline,
    StreamSourceInline,
    media_preview,
    queue_checks_for_changed_media,
)
from catalog.admin.trickplay import TrickplayTrackInline, generate_thumbnails
from catalog.models import (
    CaptionTrack,
    Episode,
    Movie,
    Season,
    Series,
    StreamSource,
    Title,
    Video,
)
from streaming_portal.infra.admin_input import SafeInputAdmin, TextRulesAdmin


class PortalAdminMedia:
    css = {"all": ["catalog/admin.css"]}


# Every URL in the catalog must be HTTPS, so a URL typed without a scheme means https://.
HTTPS_URLS: dict[Any, dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class TitleAdmin(
    TitleColumnsAdmin,
    PublishButtonsAdmin,
    SafeInputAdmin,
    admin.ModelAdmin,  # type: ignore[type-arg]
):
    """What movies and series share: list columns (catalog/admin/columns.py), filters,
    actions, the save path, the Publish and Hide buttons and the editorial history
    (catalog/admin/buttons.py)."""

    Media = PortalAdminMedia
    formfield_overrides = HTTPS_URLS
    change_form_template = TITLE_CHANGE_FORM
    object_history_template = HISTORY_PAGE

    search_fields = ["title", "synopsis"]
    ordering = ["title"]  # explicit, as on GenreAdmin: the media counts group the rows
    autocomplete_fields = ["genres"]
    date_hierarchy = "availability_start"
    list_filter = [
        "visibility",
        AvailabilityFilter,
        MediaVerdictFilter,
        "maturity_rating",
        "genres",
    ]
    list_per_page = 50
    actions = ["publish", "hide", "extend_30_days", "validate_now", generate_thumbnails]
    readonly_fields = [
        "slug",
        "visibility_badge",
        "publishing_checklist",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ]
    media_lookup = ""  # the path from this model to its videos' streams and captions

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related("genres")
            .annotate(**media_verdict_counts(self.media_lookup))
        )

    @admin.display(description="Ready to publish?")
    def publishing_checklist(self, obj: Title) -> SafeString:
        if obj.pk is None:
            return format_html("<em>{}</em>", "Save the title first, then add its media.")
        problems = publishing.publishing_problems(obj)
        if not problems:
            return badge("Ready: every stream and caption rule holds", "green")
        return format_html(
            "<ul style='margin:0;padding-left:1.2em'>{}</ul>",
            format_html_join("", "<li>{}</li>", ((problem,) for problem in problems)),
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.title_save(title=obj, by=request.user)  # type: ignore[arg-type]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        queue_checks_for_changed_media(formset)

    @admin.action(description="Validate streams and captions now")
    def validate_now(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for title in queryset:
            queued = media.title_validate_now(title=title)
            self.message_user(
                request,
                f"“{title.title}”: {queued} check{'s' if queued != 1 else ''} queued; the "
                "verdicts appear on its page within a minute.",
                messages.INFO,
            )

    @admin.action(description="Publish selected titles (checks streams and captions)")
    def publish(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        published = []
        for title in queryset:
            outcome = services.title_publish(title=title, by=request.user)  # type: ignore[arg-type]
            if outcome.published:
                published.append(title.title)
            else:
                self.message_user(
                    request,
                    f"“{title.title}” was not published: {'; '.join(outcome.problems)}.",
                    messages.ERROR,
                )
        if published:
            self.message_user(
                request, f"Published {len(published)}: {', '.join(published)}.", messages.SUCCESS
            )

    @admin.action(description="Hide selected titles from viewers")
    def hide(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        hidden = [services.title_hide(title=title, by=request.user).title for title in queryset]  # type: ignore[arg-type]
        self.message_user(request, f"Hidden {len(hidden)}: {', '.join(hidden)}.", messages.SUCCESS)

    @admin.action(description="Extend availability by 30 days")
    def extend_30_days(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for title in queryset:
            services.title_extend_availability(title=title, by=request.user, days=30)  # type: ignore[arg-type]
            self.message_user(
                request,
                f"“{title.title}” is now available until "
                f"{timezone.localtime(title.availability_end):%Y-%m-%d %H:%M}.",
                messages.SUCCESS,
            )


@admin.register(Movie)
class MovieAdmin(TitleAdmin):
    readonly_fields = [*TitleAdmin.readonly_fields, "preview"]

    @admin.display(description="Preview")
    def preview(self, obj: Movie) -> SafeString:
        if obj.pk is None:
            return format_html("<em>{}</em>", "Save the movie and add its media first.")
        return media_preview(obj.video, obj.poster_url)

    list_display = ["title_cell", "status", "rating", "genre_list", "length_and_year"]
    inlines = [StreamSourceInline, CaptionTrackInline, VideoMarkerInline, TrickplayTrackInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "synopsis", "genres", "poster_url"]}),
        ("Playback", {"fields": ["duration_minutes", "release_year", "maturity_rating"]}),
        ("Preview", {"fields": ["preview"], "classes": ["collapse"]}),
        (
            "Availability",
            {
                "fields": [
                    "availability_start",
                    "availability_end",
                    "visibility_badge",
                    "publishing_checklist",
                ],
                "description": "Viewers see a title only while it is visible and inside its "
                "window. Publish and hide with the buttons at the top of this page, or with "
                "the actions on the movie list.",
            },
        ),
        (
            "Audit",
            {
                "fields": ["created_at", "created_by", "updated_at", "updated_by"],
                "classes": ["collapse"],
            },
        ),
    ]


class SeasonInline(TextRulesAdmin, admin.TabularInline):  # type: ignore[type-arg]
    model = Season
    fields = ["number", "title", "episode_links"]
    readonly_fields = ["episode_links"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Season]:
        # The row label reads the series; the links show the episode count: no query per row.
        return (
            super()
            .get_queryset(request)
            .select_related("series")
            .annotate(episodes_total=Count("episodes"))
        )

    @admin.display(description="Episodes")
    def episode_links(self, obj: Season) -> SafeString:
        if obj.pk is None:
            return format_html("<em>{}</em>", "Save to add episodes")
        return format_html(
            '<a href="{}?season__id__exact={}">{} episodes</a> · '
            '<a href="{}?season={}">add one</a>',
            reverse("admin:catalog_episode_changelist"),
            obj.pk,
            getattr(obj, "episodes_total", 0),
            reverse("admin:catalog_episode_add"),
            obj.pk,
        )


@admin.register(Series)
class SeriesAdmin(TitleAdmin):
    media_lookup = "seasons__episodes__"
    list_display = ["title_cell", "status", "rating", "genre_list", "season_count"]
    inlines = [SeasonInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "synopsis", "genres", "poster_url"]}),
        ("Classification", {"fields": ["maturity_rating"]}),
        (
            "Availability",
            {
                "fields": [
                    "availability_start",
                    "availability_end",
                    "visibility_badge",
                    "publishing_checklist",
                ]
            },
        ),
        (
            "Audit",
            {
                "fields": ["created_at", "created_by", "updated_at", "updated_by"],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate(seasons_total=Count("seasons", distinct=True))

    @admin.display(description="Seasons", ordering="seasons_total")
    def season_count(self, obj: Any) -> int:
        return int(obj.seasons_total)


@admin.register(Season)
class SeasonAdmin(SafeInputAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "series", "number", "episode_total"]
    list_select_related = ["series"]
    search_fields = ["series__title", "title"]
    ordering = ["series__title", "number"]  # explicit, as on GenreAdmin
    autocomplete_fields = ["series"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Season]:
        return super().get_queryset(request).annotate(episodes_total=Count("episodes"))

    @admin.display(description="Episodes", ordering="episodes_total")
    def episode_total(self, obj: Any) -> int:
        return int(obj.episodes_total)


@admin.register(Episode)
class EpisodeAdmin(EditorialHistoryAdmin, SafeInputAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    Media = PortalAdminMedia
    change_form_template = HISTORY_CHANGE_FORM
    object_history_template = HISTORY_PAGE
    actions = ["validate_now", generate_thumbnails]
    formfield_overrides = HTTPS_URLS
    list_display = ["__str__", "series_title", "duration_minutes", "release_year", "media_badge"]
    list_select_related = ["season__series"]
    list_filter = ["season__series", MediaVerdictFilter]
    search_fields = ["title", "season__series__title"]
    autocomplete_fields = ["season"]
    inlines = [StreamSourceInline, CaptionTrackInline, VideoMarkerInline, TrickplayTrackInline]
    fields = [
        "season",
        "number",
        "title",
        "synopsis",
        "duration_minutes",
        "release_year",
        "preview",
    ]
    readonly_fields = ["preview"]

    @admin.display(description="Preview")
    def preview(self, obj: Episode) -> SafeString:
        if obj.pk is None:
            return format_html("<em>{}</em>", "Save the episode and add its media first.")
        return media_preview(obj.video)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Episode]:
        return super().get_queryset(request).annotate(**media_verdict_counts(""))

    @admin.display(description="Series", ordering="season__series__title")
    def series_title(self, obj: Episode) -> str:
        return obj.season.series.title

    media_badge = TitleAdmin.media_badge

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.kind = Video.Kind.EPISODE
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        queue_checks_for_changed_media(formset)

    @admin.action(description="Validate streams and captions now")
    def validate_now(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        queued = media.media_validation_enqueue(
            stream_ids=StreamSource.objects.filter(video__in=queryset).values_list("pk", flat=True),
            caption_ids=CaptionTrack.objects.filter(video__in=queryset).values_list(
                "pk", flat=True
            ),
        )
        self.message_user(request, f"{queued} checks queued.", messages.INFO)
