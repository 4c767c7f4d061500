"""Streams and captions in the admin: the inlines, the rules across their rows, the verdicts.

The rules across rows are catalog/publishing.py's, the importer's too; a save hands new
media and changed URLs to catalog.media.media_urls_changed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import BaseInlineFormSet
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from catalog import publishing
from catalog.admin.badges import VERDICT_COLOURS, badge
from catalog.media import media_urls_changed
from catalog.media_checks import renditions_summary
from catalog.models import (
    CaptionTrack,
    Episode,
    Movie,
    StreamSource,
    ValidationStatus,
    Video,
    Visibility,
)
from streaming_portal.infra.admin_input import TextRulesAdmin
from streaming_portal.infra.origin import browser_url


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
        media_urls_changed(stream_ids=ids)
    else:
        media_urls_changed(caption_ids=ids)


class MediaFormSet(BaseInlineFormSet, ABC):  # type: ignore[type-arg]
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

    @abstractmethod
    def rows_problems(self) -> list[str]: ...

    def clean(self) -> None:
        # The rules before super().clean(): its unique check would answer a language given
        # twice with only "Please correct the duplicate data for language_code."
        problems = self.rows_problems()
        if problems:
            raise ValidationError(problems)
        super().clean()


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
        listed = renditions_summary(obj.validation_renditions or [])
        if not listed or obj._state.adding:
            return verdict(obj)
        return format_html(
            '{}<br><small class="portal-renditions">{}</small>', verdict(obj), listed
        )


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
