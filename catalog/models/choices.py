"""The catalog's fixed states and scales (TextChoices and IntegerChoices, never bare strings)."""

from __future__ import annotations

from django.db import models

from accounts.maturity import MaturityRating

__all__ = ["AvailabilityState", "MaturityRating", "ValidationStatus", "Visibility"]


class Visibility(models.TextChoices):
    VISIBLE = "VISIBLE", "Visible"
    HIDDEN = "HIDDEN", "Hidden"


class ValidationStatus(models.TextChoices):
    VALID = "VALID", "Valid"
    INVALID = "INVALID", "Invalid"
    UNKNOWN = "UNKNOWN", "Not checked yet"


class AvailabilityState(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    LIVE = "live", "Live"
    LAST_CHANCE = "last_chance", "Last days"
    EXPIRED = "expired", "Expired"
