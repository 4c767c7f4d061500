"""A video's trickplay track: seek-bar thumbnails from a WebVTT file whose cues name sprite
regions (``sprite-0.jpg#xywh=0,0,160,90``).

Editors either give the URL of their own track (the worker then checks it like a caption
file) or leave it empty and ask the worker to generate one from the stream (local origin
only: catalog/trickplay.py). ``status`` says where that stands, so the admin can show a
failed generation or a refused file beside the title.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q

from catalog.fields import validate_fetchable_url
from catalog.models.media import VTT_URL
from catalog.models.titles import HTTPS_PREFIX, Video
from streaming_portal.infra.constraint_errors import ConstraintErrorsOnFields
from streaming_portal.infra.text import single_line


class TrickplayStatus(models.TextChoices):
    NONE = "NONE", "None"
    PENDING = "PENDING", "Pending"
    READY = "READY", "Ready"
    FAILED = "FAILED", "Failed"


class TrickplayTrack(ConstraintErrorsOnFields):
    video = models.OneToOneField(
        Video, on_delete=models.CASCADE, primary_key=True, related_name="trickplay"
    )
    trickplay_url = models.URLField(
        max_length=500,
        blank=True,
        validators=[single_line("Trickplay URL"), validate_fetchable_url],
        help_text=(
            "An HTTPS .vtt thumbnails track (cues name sprite regions with #xywh=). Leave "
            "empty and use “Generate thumbnails” to have the worker make one from the stream."
        ),
    )
    status = models.CharField(
        max_length=7,
        choices=TrickplayStatus.choices,
        default=TrickplayStatus.NONE,
        editable=False,
    )
    status_message = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    constraint_fields: ClassVar[dict[str, str]] = {"trickplay_url_vtt": "trickplay_url"}

    class Meta:
        verbose_name = "trickplay track"
        constraints = [
            models.CheckConstraint(
                condition=Q(trickplay_url="")
                | Q(trickplay_url__startswith=HTTPS_PREFIX, trickplay_url__iregex=VTT_URL),
                name="catalog_trickplay_url_vtt",
                violation_error_message="The trickplay URL must be an https:// .vtt file.",
            ),
            models.CheckConstraint(
                condition=~Q(status="READY") | ~Q(trickplay_url=""),
                name="catalog_trickplay_ready_has_url",
                violation_error_message="A ready trickplay track needs its URL.",
            ),
        ]

    def __str__(self) -> str:
        return f"Trickplay ({self.get_status_display()})"
