"""Playback: watch progress (the Netflix-style document's WatchProgress) and, later, sessions."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from accounts.models import Profile
from catalog.models import Video


class WatchProgress(models.Model):
    """Where a profile stopped in a movie or episode: one row per (profile, video).

    Written in bulk by the heartbeat flush, never once per heartbeat; the newest
    ``last_watched_timestamp`` wins.
    """

    pk = models.CompositePrimaryKey("profile", "video")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="progress")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="progress")
    last_watched_timestamp = models.DateTimeField()
    progress_seconds = models.PositiveIntegerField()
    is_finished = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "watch progress"
        indexes = [
            # Continue watching: a profile's unfinished titles, newest first.
            models.Index(
                fields=["profile", "-last_watched_timestamp"],
                condition=Q(is_finished=False),
                name="playback_progress_continue_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_seconds__gte=0), name="playback_progress_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile_id} at {self.progress_seconds}s of {self.video_id}"
