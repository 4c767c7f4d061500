"""Watch progress as the catalog's pages show it (Continue watching, "Resume from 12:34"),
read from the app that owns it.

Imports point one way, accounts <- catalog <- playback, so the catalog's pages may not
import playback. The project names the reader in ``settings.VIEWER_PROGRESS`` (the module
``playback.progress``), the way Django names its session engine, and the pages ask here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol, cast
from uuid import UUID

from django.conf import settings

if TYPE_CHECKING:
    from accounts.models import Profile
    from catalog.browse import Card


class ContinueWatchingState(Protocol):
    @property
    def catalog_version(self) -> int: ...
    @property
    def key(self) -> str: ...


class StoredPosition(Protocol):
    """What a page reads of one title's progress."""

    progress_seconds: int


class BecauseRow(Protocol):
    """One "Because you watched X" row (templates/catalog/_because_rows.html renders them)."""

    @property
    def seed_title(self) -> str: ...
    @property
    def cards(self) -> Sequence[Card]: ...


class ProgressReader(Protocol):
    def continue_watching(self, profile: Profile) -> Sequence[Any]: ...

    def continue_watching_state(
        self, profile: Profile, *, also: Sequence[str] = ()
    ) -> ContinueWatchingState: ...

    def continue_watching_seconds(self, entries: Sequence[Any]) -> int: ...

    def because_you_watched(self, profile: Profile) -> Sequence[BecauseRow]: ...

    def progress_by_video(
        self, profile: Profile, video_ids: list[UUID]
    ) -> dict[UUID, StoredPosition]: ...


@cache
def reader() -> ProgressReader:
    return cast(ProgressReader, import_module(settings.VIEWER_PROGRESS))
