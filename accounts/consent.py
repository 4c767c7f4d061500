"""The owner's consent: what a profile may do in the household without it, and how it is given.

Rules (one owner of them, this module):

- **Opening a profile with a PIN** always asks for that profile's PIN.
- **Opening a profile that sees more** than the one in use (a higher maturity ceiling, or an
  adult profile from kids mode) asks for the owner's consent: the management PIN when the
  household has one, otherwise the account's password. Its own PIN, if it has one, will do.
- **Profile management** (adding, editing, deleting profiles, their ceilings and PINs) asks
  for consent from a restricted profile (kids mode or a ceiling), and from any profile once
  the household has a management PIN.

Consent is kept in the session for CONSENT_SECONDS and only for the profile that was in use
when it was given: switching profiles, or the time running out, ends it. Every PIN and
password typed here counts against the household's attempts (accounts/pins.py).
"""

from __future__ import annotations

import time
from enum import Enum

from django.contrib.sessions.backends.base import SessionBase

from accounts.models import Account, Profile

CONSENT_SESSION_KEY = "household_consent"
CONSENT_SECONDS = 10 * 60


class Unlock(Enum):
    """What opening a profile asks for."""

    NOTHING = "nothing"
    PROFILE_PIN = "profile_pin"
    OWNER = "owner"


NOBODY = 0  # consent given before any profile was chosen


def _consent_profile(session: SessionBase) -> int | None:
    given = session.get(CONSENT_SESSION_KEY)
    if not isinstance(given, dict):
        return None
    until, profile_id = given.get("until"), given.get("profile")
    if not isinstance(until, (int, float)) or until < time.time():
        return None
    return profile_id if isinstance(profile_id, int) else None


def consent_given(session: SessionBase, current: Profile | None) -> bool:
    """Whether the owner consented, in this session, for the profile now in use."""
    profile_id = _consent_profile(session)
    return profile_id is not None and profile_id == (current.pk if current else NOBODY)


def consent_grant(session: SessionBase, current: Profile | None) -> None:
    session[CONSENT_SESSION_KEY] = {
        "until": time.time() + CONSENT_SECONDS,
        "profile": current.pk if current else NOBODY,
    }


def consent_end(session: SessionBase) -> None:
    session.pop(CONSENT_SESSION_KEY, None)


def unlock_for(*, current: Profile | None, target: Profile) -> Unlock:
    """What choosing ``target`` asks for, while ``current`` is in use (None: nobody yet, just
    after the owner signed in with the password)."""
    if target.has_pin:
        return Unlock.PROFILE_PIN
    if current is not None and target.sees_more_than(current):
        return Unlock.OWNER
    return Unlock.NOTHING


def management_needs_consent(
    session: SessionBase, *, current: Profile | None, account: Account
) -> bool:
    if consent_given(session, current):
        return False
    restricted = current is not None and current.is_restricted
    return restricted or bool(account.management_pin_hash)


def owner_asks_pin(account: Account) -> bool:
    """The owner consents with the management PIN if there is one, else the password."""
    return bool(account.management_pin_hash)
