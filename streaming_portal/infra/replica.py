"""Browse reads on a streaming replica, and never a stale or broken page because of it.

With DATABASE_REPLICA_URL set, the ``replica`` database serves reads of the apps named in
REPLICA_READ_APPS (the catalog), and only inside a viewer's GET or HEAD request
(``ReplicaReadsMiddleware``). Everything else reads the primary: editors (the admin), a
viewer's own progress and account, every write and whatever follows it, tasks and commands.

The replica is used only while it is current enough:

- **Reachable and close**: each process asks the replica where it has replayed to (its
  ``pg_last_wal_replay_lsn``) at most every REPLICA_CHECK_SECONDS; an unreachable replica,
  or one more than REPLICA_MAX_LAG_BYTES behind the primary, is skipped until the next check.
- **Past the last catalog change**: after a catalog edit commits, the primary's WAL position
  is kept in Redis (``replica_mark_after_commit``) before the catalog version moves on; a
  page built from the replica must find the replica at or past it, so a page cached under
  the new version is never built from the old rows.
- **A failure mid-request** (the replica stopped between two checks) marks it down and the
  middleware answers the request again from the primary; the viewer sees a page.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import got_request_exception
from django.db import DatabaseError, connections, transaction
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PRIMARY = "default"
MARK_KEY = "db:catalog-lsn"
logger = logging.getLogger(__name__)

_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_allowed", default=False)
_used: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_used", default=False)
_db_failed: contextvars.ContextVar[bool] = contextvars.ContextVar("db_failed", default=False)


@dataclass(frozen=True)
class ReplicaState:
    reachable: bool
    replay_lsn: int  # -1: unknown
    lag_bytes: int
    checked_at: float


_state = ReplicaState(reachable=False, replay_lsn=-1, lag_bytes=0, checked_at=0.0)
_state_lock = threading.Lock()


def configured() -> bool:
    return REPLICA in settings.DATABASES


def lsn_value(text: str | None) -> int:
    """A pg_lsn ('16/B374D848') as a number; -1 for none."""
    if not text:
        return -1
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def _check() -> ReplicaState:
    now = time.monotonic()
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            primary = lsn_value(cursor.fetchone()[0])
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), "
                "coalesce(pg_last_wal_replay_lsn(), pg_current_wal_lsn())::text"
            )
            _, replayed = cursor.fetchone()
    except DatabaseError as error:
        logger.warning("replica_unavailable", extra={"error": str(error)[:200]})
        connections[REPLICA].close()
        return ReplicaState(False, -1, 0, now)
    replay = lsn_value(replayed)
    return ReplicaState(True, replay, max(0, primary - replay), now)


def replica_state() -> ReplicaState:
    """This process's view of the replica, refreshed at most every REPLICA_CHECK_SECONDS."""
    global _state  # noqa: PLW0603 - one cached reading per process, replaced whole
    if time.monotonic() - _state.checked_at < settings.REPLICA_CHECK_SECONDS:
        return _state
    with _state_lock:
        if time.monotonic() - _state.checked_at >= settings.REPLICA_CHECK_SECONDS:
            _state = _check()
    return _state


def replica_mark_down() -> None:
    """The replica failed a query: skip it until the next check."""
    global _state  # noqa: PLW0603
    with _state_lock:
        _state = ReplicaState(False, -1, 0, time.monotonic())


def _mark() -> int:
    value = cache.get(MARK_KEY)
    return int(value) if value is not None else -1


def replica_mark_after_commit(then: Callable[[], None]) -> None:
    """After the current transaction commits: keep the primary's WAL position, then run
    ``then`` (the catalog version's bump), so the new version is never read before the mark."""
    if not configured():
        return

    def mark() -> None:
        try:
            with connections[PRIMARY].cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_lsn()::text")
                cache.set(MARK_KEY, lsn_value(cursor.fetchone()[0]), timeout=None)
        except DatabaseError:
            logger.warning("replica_mark_failed")
        then()

    transaction.on_commit(mark, using=PRIMARY)


def usable_for_read() -> bool:
    if not (configured() and _allowed.get()):
        return False
    state = replica_state()
    if not state.reachable or state.lag_bytes > settings.REPLICA_MAX_LAG_BYTES:
        return False
    return state.replay_lsn >= _mark()


class ReplicaRouter:
    """Reads of REPLICA_READ_APPS go to the replica when ``usable_for_read``; the rest, and
    every write, go to the primary. Both hold the same tables: relations are allowed."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        if model._meta.app_label in settings.REPLICA_READ_APPS and usable_for_read():
            _used.set(True)
            return REPLICA
        return PRIMARY

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


@contextmanager
def replica_reads(allowed: bool) -> Iterator[None]:
    tokens = (_allowed.set(allowed), _used.set(False), _db_failed.set(False))
    try:
        yield
    finally:
        _allowed.reset(tokens[0])
        _used.reset(tokens[1])
        _db_failed.reset(tokens[2])


def _record_failure(sender: Any, request: Any = None, **kwargs: Any) -> None:
    """Django turns a view's exception into a 500 inside the middleware; this notes whether
    it was the database's (the signal fires with the exception being handled)."""
    if isinstance(sys.exc_info()[1], DatabaseError):
        _db_failed.set(True)


got_request_exception.connect(_record_failure, dispatch_uid="replica-db-failure")


class ReplicaReadsMiddleware:
    """Allows replica reads for a viewer's GET and HEAD, never in the admin; answers again
    from the primary when the replica failed during the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.admin_prefix = "/admin/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        allowed = (
            configured()
            and request.method in {"GET", "HEAD"}
            and not request.path.startswith(self.admin_prefix)
        )
        if not allowed:
            return self.get_response(request)
        with replica_reads(True):
            try:
                response = self.get_response(request)
                failed = response.status_code >= 500 and _used.get() and _db_failed.get()
            except DatabaseError:
                if not _used.get():
                    raise
                failed = True
        if not failed:
            return response
        replica_mark_down()
        logger.warning("replica_failed_request_retried", extra={"path": request.path})
        with replica_reads(False):
            return self.get_response(request)
