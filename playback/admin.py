from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from playback.models import ViewingSession


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Records written by the portal itself: editors read them, nobody edits them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ViewingSession)
class ViewingSessionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "video",
        "profile",
        "device_type",
        "started_at",
        "ended_at",
        "end_reason",
        "completion_percent",
    ]
    list_filter = ["device_type", "end_reason", "started_at"]
    list_select_related = ["video", "profile"]
    date_hierarchy = "started_at"
    search_fields = ["id", "profile__name"]
    # SignedStreamToken (a composite primary key) cannot have an admin page in Django 5.2;
    # its audit rows are for compliance queries, not for editors.
