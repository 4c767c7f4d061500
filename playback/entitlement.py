"""Who may play what, now: the one rule, asked when a session starts and at every renewal.

A viewer is entitled to a video while their household's account is active and the video is
in ``Video.objects.for_profile(profile)`` (visible, inside its availability window, at or
under the profile's maturity ceiling). A session keeps its entitlement only as long as that
holds: the player renews its stream token every half token life, each renewal asks again, and
a refusal revokes the session, so a title hidden or expired mid-viewing stops within one
token life.
"""

from __future__ import annotations

from uuid import UUID

from accounts.models import Profile
from catalog.models import Video
from playback.errors import PlaybackRefused

TITLE_UNAVAILABLE = "title_unavailable"
ACCOUNT_INACTIVE = "account_inactive"
MESSAGES = {
    TITLE_UNAVAILABLE: "This title is no longer available.",
    ACCOUNT_INACTIVE: "This household's account is not active; playback resumes once it is.",
}


def account_refusal(profile: Profile) -> PlaybackRefused | None:
    """Reads profile.account: one query if it is not loaded."""
    account = profile.account
    if account.is_active:
        return None
    return PlaybackRefused(
        ACCOUNT_INACTIVE,
        f"This household's account is {account.get_status_display().lower()}; "
        "playback resumes once it is active again.",
        status=403,
    )


def entitled_video(*, profile: Profile, video_id: UUID | str) -> Video:
    """The video if ``profile`` may play it now; PlaybackRefused otherwise (one query, plus
    one for the account if it is not loaded)."""
    refusal = account_refusal(profile)
    if refusal is not None:
        raise refusal
    video: Video | None = Video.objects.for_profile(profile).filter(pk=video_id).first()
    if video is None:
        raise PlaybackRefused(TITLE_UNAVAILABLE, MESSAGES[TITLE_UNAVAILABLE], status=404)
    return video


def still_entitled(*, profile_id: int, video_id: UUID | str) -> PlaybackRefused | None:
    """Why a running session's viewer may no longer play its video, or None (two queries)."""
    profile = Profile.objects.select_related("account").filter(pk=profile_id).first()
    if profile is None:
        return PlaybackRefused(TITLE_UNAVAILABLE, MESSAGES[TITLE_UNAVAILABLE], status=404)
    try:
        entitled_video(profile=profile, video_id=video_id)
    except PlaybackRefused as refusal:
        return refusal
    return None
