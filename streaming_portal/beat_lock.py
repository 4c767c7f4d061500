"""One Celery beat across the cluster: every beat runs, only the one holding the lock schedules.

Beat is started on every worker host so that losing a host never stops the schedule; two
beats scheduling together would flush progress twice and revalidate media twice. So
``LockedScheduler`` (CELERY_BEAT_SCHEDULER) sends nothing unless it holds a lock in Redis:

- taken with SET NX PX, held for BEAT_LOCK_SECONDS and renewed on every tick, which comes at
  least every BEAT_LOCK_SECONDS / 3; renewal checks the holder's own token atomically, so a
  beat that stalled past the lock's life finds it lost and sends nothing more;
- a beat that cannot reach Redis holds nothing (the broker is the same Redis: it could not
  send anyway); released on a clean stop, so a standby takes over at its next tick.

A standby beat takes over within BEAT_LOCK_SECONDS of the leader's crash.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery.beat import PersistentScheduler
from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

LOCK_KEY = "beat:leader"
logger = logging.getLogger(__name__)

# Renew if it is ours, or take it if it is free: 1 when this beat holds the lock afterwards.
_HOLD = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def lock_hold(token: str, *, milliseconds: int) -> bool:
    """Take or renew the lock for ``token``; False when another holds it or Redis is away."""
    try:
        return bool(get_redis_connection("default").eval(_HOLD, 1, LOCK_KEY, token, milliseconds))
    except RedisError:
        return False


def lock_release(token: str) -> None:
    try:
        get_redis_connection("default").eval(_RELEASE, 1, LOCK_KEY, token)
    except RedisError:
        return


class LockedScheduler(PersistentScheduler):
    """A PersistentScheduler that schedules only while it holds the cluster's beat lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lock_token = f"{uuid.uuid4().hex}"
        self.leading = False
        super().__init__(*args, **kwargs)

    @property
    def lock_seconds(self) -> float:
        return float(settings.BEAT_LOCK_SECONDS)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        holding = lock_hold(self.lock_token, milliseconds=int(self.lock_seconds * 1000))
        if holding != self.leading:
            self.leading = holding
            logger.warning("beat_leading" if holding else "beat_standing_by")
        renew_within = self.lock_seconds / 3
        if not holding:
            return renew_within
        return float(min(super().tick(*args, **kwargs), renew_within))

    def close(self) -> None:
        if self.leading:
            lock_release(self.lock_token)
            self.leading = False
        super().close()
