"""The list filters of the title and episode admins, and the media verdict counts they read.

The counts are annotations (one query for the whole page, whatever the catalog size); the
media filter and the media badge both read them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Value
from django.http import HttpRequest
from django.utils import timezone

from catalog import last_chance
from catalog.models import AvailabilityState, ValidationStatus, Video, Visibility
from streaming_portal.infra.admin_input import KnownValueFilter


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


class AvailabilityFilter(KnownValueFilter):
    title = "availability"
    parameter_name = "availability"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(state.value, state.label) for state in AvailabilityState]

    def filter(self, request: HttpRequest, queryset: QuerySet[Any], value: str) -> QuerySet[Any]:
        now = timezone.now()
        soon = now + last_chance.window()
        conditions = {
            AvailabilityState.UPCOMING: Q(availability_start__gt=now),
            # As on the badge: "Live" titles are those not in their last days.
            AvailabilityState.LIVE: Q(availability_start__lte=now, availability_end__gte=soon),
            AvailabilityState.LAST_CHANCE: Q(
                availability_start__lte=now, availability_end__gt=now, availability_end__lt=soon
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
