"""Cache invalidation only (no business rules): a catalog edit clears the cached rows."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from catalog.models import Episode, Genre, Movie, Season, Series
from catalog.versions import bump_catalog_version
from streaming_portal.infra.replica import replica_mark_after_commit


def _catalog_changed(sender: Any, **kwargs: Any) -> None:
    bump_catalog_version()
    # With a read replica: again once committed, after the replica mark (infra/replica.py).
    replica_mark_after_commit(bump_catalog_version)


def connect() -> None:
    for model in (Movie, Series, Season, Episode, Genre):
        post_save.connect(_catalog_changed, sender=model, dispatch_uid=f"browse-{model.__name__}")
        post_delete.connect(
            _catalog_changed, sender=model, dispatch_uid=f"browse-del-{model.__name__}"
        )
    for through in (Movie.genres.through, Series.genres.through):
        m2m_changed.connect(
            _catalog_changed, sender=through, dispatch_uid=f"browse-m2m-{through.__name__}"
        )
