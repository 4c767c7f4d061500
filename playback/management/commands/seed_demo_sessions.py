from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.maturity import KIDS_CEILING
from accounts.models import Profile
from catalog.models import Episode, Movie
from playback.models import DeviceType, EndReason, ViewingSession

DEVICE_WEIGHTS = {
    DeviceType.TV: 34,
    DeviceType.DESKTOP: 26,
    DeviceType.MOBILE: 26,
    DeviceType.TABLET: 11,
    DeviceType.UNKNOWN: 3,
}
# The codes the player reports (static/js/player.js): hls.js's fatal error types, and the
# HTML media element's MediaError codes (2 network, 3 decode, 4 source not supported).
BACKGROUND_ERRORS = {"hls_networkError": 3, "media_err_2": 3, "hls_mediaError": 2, "media_err_4": 1}
BACKGROUND_ERROR_RATE = 0.04
# The incidents the demo tells: a popular title's stream has kept failing for the last ten
# days, and phones fail to decode now and then.
TROUBLED_TITLE = "Static Signal"
TROUBLED_TITLE_POPULARITY = 4.0
TROUBLED_TITLE_ERROR_RATE = 0.6
TROUBLED_DAYS = 10
PHONE_DECODE_ERROR_RATE = 0.12
# Evening viewing: weights of the hours 7:00 to 23:00.
HOUR_WEIGHTS = [1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4, 6, 9, 10, 8, 4]
KIDS_SHARE = 0.3


@dataclass(frozen=True)
class Playable:
    video_id: Any
    title: str
    duration_seconds: int
    maturity_rating: int


def demo_sessions_build(
    *,
    playables: Sequence[Playable],
    adult: Profile,
    kids: Profile | None,
    days: int,
    now: datetime,
    seed: int,
) -> list[ViewingSession]:
    """Plausible, ended viewing sessions over the ``days`` before ``now``, unsaved.

    Deterministic for a given seed, catalog and ``now``: more plays at weekends and in the
    evening, a few popular titles, about half the sessions watched to the end, and player
    errors on a few percent, concentrated on TROUBLED_TITLE and on phones.
    """
    rng = random.Random(seed)  # noqa: S311 - demo data, no secret
    kids_playables = [p for p in playables if p.maturity_rating <= KIDS_CEILING]
    # A long tail: each title's popularity, fixed by the seed.
    popularity = {p.video_id: rng.paretovariate(1.2) for p in playables}
    # The troubled title is among the most watched whatever the draw, so its incident leads
    # the errors chart on every day the demo is seeded, not only on most.
    most = max(popularity.values(), default=1.0)
    for p in playables:
        if p.title == TROUBLED_TITLE:
            popularity[p.video_id] = max(popularity[p.video_id] * TROUBLED_TITLE_POPULARITY, most)
    start_day = timezone.localtime(now).date() - timedelta(days=days - 1)
    sessions = []
    for offset in range(days):
        day = start_day + timedelta(days=offset)
        weekend = day.weekday() >= 5
        plays = max(0, round(rng.gauss(11 + 6 * weekend + offset * 0.12, 2.5)))
        for _ in range(plays):
            hour = rng.choices(range(7, 24), weights=HOUR_WEIGHTS)[0]
            started_at = timezone.make_aware(
                datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)))
            )
            if started_at >= now:
                continue
            profile = adult
            choices = playables
            if kids is not None and kids_playables and rng.random() < KIDS_SHARE:
                profile, choices = kids, kids_playables
            playable = rng.choices(choices, weights=[popularity[p.video_id] for p in choices])[0]
            device = rng.choices(list(DEVICE_WEIGHTS), weights=list(DEVICE_WEIGHTS.values()))[0]
            incident = playable.title == TROUBLED_TITLE and days - offset <= TROUBLED_DAYS
            errors = _player_errors(rng, device, incident=incident)
            completion = _completion(rng, failed=bool(errors))
            watched = playable.duration_seconds * completion / 100
            ended_at = started_at + timedelta(seconds=watched + rng.randrange(0, 600))
            sessions.append(
                ViewingSession(
                    video_id=playable.video_id,
                    profile=profile,
                    started_at=started_at,
                    ended_at=ended_at,
                    end_reason=EndReason.ENDED
                    if completion >= 95
                    else rng.choices([EndReason.CLOSED, EndReason.IDLE], weights=[4, 1])[0],
                    completion_percent=completion,
                    device_type=device,
                    player_errors=errors,
                )
            )
    return sessions


def _player_errors(rng: random.Random, device: str, *, incident: bool) -> list[str]:
    errors = []
    if incident and rng.random() < TROUBLED_TITLE_ERROR_RATE:
        errors.append("hls_networkError")
        if rng.random() < 0.4:
            errors.append("media_err_2")
    if device == DeviceType.MOBILE and rng.random() < PHONE_DECODE_ERROR_RATE:
        errors.append("media_err_3")
    if not errors and rng.random() < BACKGROUND_ERROR_RATE:
        codes = list(BACKGROUND_ERRORS)
        errors.append(rng.choices(codes, weights=list(BACKGROUND_ERRORS.values()))[0])
    return errors


def _completion(rng: random.Random, *, failed: bool) -> int:
    if failed:
        return rng.randint(0, 40)
    if rng.random() < 0.5:
        return rng.choice([100, 100, 100, rng.randint(90, 99)])
    return round(rng.triangular(0, 89, 12))


def demo_playables() -> list[Playable]:
    """Every movie and episode, movies first, in a stable order (two queries)."""
    movies = [
        Playable(movie.pk, movie.title, movie.duration_minutes * 60, movie.maturity_rating)
        for movie in Movie.objects.order_by("title")
    ]
    episodes = [
        Playable(
            episode.pk,
            episode.season.series.title,
            episode.duration_minutes * 60,
            episode.season.series.maturity_rating,
        )
        for episode in Episode.objects.select_related("season__series").order_by(
            "season__series__title", "season__number", "number"
        )
    ]
    return movies + episodes


class Command(BaseCommand):
    help = (
        "Create a plausible viewing history for the editors' dashboard: ended viewing sessions "
        "of the demo viewer's profiles (Alex, and Kids on kids' titles) over the catalog's "
        "movies and episodes for the last --days days, with player errors on some (most on "
        "'Static Signal' and on phones). Deterministic for a --seed and a day, written in "
        "bulk. Run seed_demo first. --if-empty does nothing when any session exists; "
        "--replace deletes the demo viewer's earlier sessions first; --dry-run writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when any viewing session exists."
        )
        parser.add_argument(
            "--days", type=int, default=30, help="How many days of history (default: 30)."
        )
        parser.add_argument(
            "--viewer", default="viewer", help="Username of the demo viewer (default: viewer)."
        )
        parser.add_argument("--seed", type=int, default=7, help="Random seed (default: 7).")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the demo viewer's earlier sessions first (watch progress stays).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be created; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and ViewingSession.objects.exists():
            self.stdout.write("Viewing sessions exist already; no demo sessions were created.")
            return
        days = options["days"]
        if not 1 <= days <= 366:
            raise CommandError(f"--days must be between 1 and 366, not {days}.")
        viewer = get_user_model().objects.filter(username=options["viewer"]).first()
        profiles = {
            profile.name: profile
            for profile in Profile.objects.filter(account__owner=viewer).order_by("pk")
        }
        adult = next((p for p in profiles.values() if not p.is_kids), None)
        if viewer is None or adult is None:
            raise CommandError(
                f"No demo viewer {options['viewer']!r} with an adult profile: run "
                "`manage.py runportal --prepare-only` (or `make run`) first, or pass --viewer."
            )
        kids = next((p for p in profiles.values() if p.is_kids), None)
        playables = demo_playables()
        if not playables:
            raise CommandError("The catalog has no movies or episodes: run seed_demo first.")
        sessions = demo_sessions_build(
            playables=playables,
            adult=adult,
            kids=kids,
            days=days,
            now=timezone.now(),
            seed=options["seed"],
        )
        with_errors = sum(1 for session in sessions if session.player_errors)
        summary = (
            f"{len(sessions)} viewing sessions over {days} days for {len(profiles)} profile(s) "
            f"and {len(playables)} movies and episodes ({with_errors} with player errors)"
        )
        if options["dry_run"]:
            self.stdout.write(f"Dry run: would create {summary}.")
            return
        with transaction.atomic():
            if options["replace"]:
                ViewingSession.objects.filter(profile__in=profiles.values()).delete()
            ViewingSession.objects.bulk_create(sessions, batch_size=1000)
        self.stdout.write(self.style.SUCCESS(f"Created {summary}."))
