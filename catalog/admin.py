"""The editors' admin: list pages that say what needs attention, rules applied on save.

Every list page runs a fixed number of queries whatever the catalog size: genres are
prefetched and media verdicts are counted in one annotated query (tests assert the counts).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q, QuerySet, Value
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from catalog import media, publishing, services
from catalog.models import (
    AvailabilityState,
    CaptionTrack,
    Episode,
    Genre,
    Movie,
    Season,
    Series,
    StreamSource,
    Title,
    ValidationStatus,
    Video,
    Visibility,
)
from streaming_portal.infra.admin_input import KnownValueFilter, SafeInputAdmin, TextRulesAdmin
from streaming_portal.infra.origin import browser_url

BADGE_COLOURS = {
    "green": ("#0f5132", "#d1e7dd"),
    "red": ("#842029", "#f8d7da"),
    "amber": ("#664d03", "#fff3cd"),
    "blue": ("#084298", "#cfe2ff"),
    "grey": ("#41464b", "#e2e3e5"),
}
AVAILABILITY_COLOURS = {
    AvailabilityState.UPCOMING: "blue",
    AvailabilityState.LIVE: "green",
    AvailabilityState.LAST_CHANCE: "amber",
    AvailabilityState.EXPIRED: "grey",
}
VERDICT_COLOURS = {
    ValidationStatus.VALID: "green",
    ValidationStatus.INVALID: "red",
    ValidationStatus.UNKNOWN: "grey",
}


def badge(text: str, colour: str, title: str = "") -> SafeString:
    foreground, background = BADGE_COLOURS[colour]
    return format_html(
        '<span class="portal-badge" title="{}" style="color:{};background:{};padding:2px 8px;'
        'border-radius:10px;font-weight:600;font-size:11px;white-space:nowrap">{}</span>',
        title,
        foreground,
        background,
        text,
    )


def media_verdict_counts(lookup: str) -> dict[str, Any]:
    """Annotations counting INVALID and UNKNOWN streams and captions under ``lookup``."""

    def count(status: str) -> Any:
        return sum(
            (
                Count(
                    f"{lookup}{relation}",
                    filter=Q(**{f"{lookup}{relation}__validation_status": status}),
                    distinct=True,
                )
                for relation in ("stream_sources", "caption_tracks")
            ),
            start=Value(0),
        )

    total = sum(
        (
            Count(f"{lookup}{relation}", distinct=True)
            for relation in ("stream_sources", "caption_tracks")
        ),
        start=Value(0),
    )
    return {
        "media_invalid": count(ValidationStatus.INVALID),
        "media_unknown": count(ValidationStatus.UNKNOWN),
        "media_total": total,
    }


def media_preview(video: Video, poster_url: str = "") -> SafeString:
    """A player for the primary stream and its captions, served from the origin (staff only)."""
    primary = next((s for s in video.stream_sources.all() if s.is_primary), None)
    if primary is None:
        return format_html("<em>{}</em>", "Add a primary stream to preview it here.")
    tracks = format_html_join(
        "",
        '<track kind="subtitles" src="{}" srclang="{}" label="{}"{}>',
        (
            (
                browser_url(caption.caption_url),
                caption.language_code,
                str(caption),
                SafeString(" default") if caption.is_default else "",
            )
            for caption in video.caption_tracks.all()
        ),
    )
    return format_html(
        '<video controls preload="metadata" width="480" poster="{}" src="{}" '
        'style="background:#000;border-radius:6px">{}</video>'
        "<br><small>Playlist: {} · plays in browsers with native HLS (Safari, Chrome).</small>",
        browser_url(poster_url) if poster_url else "",
        browser_url(primary.stream_url),
        tracks,
        primary.stream_url,
    )


def queue_checks_for_changed_media(formset: Any) -> None:
    """After an inline formset saved: check every new stream or caption, and every one whose
    URL changed (the URL is what a check looks at)."""
    url_field = {StreamSource: "stream_url", CaptionTrack: "caption_url"}.get(formset.model)
    if url_field is None:
        return
    changed_ids = [obj.pk for obj, changed in formset.changed_objects if url_field in changed]
    ids = [obj.pk for obj in formset.new_objects] + changed_ids
    if formset.model is StreamSource:
        media.media_urls_changed(stream_ids=ids)
    else:
        media.media_urls_changed(caption_ids=ids)


# --- Filters -------------------------------------------------------------------------------


class AvailabilityFilter(KnownValueFilter):
    title = "availability"
    parameter_name = "availability"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(state.value, state.label) for state in AvailabilityState]

    def filter(self, request: HttpRequest, queryset: QuerySet[Any], value: str) -> QuerySet[Any]:
        now = timezone.now()
        soon = now + timedelta(days=settings.LAST_CHANCE_DAYS)
        conditions = {
            AvailabilityState.UPCOMING: Q(availability_start__gt=now),
            # As on the badge: "Live" titles are those not in their last days.
            AvailabilityState.LIVE: Q(availability_start__lte=now, availability_end__gt=soon),
            AvailabilityState.LAST_CHANCE: Q(
                availability_start__lte=now, availability_end__gt=now, availability_end__lte=soon
            ),
            AvailabilityState.EXPIRED: Q(availability_end__lte=now),
        }
        return queryset.filter(conditions[AvailabilityState(value)])


class MediaVerdictFilter(KnownValueFilter):
    title = "media validation"
    parameter_name = "media"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("invalid", "Has invalid media"),
            ("unknown", "Has unchecked media"),
            ("valid", "All media valid"),
            ("none", "Has no media"),
            ("attention", "Needs attention: visible, primary stream or default caption not valid"),
        ]

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        self.media_lookup = getattr(model_admin, "media_lookup", "")

    def filter(self, request: HttpRequest, queryset: QuerySet[Any], value: str) -> QuerySet[Any]:
        if value == "invalid":
            return queryset.filter(media_invalid__gt=0)
        if value == "unknown":
            return queryset.filter(media_invalid=0, media_unknown__gt=0)
        if value == "valid":
            return queryset.filter(media_invalid=0, media_unknown=0, media_total__gt=0)
        if value == "none":
            return queryset.filter(media_total=0)
        if value == "attention":
            unsound = Video.objects.filter(
                Q(stream_sources__is_primary=True) & ~Q(stream_sources__validation_status="VALID")
                | Q(caption_tracks__is_default=True) & ~Q(caption_tracks__validation_status="VALID")
            ).values("pk")
            lookup = getattr(self, "media_lookup", "")
            visible = (
                Q(visibility=Visibility.VISIBLE)
                if hasattr(queryset.model, "visibility")
                else (Q(season__series__visibility=Visibility.VISIBLE))
            )
            return queryset.filter(visible, **{f"{lookup}pk__in": unsound}).distinct()
        return queryset


# --- Inlines -------------------------------------------------------------------------------


class MediaFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """Rules across the rows of one submission, which no single row can see: the publishing
    rules of catalog/publishing.py, applied to the rows as submitted."""

    def kept_rows(self) -> list[dict[str, Any]]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.is_valid()
            if form.has_changed() or form.instance.pk
            if not form.cleaned_data.get("DELETE")
        ]

    def parent_is_visible(self) -> bool:
        parent = self.instance
        if isinstance(parent, Movie):
            return parent.visibility == Visibility.VISIBLE
        if isinstance(parent, Episode) and parent.season_id:
            return parent.season.series.visibility == Visibility.VISIBLE
        return False

    def rows_problems(self) -> list[str]:
        raise NotImplementedError

    def clean(self) -> None:
        super().clean()
        problems = self.rows_problems()
        if problems:
            raise ValidationError(problems)


class StreamFormSet(MediaFormSet):
    def rows_problems(self) -> list[str]:
        return publishing.stream_rows_problems(
            primary_flags=[bool(row.get("is_primary")) for row in self.kept_rows()],
            title_stays_visible=self.parent_is_visible(),
        )


class CaptionFormSet(MediaFormSet):
    def rows_problems(self) -> list[str]:
        rows = self.kept_rows()
        return publishing.caption_rows_problems(
            default_flags=[bool(row.get("is_default")) for row in rows],
            language_codes=[row.get("language_code") or "" for row in rows],
            title_stays_visible=self.parent_is_visible(),
        )


def verdict(obj: StreamSource | CaptionTrack) -> SafeString:
    if obj._state.adding:  # a UUID pk is set before the first save, so ask the state
        return badge("Checked after saving", "grey")
    checked = (
        f"checked {timezone.localtime(obj.last_validated_at):%Y-%m-%d %H:%M}"
        if obj.last_validated_at
        else "never checked"
    )
    return format_html(
        "{} <small>{}</small><br><small>{}</small>",
        badge(
            obj.get_validation_status_display(),
            VERDICT_COLOURS[ValidationStatus(obj.validation_status)],
        ),
        checked,
        obj.validation_message,
    )


class StreamSourceInline(TextRulesAdmin, admin.TabularInline):  # type: ignore[type-arg]
    model = StreamSource
    formset = StreamFormSet
    fields = ["stream_url", "quality_tag", "drm_required", "is_primary", "media_verdict"]
    readonly_fields = ["media_verdict"]
    extra = 0
    min_num = 0

    @admin.display(description="Validation")
    def media_verdict(self, obj: StreamSource) -> SafeString:
        return verdict(obj)


class CaptionTrackInline(TextRulesAdmin, admin.TabularInline):  # type: ignore[type-arg]
    model = CaptionTrack
    # A plain one-line input: the admin's default URL widget adds a "Currently:" link above it.
    formfield_overrides = {
        models.URLField: {
            "assume_scheme": "https",
            "widget": forms.URLInput(attrs={"class": "vURLField"}),
        }
    }
    formset = CaptionFormSet
    fields = ["language_code", "caption_url", "format", "is_default", "media_verdict"]
    readonly_fields = ["media_verdict"]
    extra = 0

    @admin.display(description="Validation")
    def media_verdict(self, obj: CaptionTrack) -> SafeString:
        return verdict(obj)


# --- Titles --------------------------------------------------------------------------------


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


class PortalAdminMedia:
    css = {"all": ["catalog/admin.css"]}


# Every URL in the catalog must be HTTPS, so a URL typed without a scheme means https://.
HTTPS_URLS: dict[Any, dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class TitleAdmin(SafeInputAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    """What movies and series share: list columns, filters, actions and the save path."""

    Media = PortalAdminMedia
    formfield_overrides = HTTPS_URLS

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
    actions = ["publish", "hide", "extend_30_days", "validate_now"]
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

    @admin.display(description="Genres")
    def genre_list(self, obj: Title) -> str:
        return ", ".join(genre.name for genre in obj.genres.all())

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

    list_display = [
        "title",
        "availability_badge",
        "visibility_badge",
        "media_badge",
        "maturity_rating",
        "genre_list",
        "duration_minutes",
        "release_year",
    ]
    inlines = [StreamSourceInline, CaptionTrackInline]
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
                "window. Publish and hide with the actions on the movie list.",
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
    list_display = [
        "title",
        "availability_badge",
        "visibility_badge",
        "media_badge",
        "maturity_rating",
        "genre_list",
        "season_count",
    ]
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
class EpisodeAdmin(SafeInputAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    Media = PortalAdminMedia
    actions = ["validate_now"]
    formfield_overrides = HTTPS_URLS
    list_display = ["__str__", "series_title", "duration_minutes", "release_year", "media_badge"]
    list_select_related = ["season__series"]
    list_filter = ["season__series", MediaVerdictFilter]
    search_fields = ["title", "season__series__title"]
    autocomplete_fields = ["season"]
    inlines = [StreamSourceInline, CaptionTrackInline]
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
