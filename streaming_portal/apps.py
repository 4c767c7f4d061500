from __future__ import annotations

from django.apps import AppConfig


class StreamingPortalConfig(AppConfig):
    name = "streaming_portal"
    verbose_name = "Streaming portal"

    def ready(self) -> None:
        from streaming_portal import checks  # noqa: F401, PLC0415 - registers the system checks
