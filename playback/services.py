"""Playback workflows: what changes a profile's watch progress."""

from __future__ import annotations

from uuid import UUID

from accounts.models import Profile
from playback.models import WatchProgress


def progress_forget(*, profile: Profile, video_id: UUID) -> int:
    """Drop this profile's progress for one video (the row leaves Continue watching)."""
    deleted, _ = WatchProgress.objects.filter(profile=profile, video_id=video_id).delete()
    return deleted
