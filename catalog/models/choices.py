"""The catalog's fixed states and scales (TextChoices and IntegerChoices, never bare strings)."""

from __future__ import annotations

from django.db import models


class Visibility(models.TextChoices):
    VISIBLE = "VISIBLE", "Visible"
    HIDDEN = "HIDDEN", "Hidden"


class MaturityRating(models.IntegerChoices):
    """A small fixed scale; the number is the minimum age, so ceilings compare with <=."""

    ALL = 0, "All ages"
    AGE_7 = 7, "7+"
    AGE_13 = 13, "13+"
    AGE_16 = 16, "16+"
    AGE_18 = 18, "18+"


class ValidationStatus(models.TextChoices):
    VALID = "VALID", "Valid"
    INVALID = "INVALID", "Invalid"
    UNKNOWN = "UNKNOWN", "Not checked yet"


class AvailabilityState(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    LIVE = "live", "Live"
    LAST_CHANCE = "last_chance", "Last days"
    EXPIRED = "expired", "Expired"
