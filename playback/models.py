"""Playback: watch progress, viewing sessions and the audit of issued stream tokens."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Profile
from catalog.models import Video


class WatchProgress(models.Model):
    """Where a profile stopped in a movie or episode: one row per (profile, video).

    Written in bulk by the heartbeat flush, never once per heartbeat; the newest
    ``last_watched_timestamp`` wins.
    """

    pk = models.CompositePrimaryKey("profile", "video")
    # The primary key (profile, video) serves every lookup by profile: no index of its own.
    profile = models.ForeignKey(
        Profile, on_delete=models.CASCADE, related_name="progress", db_index=False
    )
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="progress")
    last_watched_timestamp = models.DateTimeField()
    progress_seconds = models.PositiveIntegerField()
    is_finished = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "watch progress"
        # No index on the position, its time or is_finished: the flush rewrites those columns
        # for 10,000 rows at a time, and with none of them indexed PostgreSQL updates each row
        # in place on its page (a HOT update, the table's fillfactor leaves the room; see the
        # migration) instead of writing a new entry into every index. Continue watching reads
        # a profile's rows through the primary key and sorts the few it finds.
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_seconds__gte=0), name="playback_progress_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile_id} at {self.progress_seconds}s of {self.video_id}"


class DeviceType(models.TextChoices):
    DESKTOP = "DESKTOP", "Desktop"
    MOBILE = "MOBILE", "Phone"
    TABLET = "TABLET", "Tablet"
    TV = "TV", "TV"
    UNKNOWN = "UNKNOWN", "Unknown"


class EndReason(models.TextChoices):
    ENDED = "ENDED", "Played to the end"
    CLOSED = "CLOSED", "Closed by the viewer"
    IDLE = "IDLE", "No heartbeat (closed automatically)"
    REVOKED = "REVOKED", "Stopped: no longer entitled (title or account)"


class ViewingSession(models.Model):
    """One sitting with the player: analytics and incident triage (the movie-portal document).

    Live state (position, last heartbeat, errors) is kept in Redis while the session runs and
    written here when it ends, by a worker, so the heartbeat path never touches this table.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="viewing_sessions")
    # Deleting a profile deletes its viewing history (the UI says so); token audit rows stay.
    profile = models.ForeignKey(
        Profile, on_delete=models.CASCADE, null=True, blank=True, related_name="viewing_sessions"
    )
    anonymous_id = models.CharField(
        max_length=64, blank=True, help_text="For a viewer without a profile (not used yet)."
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=12, choices=EndReason.choices, blank=True)
    completion_percent = models.PositiveSmallIntegerField(default=0)
    device_type = models.CharField(
        max_length=7, choices=DeviceType.choices, default=DeviceType.UNKNOWN
    )
    player_errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["started_at"], name="playback_session_started_idx"),
            models.Index(
                fields=["profile"],
                condition=Q(ended_at__isnull=True),
                name="playback_session_open_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(completion_percent__lte=100), name="playback_session_completion_range"
            ),
            models.CheckConstraint(
                condition=Q(profile__isnull=False) | ~Q(anonymous_id=""),
                name="playback_session_has_viewer",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="playback_session_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(device_type__in=DeviceType.values), name="playback_session_device_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} ({self.get_device_type_display()})"


class SignedStreamToken(models.Model):
    """The compliance record of an issued stream token: who, what, when, which session.

    The token itself lives only in Redis (for its few minutes) and in the viewer's cookie;
    this row keeps a SHA-256 of it, never the token.
    """

    pk = models.CompositePrimaryKey("token_id", "video")
    token_id = models.UUIDField(default=uuid.uuid4)
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="stream_tokens")
    session = models.ForeignKey(
        ViewingSession, on_delete=models.SET_NULL, null=True, related_name="stream_tokens"
    )
    profile = models.ForeignKey(
        Profile, on_delete=models.SET_NULL, null=True, related_name="stream_tokens"
    )
    viewer_context = models.CharField(max_length=64, help_text="Keyed hash of viewer and session.")
    signed_url = models.URLField(
        max_length=300,
        help_text="The HTTPS URL the token opens (the edge's address of the session's files), "
        "never the token itself.",
    )
    key_id = models.CharField(max_length=32)
    token_sha256 = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("issued_at"))
                & Q(expires_at__lte=F("issued_at") + timedelta(seconds=300)),
                name="playback_token_ttl_at_most_5_minutes",
            ),
        ]

    def __str__(self) -> str:
        return f"Token {self.token_id} for session {self.session_id}"
