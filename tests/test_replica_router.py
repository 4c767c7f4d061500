"""Which database a read goes to (streaming_portal/infra/replica.py).

The suite runs on one PostgreSQL, so these tests give the router a replica's state as the
health check would have read it; ``make cluster-test`` runs the same router against a real
streaming replica that it stops and starts under load.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from accounts.models import Profile
from catalog.models import Movie
from playback.models import WatchProgress
from streaming_portal.infra import replica
from streaming_portal.infra.replica import ReplicaRouter, ReplicaState, replica_reads

router = ReplicaRouter()


@pytest.fixture
def replica_up(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A configured replica, caught up at WAL position 1,000, checked just now."""
    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "_state", ReplicaState(True, 1_000, 0, time.monotonic() + 3600))
    yield
    cache.delete(replica.MARK_KEY)


def test_it_reads_pg_lsn_positions() -> None:
    assert replica.lsn_value("16/B374D848") == (0x16 << 32) + 0xB374D848
    assert replica.lsn_value("0/0") == 0
    assert replica.lsn_value(None) == -1


def test_without_a_replica_every_read_goes_to_the_primary(db: None) -> None:
    with replica_reads(True):
        assert router.db_for_read(Movie) == "default"


@pytest.mark.usefixtures("replica_up")
def test_a_viewers_browse_read_goes_to_a_current_replica(db: None) -> None:
    with replica_reads(True):
        assert router.db_for_read(Movie) == "replica"


@pytest.mark.usefixtures("replica_up")
@pytest.mark.parametrize("model", [Profile, WatchProgress])
def test_a_viewers_own_account_and_progress_read_the_primary(db: None, model: type) -> None:
    with replica_reads(True):
        assert router.db_for_read(model) == "default"


@pytest.mark.usefixtures("replica_up")
def test_reads_outside_a_viewers_get_request_go_to_the_primary(db: None) -> None:
    # Tasks, commands, editors in the admin and every POST: the middleware never allows it.
    assert router.db_for_read(Movie) == "default"
    with replica_reads(False):
        assert router.db_for_read(Movie) == "default"


@pytest.mark.usefixtures("replica_up")
def test_every_write_goes_to_the_primary(db: None) -> None:
    with replica_reads(True):
        assert router.db_for_write(Movie) == "default"
        assert router.allow_migrate("replica", "catalog") is False


@pytest.mark.usefixtures("replica_up")
def test_a_replica_behind_the_last_catalog_change_is_skipped(db: None) -> None:
    cache.set(replica.MARK_KEY, 1_001)
    with replica_reads(True):
        assert router.db_for_read(Movie) == "default"
    cache.set(replica.MARK_KEY, 1_000)
    with replica_reads(True):
        assert router.db_for_read(Movie) == "replica"


@pytest.mark.parametrize(
    "state",
    [
        ReplicaState(False, -1, 0, time.monotonic() + 3600),  # unreachable
        ReplicaState(True, 1_000, 64 * 1024 * 1024, time.monotonic() + 3600),  # far behind
    ],
    ids=["unreachable", "lagging"],
)
def test_an_unreachable_or_lagging_replica_is_skipped(
    db: None, monkeypatch: pytest.MonkeyPatch, state: ReplicaState
) -> None:
    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "_state", state)

    with replica_reads(True):
        assert router.db_for_read(Movie) == "default"


@pytest.mark.usefixtures("replica_up")
def test_a_failed_replica_is_skipped_until_the_next_check(db: None) -> None:
    replica.replica_mark_down()

    with replica_reads(True):
        assert router.db_for_read(Movie) == "default"
