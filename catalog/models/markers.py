"""Intro, recap and credits markers: where a video's skippable parts begin and end.

The player offers "Skip intro" inside an intro or recap, and the next episode at the credits.
One marker of each kind per video. That a marker ends within the video's running time is a
rule across two tables (the duration lives on the Video row), so it is ``clean()``'s, and
``catalog.services.marker_save``'s for writes outside a form.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from catalog.models.titles import Video
from streaming_portal.infra.constraint_errors import ConstraintErrorsOnFields


def clock_text(seconds: int) -> str:
    """``95`` → ``"1:35"``, ``3725`` → ``"1:02:05"``: how editors read and type a time."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class VideoMarker(ConstraintErrorsOnFields):
    class Kind(models.TextChoices):
        INTRO = "INTRO", "Intro"
        RECAP = "RECAP", "Recap"
        CREDITS = "CREDITS", "Credits"

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="markers")
    kind = models.CharField(max_length=7, choices=Kind.choices)
    start_seconds = models.PositiveIntegerField(
        help_text='Where it begins, as "m:ss" or "h:mm:ss" from the start of the video.'
    )
    end_seconds = models.PositiveIntegerField(
        help_text="Where it ends: after the start, and no later than the video's running time."
    )

    constraint_fields: ClassVar[dict[str, str]] = {
        "end_after_start": "end_seconds",
        "start_not_negative": "start_seconds",
        "one_per_kind": "kind",
    }

    class Meta:
        ordering = ["start_seconds"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_seconds__gte=0),
                name="catalog_marker_start_not_negative",
                violation_error_message="The start cannot be before the beginning of the video.",
            ),
            models.CheckConstraint(
                condition=Q(end_seconds__gt=F("start_seconds")),
                name="catalog_marker_end_after_start",
                violation_error_message="The end must come after the start.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["INTRO", "RECAP", "CREDITS"]),
                name="catalog_marker_kind_valid",
            ),
            models.UniqueConstraint(
                fields=["video", "kind"],
                name="catalog_marker_one_per_kind",
                violation_error_message="This video already has a marker of this kind.",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {clock_text(self.start_seconds)}"
            f" to {clock_text(self.end_seconds)}"
        )

    def clean(self) -> None:
        """The end within the running time (reads self.video: one query if not loaded).

        Credits may end exactly at the end of the video."""
        super().clean()
        # A form hands over the title as submitted (maybe not saved yet): read it, not the row.
        if self.end_seconds is None or (
            self.video_id is None and not self._meta.get_field("video").is_cached(self)
        ):
            return
        if self.video.duration_minutes is None:
            return  # the running time has its own error on the same page
        duration = self.video.duration_minutes * 60
        if self.end_seconds > duration:
            raise ValidationError(
                {
                    "end_seconds": (
                        f"The end ({clock_text(self.end_seconds)}) is after the end of the "
                        f"video ({clock_text(duration)})."
                    )
                }
            )
