"""What plays after an episode: the next one in its season, else the first of a later season.

Only an episode the profile may play now is offered (``Video.objects.for_profile``: the
series visible, inside its availability window, at or under the profile's ceiling), so the
end-of-episode overlay never links to a page that would answer 404. Movies have no next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Q
from django.urls import reverse

from accounts.models import Profile
from catalog.models import Video
from playback import rules


@dataclass(frozen=True)
class NextEpisode:
    video_id: UUID
    label: str  # "S1:E3 · Its name"
    watch_url: str


def next_episode(
    *, profile: Profile, video: Video, at: datetime | None = None
) -> NextEpisode | None:
    """The episode after ``video`` that ``profile`` may play at ``at`` (default: now), or None.

    Reads video.episode.season: select_related it first. One query for an episode, none for a
    movie. Seasons or numbers left out are skipped: the next is the first episode after this
    one in (season number, episode number) order.
    """
    if video.kind != Video.Kind.EPISODE:
        return None
    episode = video.episode
    season = episode.season
    after = Q(episode__season__number=season.number, episode__number__gt=episode.number) | Q(
        episode__season__number__gt=season.number
    )
    following: Video | None = (
        Video.objects.for_profile(profile, at=at)
        .filter(after, episode__season__series_id=season.series_id)
        # title_label reads both (a movie's join is empty here, and costs no query).
        .select_related("movie", "episode__season__series")
        .order_by("episode__season__number", "episode__number")
        .first()
    )
    if following is None:
        return None
    return NextEpisode(
        video_id=following.pk,
        label=rules.title_label(following).subtitle,
        watch_url=reverse("playback:watch", args=[following.pk]),
    )
