"""Catalog workflows: every write that spans models or applies a rule across them.

The admin and the importer both call these, so an editor and a staff import obey the same
rules: slugs are made once, audit fields always name who saved, and a title becomes VISIBLE
only through :func:`title_publish`, which checks streams and captions first (the rules are
in catalog/publishing.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.models import Episode, Genre, Movie, Series, Title, Video, VideoMarker, Visibility
from catalog.publishing import publishing_problems

TitleT = TypeVar("TitleT", Movie, Series)


def unique_slug(model: type[Title] | type[Genre], text: str) -> str:
    """``slugify(text)``, with -2, -3 … appended while another row holds it."""
    base = slugify(text)[:240] or "title"
    taken = set(model.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def title_save(
    *,
    title: TitleT,
    by: AbstractBaseUser | None,
    genres: Iterable[Genre] | None = None,
    allow_past_availability: bool = False,
) -> TitleT:
    """Validate and save a movie or series, with its genres, in one transaction.

    A new title gets its slug from its title (and keeps it forever: a database trigger
    refuses any later change) and ``created_by``. Every save records ``updated_by``.
    Raises ValidationError naming the field; nothing is written then.
    """
    adding = title._state.adding
    if isinstance(title, Movie):
        title.kind = Video.Kind.MOVIE
    if adding and not title.slug:
        title.slug = unique_slug(type(title), title.title)
    if adding:
        title.created_by = by  # type: ignore[assignment]
    title.updated_by = by  # type: ignore[assignment]
    title.allow_past_availability = allow_past_availability
    genre_list = list(genres) if genres is not None else None
    title.full_clean()
    if genre_list is not None and not genre_list:
        raise ValidationError({"genres": "Choose at least one genre."})
    with transaction.atomic():
        title.save()
        if genre_list is not None:
            title.genres.set(genre_list)
    return title


def episode_save(*, episode: Episode) -> Episode:
    episode.kind = Video.Kind.EPISODE
    episode.full_clean()
    episode.save()
    return episode


def marker_save(*, marker: VideoMarker) -> VideoMarker:
    """Save an intro, recap or credits marker after its rules (the end within the video's
    running time is ``VideoMarker.clean``'s, the rest the database's constraints)."""
    marker.full_clean()
    marker.save()
    return marker


@dataclass(frozen=True)
class PublishOutcome:
    title: Title
    published: bool
    problems: tuple[str, ...]


def title_publish(*, title: Title, by: AbstractBaseUser | None) -> PublishOutcome:
    """Make ``title`` VISIBLE if the publishing rule holds; otherwise say exactly why not."""
    with transaction.atomic():
        locked = type(title).objects.select_for_update().get(pk=title.pk)
        problems = publishing_problems(locked)
        if problems:
            return PublishOutcome(title, published=False, problems=tuple(problems))
        locked.visibility = Visibility.VISIBLE
        locked.updated_by = by  # type: ignore[assignment]
        locked.save(update_fields=["visibility", "updated_by", "updated_at"])
    title.visibility = Visibility.VISIBLE
    return PublishOutcome(title, published=True, problems=())


def title_hide(*, title: Title, by: AbstractBaseUser | None) -> Title:
    title.visibility = Visibility.HIDDEN
    title.updated_by = by  # type: ignore[assignment]
    title.save(update_fields=["visibility", "updated_by", "updated_at"])
    return title


def title_extend_availability(*, title: Title, by: AbstractBaseUser | None, days: int) -> Title:
    """Push the end of the window ``days`` later (from now, if it has already ended)."""
    base = max(title.availability_end, timezone.now())
    title.availability_end = base + timedelta(days=days)
    title.updated_by = by  # type: ignore[assignment]
    title.save(update_fields=["availability_end", "updated_by", "updated_at"])
    return title
