"""Starting a viewing session: entitlement, a screen of the plan, the resume point, the first
stream token. (Ending one is playback/finish.py; renewing its token, playback/tokens.py.)"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef
from django.db.models.functions import JSONObject

from accounts.models import Profile
from catalog.models import (
    CaptionTrack,
    StreamSource,
    TrickplayStatus,
    TrickplayTrack,
    Video,
    VideoMarker,
)
from playback import edge, entitlement, live, rules, tokens
from playback.errors import PlaybackRefused
from playback.models import DeviceType, ViewingSession, WatchProgress
from streaming_portal.infra.languages import language_name


@dataclass(frozen=True)
class CaptionInfo:
    language_code: str
    label: str
    url: str
    is_default: bool


@dataclass(frozen=True)
class MarkerInfo:
    kind: str  # "intro", "recap", "credits"
    start: int
    end: int


@dataclass(frozen=True)
class PlaybackStart:
    session: ViewingSession
    token: str
    token_expires_at: int
    playlist_url: str
    resume_seconds: int
    duration_seconds: int
    captions: list[CaptionInfo]
    drm_required: bool
    markers: list[MarkerInfo]
    trickplay_url: str | None = None  # the seek-bar thumbnails' VTT, through the edge


MOBILE = re.compile(r"iPhone|Android.+Mobile|Windows Phone", re.IGNORECASE)
TABLET = re.compile(r"iPad|Android(?!.*Mobile)|Tablet", re.IGNORECASE)
TV = re.compile(r"SmartTV|SMART-TV|AppleTV|GoogleTV|HbbTV|Web0S|Tizen|CrKey", re.IGNORECASE)


def device_from_user_agent(user_agent: str) -> DeviceType:
    if TV.search(user_agent):
        return DeviceType.TV
    if TABLET.search(user_agent):
        return DeviceType.TABLET
    if MOBILE.search(user_agent):
        return DeviceType.MOBILE
    return DeviceType.DESKTOP if user_agent else DeviceType.UNKNOWN


def parse_device_type(value: Any, *, default: str) -> str:
    """The body's device_type (a DeviceType value, any case) or ``default`` when absent."""
    if value is None or value == "":
        return default
    if not isinstance(value, str) or value.upper() not in DeviceType.values:
        raise PlaybackRefused(
            "invalid_device_type",
            f"device_type must be one of {', '.join(DeviceType.values)}.",
            field="device_type",
        )
    return value.upper()


def session_start(
    *,
    profile: Profile,
    video: Video,
    device_type: str,
    edge_origin: str = "",
    from_start: bool = False,
) -> PlaybackStart:
    """Check entitlement, open a viewing session and issue its first stream token.

    ``video`` must come from ``entitlement.entitled_video`` (or ``Video.objects.for_profile``):
    availability and the ceiling are the caller's query. Here: the account is active, the
    title has a primary stream, and the plan's concurrent-stream limit is not reached.
    ``edge_origin`` is the scheme and host the viewer reaches the edge at (the audit's URL).
    """
    account = profile.account
    refusal = entitlement.account_refusal(profile)
    if refusal is not None:
        raise refusal
    stream = primary_stream(video)
    if stream is None:
        raise PlaybackRefused("no_stream", "This title is not ready to play yet.", status=409)
    now_ms = int(time.time() * 1000)
    session_id = uuid.uuid4()
    admitted = live.stream_admit(
        account_id=account.pk,
        session_id=session_id,
        limit=account.stream_limit,
        now_ms=now_ms,
        idle_ms=settings.SESSION_IDLE_SECONDS * 1000,
    )
    if not admitted:
        raise PlaybackRefused(
            "too_many_streams",
            f"The {account.get_subscription_plan_display()} plan plays on "
            f"{account.stream_limit} screen{'s' if account.stream_limit != 1 else ''} at a time, "
            "and that many are playing now. Stop one of them, then try again.",
            status=409,
        )
    try:
        session = ViewingSession.objects.create(
            id=session_id,
            video=video,
            profile=profile,
            device_type=device_type if device_type in DeviceType.values else DeviceType.UNKNOWN,
        )
        resume = 0 if from_start else resume_position(profile=profile, video=video)
    except BaseException:
        live.stream_release(account_id=account.pk, session_id=session_id)  # give it back
        raise
    live.session_open(
        session_id=session.pk,
        profile_id=profile.pk,
        account_id=account.pk,
        video_id=video.pk,
        stream_id=stream.pk,
        duration=video.duration_seconds,
        resume=resume,
        now_ms=now_ms,
    )
    token, expires = tokens.token_issue(
        session_id=session.pk, profile_id=profile.pk, edge_origin=edge_origin, checked=True
    )
    # The edge will ask for the stream's URL at once (the grant): it has it already.
    edge.stream_url_remember(str(stream.pk), str(stream.stream_url))
    acl = tokens.acl_for(session.pk)
    captions = [
        CaptionInfo(
            language_code=row["language_code"],
            label=language_name(row["language_code"]),
            url=f"{acl}captions/{row['pk']}.vtt",
            is_default=row["is_default"],
        )
        # TTML tracks too: the edge hands every track to the browser as WebVTT.
        for row in stream.caption_rows
    ]
    markers = [
        MarkerInfo(kind=row["kind"].lower(), start=row["start"], end=row["end"])
        for row in stream.marker_rows
    ]
    return PlaybackStart(
        session=session,
        token=token,
        token_expires_at=expires,
        playlist_url=f"{acl}master.m3u8",
        resume_seconds=resume,
        duration_seconds=video.duration_seconds,
        captions=captions,
        drm_required=stream.drm_required,
        markers=markers,
        # A READY track only, so the player never fetches a failed build.
        trickplay_url=f"{acl}thumbs/thumbs.vtt" if stream.thumbnails_ready else None,
    )


def primary_stream(video: Video) -> Any:
    """The video's primary stream with all the player needs of the video, in one query: its
    caption tracks (``caption_rows``), its intro, recap and credits markers (``marker_rows``),
    and whether its seek-bar thumbnails are ready (``thumbnails_ready``). None without one."""
    same_video = OuterRef("video_id")
    # The model's own order (default first, then by language): the captions menu's order.
    captions = CaptionTrack.objects.filter(video_id=same_video).order_by(
        *(CaptionTrack._meta.ordering or ())
    )
    markers = VideoMarker.objects.filter(video_id=same_video).order_by("start_seconds")
    ready = TrickplayTrack.objects.filter(video_id=same_video, status=TrickplayStatus.READY)
    return (
        StreamSource.objects.filter(video=video, is_primary=True)
        .only("id", "video_id", "drm_required", "stream_url")
        .annotate(
            caption_rows=ArraySubquery(
                captions.values(
                    row=JSONObject(pk="pk", language_code="language_code", is_default="is_default")
                )
            ),
            marker_rows=ArraySubquery(
                markers.values(
                    row=JSONObject(kind="kind", start="start_seconds", end="end_seconds")
                )
            ),
            thumbnails_ready=Exists(ready),
        )
        .first()
    )


def resume_position(*, profile: Profile, video: Video) -> int:
    """Where to start: the newest of the unflushed buffer and the stored progress."""
    recent = live.recent_position(profile.pk, video.pk)
    stored = WatchProgress.objects.filter(profile=profile, video=video).first()
    candidates: list[tuple[float, float]] = []
    if recent:
        candidates.append((recent.at_ms / 1000, recent.position))
    if stored:
        candidates.append((stored.last_watched_timestamp.timestamp(), stored.progress_seconds))
    if not candidates:
        return 0
    _, position = max(candidates)
    if rules.is_finished(position, video.duration_seconds):
        return 0  # finished: start again from the beginning
    return int(position)
