"""Trickplay (seek-bar thumbnails) in the admin: the inline on a movie or episode, a list page
of every track with its status badge, and the "Generate thumbnails" action.

Saving an inline with a new or changed URL queues a check of the editor's track; the action
queues generation from the stream (catalog/trickplay.py) for tracks without a URL of their own.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from catalog.admin.badges import badge
from catalog.media import videos_of
from catalog.models import Series, TrickplayStatus, TrickplayTrack
from catalog.trickplay import trickplay_request
from streaming_portal.infra.admin_input import SafeInputAdmin

STATUS_COLOURS = {
    TrickplayStatus.NONE: "grey",
    TrickplayStatus.PENDING: "blue",
    TrickplayStatus.READY: "green",
    TrickplayStatus.FAILED: "red",
}


def trickplay_badge(track: TrickplayTrack) -> SafeString:
    if track._state.adding:
        return badge("Checked after saving", "grey")
    status = TrickplayStatus(track.status)
    return format_html(
        "{}<br><small>{}</small>",
        badge(status.label, STATUS_COLOURS[status], track.status_message),
        track.status_message,
    )


class TrickplayFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """After saving: a new or changed URL is checked, an emptied one is generated."""

    def save(self, commit: bool = True) -> list[Any]:
        saved = super().save(commit=commit)
        changed = [obj.pk for obj, fields in self.changed_objects if "trickplay_url" in fields]
        ids = [obj.pk for obj in self.new_objects] + changed
        if commit and ids:
            trickplay_request(video_ids=ids)
        return saved


class TrickplayTrackInline(admin.StackedInline):  # type: ignore[type-arg]
    model = TrickplayTrack
    formset = TrickplayFormSet
    formfield_overrides = {
        models.URLField: {
            "assume_scheme": "https",
            "widget": forms.URLInput(attrs={"class": "vURLField"}),
        }
    }
    fields = ["trickplay_url", "trickplay_status"]
    readonly_fields = ["trickplay_status"]
    extra = 0
    max_num = 1
    verbose_name = "seek-bar thumbnails (trickplay)"
    verbose_name_plural = verbose_name

    @admin.display(description="Status")
    def trickplay_status(self, obj: TrickplayTrack) -> SafeString:
        return trickplay_badge(obj)


@admin.register(TrickplayTrack)
class TrickplayTrackAdmin(SafeInputAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "status_badge", "trickplay_url", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["video__movie", "video__episode__season__series"]
    search_fields = ["video__movie__title", "video__episode__title"]
    fields = ["title", "trickplay_url", "status_badge", "updated_at"]
    readonly_fields = ["title", "status_badge", "updated_at"]
    actions = ["generate"]

    @admin.display(description="Title")
    def title(self, obj: TrickplayTrack) -> str:
        video = obj.video
        movie = getattr(video, "movie", None)
        if movie is not None:
            return str(movie.title)
        episode = getattr(video, "episode", None)
        if episode is not None:
            return str(episode)
        return str(video)

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: TrickplayTrack) -> SafeString:
        return trickplay_badge(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a track is added on its movie's or episode's page

    def save_model(
        self, request: HttpRequest, obj: TrickplayTrack, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if "trickplay_url" in form.changed_data:
            trickplay_request(video_ids=[obj.pk])

    @admin.action(description="Generate thumbnails (or check the track's own URL)")
    def generate(self, request: HttpRequest, queryset: QuerySet[TrickplayTrack]) -> None:
        queued = trickplay_request(video_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            f"{queued} trickplay build{'s' if queued != 1 else ''} queued; the status shows "
            "here when the worker is done.",
            messages.INFO,
        )


@admin.action(description="Generate seek-bar thumbnails")
def generate_thumbnails(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> None:
    """On the movie, series and episode lists: build every selected title's thumbnails."""
    for title in queryset:
        # a movie or an episode is its own video; a series builds all its episodes
        ids = (
            list(videos_of(title).values_list("pk", flat=True))
            if isinstance(title, Series)
            else [title.pk]
        )
        queued = trickplay_request(video_ids=ids)
        modeladmin.message_user(
            request,
            f"“{title}”: {queued} thumbnail build{'s' if queued != 1 else ''} queued.",
            messages.INFO,
        )
