"""Four-digit PINs: how they are stored, checked, and how guessing them is stopped.

A PIN is stored as Django password hash of an HMAC of the PIN under a key derived from
SECRET_KEY, so a copy of the database alone does not give the PINs back: ten thousand
candidates are nothing to a salted hash, but they are useless without the key.

Guessing is stopped per household, not per PIN: every wrong PIN (a profile's lock or the
management PIN) counts against one Redis counter, and MAX_FAILURES within LOCK_SECONDS lock
every PIN of the household until the window ends. Redis away: no PIN is accepted (a lock
that fails open is no lock), and the viewer is told to try again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

PIN_FORMAT = re.compile(r"[0-9]{4}")
MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
REDIS_ERRORS = (RedisError, ConnectionInterrupted)


def _peppered(pin: str) -> str:
    key = hashlib.sha256(f"profile-pin:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, pin.encode(), hashlib.sha256).hexdigest()


def pin_valid(pin: object) -> str:
    """The PIN as typed if it is exactly four ASCII digits; otherwise a ValidationError."""
    if not isinstance(pin, str) or not PIN_FORMAT.fullmatch(pin):
        raise ValidationError("A PIN is exactly 4 digits.")
    return pin


def pin_hash(pin: str) -> str:
    return make_password(_peppered(pin_valid(pin)))


class PinLockedError(Exception):
    """Too many wrong PINs for this household: every PIN is refused for a while."""

    def __init__(self, seconds_left: int) -> None:
        super().__init__(seconds_left)
        self.seconds_left = seconds_left

    @property
    def message(self) -> str:
        minutes = max(1, -(-self.seconds_left // 60))
        return (
            "Too many wrong PINs. For the household's safety, PINs are locked for "
            f"{minutes} more minute{'s' if minutes != 1 else ''}."
        )


class PinUnavailableError(Exception):
    message = "PINs cannot be checked right now. Try again in a moment."


@dataclass(frozen=True)
class Attempt:
    matched: bool
    failures_left: int


def failures_key(account_id: int) -> str:
    return f"pin-failures:{account_id}"


def _count_failure(key: str) -> int:
    """One more miss: the first opens a LOCK_SECONDS window; the last locks for a full one."""
    cache.add(key, 0, timeout=LOCK_SECONDS)
    try:
        failures = int(cache.incr(key))
    except ValueError:  # the window closed between the two calls: this miss opens a new one
        cache.set(key, 1, timeout=LOCK_SECONDS)
        failures = 1
    if failures >= MAX_FAILURES:
        cache.expire(key, LOCK_SECONDS)  # type: ignore[attr-defined]
    return failures


def pin_check(*, account_id: int, stored_hash: str, pin: object) -> Attempt:
    """Check ``pin`` against ``stored_hash``, counting a miss against the household.

    Raises PinLockedError while the household is locked out (without checking the PIN at all),
    and PinUnavailableError when the counter cannot be read.
    """
    typed = pin if isinstance(pin, str) and PIN_FORMAT.fullmatch(pin) else None
    return guarded_check(
        account_id=account_id,
        matches=lambda: bool(
            typed is not None and stored_hash and check_password(_peppered(typed), stored_hash)
        ),
    )


def guarded_check(*, account_id: int, matches: Callable[[], bool]) -> Attempt:
    """Run ``matches`` (a PIN or password check) unless the household is locked out, and
    count a miss against it. The owner's password, typed to consent, counts too."""
    key = failures_key(account_id)
    try:
        failures = int(cache.get(key) or 0)
        if failures >= MAX_FAILURES:
            raise PinLockedError(int(cache.ttl(key) or LOCK_SECONDS))  # type: ignore[attr-defined]
        if matches():
            cache.delete(key)
            return Attempt(matched=True, failures_left=MAX_FAILURES)
        failures = _count_failure(key)
    except REDIS_ERRORS as error:
        raise PinUnavailableError from error
    if failures >= MAX_FAILURES:
        raise PinLockedError(LOCK_SECONDS)
    return Attempt(matched=False, failures_left=MAX_FAILURES - failures)
